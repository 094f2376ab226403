"""The §15 monitor snapshot in `qnf status --json` and `qnf watch`, fresh after rollbacks:
compared with the ledger's own events (an independent record of the same ticks)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.control.monitor import EntropySnapshot
from orchestrator.jobs import worker
from orchestrator.jobs.worker import work
from orchestrator.record.ledger import read_blocks
from tests.paths import ASSETS

runner = CliRunner()


def _expected(event: dict | None) -> dict:
    """The snapshot a tick event describes (None: the run's start)."""
    if event is None or event["kind"] != "tick":
        return {k: None for k in _KEYS}
    return {
        "tick": event["tick"],
        "coherence_entropy": event["coherence_entropy"],
        "coherence_entropy_normalised": event["coherence_entropy_normalised"],
        "entropy_slope": event["entropy_slope"],
        "coherence_energy": event["coherence_energy"],
        "psn_r": None,
        "det_j": None,
        "stable": event["stable"],  # every tick is checkpointed here (checkpoint.every: 1)
        "trigger": event["stability_trigger"],
        "resonance_violations": event["resonance_violations"],
    }


_KEYS = tuple(EntropySnapshot.__dataclass_fields__)


def test_status_carries_the_monitor_snapshot_fresh_after_each_rollback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QNF_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("QNF_LEASE_SECONDS", "1")
    published: list[dict] = []

    publish = worker._Progress.publish

    def recording(self) -> None:  # every snapshot the worker hands its lease keeper, in order
        published.append(self.metrics["monitor"])
        publish(self)

    monkeypatch.setattr(worker._Progress, "publish", recording)
    submitted = runner.invoke(app, ["submit", str(ASSETS / "unstable.yaml"), "--no-worker"])
    job_id = submitted.stdout.split()[-1]
    assert work(tmp_path / "home", exit_when_idle=True) == 0

    status = json.loads(runner.invoke(app, ["status", job_id, "--json"]).stdout)
    assert status["state"] == "completed"
    blocks = {h: e for h, e, _ in read_blocks(Path(status["run_dir"]) / "ledger.sqlite")}
    last_tick = blocks[max(h for h, e in blocks.items() if e["kind"] == "tick")]
    assert status["last_metrics"]["monitor"] == pytest.approx(_expected(last_tick))

    # one publication per committed block after genesis; after a revert, the stable tick's
    ordered = [blocks[h] for h in sorted(blocks) if h > 0]
    assert len(published) == len(ordered)
    reverts = 0
    for event, snapshot in zip(ordered, published):
        if event["kind"] == "revert":
            reverts += 1
            target = blocks[event["to_block"]]
            while target["kind"] == "revert":  # a revert block holds its own target's state
                target = blocks[target["to_block"]]
            start = target["kind"] != "tick"  # the genesis: the run's initial state
            assert snapshot == pytest.approx(_expected(None if start else target))
        else:
            assert snapshot == pytest.approx(_expected(event))
    assert reverts == 3

    watched = runner.invoke(app, ["watch", job_id])
    assert watched.exit_code == 0
    human = runner.invoke(app, ["status", job_id]).stdout
    assert f"tick {last_tick['tick']}" in human and "coherence_energy" in human
