"""Device runs through the IBM cloud stand-in (``mock_ibm_cloud``), end to end through the CLI.

Faults on schedule: transient ones are retried and every attempt is in the ledger; a permanent
one stops the run cleanly at a tick boundary, resumable; the QPU budget refuses or stops a run
before the job that would pass it; a credential never reaches a file or the terminal.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.record.ledger import read_blocks
from orchestrator.record.verify import verify
from tests.backends.quantum.ibm.mock_ibm_cloud import (
    Fault,
    MockIbmCloud,
    install,
    job_error,
    network_503,
    timeout,
)

runner = CliRunner()
TOKEN = "planted-token-3f9a1c77e0b24d51"


def _config(tmp_path: Path, ticks: int = 20, **quantum: Any) -> Path:
    raw = {
        "hamiltonian": {"kind": "tfim", "n_qubits": 3, "j": 1.0, "h": 0.8},
        "quantum": {
            "kind": "ibm",
            "device": "ibm_sherbrooke",
            "shots": 128,
            "retry": {"backoff_seconds": 0.001, "max_backoff_seconds": 0.01},
            **quantum,
        },
        "spiking": {
            "kind": "brian2",
            "neurons": 6,
            "tick_ms": 5.0,
            "recurrent": {"p": 0.3, "weight_mv": 1.0},
            "brian2": {"codegen_target": "numpy"},
        },
        "pci": {"alpha": 40.0, "beta": 40.0, "gamma": 0.5, "drive_offset_mv": 15.0},
        "trotter": {"order": 2, "reps": 1, "dt": 0.3},
        "run": {"ticks": ticks, "seed": 3},
    }
    path = tmp_path / f"cfg-{len(list(tmp_path.iterdir()))}.yaml"
    path.write_text(yaml.safe_dump(raw))
    return path


def _run(config: Path, out: Path) -> Any:
    return runner.invoke(app, ["run", str(config), "--out", str(out), "--no-report"])


def _blocks(out: Path) -> list[tuple[int, dict[str, Any], dict[str, Any]]]:
    return list(read_blocks(out / "ledger.sqlite"))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default 20-tick config run through a cloud without faults: the reference both
    fault tests compare with (made once; each of them ran this same run for itself)."""
    folder = tmp_path_factory.mktemp("clean")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("QNF_HOME", str(folder / "qnf_home"))  # as every test's own (conftest)
        install(patch, lambda: MockIbmCloud())
        result = _run(_config(folder), folder / "clean")
    assert result.exit_code == 0, result.output
    return folder / "clean"


