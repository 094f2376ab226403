"""Checkpoints, resume and rollback (spec §13, §14): exact on simulators, nothing lost."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.record import checkpoint
from orchestrator.record.ledger import read_blocks
from orchestrator.record.rundir import RunDirectory
from orchestrator.record.verify import verify
from orchestrator.run.hooks import RunHooks
from orchestrator.run.resume import ResumeError, resume
from orchestrator.run.runner import execute


def _crashed_run(config: Path, out: Path, crash: str, *extra: str) -> None:
    """`qnf run` in a subprocess that SIGKILLs itself at the crash point."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestrator.cli",
            "run",
            str(config),
            "--out",
            str(out),
            "--no-report",
            *extra,
        ],
        env=dict(os.environ, QNF_CRASH_AT=crash),
        capture_output=True,
        check=False,
    )
    assert proc.returncode == -9, proc.stderr


@pytest.fixture(scope="module")
def unstable(tmp_path_factory: pytest.TempPathFactory):
    from tests.conftest import ASSETS

    path = ASSETS / "unstable.yaml"
    result = execute(load_config(path), tmp_path_factory.mktemp("u") / "run", draw_report=False)
    return path, result


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory):
    """small.yaml run once to its end; each test below works on a copy of its run directory
    (``_copy_of``), so what one test does to it (tamper, lock, resume) no other test sees."""
    from tests.conftest import ASSETS

    run_dir = tmp_path_factory.mktemp("small") / "run"
    return run_dir, execute(load_config(ASSETS / "small.yaml"), run_dir, draw_report=False)


def _copy_of(small_run, tmp_path: Path) -> Path:
    run_dir = tmp_path / "run"
    shutil.copytree(small_run[0], run_dir, symlinks=True)
    return run_dir


def test_forced_instability_reverts_to_stable_blocks_and_continues(unstable) -> None:
    _, result = unstable
    blocks = {h: e for h, e, _ in read_blocks(result.run_dir / "ledger.sqlite")}
    reverts = [(h, e) for h, e in blocks.items() if e["kind"] == "revert"]
    assert reverts and result.summary["reverts"] == len(reverts) == 3  # stability.max_reverts
    for height, event in reverts:
        target = blocks[event["to_block"]]
        assert target["stable"] and target["checkpoint_sha256"] == event["to_checkpoint_sha256"]
        assert event["to_block"] < height
        # the loop continues from the target's state: the next tick is the one after it
        resumed_tick = blocks[height + 1]["tick"]
        assert resumed_tick == event["tick"]
        assert blocks[height + 1]["coupling"]["gamma"] == pytest.approx(event["coupling"]["gamma"])
    gammas = [e["coupling"]["gamma"] for _, e in reverts]
    assert gammas == sorted(gammas, reverse=True)  # decoupled further each time
    assert result.status == "completed" and result.ticks == 20
    assert verify(result.run_dir / "ledger.sqlite").ok


@pytest.mark.parametrize(
    "crash", ["after-commit:7", "ledger-commit:9", "checkpoint-write:13", "tick:17"]
)
def test_killed_run_with_reverts_resumes_to_the_same_root(unstable, tmp_path, crash) -> None:
    path, reference = unstable
    run_dir = tmp_path / "run"
    _crashed_run(path, run_dir, crash)
    result = resume(run_dir, draw_report=False)
    assert result.final_root == reference.final_root
    assert result.summary["resumes"] == 1


def test_checkpoint_every_k_replays_the_ticks_after_the_last_one(small_config, tmp_path) -> None:
    extra = ("--ticks", "12")
    sparse = tmp_path / "sparse.yaml"
    sparse.write_text(small_config.read_text() + "checkpoint: {every: 4}\n")
    reference = execute(load_config(sparse, {"run.ticks": 12}), tmp_path / "ref", draw_report=False)
    run_dir = tmp_path / "run"
    _crashed_run(sparse, run_dir, "after-commit:7", *extra)  # ticks 4..6: stored, no checkpoint
    stored = [e for _, e, _ in read_blocks(run_dir / "ledger.sqlite")]
    assert [e["checkpoint_sha256"] is not None for e in stored[1:]][:7] == [
        False,
        False,
        False,
        True,
        False,
        False,
        False,
    ]
    result = resume(run_dir, draw_report=False)
    assert result.final_root == reference.final_root
    ticks = [e["tick"] for _, e, _ in read_blocks(run_dir / "ledger.sqlite") if e["kind"] == "tick"]
    assert ticks == list(range(12))


