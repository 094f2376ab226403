"""Checkpoints stored as replay records (design §27): the drives since a whole checkpoint
instead of the network's state. The same run as with any other storage; a killed run resumes to the
uninterrupted root (Brian2 here, Lava in tests/backends/neuromorphic/lava/test_runs.py); a
tampered record or digest is refused on resume, which says why and falls back; a run with
reverts resumed from records lands on the same root."""

from __future__ import annotations

import json
import shutil
import struct

import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.record import checkpoint, checkpoint_delta, checkpoint_replay
from orchestrator.record.audit import audit
from orchestrator.record.ledger import read_blocks
from orchestrator.run.hooks import RunHooks
from orchestrator.run.replay import NetworkReplay
from orchestrator.run.resume import resume
from orchestrator.run.runner import execute
from tests.orchestrator.run.test_resume import _crashed_run


def _plastic_yaml(tmp, replay: bool, **checkpointing) -> object:
    from tests.conftest import ASSETS

    raw = yaml.safe_load((ASSETS / "small.yaml").read_text())
    raw["spiking"].update(neurons=30, recurrent={"k": 5, "weight_mv": 1.0})
    raw["spiking"]["stdp"] = {"enabled": True, "a_plus": 0.05}
    raw["checkpoint"] = {"every": 1, "full_every": 4, "keep": 2, **checkpointing}
    if replay:
        raw["checkpoint"]["replay"] = True
    raw["run"]["ticks"] = 10
    path = tmp / f"plastic_{replay}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory):
    """A 30-neuron STDP network checkpointed every tick as replay records (a whole file every
    4); the same run stored as deltas; the replay run killed right after block 7 committed."""
    tmp = tmp_path_factory.mktemp("replay")
    config = _plastic_yaml(tmp, replay=True)
    reference = execute(load_config(config), tmp / "ref", draw_report=False)
    deltas = execute(load_config(_plastic_yaml(tmp, replay=False)), tmp / "d", draw_report=False)
    killed = tmp / "killed"
    _crashed_run(config, killed, "after-commit:7")
    return reference, deltas, killed, config


def _recorded(run_dir) -> dict[int, str]:
    return {
        h: e["checkpoint_sha256"]
        for h, e, _ in read_blocks(run_dir / "ledger.sqlite")
        if e.get("checkpoint_sha256")
    }


def _records(run_dir) -> list:
    files = sorted((run_dir / "checkpoints").glob("*.ckpt"))
    return [p for p in files if checkpoint_replay.is_replay(p.read_bytes())]


def test_replay_records_change_no_root_and_every_kept_one_replays_to_its_record(
    replayed,
) -> None:
    reference, deltas, _, config = replayed
    # storage, not state: the same run (its root differs only by the config it records)
    assert (reference.run_dir / "metrics.csv").read_text() == (
        deltas.run_dir / "metrics.csv"
    ).read_text()
    recorded = _recorded(reference.run_dir)
    records = _records(reference.run_dir)
    assert records  # blocks 9, 10 (whole at 0, 4, 8)
    replay = NetworkReplay(load_config(config))
    try:
        for path in sorted((reference.run_dir / "checkpoints").glob("*.ckpt")):
            data = checkpoint.read_bytes(path, recorded[int(path.stem)], replay)
            assert checkpoint.digest(data) == recorded[int(path.stem)]
    finally:
        replay.close()
    assert replay.ticks > 0
    # a record stores no network state: smaller than its whole base
    base = reference.run_dir / "checkpoints" / checkpoint_replay.base_of(records[-1].read_bytes())
    assert records[-1].stat().st_size < base.stat().st_size
    # without a replayer, the record's bytes and base are checked and the reader is told why
    with pytest.raises(checkpoint.ReplayRequired, match="replay record"):
        checkpoint.read(records[-1], recorded[int(records[-1].stem)])
    assert audit(reference.run_dir).ok


def test_a_killed_run_resumes_from_a_replay_record_to_the_uninterrupted_root(
    replayed, tmp_path
) -> None:
    reference, _, killed, _ = replayed
    run_dir = tmp_path / "run"
    shutil.copytree(killed, run_dir)
    newest = max((run_dir / "checkpoints").glob("*.ckpt"))
    assert checkpoint_replay.is_replay(newest.read_bytes())  # block 7 (whole at 0 and 4)
    notices: list = []
    result = resume(run_dir, hooks=RunHooks(on_start=notices.append), draw_report=False)
    assert result.final_root == reference.final_root
    assert not [n for n in notices if "resume" in n]  # nothing skipped


