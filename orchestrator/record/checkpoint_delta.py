"""Checkpoint files as deltas: how a checkpoint is stored, not what it is (design §27).

A checkpoint *is* its deterministic bytes (``orchestrator.record.checkpoint.encode``), whose
SHA-256 the tick's event records. This module stores those bytes smaller: as what changed since
the previous checkpoint file (a *delta*, naming that file as its *base*), or whole (a *full*
file, every K checkpoints), each part compressed with zlib where that pays. Decoding a file
(its base first, recursively, down to a full one) gives the checkpoint's exact bytes, which are
checked against the SHA-256 the file names and, by the caller, against the ledger's record.

File format::

    b"QNFCKPD1" | u64 little-endian header length | header (compact JSON) | payload

header = {"sha256": hex digest of the decoded bytes, "size": their length, "base": file name
of the base in the same directory or null (a full file), "segments": [...]}. The segments
cover the decoded bytes in order: the checkpoint's own header (magic, length, JSON) and then
each array's bytes. A segment is {"start", "end", "item" (bytes per element), "kind", "parts",
"base" (where the same array starts in the base's bytes)} with kind

- ``same``: the base's bytes at ``base``, unchanged (no payload);
- ``sparse``: the base's bytes with the changed elements replaced: parts = the changed
  indices' gaps (``<i8``) and their new values, each as byte planes;
- ``plain``: the bytes themselves, as byte planes (element byte j of every element, for each
  j: the sign/exponent bytes of floats compress, the low mantissa bytes mostly do not).

Each plane is a part ``[codec, stored bytes]``: ``z`` (a zlib stream, of whichever strategy
compressed a sample of it best) when that sample compresses below 90 %, else ``r`` (raw,
costs no CPU). A file whose header or lengths do not add up, or whose decoded bytes do not
hash to its ``sha256``, is torn (``CheckpointError``).
"""

from __future__ import annotations

import hashlib
import json
import struct
import zlib
from collections.abc import Callable
from typing import Any

import numpy as np

from orchestrator.record.checkpoint import MAGIC, CheckpointError

__all__ = ["DELTA_MAGIC", "base_name", "is_delta", "pack", "unpack"]

DELTA_MAGIC = b"QNFCKPD1"
_LEVEL = 1  # zlib level: the writer must keep up with a checkpoint every tick
# zlib strategies a plane is tried with (on its sample; the smaller wins, RLE on a tie): runs
# only (Z_RLE) cost 12-16 % less CPU than the default on a whole STDP checkpoint's planes at
# the same size, but miss repeats at other distances (an index array's low byte; design §27)
_STRATEGIES = (zlib.Z_RLE, zlib.Z_DEFAULT_STRATEGY)
_SAMPLE = 1 << 16  # bytes of a plane tried first: compress the plane only if this shrinks
_WORTH = 0.9
_SPARSE = 0.25  # a delta segment lists indices when at most this fraction of elements changed
_UINT = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def is_delta(data: bytes | memoryview) -> bool:
    return bytes(data[:8]) == DELTA_MAGIC


def _layout(full: bytes | memoryview) -> tuple[int, list[tuple[str, int, int, int]]]:
    """(header end, [(array name, start, end, item size)]) of checkpoint bytes."""
    if len(full) < 16 or bytes(full[:8]) != MAGIC:
        raise CheckpointError("not a qnfusion checkpoint (bad magic)")
    (size,) = struct.unpack("<Q", full[8:16])
    body = 16 + size
    table = json.loads(bytes(full[16:body]))["arrays"]
    item = {"f8": 8, "c16": 16, "i8": 8, "b1": 1}
    arrays = []
    for entry in table:
        start = body + entry["offset"]
        arrays.append((entry["name"], start, start + entry["nbytes"], item[entry["dtype"]]))
    return body, arrays


