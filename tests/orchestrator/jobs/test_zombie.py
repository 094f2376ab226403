"""A worker killed with SIGKILL and not reaped by its parent is dead (issue 26, part 3).

A zombie still answers ``kill -0``; before, ``qnf resume ID`` answered "job is running" until the
lease ran out (28 s in production). The store reads ``/proc/PID/stat``: state Z (or X) is a dead
process, and a start time other than the one recorded at claim is another process that got the
pid. The lease here is 10 minutes, so only that can make the job resumable at once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.jobs.proc import alive, start_time
from orchestrator.jobs.store import JobStore, durable_ticks
from orchestrator.run.runner import execute

runner = CliRunner()


def _state(pid: int) -> str:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]


def test_resume_right_after_kill_9_of_a_worker_its_parent_does_not_reap(
    tmp_path: Path, small_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("QNF_HOME", str(home))
    monkeypatch.setenv("QNF_LEASE_SECONDS", "600")
    ticks = 60
    submitted = runner.invoke(app, ["submit", str(small_config), "--ticks", str(ticks),
                                    "--no-worker"])  # fmt: skip
    assert submitted.exit_code == 0, submitted.output
    job_id = submitted.stdout.split()[-1]
    store = JobStore(home)
    worker = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.cli", "worker", "--exit-when-idle"],
        env=dict(os.environ), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        while durable_ticks(store.get(job_id).run_dir, 0) < 1:
            assert worker.poll() is None, "the worker ended before its job ticked"
            time.sleep(0.05)
        assert store.get(job_id).state == "running"
        worker.send_signal(signal.SIGKILL)
        while _state(worker.pid) != "Z":  # dead, not reaped: this test is its parent
            time.sleep(0.01)
        os.kill(worker.pid, 0)  # a zombie still answers kill -0 ...
        assert store.get(job_id).state == "interrupted"  # ... but it is not running
        resumed = runner.invoke(app, ["resume", job_id])
        assert resumed.exit_code == 0, resumed.output
        assert resumed.stdout.split()[-1] == job_id
        assert _state(worker.pid) == "Z"  # still unreaped when the resume was accepted
    finally:
        worker.kill()
        worker.wait()
    while store.get(job_id).state in ("queued", "running"):
        time.sleep(0.2)
    job = store.get(job_id)
    assert job.state == "completed" and job.ticks_done == ticks, job
    reference = execute(
        load_config(small_config, {"run.ticks": ticks}), tmp_path / "ref", draw_report=False
    )
    assert job.final_root == reference.final_root


def test_a_zombie_and_a_reused_pid_are_not_alive() -> None:
    child = subprocess.Popen(["sleep", "60"])
    try:
        started = start_time(child.pid)
        assert started is not None and alive(child.pid, started)
        assert not alive(child.pid, started + 1)  # another process under the same pid
        child.kill()
        while _state(child.pid) != "Z":
            time.sleep(0.01)
        os.kill(child.pid, 0)
        assert not alive(child.pid) and not alive(child.pid, started)
    finally:
        child.kill()
        child.wait()
    assert not alive(child.pid, started) and not alive(0) and not alive(None)
    assert alive(os.getpid(), start_time(os.getpid()))


def test_a_job_whose_worker_pid_was_reused_reads_as_interrupted(tmp_path: Path) -> None:
    store = JobStore(tmp_path)
    job = store.submit("c.yaml", "run: {}", None, 5, "aer+brian2")
    store.claim("w1", lease_s=3600)
    assert store.get(job.id).state == "running"  # this process, with its own start time
    store._conn.execute("UPDATE jobs SET worker_started = worker_started - 1 WHERE id = ?",
                        (job.id,))  # fmt: skip
    assert store.get(job.id).state == "interrupted"
