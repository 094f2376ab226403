"""Issue 5's acceptance test: SIGKILL a worker at 20 moments of a 30-tick job, resume each time.

Sixteen moments are crash points (``orchestrator.record.faults``: the worker kills itself with
SIGKILL inside a tick, halfway through a checkpoint's temp file, between a block's INSERT and
COMMIT, or after the commit), drawn at random over the run's blocks and phases; four are kills from
outside at a random delay (mostly landing in start-up or early ticks). After each kill the job
is resumed. At the end: the final root equals the uninterrupted run's, SQLite's integrity check
passes, every tick is in the ledger exactly once (including every tick the job store had
acknowledged), and no temporary file is left.

The 20-moment case takes minutes (each moment starts a worker process) and is marked slow; the
default run kills at 6 moments of a 12-tick job: one crash point in each of the four phases and
two kills from outside, through the same code.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from orchestrator.config import load_config
from orchestrator.jobs.store import JobStore
from orchestrator.record.ledger import read_blocks
from orchestrator.record.rundir import RunDirectory
from orchestrator.record.verify import verify
from orchestrator.run.runner import execute

PHASES = ("tick", "checkpoint-write", "ledger-commit", "after-commit")


def _worker(env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "orchestrator.cli", "worker", "--exit-when-idle"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _last_block(run_dir: Path) -> int:
    """The height of the last block committed to the job's ledger (0: none yet)."""
    ledger = RunDirectory(run_dir).ledger
    if not ledger.is_file():
        return 0
    return max((height for height, _, _ in read_blocks(ledger)), default=0)


def _moments(
    rng: np.random.Generator, ticks: int, crashes: int, outside: int
) -> list[tuple[str, int] | float]:
    heights = rng.integers(1, ticks + 1, size=crashes)
    crash = {(PHASES[i % 4], int(h)) for i, h in enumerate(heights)}
    while len(crash) < crashes:
        crash.add((PHASES[int(rng.integers(4))], int(rng.integers(1, ticks + 1))))
    ordered: list[tuple[str, int] | float] = sorted(crash, key=lambda p: (p[1], PHASES.index(p[0])))
    for delay in rng.uniform(0.3, 4.0, size=outside):  # outside kills, spread over the sequence
        ordered.insert(int(rng.integers(len(ordered) + 1)), float(delay))
    return ordered


def test_sigkill_at_6_moments_then_resume_gives_the_uninterrupted_root(
    small_config: Path, tmp_path: Path
) -> None:
    _kill_and_resume(small_config, tmp_path, ticks=12, crashes=4, outside=2)


@pytest.mark.slow
def test_sigkill_at_20_moments_then_resume_gives_the_uninterrupted_root(
    small_config: Path, tmp_path: Path
) -> None:
    _kill_and_resume(small_config, tmp_path, ticks=30, crashes=16, outside=4)


def _kill_and_resume(
    small_config: Path, tmp_path: Path, ticks: int, crashes: int, outside: int
) -> None:
    cfg = load_config(small_config, {"run.ticks": ticks})
    reference = execute(cfg, tmp_path / "reference", draw_report=False)

    home = tmp_path / "home"
    env = dict(os.environ, QNF_HOME=str(home), QNF_LEASE_SECONDS="2")
    submitted = subprocess.run(
        [
            sys.executable,
            "-m",
            "orchestrator.cli",
            "submit",
            str(small_config),
            "--ticks",
            str(ticks),
            "--no-worker",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    job_id = submitted.stdout.strip().splitlines()[-1]

    store = JobStore(home)
    acknowledged = 0
    crash_kills = 0
    for moment in _moments(np.random.default_rng(2026), ticks, crashes, outside):
        job = store.get(job_id)
        if job.state == "completed":
            break
        if job.state != "queued":
            store.requeue(job_id)
        reachable = False
        if isinstance(moment, tuple):
            phase, height = moment
            # a block committed already is never written again: its crash points cannot be
            # reached (after a kill the ledger writer commits every block it was handed, so
            # an outside kill can leave the ledger past the next crash point)
            reachable = _last_block(job.run_dir) < height
            proc = _worker(dict(env, QNF_CRASH_AT=f"{phase}:{height}"))
            proc.wait()
        else:
            proc = _worker(env)
            time.sleep(moment)
            proc.send_signal(signal.SIGKILL)
            proc.wait()
        if reachable:  # every crash point that was reached killed the worker
            assert proc.returncode == -signal.SIGKILL, (moment, proc.returncode)
            crash_kills += 1
        if proc.returncode == -signal.SIGKILL:
            state = store.get(job_id).state
            # a kill from outside can land before the worker claimed the job (its start-up
            # takes longer than the shortest delay on a busy machine)
            assert state == "interrupted" or (isinstance(moment, float) and state == "queued")
        acknowledged = max(acknowledged, store.get(job_id).ticks_done)

    job = store.get(job_id)
    if job.state != "completed":
        store.requeue(job_id)
        _worker(env).wait()
    job = store.get(job_id)
    assert crash_kills > 0  # the crash points did kill (each reached one is asserted above)
    assert job.state == "completed" and job.ticks_done == ticks

    run_dir = job.run_dir
    assert job.final_root == reference.final_root
    assert json.loads((run_dir / "summary.json").read_text())["final_root"] == reference.final_root
    assert verify(run_dir / "ledger.sqlite").ok
    for db in (run_dir / "ledger.sqlite", home / "jobs.sqlite"):
        conn = sqlite3.connect(db)
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        conn.close()
    held = [e["tick"] for _, e, _ in read_blocks(run_dir / "ledger.sqlite") if e["kind"] == "tick"]
    assert sorted(held) == list(range(ticks)) and len(held) == len(set(held))
    assert acknowledged <= ticks and set(range(acknowledged)) <= set(held)
    leftovers = [p for p in [*run_dir.rglob("*"), *home.rglob("*")] if p.name.endswith(".tmp")]
    assert leftovers == []
    metrics = (run_dir / "metrics.csv").read_text().splitlines()
    assert len(metrics) == ticks + 1