def _deflate(data: bytes, strategy: int) -> bytes:
    """A zlib stream of ``data`` (any strategy: ``zlib.decompress`` reads them all)."""
    packer = zlib.compressobj(_LEVEL, zlib.DEFLATED, zlib.MAX_WBITS, 8, strategy)
    return packer.compress(data) + packer.flush()


def _planes(raw: np.ndarray, item: int, compress: bool) -> tuple[list[list[Any]], list[bytes]]:
    grid = raw.reshape(-1, item)
    parts, blobs = [], []
    for j in range(item):
        plane = np.ascontiguousarray(grid[:, j]).tobytes()
        codec = "r"
        if compress and plane:
            sample = plane[:_SAMPLE]
            tries = [(len(_deflate(sample, s)), i, s) for i, s in enumerate(_STRATEGIES)]
            size, _, strategy = min(tries)  # the first listed on a tie
            if size < _WORTH * len(sample):
                plane, codec = _deflate(plane, strategy), "z"
        parts.append([codec, len(plane)])
        blobs.append(plane)
    return parts, blobs


def _unplanes(parts: list[list[Any]], payload: memoryview, at: int, n: int, item: int):
    grid = np.empty((n, item), dtype=np.uint8)
    for j, (codec, stored) in enumerate(parts):
        blob = payload[at : at + stored]
        if len(blob) != stored:
            raise CheckpointError("torn checkpoint delta (payload runs past the end)")
        at += stored
        plane = zlib.decompress(blob) if codec == "z" else bytes(blob)
        if len(plane) != n:
            raise CheckpointError("torn checkpoint delta (a part has the wrong length)")
        grid[:, j] = np.frombuffer(plane, dtype=np.uint8)
    return grid.reshape(-1), at


