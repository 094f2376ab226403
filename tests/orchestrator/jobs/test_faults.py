"""Issue 16: job store and QNF_HOME faults end in one line; workers, ids, progress, file modes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.jobs.store import JobError, JobStore
from orchestrator.jobs.worker import work
from orchestrator.record.ledger import last_events
from orchestrator.run.runner import execute
from tests.filesystems import read_only_dir
from tests.paths import ASSETS

runner = CliRunner()
SMALL = ASSETS / "small.yaml"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "home"
    monkeypatch.setenv("QNF_HOME", str(path))
    return path


def _submit(*extra: str) -> str:
    result = runner.invoke(app, ["submit", str(SMALL), "--no-worker", *extra])
    assert result.exit_code == 0, result.output
    return result.stdout.strip().splitlines()[-1]


def _one_line(args: list[str], code: int) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    return lines[0]


def test_a_corrupt_store_is_named_kept_and_rebuilt_from_the_run_directories(home: Path) -> None:
    done, killed = home / "runs" / "aaaa000001", home / "runs" / "bbbb000002"
    execute(load_config(SMALL), done, draw_report=False)
    execute(load_config(SMALL), killed, draw_report=False)
    (killed / "summary.json").unlink()  # as if killed before it could write one
    store = home / "jobs.sqlite"
    store.write_bytes(b"this is not a database, it is garbage" * 100)
    for args in (["jobs"], ["status", "aaaa"], ["submit", str(SMALL), "--no-worker"]):
        line = _one_line(args, 4)
        assert line.startswith(f"{store}: not a qnfusion job store (file is not a database)")
        assert "`qnf jobs --rebuild`" in line
    assert store.read_bytes().startswith(b"this is not a database")  # never emptied

    result = runner.invoke(app, ["jobs", "--rebuild", "--json"])
    assert result.exit_code == 0, result.output
    kept = list(home.glob("jobs.sqlite.*.bad"))
    assert len(kept) == 1 and kept[0].read_bytes().startswith(b"this is not a database")
    rebuilt = {j.id: j for j in JobStore(home).list()}
    assert set(rebuilt) == {"aaaa000001", "bbbb000002"}
    assert rebuilt["aaaa000001"].state == "completed"
    assert rebuilt["bbbb000002"].state == "interrupted"
    assert rebuilt["bbbb000002"].ticks_done == 4  # from its ledger


def test_another_program_s_database_is_refused_untouched(home: Path) -> None:
    home.mkdir()
    store = home / "jobs.sqlite"
    conn = sqlite3.connect(store)
    conn.execute("CREATE TABLE notes (text TEXT)")
    conn.commit()
    conn.close()
    before = store.read_bytes()
    line = _one_line(["jobs"], 4)
    assert "not a qnfusion job store (it holds other tables (notes) and no jobs table)" in line
    assert store.read_bytes() == before
    conn = sqlite3.connect(store)
    conn.execute("DROP TABLE notes")
    conn.execute("CREATE TABLE jobs (x)")
    conn.commit()
    conn.close()
    assert "its jobs table lacks 19 columns" in _one_line(["status", "x"], 4)


def test_a_read_only_home_serves_the_reading_commands(home: Path) -> None:
    job_id = _submit()
    with read_only_dir(home):
        for args in (["jobs"], ["status", job_id], ["logs", job_id], ["results", job_id, "--json"]):
            result = runner.invoke(app, args)
            assert result.exit_code == 0, (args, result.output)
        for args in (["submit", str(SMALL), "--no-worker"], ["cancel", job_id], ["resume", job_id]):
            line = _one_line(args, 4)
            assert line.startswith(f"{home}: cannot write the job store (")
            assert "needs a writable QNF_HOME" in line


def test_job_ids_are_matched_literally(home: Path) -> None:
    first = _submit()
    store = JobStore(home)
    assert store.get(first).id == first and store.get(first[:4]).id == first
    for pattern in ("%", "_", first[:3] + "%", ""):
        with pytest.raises(JobError):
            store.get(pattern)
    assert _one_line(["status", "%"], 2) == "no job '%' (see `qnf jobs`)"


def test_ticks_done_of_an_interrupted_job_comes_from_its_ledger(home: Path) -> None:
    job_id = _submit()
    store = JobStore(home)
    job = store.claim("gone-worker", lease_s=-1.0)  # its lease has already run out
    assert job is not None and job.id == job_id
    # ... on another host (on this one its process, this test's, would say it still runs)
    store._conn.execute("UPDATE jobs SET worker_host = 'another-host' WHERE id = ?", (job_id,))
    execute(load_config(SMALL, {"run.ticks": 3}), job.run_dir, draw_report=False)
    job = store.get(job_id)
    assert job.state == "interrupted" and job.ticks_done == 3


def test_files_of_a_run_and_of_qnf_home_are_private(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _submit("--ticks", "2")
    work(home, exit_when_idle=True)
    files = [p for p in home.rglob("*")]
    assert files and {oct(home.stat().st_mode & 0o777)} == {"0o700"}
    for path in files:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o700 if path.is_dir() else 0o600), (path, oct(mode))

    monkeypatch.setenv("QNF_UMASK", "027")
    shared = tmp_path / "shared"
    execute(load_config(SMALL, {"run.ticks": 1}), shared, draw_report=False)
    for path in [shared, *shared.rglob("*")]:
        mode = path.stat().st_mode & 0o777
        assert mode == (0o750 if path.is_dir() else 0o640), (path, oct(mode))


def test_racing_submits_start_one_worker(home: Path) -> None:
    first = _submit("-n", "2000")  # queued first: the worker is busy with it while they race
    env = dict(os.environ, QNF_HOME=str(home))
    command = [sys.executable, "-m", "orchestrator.cli", "submit", str(SMALL), "-n", "5"]
    procs = [
        subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True) for _ in range(5)
    ]
    outputs = [p.communicate(timeout=120)[0] for p in procs]
    started = [o for o in outputs if "started a background worker" in o]
    assert len(started) == 1, outputs
    store = JobStore(home)
    while store.get(first).state == "queued":
        time.sleep(0.05)
    for job in store.list():
        if job.state in ("queued", "running"):
            store.request_cancel(job.id)
    deadline = time.monotonic() + 120
    while any(j.state in ("queued", "running") for j in store.list()):
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert {j.worker_pid for j in store.list() if j.worker_pid} == {store.get(first).worker_pid}


def test_sigterm_to_a_worker_records_the_job_interrupted_and_it_resumes(home: Path) -> None:
    # 60 ticks: the SIGTERM goes at block 3, which leaves 50+ ticks (~0.7 CPU-s of the worker's)
    # against the 20 ms poll; the resume and the reference run what it leaves (it was 150)
    ticks = 60
    job_id = _submit("-n", str(ticks))
    worker = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.cli", "worker", "--exit-when-idle"],
        env=dict(os.environ, QNF_HOME=str(home)),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    store = JobStore(home)
    ledger = store.get(job_id).run_dir / "ledger.sqlite"
    while not last_events(ledger, 1) or last_events(ledger, 1)[-1][0] < 3:
        assert worker.poll() is None
        time.sleep(0.02)
    os.killpg(worker.pid, signal.SIGTERM)
    _, stderr = worker.communicate(timeout=120)
    assert worker.returncode == 143 and "Traceback" not in stderr
    job = store.get(job_id)
    assert job.state == "interrupted" and job.error == "interrupted by SIGTERM"
    assert 0 < job.ticks_done < ticks
    store.requeue(job_id)
    work(home, exit_when_idle=True)
    reference = execute(load_config(SMALL, {"run.ticks": ticks}), home / "ref", draw_report=False)
    assert store.get(job_id).final_root == reference.final_root
