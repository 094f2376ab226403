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
        assert f"node {node}: tick 4" in shown and "round 1: member" in shown
        assert verify(job.run_dir / "nodes" / node / "ledger.sqlite").ok
    checked = runner.invoke(app, ["ledger", "verify", str(job.run_dir)])
    assert checked.exit_code == 0 and job.final_root in checked.stdout
