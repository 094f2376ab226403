"""The directory classes name the files the real code writes (record/directories.py).

Each test lets the code that owns a directory write it (a sweep opened and stopped, a job
store made and a job submitted), then reads the files back through the class and checks the
layout against the one the module docstring documents, spelled out here. A federation's
layout is checked where a test already runs one (tests/orchestrator/run/test_federation.py).
"""

from __future__ import annotations

import signal
from pathlib import Path

from orchestrator.jobs.spare import keep_spare
from orchestrator.jobs.store import JobStore, qnf_home
from orchestrator.record.directories import HomeDirectory, SweepDirectory
from orchestrator.run.sweep import open_sweep, request_stop
from orchestrator.run.sweep_plan import SweepPlan


def test_a_sweep_directory_names_the_plan_points_and_stop_file(tmp_path, small_config) -> None:
    axes = (("trotter.dt", (0.2, 0.4)),)
    plan = SweepPlan(small_config.read_text(), str(small_config), axes, None)
    out = tmp_path / "sweep"
    files = SweepDirectory(out)
    assert not files.is_sweep()
    open_sweep(plan, out)
    assert files.is_sweep() and files.plan == out / "sweep.json"
    assert files.points.is_dir() and files.points == out / "points"
    assert files.point("p001") == out / "points" / "p001"
    request_stop(out, signal.SIGINT)
    assert files.stop_file.read_text() == "SIGINT\n"
    assert sorted(p.name for p in out.iterdir()) == ["points", "stop-requested", "sweep.json"]


def test_the_home_directory_names_the_store_runs_logs_and_spare(tmp_path, monkeypatch) -> None:
    home = tmp_path / "home"
    files = HomeDirectory(home)
    store = JobStore(home)
    try:
        job = store.submit("c.yaml", "run: {}\n", None, 3, "aer+brian2")
    finally:
        store.close()
    assert files.jobs == home / "jobs.sqlite" and files.jobs.is_file()
    assert files.logs.is_dir() and files.logs == home / "logs"
    assert Path(job.run_dir) == files.run(job.id) == home / "runs" / job.id
    assert files.job_log(job.id) == home / "logs" / f"{job.id}.log"
    assert keep_spare(home) and files.spare == home / "spare" and files.spare.is_file()
    assert files.worker_log().parent == files.logs

    monkeypatch.setenv("QNF_HOME", "~/qh")
    assert qnf_home() == HomeDirectory.from_environment().path == Path.home() / "qh"
    monkeypatch.delenv("QNF_HOME")
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    assert qnf_home() == tmp_path / "state" / "qnfusion"