def _elements(raw: np.ndarray, item: int) -> np.ndarray:
    if item in _UINT:
        return raw.view(_UINT[item])
    return raw.view(np.uint64).reshape(-1, item // 8)


def pack(
    full: bytes,
    sha256: str,
    base: bytes | None = None,
    base_file: str | None = None,
    compress: bool = True,
) -> bytes:
    """The stored bytes of checkpoint bytes ``full`` (whose digest is ``sha256``): a delta
    against ``base`` (the decoded bytes of the file ``base_file``), or a full file."""
    view = np.frombuffer(full, dtype=np.uint8)
    body, arrays = _layout(full)
    previous = {}
    if base is not None:
        _, base_arrays = _layout(base)
        previous = {name: (s, e, i) for name, s, e, i in base_arrays}
        base_view = np.frombuffer(base, dtype=np.uint8)
    segments: list[dict[str, Any]] = []
    blobs: list[bytes] = []

    def plain(start: int, end: int, item: int) -> None:
        parts, data = _planes(view[start:end], item, compress)
        segments.append({"start": start, "end": end, "item": item, "kind": "plain", "parts": parts})
        blobs.extend(data)

    plain(0, body, 1)
    for name, start, end, item in arrays:
        old = previous.get(name)
        if old is None or old[1] - old[0] != end - start or old[2] != item or end == start:
            plain(start, end, item)
            continue
        new_el = _elements(view[start:end], item)
        old_el = _elements(base_view[old[0] : old[1]], item)
        differs = new_el != old_el
        if differs.ndim == 2:
            differs = differs.any(axis=1)
        changed = np.flatnonzero(differs)
        segment = {"start": start, "end": end, "item": item, "base": old[0]}
        if changed.size == 0:
            segments.append({**segment, "kind": "same", "parts": []})
        elif changed.size <= _SPARSE * differs.size:
            gaps = np.diff(changed, prepend=0).astype("<i8")
            values = view[start:end].reshape(-1, item)[changed].reshape(-1)
            p1, b1 = _planes(gaps.view(np.uint8), 8, compress)
            p2, b2 = _planes(values, item, compress)
            segments.append(
                {**segment, "kind": "sparse", "count": int(changed.size), "parts": p1 + p2}
            )
            blobs.extend(b1 + b2)
        else:
            plain(start, end, item)
    header = json.dumps(
        {
            "sha256": sha256,
            "size": len(full),
            "base": base_file if base is not None else None,
            "segments": segments,
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode()
    return DELTA_MAGIC + struct.pack("<Q", len(header)) + header + b"".join(blobs)


def _header(data: bytes | memoryview) -> tuple[dict[str, Any], int]:
    if len(data) < 16 or not is_delta(data):
        raise CheckpointError("not a qnfusion checkpoint delta (bad magic)")
    (size,) = struct.unpack("<Q", data[8:16])
    if 16 + size > len(data):
        raise CheckpointError("torn checkpoint delta (header runs past the end)")
    try:
        header = json.loads(bytes(data[16 : 16 + size]))
        if not isinstance(header["segments"], list) or not isinstance(header["size"], int):
            raise TypeError("segments")
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"torn checkpoint delta (header: {exc})") from None
    return header, 16 + size


def base_name(data: bytes | memoryview) -> str | None:
    """The file name of the base a stored checkpoint needs (None: a full file or an old one)."""
    if not is_delta(data):
        return None
    base = _header(data)[0].get("base")
    if base is not None and (not isinstance(base, str) or "/" in base or base in (".", "..")):
        raise CheckpointError(f"torn checkpoint delta (base {base!r} is not a file name)")
    return base


def unpack(
    data: bytes | memoryview, load_base: Callable[[str], bytes], verify: bool = True
) -> bytes:
    """The checkpoint bytes a stored file holds, checked against the SHA-256 it names
    (unless ``verify`` is false: the caller checks them against the ledger's record).

    ``load_base(name)`` returns the decoded bytes of the base file ``name`` (or raises
    ``CheckpointError``: missing, torn).
    """
    header, at = _header(data)
    payload = memoryview(data)
    base_bytes = None
    if header.get("base") is not None:
        base_bytes = np.frombuffer(load_base(base_name(data) or ""), dtype=np.uint8)
    out = np.empty(header["size"], dtype=np.uint8)
    cursor = 0
    try:
        for seg in header["segments"]:
            start, end, item, kind = seg["start"], seg["end"], seg["item"], seg["kind"]
            if start != cursor or end < start or end > out.size or item < 1 or (end - start) % item:
                raise CheckpointError("torn checkpoint delta (segments do not add up)")
            n = (end - start) // item
            if kind == "plain":
                out[start:end], at = _unplanes(seg["parts"], payload, at, n, item)
            elif kind in ("same", "sparse"):
                if base_bytes is None or seg["base"] + end - start > base_bytes.size:
                    raise CheckpointError("torn checkpoint delta (segment outside its base)")
                out[start:end] = base_bytes[seg["base"] : seg["base"] + end - start]
                if kind == "sparse":
                    count = seg["count"]
                    gaps, at = _unplanes(seg["parts"][:8], payload, at, count, 8)
                    values, at = _unplanes(seg["parts"][8:], payload, at, count, item)
                    index = np.cumsum(gaps.view("<i8"))
                    if count and (index[0] < 0 or index[-1] >= n):
                        raise CheckpointError("torn checkpoint delta (index out of range)")
                    out[start:end].reshape(-1, item)[index] = values.reshape(-1, item)
            else:
                raise CheckpointError(f"torn checkpoint delta (segment kind {kind!r})")
            cursor = end
    except (KeyError, TypeError, ValueError, zlib.error) as exc:
        if isinstance(exc, CheckpointError):
            raise
        raise CheckpointError(f"torn checkpoint delta ({type(exc).__name__}: {exc})") from None
    if cursor != out.size or at != len(data):
        raise CheckpointError("torn checkpoint delta (lengths do not add up)")
    full = out.tobytes()
    if verify and hashlib.sha256(full).hexdigest() != header.get("sha256"):
        raise CheckpointError("checkpoint delta decodes to bytes whose SHA-256 it does not name")
    return full