def _forge(path, change) -> None:
    """Rewrite a replay record with ``change(header, part)`` applied, its framing made whole
    again (the part's own SHA-256 recomputed): only replaying can tell."""
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[8:16])
    header = json.loads(data[16 : 16 + size])
    part = checkpoint.decode(checkpoint_delta.unpack(data[16 + size :], lambda name: b""))
    arrays = dict(part.arrays)
    change(header, arrays)
    new_part = checkpoint.encode(checkpoint.Checkpoint(part.meta, arrays))
    path.write_bytes(
        checkpoint_replay.pack(
            new_part,
            header["sha256"],
            header["size"],
            header["base"],
            header["base_sha256"],
            header["ticks"],
        )
    )


def _nudge_drive(header, arrays) -> None:
    arrays["drive/000000"] = arrays["drive/000000"] + 0.5


def _other_digest(header, arrays) -> None:
    header["sha256"] = "0" * 64


@pytest.mark.parametrize(
    ("damage", "said"),
    [
        ("flip a stored byte", "stored inputs are damaged"),
        ("forge a drive", "gives another state than the one recorded"),
        ("forge the digest", "names a SHA-256 other than the one the ledger recorded"),
        ("delete the base", "its base"),
    ],
)
def test_a_tampered_replay_record_or_digest_is_refused_on_resume_which_falls_back(
    replayed, tmp_path, damage, said
) -> None:
    reference, _, killed, _ = replayed
    run_dir = tmp_path / "run"
    shutil.copytree(killed, run_dir)
    newest = max((run_dir / "checkpoints").glob("*.ckpt"))
    data = newest.read_bytes()
    if damage == "flip a stored byte":
        newest.write_bytes(data[:-40] + bytes([data[-40] ^ 0xFF]) + data[-39:])
    elif damage == "forge a drive":
        _forge(newest, _nudge_drive)
    elif damage == "forge the digest":
        _forge(newest, _other_digest)
    else:
        (newest.parent / checkpoint_replay.base_of(data)).unlink()
    notices: list = []
    result = resume(run_dir, hooks=RunHooks(on_start=notices.append), draw_report=False)
    assert result.final_root == reference.final_root  # resumed from an older one, replayed
    said_all = " ".join(n["resume"]["notice"] for n in notices if "resume" in n)
    assert f"skipped checkpoint {newest.name}" in said_all and said in said_all


def test_reverts_with_replay_records_resume_to_the_same_root(tmp_path) -> None:
    """unstable.yaml (forced reverts) with replay records: the root of the deltas' run, and
    killed after its first revert, resumed (the stable point read back by replaying)."""
    from tests.conftest import ASSETS

    raw = yaml.safe_load((ASSETS / "unstable.yaml").read_text())
    raw.setdefault("checkpoint", {})
    plain = execute(load_config(ASSETS / "unstable.yaml"), tmp_path / "plain", draw_report=False)
    raw["checkpoint"].update(replay=True, full_every=3)
    config = tmp_path / "unstable_replay.yaml"
    config.write_text(yaml.safe_dump(raw))
    reference = execute(load_config(config), tmp_path / "ref", draw_report=False)
    assert (reference.run_dir / "metrics.csv").read_text() == (
        plain.run_dir / "metrics.csv"
    ).read_text()  # the same run, its checkpoints stored otherwise
    events = [e for _, e, _ in read_blocks(reference.run_dir / "ledger.sqlite")]
    reverts = [h for h, e in enumerate(events) if e["kind"] == "revert"]
    assert reverts and _records(reference.run_dir)
    run_dir = tmp_path / "run"
    _crashed_run(config, run_dir, f"after-commit:{reverts[0] + 2}")
    assert resume(run_dir, draw_report=False).final_root == reference.final_root


def test_a_backend_that_does_not_declare_replay_keeps_deltas(tmp_path, monkeypatch) -> None:
    """The capability is data: a backend whose config does not declare ``replay`` gets no
    replay record even with ``checkpoint.replay: true``; its checkpoints are stored as deltas
    (and the same run: the same metrics)."""
    from backends.neuromorphic.brian2.config import Brian2Config
    from orchestrator.contract.backend_config import SpikingCapabilities

    config = _plastic_yaml(tmp_path, replay=True)
    asked = execute(load_config(config), tmp_path / "asked", draw_report=False)
    monkeypatch.setattr(
        Brian2Config, "capabilities", lambda self: SpikingCapabilities(replay=False)
    )
    run_dir = tmp_path / "run"
    result = execute(load_config(config), run_dir, draw_report=False)
    assert result.status == "completed" and not _records(run_dir)
    stored = [p.read_bytes() for p in (run_dir / "checkpoints").glob("*.ckpt")]
    assert any(checkpoint_delta.base_name(data) is not None for data in stored)
    assert _records(asked.run_dir)  # the same config on a backend that declares it
    assert (run_dir / "metrics.csv").read_text() == (asked.run_dir / "metrics.csv").read_text()
