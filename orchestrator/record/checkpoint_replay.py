"""Checkpoint files as replay records: what determines the network's change (design §27).

A replay record stores a checkpoint without its spiking network's state. It holds instead what
the spiking backend's ``advance`` was handed in each tick since a whole checkpoint file (its
*base*): the drives, in order. Everything else the checkpoint holds (the loop's state, the ledger
position) is stored as it is. Reading one decodes the base, restores its network in the spiking
backend, replays the drives (never the quantum backend: no QPU tick is spent again), encodes
the result and checks it against the SHA-256 the record names, which must also be the one the
ledger recorded for the block. Only a backend whose capability ``replay`` says that its state
after ``advance`` is a pure function of (restored state, drive) is stored this way.

File format::

    b"QNFCKPR1" | u64 little-endian header length | header (compact JSON) | part

header = {"sha256": digest of the decoded checkpoint bytes, "size": their length, "base": file
name of the base in the same directory, "base_sha256": the digest of the base's decoded bytes,
"ticks": the number of drives}. part = the *part checkpoint* stored whole and compressed
(``checkpoint_delta.pack`` without a base, so it carries its own SHA-256): a checkpoint whose
meta is {"checkpoint": the decoded checkpoint's meta, "ticks": n} and whose arrays are the
decoded checkpoint's arrays but the network's, plus ``drive/<i>`` (the i-th tick's drive after
the base, i = 0 .. n-1, zero-padded to 6 digits). Which arrays are the network's is the run's
business (``orchestrator.run.replay``): this module frames and checks.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable
from typing import Any

from orchestrator.record import checkpoint_delta
from orchestrator.record.checkpoint import (
    Checkpoint,
    CheckpointError,
    ReplayRequired,
    decode,
    digest,
)

__all__ = ["REPLAY_MAGIC", "base_of", "is_replay", "pack", "unpack"]

REPLAY_MAGIC = b"QNFCKPR1"
DRIVE = "drive/"  # prefix of the drive arrays in a part checkpoint


def is_replay(data: bytes | memoryview) -> bool:
    return bytes(data[:8]) == REPLAY_MAGIC


def pack(
    part: bytes, sha256: str, size: int, base_file: str, base_sha256: str, ticks: int
) -> bytes:
    """The stored bytes of a replay record: ``part`` (the part checkpoint's bytes), the decoded
    checkpoint's ``sha256`` and ``size``, its base file and the base's digest."""
    header = json.dumps(
        {
            "sha256": sha256,
            "size": size,
            "base": base_file,
            "base_sha256": base_sha256,
            "ticks": ticks,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    stored = checkpoint_delta.pack(part, digest(part), compress=True)
    return REPLAY_MAGIC + struct.pack("<Q", len(header)) + header + stored


def _header(data: bytes | memoryview) -> tuple[dict[str, Any], int]:
    if len(data) < 16 or not is_replay(data):
        raise CheckpointError("not a qnfusion replay record (bad magic)")
    (size,) = struct.unpack("<Q", data[8:16])
    if 16 + size > len(data):
        raise CheckpointError("torn replay record (header runs past the end)")
    try:
        header = json.loads(bytes(data[16 : 16 + size]))
        for key, kind in (("sha256", str), ("base_sha256", str), ("size", int), ("ticks", int)):
            if not isinstance(header[key], kind):
                raise TypeError(key)
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"torn replay record (header: {exc})") from None
    base = header.get("base")
    if not isinstance(base, str) or "/" in base or base in ("", ".", ".."):
        raise CheckpointError(f"torn replay record (base {base!r} is not a file name)")
    return header, 16 + size


def base_of(data: bytes | memoryview) -> str:
    """The file name of the whole checkpoint a replay record replays from."""
    return _header(data)[0]["base"]


def unpack(
    data: bytes | memoryview,
    load_base: Callable[[str, str], bytes],
    replay: Callable[[bytes, Checkpoint], bytes] | None,
    expected_sha256: str | None = None,
) -> bytes:
    """The checkpoint bytes a replay record stands for.

    ``load_base(name, sha256)``: the decoded bytes of the base file, checked against the digest
    the record names for it (or ``CheckpointError``). ``replay(base bytes, part checkpoint)``:
    the checkpoint bytes after replaying the part's drives from the base's network. The result
    must hash to the record's ``sha256`` (and to ``expected_sha256``, the ledger's, when given:
    a record naming another digest is refused before anything is replayed). Without ``replay``,
    everything but the replay is checked and ``ReplayRequired`` is raised.
    """
    header, at = _header(data)
    if expected_sha256 is not None and header["sha256"] != expected_sha256:
        raise CheckpointError(
            "replay record names a SHA-256 other than the one the ledger recorded for its block"
        )
    try:
        part_bytes = checkpoint_delta.unpack(memoryview(data)[at:], _no_base)
        part = decode(part_bytes)
        if part.meta.get("ticks") != header["ticks"] or "checkpoint" not in part.meta:
            raise CheckpointError("its part does not match its header")
    except CheckpointError as exc:
        raise CheckpointError(f"replay record's stored inputs are damaged ({exc})") from None
    base = load_base(header["base"], header["base_sha256"])
    if replay is None:
        raise ReplayRequired(
            f"a replay record ({header['ticks']} ticks after {header['base']}, intact): its "
            "network state is checked by replaying the spiking backend, as a resume does"
        )
    full = replay(base, part)
    if len(full) != header["size"] or digest(full) != header["sha256"]:
        raise CheckpointError(
            f"replaying its {header['ticks']} ticks from {header['base']} gives another state "
            "than the one recorded (SHA-256 differs): the stored drives were altered, or the "
            "spiking backend does not reproduce"
        )
    return full


def _no_base(name: str) -> bytes:
    raise CheckpointError(f"a replay record's part names a base ({name})")
