"""``qnf`` with the ibm backend on a device snapshot: the demo config, the ledger, the listing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from backends.quantum.common.fake_devices import FAKE_DEVICES
from orchestrator.cli import app
from orchestrator.record.ledger import read_blocks
from tests.paths import CONFIGS

DEMO = CONFIGS / "demo_ibm_fake.yaml"
runner = CliRunner()


def _run(out: Path, *extra: str) -> dict:
    result = runner.invoke(app, ["run", str(DEMO), "--ticks", "3", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    return json.loads((out / "summary.json").read_text())


def test_demo_on_fake_sherbrooke_runs_verifies_and_reproduces(tmp_path: Path) -> None:
    summary = _run(tmp_path / "a")
    assert summary["status"] == "completed" and summary["ticks"] == 3
    quantum = summary["backends"]["quantum"]
    assert quantum["kind"] == "ibm" and quantum["device"] == "fake_sherbrooke"
    assert quantum["mode"] == "local" and quantum["readout_mitigation"] == "calibrated"
    verified = runner.invoke(app, ["ledger", "verify", str(tmp_path / "a")])
    assert verified.exit_code == 0 and summary["final_root"] in verified.stdout
    blocks = list(read_blocks(tmp_path / "a" / "ledger.sqlite"))
    for _, event, meta in blocks[1:]:
        rates = event["readout_rates"]
        assert len(rates) == 3 and all(0 < e < 0.2 for basis in rates for q in basis for e in q)
        assert len(meta["job_ids"]) == 1 and meta["qpu_usage_seconds"] is None
    assert (tmp_path / "a" / "report.png").stat().st_size > 10_000
    # seeded simulation of the snapshot: the same config gives the same root
    assert _run(tmp_path / "b", "--no-report")["final_root"] == summary["final_root"]


def test_backends_lists_the_snapshots_and_says_why_no_real_device(tmp_path: Path) -> None:
    """In a fresh HOME with no token there is no account: snapshots only, and a note."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("QISKIT_IBM")}
    env["HOME"] = str(tmp_path)
    proc = subprocess.run(
        [sys.executable, "-m", "orchestrator.cli", "backends", "--json"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    rows = {(r["layer"], r["kind"]): r for r in json.loads(proc.stdout)}
    devices = rows[("quantum", "ibm")]["devices"]
    snapshots = {d["name"]: d["qubits"] for d in devices if d["kind"] == "snapshot"}
    assert snapshots == {name: q for name, (q, _) in FAKE_DEVICES.items()}
    (note,) = [d for d in devices if d["kind"] == "note"]
    assert "no IBM Quantum account" in note["summary"]
    assert rows[("quantum", "aer")]["devices"] == []
    table = runner.invoke(app, ["backends"], env={"QISKIT_IBM_TOKEN": ""})
    assert table.exit_code == 0  # compact: the devices folded into a count (issue 24)
    assert f"devices: {len(snapshots)}" in table.stdout and "snapshots" in table.stdout
    assert "fake_sherbrooke" not in table.stdout and "--devices" in table.stdout
    listed = runner.invoke(app, ["backends", "--devices"], env={"QISKIT_IBM_TOKEN": ""})
    assert "fake_sherbrooke" in listed.stdout and "ibm devices" in listed.stdout
