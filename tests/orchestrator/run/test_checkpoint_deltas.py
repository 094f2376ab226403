"""Runs whose checkpoint files are deltas (design §27): same roots, every kept file readable,
a killed run resumes to the uninterrupted root, a damaged delta or a lost base is refused."""

from __future__ import annotations

import shutil

import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.record import checkpoint
from orchestrator.record.checkpoint_delta import base_name
from orchestrator.record.ledger import read_blocks
from orchestrator.run.hooks import RunHooks
from orchestrator.run.resume import resume
from orchestrator.run.runner import execute
from tests.orchestrator.run.test_resume import _crashed_run


@pytest.fixture(scope="module")
def plastic(tmp_path_factory: pytest.TempPathFactory):
    """A 30-neuron STDP network checkpointed every tick, a full file every 3, 2 kept; its
    uninterrupted run and the same run killed right after block 8 committed."""
    from tests.conftest import ASSETS

    raw = yaml.safe_load((ASSETS / "small.yaml").read_text())
    raw["spiking"].update(neurons=30, recurrent={"k": 5, "weight_mv": 1.0})
    raw["spiking"]["stdp"] = {"enabled": True, "a_plus": 0.05}
    raw["checkpoint"] = {"every": 1, "full_every": 3, "keep": 2}
    raw["run"]["ticks"] = 10
    tmp = tmp_path_factory.mktemp("deltas")
    config = tmp / "plastic.yaml"
    config.write_text(yaml.safe_dump(raw))
    reference = execute(load_config(config), tmp / "ref", draw_report=False)
    killed = tmp / "killed"
    _crashed_run(config, killed, "after-commit:8")
    return reference, killed


def _recorded(run_dir) -> dict[int, str]:
    return {
        h: e["checkpoint_sha256"]
        for h, e, _ in read_blocks(run_dir / "ledger.sqlite")
        if e.get("checkpoint_sha256")
    }


def test_full_every_1_uncompressed_writes_the_format_before_deltas(plastic, tmp_path) -> None:
    """(Storing as deltas moves no root: the golden roots' configs store deltas by default.)"""
    reference, _ = plastic
    stored = yaml.safe_load((reference.run_dir / "config.yaml").read_text())
    stored["checkpoint"] = {"every": 1, "full_every": 1, "compress": False, "keep": 2}
    stored["run"]["ticks"] = 4
    whole = tmp_path / "whole.yaml"
    whole.write_text(yaml.safe_dump(stored))
    execute(load_config(whole), tmp_path / "whole", draw_report=False)
    files = sorted((tmp_path / "whole" / "checkpoints").glob("*.ckpt"))
    recorded = _recorded(tmp_path / "whole")
    assert len(files) >= 3  # keep 2 and the genesis (and the stable one)
    for path in files:  # the checkpoint's bytes as they are
        assert checkpoint.digest(path.read_bytes()) == recorded[int(path.stem)]


def test_every_kept_delta_has_its_bases_and_decodes_to_the_recorded_bytes(plastic) -> None:
    reference, _ = plastic
    recorded = _recorded(reference.run_dir)
    files = sorted((reference.run_dir / "checkpoints").glob("*.ckpt"))
    bases = {int(p.stem): base_name(p.read_bytes()) for p in files}
    assert any(b is not None for b in bases.values()) and bases[0] is None
    assert len(files) < len(recorded)  # pruned, yet ...
    for path in files:  # ... every base a kept delta needs is kept
        assert checkpoint.read_bytes(path, recorded[int(path.stem)])


def test_a_killed_run_resumes_from_a_delta_to_the_uninterrupted_root(plastic, tmp_path) -> None:
    reference, killed = plastic
    run_dir = tmp_path / "run"
    shutil.copytree(killed, run_dir)
    newest = max(int(p.stem) for p in (run_dir / "checkpoints").glob("*.ckpt"))
    assert base_name((run_dir / "checkpoints" / f"{newest:08d}.ckpt").read_bytes()) is not None
    assert resume(run_dir, draw_report=False).final_root == reference.final_root


@pytest.mark.parametrize("damage", ["truncate", "flip", "delete the base"])
def test_a_damaged_delta_or_a_lost_base_is_refused_and_resume_falls_back(
    plastic, tmp_path, damage
) -> None:
    reference, killed = plastic
    run_dir = tmp_path / "run"
    shutil.copytree(killed, run_dir)
    ckpts = run_dir / "checkpoints"
    newest = ckpts / f"{max(int(p.stem) for p in ckpts.glob('*.ckpt')):08d}.ckpt"
    data = newest.read_bytes()
    base = ckpts / (base_name(data) or "")
    if damage == "truncate":
        newest.write_bytes(data[: len(data) - 7])
    elif damage == "flip":
        newest.write_bytes(data[:-40] + bytes([data[-40] ^ 0xFF]) + data[-39:])
    else:
        base.unlink()
    with pytest.raises(checkpoint.CheckpointError):
        checkpoint.read(newest, _recorded(run_dir)[int(newest.stem)])
    notices = []
    result = resume(run_dir, hooks=RunHooks(on_start=notices.append), draw_report=False)
    assert result.final_root == reference.final_root
    said = [n["resume"]["notice"] for n in notices if "resume" in n]
    assert said and f"skipped checkpoint {newest.name}" in said[0]
