"""Whole runs on Lava through the CLI: the demo, the Brian2 fallback on record, a failed run,
a run killed mid-run and resumed (checkpoints of the Lava network), rollbacks on Lava."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from multiprocessing import resource_tracker
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from backends.neuromorphic.lava import config as lava_config
from backends.neuromorphic.lava import workers as lava_workers
from backends.quantum.aer.backend import AerBackend
from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.record.ledger import read_blocks
from orchestrator.run.resume import resume
from orchestrator.run.runner import execute
from tests.paths import ROOT

runner = CliRunner()


def demo_lava(tmp_path: Path, **lava: Any) -> Path:
    """configs/demo_lava.yaml, smaller (16 neurons) and with ``spiking.lava`` updated."""
    raw = yaml.safe_load((ROOT / "configs" / "demo_lava.yaml").read_text())
    raw["spiking"]["neurons"] = 16
    raw["spiking"]["lava"] = {**raw["spiking"]["lava"], **lava}
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def events(run_dir: Path) -> list[dict[str, Any]]:
    return [event for _, event, _ in read_blocks(run_dir / "ledger.sqlite")]


def test_demo_lava_runs_and_its_ledger_verifies(tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", str(ROOT / "configs" / "demo_lava.yaml"), "-n", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output + str(result.exception)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["ticks"] == 3
    spiking = summary["backends"]["spiking"]
    assert spiking["kind"] == "lava" and spiking["engine"] == "lava-sim"
    assert spiking["package"] == "lava-nc" and spiking["run_config"] == "Loihi2SimCfg"
    assert sum(e["spike_count"] for e in events(out)[1:]) > 0
    check = runner.invoke(app, ["ledger", "verify", str(out)])
    assert check.exit_code == 0 and summary["final_root"] in check.stdout


def test_a_lava_run_replays_to_the_same_root(tmp_path: Path) -> None:
    config = demo_lava(tmp_path)
    roots = []
    for name in ("a", "b"):
        result = runner.invoke(app, ["run", str(config), "-n", "2", "--out", str(tmp_path / name)])
        assert result.exit_code == 0, result.output
        roots.append(json.loads((tmp_path / name / "summary.json").read_text())["final_root"])
    assert roots[0] == roots[1]


def test_loihi2_with_fallback_runs_on_brian2_and_records_it(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(lava_config, "loihi2_sdk", lambda: None)  # as on this machine
    out = tmp_path / "run"
    config = demo_lava(tmp_path, target="loihi2", fallback="brian2")
    result = runner.invoke(app, ["run", str(config), "-n", "3", "--out", str(out)])
    assert result.exit_code == 0, result.output + str(result.exception)
    notice = "running on Brian2 (spiking.lava.fallback: brian2)"
    assert notice in result.stderr  # the console
    summary = json.loads((out / "summary.json").read_text())
    recorded = summary["backends"]["spiking"]
    assert recorded["engine"] == "brian2" and recorded["package"] == "brian2"
    assert "lava-loihi is not installed" in recorded["fallback_reason"]
    ticks = events(out)
    assert len(ticks) == 4  # genesis + 3 ticks
    for event in ticks:  # every event says which backend ran, and why
        assert event["backends"]["spiking"] == recorded
    assert runner.invoke(app, ["ledger", "verify", str(out)]).exit_code == 0


def test_loihi2_without_fallback_is_refused_before_anything_runs(tmp_path, monkeypatch):
    monkeypatch.setattr(lava_config, "loihi2_sdk", lambda: None)
    out = tmp_path / "run"
    result = runner.invoke(
        app, ["run", str(demo_lava(tmp_path, target="loihi2")), "--out", str(out)]
    )
    assert result.exit_code == 2
    assert result.stderr.startswith("spiking.lava.target: target loihi2 needs lava-loihi")
    assert not out.exists()


def test_a_failed_run_leaves_no_lava_worker(tmp_path, monkeypatch) -> None:
    calls = {"n": 0}
    execute = AerBackend.execute

    def failing(self, requests, seed):
        calls["n"] += 1
        if calls["n"] == 3:
            raise RuntimeError("quantum backend lost in tick 2")
        return execute(self, requests, seed)

    monkeypatch.setattr(AerBackend, "execute", failing)
    resource_tracker.ensure_running()
    before = lava_workers.children()
    out = tmp_path / "run"
    result = runner.invoke(app, ["run", str(demo_lava(tmp_path)), "-n", "5", "--out", str(out)])
    assert isinstance(result.exception, RuntimeError)
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["ticks"] == 2
    assert lava_workers.children() - before == set()


def test_backends_shows_lava_its_version_and_loihi2() -> None:
    result = runner.invoke(app, ["backends", "--json"])
    rows = {(r["layer"], r["kind"]): r for r in json.loads(result.stdout)}
    lava = rows[("spiking", "lava")]
    assert lava["installed"] and lava["version"] and lava["package"] == "lava-nc"
    assert lava["hardware"].startswith("Loihi 2: ")
    assert rows[("spiking", "brian2")]["hardware"] is None
    table = runner.invoke(app, ["backends"])
    assert "lava" in table.stdout and "Loihi 2:" in table.stdout


def processes_of(marker: Path) -> set[int]:
    """Live processes whose command line names ``marker``: a run (``--out marker``) and the
    Lava workers it forked (a fork keeps its parent's command line)."""
    found = set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
        except OSError:
            continue
        if str(marker).encode() in cmdline.split(b"\0") and lava_workers.alive(int(entry)):
            found.add(int(entry))
    return found


def crashed_run(config: Path, out: Path, crash: str, *extra: str) -> None:
    """`qnf run` in a subprocess that SIGKILLs itself at ``crash``; its workers die with it."""
    command = ["run", str(config), "--out", str(out), "--no-report", *extra]
    proc = subprocess.run(
        [sys.executable, "-m", "orchestrator.cli", *command],
        env=dict(os.environ, QNF_CRASH_AT=crash),
        cwd=ROOT,
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -9, proc.stderr
    deadline = time.monotonic() + 5.0
    while (left := processes_of(out)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == set(), f"the killed run left processes behind: {sorted(left)}"


@pytest.fixture(scope="module")
def reference_6(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """demo_lava (16 neurons) and its 6-tick run uninterrupted: made once for both crash
    points of the kill test (design §26, seventh session)."""
    tmp = tmp_path_factory.mktemp("lava_ref")
    config = demo_lava(tmp)
    return config, execute(load_config(config, {"run.ticks": 6}), tmp / "ref", draw_report=False)


@pytest.mark.parametrize("crash", ["after-commit:4", "checkpoint-write:3"])
def test_a_killed_lava_run_resumes_to_the_same_root(
    reference_6, tmp_path: Path, crash: str
) -> None:
    """kill -9 mid-run (demo_lava: STDP, refractory), resume: the uninterrupted run's root."""
    config, reference = reference_6
    resource_tracker.ensure_running()
    before = lava_workers.children()
    run_dir = tmp_path / "run"
    crashed_run(config, run_dir, crash, "--ticks", "6")
    result = resume(run_dir, draw_report=False)
    assert result.final_root == reference.final_root
    assert result.summary["resumes"] == 1 and result.ticks == 6
    assert lava_workers.children() - before == set()  # the resumed run's workers are gone too


def test_lava_rollbacks_and_a_kill_resume_to_the_same_root(tmp_path: Path) -> None:
    """Forced instability on Lava (with STDP): reverts rebuild the network from stable
    checkpoints; a run killed between reverts resumes to the same root."""
    raw = yaml.safe_load((ROOT / "tests" / "assets" / "unstable.yaml").read_text())
    raw["spiking"] = {**raw["spiking"], "kind": "lava", "stdp": {"enabled": True}}
    config = tmp_path / "unstable_lava.yaml"
    config.write_text(yaml.safe_dump(raw))
    reference = execute(load_config(config), tmp_path / "ref", draw_report=False)
    assert reference.summary["reverts"] == 3
    run_dir = tmp_path / "run"
    crashed_run(config, run_dir, "ledger-commit:9")
    result = resume(run_dir, draw_report=False)
    assert result.final_root == reference.final_root


def test_a_killed_lava_run_resumes_from_replay_records_to_the_same_root(tmp_path: Path) -> None:
    """Checkpoints stored as replay records (design §27) on Lava's CPU simulator (STDP): the
    newest one, a record, is read back by replaying the drives through a Lava network built
    for it (and closed: no worker left), and the resumed run ends on the uninterrupted root."""
    from orchestrator.record import checkpoint_replay

    config = demo_lava(tmp_path)
    overrides = {"run.ticks": 6, "checkpoint.replay": True, "checkpoint.full_every": 3}
    reference = execute(load_config(config, overrides), tmp_path / "ref", draw_report=False)
    raw = yaml.safe_load(config.read_text())
    raw["checkpoint"] = {**raw.get("checkpoint", {}), "replay": True, "full_every": 3}
    replayed = tmp_path / "replay.yaml"
    replayed.write_text(yaml.safe_dump(raw))
    resource_tracker.ensure_running()
    before = lava_workers.children()
    run_dir = tmp_path / "run"
    crashed_run(replayed, run_dir, "after-commit:5", "--ticks", "6")
    newest = max((run_dir / "checkpoints").glob("*.ckpt"))
    assert checkpoint_replay.is_replay(newest.read_bytes())
    result = resume(run_dir, draw_report=False)
    assert result.final_root == reference.final_root
    assert lava_workers.children() - before == set()
