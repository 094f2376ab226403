"""Checkpoint files stored as deltas (design §27): the decoded bytes are the checkpoint's own."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orchestrator.record import checkpoint
from orchestrator.record.checkpoint_delta import base_name, is_delta, pack, unpack


def _state(tick: int, rng: np.random.Generator, n: int = 4000) -> dict[str, np.ndarray]:
    return {
        "net/w": rng.random(n),
        "net/last": np.full(n, 0.01 * tick),
        "net/i": np.arange(n),
        "net/ok": rng.random(n) < 0.5,
        "loop.z": np.array([1 + 2j, 3 - 1j]),
    }


def _bytes(tick: int, arrays: dict[str, np.ndarray]) -> bytes:
    meta = {"tick": tick, "history": [0.1] * (tick % 5)}  # the header's length moves
    return checkpoint.encode(checkpoint.Checkpoint(meta, arrays))


def _chain(tmp_path: Path, full_every: int = 100) -> list[tuple[Path, bytes]]:
    """Eight checkpoints stored as a chain of deltas on one full file: same, sparse, dense
    and shape changes, written as the writer names them."""
    rng = np.random.default_rng(5)
    arrays = _state(0, rng)
    written, previous = [], None
    for tick in range(8):
        arrays = dict(arrays)
        if tick in (2, 5):  # a few elements change: sparse
            w = arrays["net/w"].copy()
            w[rng.integers(0, w.size, 30)] += 1e-3
            arrays["net/w"] = w
        elif tick == 3:  # everything changes: plain
            arrays = _state(tick, rng)
        elif tick == 6:  # an array changes shape, another appears
            arrays["net/i"] = np.arange(7)
            arrays["net/new"] = np.ones(3)
        full = _bytes(tick, arrays)
        path = tmp_path / f"{tick:08d}.ckpt"
        sha = checkpoint.digest(full)
        if previous is None or tick % full_every == 0:
            stored = pack(full, sha)
        else:
            stored = pack(full, sha, previous[1], previous[0].name)
        path.write_bytes(stored)
        written.append((path, full))
        previous = (path, full)
    return written


def test_every_stored_delta_decodes_to_the_checkpoints_exact_bytes(tmp_path) -> None:
    written = _chain(tmp_path)
    for k, (path, full) in enumerate(written):
        stored = path.read_bytes()
        assert is_delta(stored)
        assert base_name(stored) == (None if k == 0 else written[k - 1][0].name)
        assert checkpoint.read_bytes(path, checkpoint.digest(full)) == full
        assert checkpoint.read(path).meta["tick"] == k
    # unchanged and sparse deltas are far smaller than the state; a dense one is not
    sizes = [p.stat().st_size for p, _ in written]
    assert sizes[1] < 1000 and sizes[2] < 2000 < sizes[3]


def test_a_full_file_decodes_without_any_base(tmp_path) -> None:
    full = _bytes(1, _state(1, np.random.default_rng(1)))
    for compress in (True, False):
        stored = pack(full, checkpoint.digest(full), compress=compress)
        assert unpack(stored, lambda name: pytest.fail(f"asked for base {name}")) == full
    zeros = _bytes(0, {"net/w": np.zeros(100_000)})
    assert len(pack(zeros, checkpoint.digest(zeros))) < len(zeros) / 50  # compressed


def test_a_delta_with_a_flipped_byte_or_cut_short_is_refused(tmp_path) -> None:
    written = _chain(tmp_path)
    path, full = written[5]
    stored = path.read_bytes()
    for cut in sorted({*range(0, len(stored), max(1, len(stored) // 97)), len(stored) - 1}):
        path.write_bytes(stored[:cut])
        with pytest.raises(checkpoint.CheckpointError):
            checkpoint.read_bytes(path)
    for at in range(0, len(stored), max(1, len(stored) // 61)):
        flipped = bytearray(stored)
        flipped[at] ^= 0x20
        path.write_bytes(bytes(flipped))
        try:
            got = checkpoint.read_bytes(path, checkpoint.digest(full))
        except checkpoint.CheckpointError:
            continue
        assert got == full  # a flip that decodes must decode to the recorded bytes
    path.write_bytes(stored)
    assert checkpoint.read_bytes(path, checkpoint.digest(full)) == full


def test_a_missing_or_damaged_base_refuses_every_delta_that_needs_it(tmp_path) -> None:
    written = _chain(tmp_path)
    base, _ = written[3]
    kept = base.read_bytes()
    base.unlink()
    for path, _ in written[4:]:
        with pytest.raises(checkpoint.CheckpointError, match=r"base .* unusable: missing"):
            checkpoint.read_bytes(path)
    for path, full in written[:3]:  # those before it do not need it
        assert checkpoint.read_bytes(path) == full
    torn = bytearray(kept)
    torn[-1] ^= 1
    base.write_bytes(bytes(torn))
    with pytest.raises(checkpoint.CheckpointError, match="base"):
        checkpoint.read_bytes(written[6][0])


def test_a_delta_naming_itself_or_a_path_as_base_is_refused(tmp_path) -> None:
    full = _bytes(0, _state(0, np.random.default_rng(2)))
    loop = tmp_path / "00000001.ckpt"
    loop.write_bytes(pack(full, checkpoint.digest(full), full, loop.name))
    with pytest.raises(checkpoint.CheckpointError, match="chain of deltas"):
        checkpoint.read_bytes(loop)
    escape = tmp_path / "00000002.ckpt"
    escape.write_bytes(pack(full, checkpoint.digest(full), full, "../x.ckpt"))
    with pytest.raises(checkpoint.CheckpointError, match="not a file name"):
        checkpoint.read_bytes(escape)


def test_an_old_full_checkpoint_file_still_reads(tmp_path) -> None:
    full = _bytes(2, _state(2, np.random.default_rng(3)))
    path = tmp_path / "00000002.ckpt"
    path.write_bytes(full)
    assert checkpoint.read_bytes(path, checkpoint.digest(full)) == full
