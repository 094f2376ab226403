"""The replay record's framing (design §27), apart from any backend: the record names the
decoded checkpoint's digest and its base's; reading it without a replayer checks all but the
replay; a replay that gives other bytes, or a record naming another digest, is refused."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.record import checkpoint, checkpoint_replay


def _ckpt(tick: int, weights: np.ndarray) -> checkpoint.Checkpoint:
    return checkpoint.Checkpoint(
        {"tick": tick, "network": {"tick": tick}},
        {"loop.theta": np.full(3, 0.1 * tick), "net/weights_mv": weights},
    )


def test_encoded_digest_is_the_digest_of_the_bytes_without_building_them() -> None:
    ckpt = _ckpt(4, np.random.default_rng(1).normal(size=1000))
    data = checkpoint.encode(ckpt)
    assert checkpoint.encoded_digest(ckpt) == (checkpoint.digest(data), len(data))


def _replay_adding(delta: float):
    """A stand-in 'network' whose every tick adds its drive's mean to the weights."""

    def replay(base: bytes, part: checkpoint.Checkpoint) -> bytes:
        weights = checkpoint.decode(base).arrays["net/weights_mv"].copy()
        for i in range(part.meta["ticks"]):
            weights += part.arrays[f"drive/{i:06d}"].mean() + delta
        arrays = {k: v for k, v in part.arrays.items() if not k.startswith("drive/")}
        return checkpoint.encode(
            checkpoint.Checkpoint(part.meta["checkpoint"], {**arrays, "net/weights_mv": weights})
        )

    return replay


@pytest.fixture()
def stored(tmp_path):
    w0 = np.random.default_rng(2).normal(size=500)
    base = checkpoint.encode(_ckpt(0, w0))
    (tmp_path / "00000000.ckpt").write_bytes(base)
    drives = [np.full(8, 1.0), np.full(8, 2.0)]
    full = checkpoint.encode(_ckpt(2, (w0 + 1.0) + 2.0))
    target = _ckpt(2, (w0 + 1.0) + 2.0)
    part = checkpoint.encode(
        checkpoint.Checkpoint(
            {"checkpoint": dict(target.meta), "ticks": 2},
            {"loop.theta": target.arrays["loop.theta"], **{
                f"drive/{i:06d}": d for i, d in enumerate(drives)
            }},
        )
    )
    record = checkpoint_replay.pack(
        part, checkpoint.digest(full), len(full), "00000000.ckpt", checkpoint.digest(base), 2
    )
    path = tmp_path / "00000002.ckpt"
    path.write_bytes(record)
    return path, full


def test_a_record_replays_to_its_checkpoint_and_is_refused_when_it_does_not(stored) -> None:
    path, full = stored
    sha = checkpoint.digest(full)
    assert checkpoint.read_bytes(path, sha, _replay_adding(0.0)) == full
    with pytest.raises(checkpoint.CheckpointError, match="gives another state"):
        checkpoint.read_bytes(path, sha, _replay_adding(1e-12))
    with pytest.raises(checkpoint.CheckpointError, match="other than the one the ledger"):
        checkpoint.read_bytes(path, "0" * 64, _replay_adding(0.0))
    with pytest.raises(checkpoint.ReplayRequired, match=r"2 ticks after 00000000\.ckpt"):
        checkpoint.read_bytes(path, sha)
    assert checkpoint_replay.base_of(path.read_bytes()) == "00000000.ckpt"


def test_a_torn_record_or_a_changed_base_is_refused(stored) -> None:
    path, full = stored
    sha = checkpoint.digest(full)
    data = path.read_bytes()
    for cut in (8, 20, len(data) // 2, len(data) - 1):
        path.write_bytes(data[:cut])
        with pytest.raises(checkpoint.CheckpointError):
            checkpoint.read_bytes(path, sha, _replay_adding(0.0))
    path.write_bytes(data)
    base = path.with_name("00000000.ckpt")
    base.write_bytes(checkpoint.encode(_ckpt(0, np.zeros(500))))
    with pytest.raises(checkpoint.CheckpointError, match=r"its base 00000000\.ckpt is unusable"):
        checkpoint.read_bytes(path, sha, _replay_adding(0.0))