def test_a_torn_checkpoint_is_never_loaded(small_config, tmp_path) -> None:
    reference = execute(
        load_config(small_config, {"run.ticks": 8}), tmp_path / "ref", draw_report=False
    )
    run_dir = tmp_path / "run"
    _crashed_run(small_config, run_dir, "after-commit:7", "--ticks", "8")
    newest = RunDirectory(run_dir).checkpoint(7)
    data = newest.read_bytes()
    newest.write_bytes(data[: len(data) // 2])  # torn: as if the rename raced a disk failure
    with pytest.raises(checkpoint.CheckpointError):
        checkpoint.read(newest)
    result = resume(run_dir, draw_report=False)  # falls back to block 6 and replays block 7
    assert result.final_root == reference.final_root
    recorded = dict((h, e) for h, e, _ in read_blocks(run_dir / "ledger.sqlite"))[7]
    checkpoint.read(newest, recorded["checkpoint_sha256"])  # re-created


def test_checkpoint_bytes_are_deterministic_and_every_truncation_is_detected(tmp_path) -> None:
    import numpy as np

    ckpt = checkpoint.Checkpoint(
        {"tick": 3, "x": [1.5, None]},
        {"a": np.arange(5.0), "b": np.array([True, False]), "c": np.array([1 + 2j])},
    )
    data = checkpoint.encode(ckpt)
    assert data == checkpoint.encode(ckpt)
    back = checkpoint.decode(data)
    assert back.meta == ckpt.meta and all(
        np.array_equal(back.arrays[k], v) for k, v in ckpt.arrays.items()
    )
    for cut in range(len(data)):
        with pytest.raises(checkpoint.CheckpointError):
            checkpoint.decode(data[:cut])


def test_resume_refuses_a_tampered_ledger(small_run, tmp_path) -> None:
    run_dir = _copy_of(small_run, tmp_path)
    import sqlite3

    conn = sqlite3.connect(run_dir / "ledger.sqlite")
    conn.execute("DROP TRIGGER blocks_append_only_u")
    conn.execute(
        "UPDATE blocks SET event = replace(event, '\"tick\":2', '\"tick\":9') WHERE height = 3"
    )
    conn.commit()
    conn.close()
    with pytest.raises(ResumeError, match="fails verification at block 3"):
        resume(run_dir, draw_report=False)


def test_resuming_a_completed_run_adds_nothing(small_run, tmp_path) -> None:
    run_dir = _copy_of(small_run, tmp_path)
    first = small_run[1]
    again = resume(run_dir, draw_report=False)
    assert again.final_root == first.final_root and again.status == "completed"
    assert verify(run_dir / "ledger.sqlite").blocks == first.summary["blocks"]


def test_a_run_directory_is_worked_on_by_one_process_at_a_time(
    small_run, tmp_path, monkeypatch
) -> None:
    import fcntl

    from orchestrator.record import rundir
    from orchestrator.record.rundir import RunBusy

    monkeypatch.setattr(rundir, "LOCK_WAIT_SECONDS", 1.0)  # the wait itself is not under test

    run_dir = _copy_of(small_run, tmp_path)
    fd = os.open(run_dir, os.O_RDONLY)
    fcntl.flock(fd, fcntl.LOCK_EX)
    try:
        with pytest.raises(RunBusy):
            resume(run_dir, draw_report=False)
    finally:
        os.close(fd)
    shutil.rmtree(run_dir)


def test_a_backend_that_cannot_snapshot_runs_without_checkpoints_and_says_so(
    small_config, tmp_path, monkeypatch
) -> None:
    from backends.neuromorphic.brian2.backend import Brian2Backend
    from backends.neuromorphic.brian2.config import Brian2Config
    from orchestrator.contract.backend_config import SpikingCapabilities

    def refuse(self):
        raise AssertionError("snapshot() called on a backend that declares it cannot snapshot")

    monkeypatch.setattr(Brian2Backend, "snapshot", refuse)
    monkeypatch.setattr(
        Brian2Config, "capabilities", lambda self: SpikingCapabilities(snapshot=False)
    )
    notices: list[str] = []
    run_dir = tmp_path / "run"
    hooks = RunHooks(
        on_start=lambda ids: notices.extend(i["notice"] for i in ids.values() if "notice" in i),
    )
    result = execute(load_config(small_config), run_dir, hooks, draw_report=False)
    assert result.status == "completed" and result.summary["checkpoints"] is False
    assert any("cannot be resumed or rolled back" in n for n in notices)
    events = [e for _, e, _ in read_blocks(run_dir / "ledger.sqlite")]
    assert all(e["checkpoint_sha256"] is None and not e["stable"] for e in events)
    assert not list((run_dir / "checkpoints").glob("*.ckpt"))
    with pytest.raises(ResumeError, match="keeps none"):
        resume(run_dir, draw_report=False)


PHASE_SECTIONS = (
    "psn: {coupling: 0.4, frequencies: measured,\n"
    "      feedback: {preparation: oscillator, strength: 0.3, reference_frequency: true}}\n"
    "coherence_flow: {eta: 0.05, steps: 2, params: [theta, phi, alpha, gamma]}\n"
    "jacobian: {every: 2}\n"  # shots: J is not computed, the slope rule judges (fallback)
)


def test_phase_rules_resume_and_roll_back_to_the_uninterrupted_root(tmp_path) -> None:
    """The forced-instability run with the phase rules on: their state survives a stop and
    every rollback (the run is stopped after its first revert, in-process: a SIGKILL at each
    phase of a tick is covered above, and a subprocess costs a cold start)."""
    from tests.conftest import ASSETS

    path = tmp_path / "phase.yaml"
    path.write_text((ASSETS / "unstable.yaml").read_text() + PHASE_SECTIONS)
    config = load_config(path, {"run.ticks": 8})
    reference = execute(config, tmp_path / "ref", draw_report=False)
    assert reference.summary["reverts"] >= 1
    events = [e for _, e, _ in read_blocks(reference.run_dir / "ledger.sqlite")]
    ticks = [e for e in events if e["kind"] == "tick"]
    assert all("psn_r" in e and len(e["coherence_flow_energies"]) == 3 for e in ticks)
    assert not any("jacobian_det" in e or "stability_failed" in e for e in ticks)
    first_revert = next(i for i, e in enumerate(events) if e["kind"] == "revert")
    ticks_done = []
    hooks = RunHooks(
        on_tick=lambda record,
        done,
        planned: ticks_done.append(done),
        should_stop=lambda: len(ticks_done) >= first_revert + 1,
    )
    stopped = execute(config, tmp_path / "run", hooks, draw_report=False)
    assert stopped.status == "cancelled"
    result = resume(tmp_path / "run", draw_report=False)
    assert result.final_root == reference.final_root


def test_stdp_on_an_in_degree_network_resumes_exactly_from_spaced_checkpoints(
    small_config, tmp_path
) -> None:
    """Issue 10's way to checkpoint plastic synapses without writing them every tick: the
    synapse state every 4 ticks, the ticks since replayed and checked against the ledger; the
    root must be the uninterrupted run's (in-degree k = 3, STDP on)."""
    raw = yaml.safe_load(small_config.read_text())
    raw["spiking"]["recurrent"] = {"k": 3, "weight_mv": 1.0}
    raw["spiking"]["stdp"] = {"enabled": True, "a_plus": 0.05}
    raw["checkpoint"] = {"every": 4}
    raw["run"]["ticks"] = 8
    config = tmp_path / "stdp.yaml"
    config.write_text(yaml.safe_dump(raw))
    reference = execute(load_config(config), tmp_path / "ref", draw_report=False)
    run_dir = tmp_path / "run"
    _crashed_run(config, run_dir, "after-commit:6")  # ticks 4, 5 stored, no checkpoint
    assert resume(run_dir, draw_report=False).final_root == reference.final_root
