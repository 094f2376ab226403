"""A run's result (issue 24): summary.json's ``result``, learning.csv, ``qnf events``, and
``qnf ledger verify`` catching a result the ledger does not give."""

from __future__ import annotations

import csv
import json

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config.root import load_config_text
from orchestrator.record.audit import audit
from orchestrator.record.ledger import read_blocks
from orchestrator.record.result import ResultReader, describe
from orchestrator.run.runner import execute

# depth-1 QAOA on a ring of 4 (W = 4), exact energies; three epochs of one tick
QAOA = """
hamiltonian:
  kind: ising
  edges: [[0, 1, 1.0], [1, 2, 1.0], [2, 3, 1.0], [3, 0, 1.0]]
  transverse_field: 1.0
quantum: {kind: aer, aer: {method: statevector}}
spiking: {kind: brian2, neurons: 8, tick_ms: 5.0, recurrent: null}
pci: {mapping: qubit, gamma: 0.0, initial_theta: 1.5707963267948966, drive_offset_mv: 15.0}
learning:
  params: [angles]
  initial_angles: [[0.15, 0.25]]
  epoch_ticks: 1
  loss: {energy: 1.0, energy_terms: cost}
  hold_preparation: true
run: {ticks: 3, seed: 2}
"""


@pytest.fixture(scope="module")
def learned(tmp_path_factory):
    run_dir = tmp_path_factory.mktemp("learn") / "run"
    return execute(load_config_text(QAOA, "qaoa4"), run_dir, draw_report=False).run_dir


def _ticks(run_dir):
    return [e for _, e, _ in read_blocks(run_dir / "ledger.sqlite") if e["kind"] == "tick"]


def test_learning_csv_has_one_row_per_epoch_with_the_ledgers_losses(learned) -> None:
    rows = list(csv.DictReader((learned / "learning.csv").open()))
    events = _ticks(learned)
    assert [int(r["epoch"]) for r in rows] == [e["learning"]["epoch"] for e in events] == [0, 1, 2]
    for row, event in zip(rows, events):
        energy = event["learning"]["loss"]["energy"]
        assert float(row["loss_energy"]) == energy
        assert float(row["loss_total"]) == event["learning"]["loss"]["total"]
        # cut(z) = sum_edges (1 - z_i z_j) / 2, so E[cut]/W = (1 - <H_C>/W) / 2 with W = 4
        assert float(row["expected_cut_fraction"]) == pytest.approx((1 - energy / 4) / 2)
        assert [float(row[f"theta[{n}]"]) for n in event["learning"]["theta_names"]] == (
            event["learning"]["theta"]
        )


def test_the_summary_names_the_learned_result(learned) -> None:
    summary = json.loads((learned / "summary.json").read_text())
    result = summary["result"]
    last = _ticks(learned)[-1]
    assert result["task"] == "learning" and result["epochs"] == 3
    assert result["final_loss"]["total"] == last["learning"]["loss"]["total"]
    assert result["expected_cut_fraction"] == pytest.approx(
        (1 - last["learning"]["loss"]["energy"] / 4) / 2
    )
    assert result["fusion"]["ticks"] == 3
    assert result["fusion"]["final"]["fusion_energy"] == last["fusion_energy"]
    assert "expected cut fraction" in describe(result)[0]


def test_ledger_verify_refuses_a_result_the_ledger_does_not_give(learned, tmp_path) -> None:
    import shutil

    copy = tmp_path / "copy"
    shutil.copytree(learned, copy)
    assert audit(copy).ok
    summary = json.loads((copy / "summary.json").read_text())
    summary["result"]["expected_cut_fraction"] = 0.75
    (copy / "summary.json").write_text(json.dumps(summary))
    problems = audit(copy).problems
    assert any("records a result" in p for p in problems), problems


def test_a_revert_drops_the_ticks_it_rolled_back() -> None:
    def tick(t, energy):
        return {
            "kind": "tick",
            "tick": t,
            "fusion_energy": energy,
            "coherence_energy": 0.0,
            "coherence_entropy_normalised": 0.5,
            "avg_phase_diff": None,
        }

    reader = ResultReader().add_all(
        [
            {"kind": "genesis", "config": {}},
            tick(0, 1.0),
            tick(1, 5.0),
            tick(2, 7.0),
            {"kind": "revert", "tick": 1},
            tick(1, 3.0),
        ]
    )
    fusion = reader.result()
    assert fusion["task"] == "fusion" and fusion["ticks"] == 2
    assert fusion["final"]["fusion_energy"] == 3.0 and fusion["mean"]["fusion_energy"] == 2.0


def test_qnf_events_reads_fields_and_tick_ranges_without_sqlite(learned) -> None:
    runner = CliRunner()
    res = runner.invoke(
        app,
        [
            "events",
            str(learned),
            "--ticks",
            "1:3",
            "--field",
            "tick",
            "--field",
            "learning.loss.total",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    lines = [json.loads(line) for line in res.output.splitlines()]
    events = _ticks(learned)
    assert lines == [
        {"tick": e["tick"], "learning.loss.total": e["learning"]["loss"]["total"]}
        for e in events[1:3]
    ]
    table = runner.invoke(app, ["events", str(learned), "-t", "2"])
    assert table.exit_code == 0
    header, row = table.output.splitlines()
    assert header.split()[:2] == ["tick", "block"] and row.split()[0] == "2"
    whole = runner.invoke(app, ["events", str(learned), "--json", "-t", "0"])
    assert json.loads(whole.output) == events[0]


@pytest.mark.parametrize("ticks", ["x", "1:2:3", "-1"])
def test_qnf_events_says_what_a_bad_range_is(learned, ticks) -> None:
    res = CliRunner().invoke(app, ["events", str(learned), "--ticks", ticks])
    assert res.exit_code == 2 and "--ticks" in res.output


def test_qnf_events_on_a_directory_that_is_not_a_run(tmp_path) -> None:
    res = CliRunner().invoke(app, ["events", str(tmp_path)])
    assert res.exit_code == 2 and "not a run directory" in res.output
