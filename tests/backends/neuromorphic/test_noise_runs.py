"""Whole runs with noise on: a run killed with SIGKILL resumes to the root of the run never
interrupted, on Brian2 and on Lava; replays from spaced checkpoints reproduce every block;
rollbacks rebuild a noisy network exactly (issue 21).

What makes it exact: the noise of step j of tick k is drawn from a generator that is a pure
function of (seed, k) (``backends/neuromorphic/common/noise.py``), and the OU current is
neuron state in every checkpoint (Brian2: ``neurons.eta``; Lava: ``noise.eta``), so a network
rebuilt from tick k's checkpoint draws exactly what the uninterrupted one drew.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.record.ledger import read_blocks
from orchestrator.run.resume import resume
from orchestrator.run.runner import execute
from tests.paths import ASSETS, ROOT

NOISE = {"kind": "ou", "sigma_mv": 3.0, "tau_ms": 4.0}
V_INIT = {"low_mv": 0.0, "high_mv": 18.0}


def _config(tmp_path: Path, base: Path, **spiking: Any) -> Path:
    raw = yaml.safe_load(base.read_text())
    raw["spiking"] = {**raw["spiking"], "noise": NOISE, "v_init": V_INIT, **spiking}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def _crashed_run(config: Path, out: Path, crash: str, *extra: str) -> None:
    """`qnf run` in a subprocess that SIGKILLs itself at ``crash``."""
    command = ["run", str(config), "--out", str(out), "--no-report", *extra]
    proc = subprocess.run(
        [sys.executable, "-m", "orchestrator.cli", *command],
        env=dict(os.environ, QNF_CRASH_AT=crash),
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -9, proc.stderr


def _spike_counts(run_dir: Path) -> list[int]:
    return [e["spike_count"] for _, e, _ in read_blocks(run_dir / "ledger.sqlite") if "tick" in e]


@pytest.fixture(scope="module")
def brian2_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    tmp = tmp_path_factory.mktemp("noisy")
    config = _config(tmp, ASSETS / "small.yaml")
    result = execute(load_config(config, {"run.ticks": 8}), tmp / "ref", draw_report=False)
    return config, result


def test_noise_changes_the_run_and_is_seeded(brian2_reference, tmp_path: Path) -> None:
    config, reference = brian2_reference
    assert sum(_spike_counts(reference.run_dir)) > 0
    again = execute(load_config(config, {"run.ticks": 8}), tmp_path / "a", draw_report=False)
    assert again.final_root == reference.final_root
    quiet = execute(
        load_config(ASSETS / "small.yaml", {"run.ticks": 8}), tmp_path / "q", draw_report=False
    )
    other = execute(
        load_config(config, {"run.ticks": 8, "run.seed": 4}), tmp_path / "o", draw_report=False
    )
    assert len({reference.final_root, quiet.final_root, other.final_root}) == 3
    assert _spike_counts(reference.run_dir) != _spike_counts(quiet.run_dir)


@pytest.mark.parametrize("crash", ["after-commit:3", "tick:7"])
def test_a_killed_noisy_brian2_run_resumes_to_the_same_root(
    brian2_reference, tmp_path: Path, crash: str
) -> None:
    config, reference = brian2_reference
    run_dir = tmp_path / "run"
    _crashed_run(config, run_dir, crash, "--ticks", "8")
    result = resume(run_dir, draw_report=False)
    assert result.final_root == reference.final_root
    assert result.summary["resumes"] == 1 and result.ticks == 8


def test_a_noisy_run_replays_its_ticks_after_a_spaced_checkpoint(tmp_path: Path) -> None:
    """checkpoint.every 3: the resumed run recomputes the stored ticks after the last
    checkpoint and must match each stored block bit for bit (else resume refuses)."""
    raw = yaml.safe_load(_config(tmp_path, ASSETS / "small.yaml").read_text())
    raw["checkpoint"] = {"every": 3}
    raw["spiking"]["noise"] = {"kind": "white", "sigma_mv": 3.0}
    config = tmp_path / "spaced.yaml"
    config.write_text(yaml.safe_dump(raw))
    reference = execute(load_config(config, {"run.ticks": 8}), tmp_path / "ref", draw_report=False)
    run_dir = tmp_path / "run"
    _crashed_run(config, run_dir, "after-commit:5", "--ticks", "8")
    assert resume(run_dir, draw_report=False).final_root == reference.final_root


def test_rollbacks_rebuild_a_noisy_network_exactly(tmp_path: Path) -> None:
    """Forced instability with noise: reverts rebuild the network from stable checkpoints; a
    run killed between reverts resumes to the same root."""
    config = _config(tmp_path, ASSETS / "unstable.yaml")
    reference = execute(load_config(config), tmp_path / "ref", draw_report=False)
    assert reference.summary["reverts"] >= 1
    run_dir = tmp_path / "run"
    _crashed_run(config, run_dir, "ledger-commit:9")
    assert resume(run_dir, draw_report=False).final_root == reference.final_root


@pytest.fixture(scope="module")
def lava_reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """demo_lava (STDP, refractory) with 16 neurons, OU noise and random initial potentials,
    6 ticks uninterrupted: made once for both crash points (design §26, seventh session)."""
    tmp = tmp_path_factory.mktemp("noisy_lava")
    raw = yaml.safe_load((ROOT / "configs" / "demo_lava.yaml").read_text())
    raw["spiking"]["neurons"] = 16
    base = tmp / "demo_lava.yaml"
    base.write_text(yaml.safe_dump(raw))
    config = _config(tmp, base)
    result = execute(load_config(config, {"run.ticks": 6}), tmp / "ref", draw_report=False)
    return config, result


@pytest.mark.parametrize("crash", ["after-commit:3", "checkpoint-write:4"])
def test_a_killed_noisy_lava_run_resumes_to_the_same_root(
    lava_reference, tmp_path: Path, crash: str
) -> None:
    """demo_lava (STDP, refractory) with 16 neurons, OU noise and random initial potentials."""
    config, reference = lava_reference
    assert reference.summary["backends"]["spiking"]["engine"] == "lava-sim"
    run_dir = tmp_path / "run"
    _crashed_run(config, run_dir, crash, "--ticks", "6")
    result = resume(run_dir, draw_report=False)
    assert result.final_root == reference.final_root
    assert result.summary["resumes"] == 1 and result.ticks == 6