def test_mock_ibm_cloud_three_transient_faults_in_twenty_ticks_all_recorded(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean: Path
) -> None:
    faults = {
        2: Fault(network_503, when="submit"),  # no job id: the submission itself failed
        7: Fault(job_error(1010, "Error returned at backend level.")),
        13: Fault(timeout),  # the job is cancelled and resubmitted
    }
    clouds = install(monkeypatch, lambda: MockIbmCloud(faults=faults))
    result = _run(_config(tmp_path), tmp_path / "faulty")
    assert result.exit_code == 0, result.output
    summary = json.loads((tmp_path / "faulty" / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["ticks"] == 20
    assert verify(tmp_path / "faulty" / "ledger.sqlite").ok
    (cloud,) = clouds.clouds
    assert cloud.submitted == 23 and cloud.closed
    assert [j.cancelled for j in cloud.jobs if j.failed] == [False, True]
    ticks = _blocks(tmp_path / "faulty")[1:]
    retried = {e["tick"]: m for _, e, m in ticks if len(m["attempts"]) > 1}
    assert sorted(retried) == [2, 6, 11]  # submissions 2, 7, 13 belong to these ticks
    for meta in retried.values():
        failed, ok = meta["attempts"]
        assert failed["retryable"] is True and failed["backoff_seconds"] > 0
        assert ok["error"] is None and ok["job_id"] in meta["job_ids"]
    assert retried[2]["attempts"][0]["job_id"] is None
    assert retried[2]["attempts"][0]["code"] == 503
    assert retried[6]["attempts"][0]["code"] == 1010
    assert retried[6]["job_ids"] == ["cloud-job-0007", "cloud-job-0008"]
    assert retried[11]["attempts"][0]["error"] == "RuntimeJobTimeoutError"
    assert all(m["qpu_usage_seconds"] == 1.0 for _, _, m in ticks)
    # retried ticks resubmit the same circuits, values and seed: nothing in the
    # reproducible chain changes (job ids and attempts live in meta only)
    clean_summary = json.loads((clean / "summary.json").read_text())
    assert clean_summary["final_root"] == summary["final_root"]


def test_mock_ibm_cloud_permanent_fault_stops_cleanly_and_resumably(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, clean: Path
) -> None:
    faults = {5: Fault(job_error(1002, "Error in the validation process of the job."))}
    clouds = install(monkeypatch, lambda: MockIbmCloud(faults=faults))
    out = tmp_path / "run"
    result = _run(_config(tmp_path), out)
    assert result.exit_code == 3, result.output
    assert "stopped after 5 of 20 ticks" in result.stderr
    assert f"qnf resume {out}" in result.stderr and "Traceback" not in result.output
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "stopped" and summary["ticks"] == 5
    assert summary["resume"] == f"qnf resume {out}" and "code 1002" in summary["error"]
    assert verify(out / "ledger.sqlite").ok and clouds.clouds[0].closed
    blocks = _blocks(out)
    kinds = [e["kind"] for _, e, _ in blocks]
    assert kinds == ["genesis"] + ["tick"] * 5 + ["stop"]
    _, stop, meta = blocks[-1]
    assert stop["tick"] == 5 and stop["reason"] == "fault" and stop["permanent"] is True
    (attempt,) = meta["attempts"]
    assert attempt["code"] == 1002 and attempt["retryable"] is False
    assert meta["job_ids"] == ["cloud-job-0005"] and meta["resume"] == summary["resume"]
    # nothing done is lost: every finished tick and the state to continue from are recorded
    assert [e["tick"] for _, e, _ in blocks[1:6]] == [0, 1, 2, 3, 4]
    assert all("next_preparation" in e for _, e, _ in blocks[1:6])
    assert len((out / "metrics.csv").read_text().splitlines()) == 1 + 5

    # the fault clears: `qnf resume` continues after the stop block, and every tick is what
    # an uninterrupted run computes
    install(monkeypatch, lambda: MockIbmCloud())
    resumed = runner.invoke(app, ["resume", str(out), "--no-report"])
    assert resumed.exit_code == 0, resumed.output
    blocks = _blocks(out)
    assert [e["kind"] for _, e, _ in blocks] == ["genesis"] + ["tick"] * 5 + ["stop"] + [
        "tick"
    ] * 15
    assert verify(out / "ledger.sqlite").ok

    def ticks(run: Path) -> list[dict[str, Any]]:
        # a checkpoint records its place in the ledger, which the stop block shifted
        drop = ("block", "parent_block", "checkpoint_sha256")
        return [
            {k: v for k, v in e.items() if k not in drop}
            for _, e, _ in _blocks(run)
            if e["kind"] == "tick"
        ]

    assert ticks(out) == ticks(clean)
    assert len((out / "metrics.csv").read_text().splitlines()) == 1 + 20


def test_mock_ibm_cloud_transient_faults_past_the_retry_limit_stop_the_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    faults = {k: Fault(network_503, when="submit") for k in (4, 5, 6)}
    install(monkeypatch, lambda: MockIbmCloud(faults=faults))
    config = _config(tmp_path, ticks=6, retry={"max_attempts": 3, "backoff_seconds": 0.001})
    result = _run(config, tmp_path / "run")
    assert result.exit_code == 3, result.output
    _, stop, meta = _blocks(tmp_path / "run")[-1]
    assert stop["kind"] == "stop" and stop["tick"] == 4 and stop["permanent"] is False
    assert [a["attempt"] for a in meta["attempts"]] == [1, 2, 3]
    assert meta["attempts"][-1]["backoff_seconds"] == 0  # no wait after the last one
    assert "persisted through 3 attempts" in meta["message"]


def test_mock_ibm_cloud_budget_stops_at_the_tick_whose_usage_would_pass_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # estimate: 6 x (0.5 s + 3 x 128 x 3e-4 s) = 3.7 s < 7 s; the service then bills 2 s a job
    clouds = install(monkeypatch, lambda: MockIbmCloud(usage_per_job=2.0))
    config = _config(tmp_path, ticks=6, max_qpu_seconds=7, seconds_per_job=0.5)
    result = _run(config, tmp_path / "run")
    assert result.exit_code == 3, result.output
    assert clouds.clouds[0].submitted == 3  # 2 + 2 + 2 = 6 <= 7; a fourth would make 8
    blocks = _blocks(tmp_path / "run")
    _, stop, meta = blocks[-1]
    assert stop["reason"] == "budget" and stop["tick"] == 3 and meta["attempts"] == []
    assert [m["qpu_usage_seconds"] for _, e, m in blocks if e["kind"] == "tick"] == [2.0] * 3
    assert "QPU budget reached: 6.0 s used" in meta["message"]


def test_mock_ibm_cloud_session_wall_time_counts_against_the_budget(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # jobs are billed 1 s, but the Session bills 3 s of wall time a tick: 3 + 3 = 6 <= 7,
    # a third tick would make 9
    clouds = install(
        monkeypatch, lambda: MockIbmCloud(usage_per_job=1.0, session_seconds_per_job=3.0)
    )
    config = _config(tmp_path, ticks=6, max_qpu_seconds=7, seconds_per_job=0.5)
    result = _run(config, tmp_path / "run")
    assert result.exit_code == 3, result.output
    assert clouds.clouds[0].submitted == 2
    blocks = _blocks(tmp_path / "run")
    assert [m["qpu_usage_seconds"] for _, e, m in blocks if e["kind"] == "tick"] == [3.0, 3.0]
    assert blocks[-1][1]["reason"] == "budget"


def test_mock_ibm_cloud_service_estimate_over_budget_refuses_before_any_job(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clouds = install(monkeypatch, lambda: MockIbmCloud(estimate_per_job=10.0))
    out = tmp_path / "run"
    result = _run(_config(tmp_path, ticks=6, max_qpu_seconds=30), out)
    assert result.exit_code == 2, result.output
    assert "service estimate of 10.0 s a tick x 6 ticks" in result.stderr
    assert "nothing was submitted" in result.stderr
    assert clouds.clouds[0].submitted == 0 and clouds.clouds[0].closed
    assert not out.exists()


def test_budget_guard_refuses_an_over_budget_config_before_any_backend(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    clouds = install(monkeypatch, lambda: MockIbmCloud())
    out = tmp_path / "run"
    result = _run(_config(tmp_path, ticks=100, shots=4096), out)
    assert result.exit_code == 2
    assert result.stderr.startswith("quantum.max_qpu_seconds: the run is estimated at 669 s")
    assert clouds.clouds == [] and not out.exists()  # not even connected


def _leaks(out: Path, *texts: str) -> list[str]:
    found = [p.name for p in out.rglob("*") if p.is_file() and TOKEN.encode() in p.read_bytes()]
    return found + [f"output {k}" for k, t in enumerate(texts) if TOKEN in t]


def test_mock_ibm_cloud_planted_token_never_reaches_a_file_or_the_terminal(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN)
    faults = {
        1: Fault(job_error(1010, "Error returned at backend level.")),
        3: Fault(job_error(1002, "Error in the validation process of the job.")),
    }
    install(monkeypatch, lambda: MockIbmCloud(faults=faults, echo=TOKEN))
    out = tmp_path / "run"
    result = _run(_config(tmp_path, ticks=4), out)
    assert result.exit_code == 3, result.output
    assert _leaks(out, result.stdout, result.stderr) == []
    ledger_text = "".join(json.dumps(m) for _, _, m in _blocks(out))
    assert "***" in ledger_text  # the echoed credential was there, and was blanked


def test_planted_token_on_a_snapshot_and_on_an_unreachable_device(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("QISKIT_IBM_TOKEN", TOKEN)
    out = tmp_path / "fake"
    result = _run(_config(tmp_path, ticks=2, device="fake_sherbrooke"), out)
    assert result.exit_code == 0, result.output
    assert _leaks(out, result.stdout, result.stderr) == []
    # a real device with no way to reach IBM: refused with a one-line reason, no token, no dir
    gone = tmp_path / "device"
    result = _run(_config(tmp_path, ticks=2), gone)
    assert result.exit_code == 1, result.output
    assert "ibm: cannot open device ibm_sherbrooke: InvalidAccountError" in result.stderr
    assert "QISKIT_IBM_TOKEN" in result.stderr and TOKEN not in result.output
    assert not gone.exists()
