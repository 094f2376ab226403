"""``qnf submit`` of a federated config, the worker running it, ``qnf watch`` showing nodes."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.jobs.store import JobStore
from orchestrator.jobs.worker import work
from orchestrator.record.verify import verify
from tests.federated import write_federation

runner = CliRunner()


def test_submit_watch_and_verify_a_federated_job(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    home = tmp_path / "home"
    monkeypatch.setenv("QNF_HOME", str(home))
    monkeypatch.setenv("QNF_LEASE_SECONDS", "5")
    config, _ = write_federation(tmp_path, 2, ticks=4, rounds_every_ticks=2, eps_phi=3.0)
    submitted = runner.invoke(app, ["submit", str(config), "--no-worker"])
    assert submitted.exit_code == 0, submitted.output
    job_id = submitted.stdout.strip().splitlines()[-1]

    assert work(home, exit_when_idle=True) == 0

    job = JobStore(home).get(job_id)
    assert job.state == "completed" and job.ticks_done == 4 and job.final_root
    watched = runner.invoke(app, ["watch", job_id, "--interval", "0.1"])
    assert watched.exit_code == 0, watched.output
    shown = watched.output
    assert "round 1 at tick 4" in shown and f"final root {job.final_root}" in shown
    for node in ("n0", "n1"):
        # ticks are numbered from 0 (issue 24): the last of 4 ticks is tick 3
        assert f"node {node}: tick 3" in shown and "round 1: member" in shown
        assert verify(job.run_dir / "nodes" / node / "ledger.sqlite").ok
    checked = runner.invoke(app, ["ledger", "verify", str(job.run_dir)])
    assert checked.exit_code == 0 and job.final_root in checked.stdout


def test_a_cancelled_federated_job_resumes_to_the_uninterrupted_root(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import threading
    import time

    import brian2  # noqa: F401 - imported in the main thread before a worker thread does

    from orchestrator.config import load_config
    from orchestrator.record.ledger import read_blocks
    from orchestrator.run.federation import run_federation

    home = tmp_path / "home"
    monkeypatch.setenv("QNF_HOME", str(home))
    monkeypatch.setenv("QNF_LEASE_SECONDS", "1")
    config, _ = write_federation(tmp_path, 2, ticks=40, rounds_every_ticks=2, ramp_rounds=2)
    job_id = runner.invoke(app, ["submit", str(config), "--no-worker"]).stdout.split()[-1]
    worker = threading.Thread(target=work, args=(home, True))
    worker.start()
    store = JobStore(home)
    ledger = store.get(job_id).run_dir / "ledger.sqlite"
    while not ledger.exists() or sum(e["kind"] == "round" for _, e, _ in read_blocks(ledger)) < 1:
        assert worker.is_alive()
        time.sleep(0.05)
    assert runner.invoke(app, ["cancel", job_id]).exit_code == 0
    worker.join()
    job = store.get(job_id)
    held = [e for _, e, _ in read_blocks(ledger)]
    assert job.state == "cancelled" and held[-1]["kind"] == "round" and len(held) < 21

    assert runner.invoke(app, ["resume", job_id, "--no-report"]).exit_code == 0
    while store.get(job_id).state in ("queued", "running"):  # the worker `resume` started
        time.sleep(0.1)
    job = store.get(job_id)
    assert job.state == "completed", job
    reference = run_federation(load_config(config), tmp_path / "reference")
    assert job.final_root == reference.final_root
    for node in ("n0", "n1"):
        assert (
            verify(job.run_dir / "nodes" / node / "ledger.sqlite").root
            == verify(tmp_path / "reference" / "nodes" / node / "ledger.sqlite").root
        )
