"""The job commands end to end (in-process worker; real backends)."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import brian2  # noqa: F401  - see below
import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.jobs.store import JobStore, durable_ticks
from orchestrator.jobs.worker import work
from orchestrator.record.verify import verify
from orchestrator.run.hooks import RunHooks
from orchestrator.run.runner import execute
from tests.paths import ASSETS

# brian2 installs a SIGINT handler when it is first imported, which only the main thread may
# do; the tests below run a worker in a thread (a real `qnf worker` runs jobs in its main
# thread), so brian2 is imported here first.

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QNF_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QNF_LEASE_SECONDS", "1")
    return tmp_path / "home"


def _json(*args: str) -> dict:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_submit_of_a_bad_config_exits_2_and_records_no_job(home: Path) -> None:
    bad = ASSETS / "bad" / "negative_shots.yaml"
    result = runner.invoke(app, ["submit", str(bad), "--no-worker"])
    assert result.exit_code == 2
    assert "quantum.shots: must be > 0" in result.stderr
    assert JobStore(home).list() == []


def test_submit_then_worker_then_status_and_results(home: Path, small_config: Path) -> None:
    result = runner.invoke(app, ["submit", str(small_config), "--ticks", "6", "--no-worker"])
    assert result.exit_code == 0
    job_id = result.stdout.strip().splitlines()[-1]
    assert len(job_id) == 10 and job_id.isalnum()
    status = _json("status", job_id, "--json")
    assert status["state"] == "queued" and status["ticks_done"] == 0

    assert work(home, exit_when_idle=True) == 0

    status = _json("status", job_id, "--json")
    assert status["state"] == "completed" and status["ticks_done"] == 6
    assert status["worker_pid"] and len(status["final_root"]) == 64
    results = _json("results", job_id, "--json")
    assert results["summary"]["final_root"] == status["final_root"]
    assert results["summary"]["result"]["task"] == "fusion"  # issue 24: the result in sight
    shown = runner.invoke(app, ["results", job_id]).stdout
    assert "result" in shown and "mean over 6 ticks: fusion energy" in shown
    assert results["report"].endswith("report.png")
    reference = execute(
        load_config(small_config, {"run.ticks": 6}), home / "ref", draw_report=False
    )
    assert status["final_root"] == reference.final_root

    listing = _json("jobs", "--json")
    assert [j["id"] for j in listing] == [job_id]
    logs = runner.invoke(app, ["logs", job_id])
    assert "tick 5 (6/6 done)" in logs.stdout and "completed" in logs.stdout
    watched = runner.invoke(app, ["watch", job_id])
    assert watched.exit_code == 0 and "completed after 6 ticks" in watched.stdout


def test_cancel_stops_at_a_tick_boundary_and_resume_finishes_exactly(
    home: Path, small_config: Path
) -> None:
    # The cancel goes once the ledger holds a tick (read there, not from the store's ticks_done,
    # which the lease keeper publishes up to 0.5 s late), which leaves 50+ ticks (~0.7 CPU-s)
    # against the 50 ms poll; the resume and the reference run what it leaves (it was 300)
    ticks = 60
    job_id = runner.invoke(
        app, ["submit", str(small_config), "--ticks", str(ticks), "--no-worker"]
    ).stdout.split()[-1]
    worker = threading.Thread(target=work, args=(home, True))
    worker.start()
    store = JobStore(home)
    while store.get(job_id).state == "queued" or durable_ticks(store.get(job_id).run_dir, 0) < 1:
        assert store.get(job_id).state in ("queued", "running")
        time.sleep(0.05)
    assert runner.invoke(app, ["cancel", job_id]).exit_code == 0
    worker.join()
    job = store.get(job_id)
    assert job.state == "cancelled" and 0 < job.ticks_done < ticks
    assert verify(job.run_dir / "ledger.sqlite").ok
    summary = json.loads((job.run_dir / "summary.json").read_text())
    assert summary["status"] == "cancelled" and summary["resume"] == f"qnf resume {job.run_dir}"

    resumed = runner.invoke(app, ["resume", job_id])
    assert resumed.exit_code == 0 and resumed.stdout.split()[-1] == job.id
    # a background worker was started by `resume`; wait for it like a user would
    while store.get(job_id).state in ("queued", "running"):
        time.sleep(0.1)
    job = store.get(job_id)
    assert job.state == "completed" and job.ticks_done == ticks
    reference = execute(
        load_config(small_config, {"run.ticks": ticks}), home / "ref", draw_report=False
    )
    assert job.final_root == reference.final_root


def test_resume_of_a_run_directory_in_the_foreground(tmp_path: Path, small_config: Path) -> None:
    run_dir = tmp_path / "run"
    stops = iter(range(100))
    hooks = RunHooks(should_stop=lambda: next(stops) >= 2)
    cut = execute(load_config(small_config), run_dir, hooks, draw_report=False)
    assert cut.status == "cancelled" and cut.ticks == 2
    again = runner.invoke(app, ["resume", str(run_dir)])
    assert again.exit_code == 0 and "status:        completed" in again.stdout
    done = runner.invoke(app, ["resume", str(run_dir)])  # a completed run is not resumed
    assert done.exit_code == 2 and "the run is completed" in done.stderr


def test_unknown_job_is_a_one_line_error(home: Path) -> None:
    result = runner.invoke(app, ["status", "nope"])
    assert result.exit_code == 2 and result.stderr.strip() == "no job 'nope' (see `qnf jobs`)"
