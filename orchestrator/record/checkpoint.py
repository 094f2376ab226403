"""Checkpoints: everything the next tick depends on, in one self-checking file.

A checkpoint after tick t holds the loop's classical state (preparation angles or amplitudes,
coupling constants, ACE and stability state), the spiking network's state (``NetworkState``:
voltages, weights after STDP, refractory clocks, traces) and the ledger position it belongs to
(height of its block and the root before it). Nothing else is needed: the quantum register is
re-prepared every tick from the angles, and every random stream is a pure function of
(run seed, stream, tick), so there is no generator state to save.

File format (deterministic: the same state gives the same bytes, so the same SHA-256, which
the tick's FusionEvent records)::

    b"QNFCKPT1" | u64 little-endian header length | header | array bytes

header = compact JSON with sorted keys (deterministic) {"meta": {...}, "arrays": [{"name",
"dtype", "shape", "offset", "nbytes"}, ...]}; arrays are C-ordered little-endian, concatenated
in header order.
A file whose length, header or array table does not add up is torn and never loaded.

Written atomically: temp file in the same directory, fsync, rename, fsync of the directory.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import stat
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from orchestrator.record.fsutil import write_atomic

__all__ = [
    "Checkpoint",
    "CheckpointError",
    "Replay",
    "ReplayRequired",
    "decode",
    "digest",
    "encode",
    "encoded_digest",
    "parts",
    "parts_digest",
    "read",
    "read_bytes",
    "write",
]

MAGIC = b"QNFCKPT1"
_MAX_CHAIN = 256  # bases a delta may go through (checkpoint.full_every is at most this)
_DTYPES = {"f8": "<f8", "c16": "<c16", "i8": "<i8", "b1": "|b1"}


class CheckpointError(ValueError):
    """A checkpoint file is missing, torn or does not match what the ledger recorded."""


class ReplayRequired(CheckpointError):
    """A replay record (design §27) read without a way to replay the spiking backend: its
    bytes and its base were checked, its network state was not."""


Replay = Callable[[bytes, "Checkpoint"], bytes]


@dataclass(frozen=True)
class Checkpoint:
    """meta: JSON-able scalars (tick, block, parent root, coupling, ...); arrays: named arrays."""

    meta: Mapping[str, Any]
    arrays: Mapping[str, np.ndarray]


def _code(array: np.ndarray) -> tuple[str, np.ndarray]:
    if array.dtype == np.bool_:
        code = "b1"
    elif np.iscomplexobj(array):
        code = "c16"
    elif np.issubdtype(array.dtype, np.integer):
        code = "i8"
    else:
        code = "f8"
    return code, np.ascontiguousarray(array, dtype=_DTYPES[code])


def parts(ckpt: Checkpoint) -> list[bytes | memoryview]:
    """The pieces whose concatenation is ``encode(ckpt)`` (the arrays as views, uncopied:
    only an array of another dtype than its code's, e.g. int32, is converted)."""
    table, blobs, offset = [], [], 0
    for name in sorted(ckpt.arrays):
        code, arr = _code(np.asarray(ckpt.arrays[name]))
        blobs.append(memoryview(arr.reshape(-1)).cast("B"))
        table.append(
            {
                "name": name,
                "dtype": code,
                "shape": list(arr.shape),
                "offset": offset,
                "nbytes": arr.nbytes,
            }
        )
        offset += arr.nbytes
    header = json.dumps(
        {"meta": ckpt.meta, "arrays": table},
        sort_keys=True,
        separators=(",", ":"),
        allow_nan=False,
    ).encode()
    return [MAGIC + struct.pack("<Q", len(header)) + header, *blobs]


def encode(ckpt: Checkpoint) -> bytes:
    """The file bytes of ``ckpt`` (deterministic)."""
    return b"".join(parts(ckpt))  # one copy of the state


def encoded_digest(ckpt: Checkpoint) -> tuple[str, int]:
    """(``digest(encode(ckpt))``, ``len(encode(ckpt))``) without building the bytes: the arrays
    are hashed where they lie (a replay record's tick needs the digest, not the bytes; §27)."""
    return parts_digest(parts(ckpt))


def parts_digest(pieces: list[bytes | memoryview]) -> tuple[str, int]:
    """(SHA-256, length) of the concatenation of ``pieces``, without making it. hashlib lets
    other threads run while it hashes a large piece (a thread can digest beside a tick)."""
    sha, size = hashlib.sha256(), 0
    for part in pieces:
        sha.update(part)
        size += memoryview(part).nbytes
    return sha.hexdigest(), size


def decode(data: bytes) -> Checkpoint:
    """Parse checkpoint bytes; ``CheckpointError`` if they are torn or not a checkpoint."""
    if len(data) < 16 or data[:8] != MAGIC:
        raise CheckpointError("not a qnfusion checkpoint (bad magic)")
    (size,) = struct.unpack("<Q", data[8:16])
    body = 16 + size
    if body > len(data):
        raise CheckpointError("torn checkpoint (header runs past the end)")
    try:
        header = json.loads(data[16:body])
        table = header["arrays"]
        meta = header["meta"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"torn checkpoint (header: {exc})") from None
    arrays: dict[str, np.ndarray] = {}
    end = body
    for entry in table:
        start = body + entry["offset"]
        end = start + entry["nbytes"]
        if end > len(data):
            raise CheckpointError(f"torn checkpoint (array {entry['name']} runs past the end)")
        arr = np.frombuffer(data[start:end], dtype=_DTYPES[entry["dtype"]])
        arrays[entry["name"]] = arr.reshape(entry["shape"]).copy()
    if end != len(data):
        raise CheckpointError("torn checkpoint (trailing bytes)")
    return Checkpoint(meta=meta, arrays=arrays)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def write(path: Path, data: bytes, block: int | None = None) -> None:
    """Write encoded checkpoint bytes to ``path`` atomically (and durably)."""
    write_atomic(path, data, crash_block=block)


def read(
    path: Path, expected_sha256: str | None = None, replay: Replay | None = None
) -> Checkpoint:
    """Load a checkpoint; with ``expected_sha256``, refuse one that is not what was recorded.

    A stored delta (``orchestrator.record.checkpoint_delta``) is decoded through its bases
    first; each decoded file must hash to the SHA-256 it names (``read_bytes``). A replay record
    (``orchestrator.record.checkpoint_replay``) needs ``replay``.
    """
    return decode(read_bytes(path, expected_sha256, replay))


def read_bytes(
    path: Path,
    expected_sha256: str | None = None,
    replay: Replay | None = None,
    _depth: int = 0,
) -> bytes:
    """The checkpoint's bytes (the ones its block's SHA-256 covers), decoded if stored as a
    delta or a replay record; ``CheckpointError`` if the file, or a base it needs, is missing,
    torn or not what was recorded.

    ``replay(base bytes, part)``: re-runs the spiking backend for a replay record (design §27,
    ``orchestrator.run.replay``); without it such a record raises ``ReplayRequired`` once its
    bytes and its base are checked.

    Only a regular file is read (never through a symlink, a directory or a device: a symlink
    to /dev/zero would never end), and only as many bytes as it had when opened.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise CheckpointError(f"{path}: missing") from None
    except OSError as exc:
        what = "a symbolic link" if exc.errno == errno.ELOOP else exc.strerror
        raise CheckpointError(f"{path}: not a regular file ({what})") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise CheckpointError(f"{path}: not a regular file")
        with os.fdopen(os.dup(fd), "rb") as fh:
            data = fh.read(info.st_size)
    except OSError as exc:
        raise CheckpointError(f"{path}: cannot read ({exc.strerror})") from None
    finally:
        os.close(fd)
    from orchestrator.record import checkpoint_delta, checkpoint_replay  # they build on this

    if checkpoint_replay.is_replay(data):
        if _depth > _MAX_CHAIN:
            raise CheckpointError(f"{path}: chain of bases longer than {_MAX_CHAIN} (a loop?)")

        def whole(name: str, sha: str) -> bytes:
            try:
                return read_bytes(path.parent / name, sha, replay, _depth + 1)
            except ReplayRequired:
                raise
            except CheckpointError as exc:
                why = str(exc).removeprefix(f"{path.parent / name}: ")
                raise CheckpointError(f"{path}: its base {name} is unusable: {why}") from None

        try:
            data = checkpoint_replay.unpack(data, whole, replay, expected_sha256)
        except CheckpointError as exc:
            text = str(exc)
            text = text if text.startswith(str(path)) else f"{path}: {text}"
            raise type(exc)(text) from None
    elif checkpoint_delta.is_delta(data):
        if _depth > _MAX_CHAIN:
            raise CheckpointError(f"{path}: chain of deltas longer than {_MAX_CHAIN} (a loop?)")

        def base(name: str) -> bytes:
            try:
                return read_bytes(path.parent / name, None, replay, _depth + 1)
            except CheckpointError as exc:
                why = str(exc).removeprefix(f"{path.parent / name}: ")
                raise CheckpointError(f"{path}: its base {name} is unusable: {why}") from None

        try:
            data = checkpoint_delta.unpack(data, base, verify=expected_sha256 is None)
        except CheckpointError as exc:
            text = str(exc)
            text = text if text.startswith(str(path)) else f"{path}: {text}"
            raise CheckpointError(text) from None
    elif data[:8] != MAGIC:
        raise CheckpointError(f"{path}: not a qnfusion checkpoint (bad magic)")
    if expected_sha256 is not None and digest(data) != expected_sha256:
        raise CheckpointError(f"{path}: SHA-256 differs from the ledger's record")
    return data
