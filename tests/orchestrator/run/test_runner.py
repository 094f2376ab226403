"""End to end through the CLI with the real backends: run, record, verify, report, reproduce."""

from __future__ import annotations

import csv
import json
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest
import yaml
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.record.events import METRICS_COLUMNS
from orchestrator.record.ledger import read_blocks

runner = CliRunner()


def _run(config: Path, out: Path, *extra: str) -> dict:
    result = runner.invoke(app, ["run", str(config), "--out", str(out), *extra])
    assert result.exit_code == 0, result.output + str(result.exception)
    return json.loads((out / "summary.json").read_text())


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import ASSETS

    out = tmp_path_factory.mktemp("runs") / "small"
    _run(ASSETS / "small.yaml", out)
    return out


def test_a_run_writes_the_whole_run_directory(small_run: Path) -> None:
    names = {p.name for p in small_run.iterdir()}
    assert names == {
        "checkpoints",
        "config.yaml",
        "ledger.sqlite",
        "metrics.csv",
        "qubits.csv",
        "summary.json",
        "report.png",
    }
    summary = json.loads((small_run / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["ticks"] == 4 and summary["seed"] == 3
    assert summary["backends"]["quantum"]["kind"] == "aer"
    assert summary["backends"]["spiking"]["kind"] == "brian2"
    assert summary["backends"]["quantum"]["version"] and summary["wall_seconds"] > 0
    with open(small_run / "metrics.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == METRICS_COLUMNS and [int(r["tick"]) for r in rows] == [0, 1, 2, 3]
    with open(small_run / "qubits.csv") as fh:
        qrows = list(csv.DictReader(fh))
    assert len(qrows) == 4 * 3
    for r in qrows:  # every Bloch estimate is a valid expectation value
        assert all(-1 <= float(r[k]) <= 1 for k in "XYZ")
    resolved = yaml.safe_load((small_run / "config.yaml").read_text())
    assert resolved["quantum"]["shots"] == 256 and resolved["trotter"]["order"] == 2
    assert (small_run / "report.png").read_bytes()[:4] == b"\x89PNG"


def test_events_hold_the_spec_fields_and_match_the_csv(small_run: Path) -> None:
    blocks = list(read_blocks(small_run / "ledger.sqlite"))
    assert [e["kind"] for _, e, _ in blocks] == ["genesis"] + ["tick"] * 4
    with open(small_run / "metrics.csv") as fh:
        rows = list(csv.DictReader(fh))
    for (height, event, meta), row in zip(blocks[1:], rows, strict=True):
        for key in ("timestamp", "coherence_entropy", "avg_phase_diff", "fusion_energy"):
            assert key in event
        assert event["parent_block"] and event["block"] == height
        assert float(row["H_coh"]) == event["coherence_entropy"]
        assert float(row["E_coh"]) == event["coherence_energy"]
        assert "wall_time" in meta and "wall_time" not in event
    # logical clock: simulated network time at the end of each tick (5 ms ticks, in us)
    assert [e["timestamp"] for _, e, _ in blocks[1:]] == [5000, 10000, 15000, 20000]


def test_ledger_verify_prints_the_final_root(small_run: Path) -> None:
    summary = json.loads((small_run / "summary.json").read_text())
    result = runner.invoke(app, ["ledger", "verify", str(small_run)])
    assert result.exit_code == 0
    assert summary["final_root"] in result.stdout and "5 blocks" in result.stdout


def _copy(src: Path, dst: Path) -> Path:
    shutil.copytree(src, dst)
    return dst


def _unlocked(db: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(db)
    for t in ("blocks_append_only_u", "blocks_append_only_d"):
        conn.execute(f"DROP TRIGGER {t}")
    return conn


def test_a_flipped_byte_in_any_event_fails_verify_at_that_block(small_run, tmp_path) -> None:
    rng = np.random.default_rng(0)
    for height in range(5):
        run = _copy(small_run, tmp_path / f"copy{height}")
        conn = _unlocked(run / "ledger.sqlite")
        (text,) = conn.execute("SELECT event FROM blocks WHERE height = ?", (height,)).fetchone()
        raw = bytearray(text.encode())
        pos = int(rng.integers(len(raw)))
        raw[pos] = ord("#") if raw[pos] != ord("#") else ord("$")
        conn.execute("UPDATE blocks SET event = ? WHERE height = ?", (raw.decode(), height))
        conn.commit()
        conn.close()
        result = runner.invoke(app, ["ledger", "verify", str(run)])
        assert result.exit_code == 1
        assert f"FAILED at block {height}:" in result.stderr


def test_a_truncated_ledger_fails_against_the_summary(small_run, tmp_path) -> None:
    run = _copy(small_run, tmp_path / "cut")
    conn = _unlocked(run / "ledger.sqlite")
    conn.execute("DELETE FROM blocks WHERE height = 4")
    conn.execute("DROP TRIGGER spikes_append_only_d")
    conn.execute("DELETE FROM spikes WHERE height = 4")
    conn.commit()
    conn.close()
    result = runner.invoke(app, ["ledger", "verify", str(run)])
    assert result.exit_code == 1 and "FAILED at block 4" in result.stderr


def test_same_config_and_seed_same_root_other_seed_other_root(small_run, small_config, tmp_path):
    first = json.loads((small_run / "summary.json").read_text())
    again = _run(small_config, tmp_path / "again", "--no-report")
    other = _run(small_config, tmp_path / "other", "--seed", "4", "--no-report")
    assert again["final_root"] == first["final_root"]
    assert other["final_root"] != first["final_root"]
    # the seed changes what was measured, not only the recorded config
    a = (small_run / "qubits.csv").read_text().splitlines()[1:]
    b = (tmp_path / "other" / "qubits.csv").read_text().splitlines()[1:]
    assert a != b


def test_report_redraws_from_the_ledger(small_run, tmp_path) -> None:
    run = _copy(small_run, tmp_path / "redraw")
    (run / "report.png").unlink()
    result = runner.invoke(app, ["report", str(run)])
    assert result.exit_code == 0 and (run / "report.png").stat().st_size > 10_000


def test_report_refuses_a_directory_without_a_ledger(tmp_path) -> None:
    result = runner.invoke(app, ["report", str(tmp_path)])
    assert result.exit_code == 2 and "not a run directory" in result.stderr


def test_backends_lists_installed_backends_with_versions() -> None:
    result = runner.invoke(app, ["backends", "--json"])
    assert result.exit_code == 0
    rows = {(r["layer"], r["kind"]): r for r in json.loads(result.stdout)}
    assert rows[("quantum", "aer")]["installed"] and rows[("quantum", "aer")]["version"]
    assert rows[("spiking", "brian2")]["installed"] and rows[("spiking", "brian2")]["version"]
    assert rows[("federation", "local")]["installed"] and rows[("sweep", "local")]["installed"]
    assert {("federation", "ray"), ("sweep", "ray")} <= set(rows)
    table = runner.invoke(app, ["backends"])
    assert table.exit_code == 0 and "aer" in table.stdout and "brian2" in table.stdout


def test_help_teaches() -> None:
    result = runner.invoke(app, ["run", "--help"])
    assert result.exit_code == 0
    for word in ("--ticks", "--seed", "--out", "ledger.sqlite", "Examples"):
        assert word in result.stdout


def test_amplitude_mapping_on_the_statevector_keeps_the_state_normalised(tmp_path) -> None:
    cfg = {
        "hamiltonian": {"kind": "tfim", "n_qubits": 3},
        "quantum": {"kind": "aer", "aer": {"method": "statevector"}},
        "spiking": {"kind": "brian2", "tick_ms": 5.0},
        "pci": {"mapping": "amplitude", "alpha": 60.0, "beta": 60.0, "drive_offset_mv": 18},
        "run": {"ticks": 3},
    }
    path = tmp_path / "amp.yaml"
    path.write_text(yaml.safe_dump(cfg))
    summary = _run(path, tmp_path / "amp", "--no-report")
    assert summary["n_neurons"] == 8
    for _, event, _ in list(read_blocks(tmp_path / "amp" / "ledger.sqlite"))[1:]:
        prep = event["next_preparation"]
        amps = np.array(prep["re"]) + 1j * np.array(prep["im"])
        assert amps.shape == (8,) and np.isclose(np.linalg.norm(amps), 1.0)
        # exact distribution: the plug-in and Miller-Madow values coincide
        assert event["coherence_entropy_plugin"] == event["coherence_entropy_miller_madow"]
