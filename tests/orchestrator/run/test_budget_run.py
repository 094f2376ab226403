"""Budget accounting in real runs (issue 22): Aer + Brian2, counted against the config.

Every tick's event carries what the tick executed (shots per basis, circuits, the spike
reading); summary.json sums them and ``qnf ledger verify`` refuses a summary whose budget is
not the ledger's sum. The MaxCut decoder's optimum hits are recounted here from the tick's own
Z-basis shots, cut by cut over the edge list.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.record.ledger import read_blocks
from orchestrator.run.assemble import open_backends
from orchestrator.run.loop import FusionLoop
from orchestrator.run.runner import execute
from tests.paths import ASSETS, ROOT


def test_every_tick_counts_its_shots_circuits_and_reading_and_the_summary_sums_them(
    tmp_path: Path,
) -> None:
    config = load_config(ASSETS / "small.yaml")
    result = execute(config, tmp_path / "run", draw_report=False)
    ledger = tmp_path / "run" / "ledger.sqlite"
    events = [e for _, e, _ in read_blocks(ledger) if e["kind"] == "tick"]
    shots = config.quantum.shots
    for event in events:
        assert event["budget"] == {
            "shots": {"x": shots, "y": shots, "z": shots},
            "circuits": 3,
            "spike_readings": 1,
            "neuron_updates": 0,
            "evaluations": 0,
        }
    budget = result.summary["budget"]
    ticks = config.run.ticks
    assert budget["shots"] == {"x": shots * ticks, "y": shots * ticks, "z": shots * ticks}
    assert budget["shots_total"] == 3 * shots * ticks
    assert budget["circuits"] == 3 * ticks and budget["spike_readings"] == ticks


def test_verify_refuses_a_summary_whose_budget_is_not_the_ledgers(tmp_path: Path) -> None:
    config = load_config(ASSETS / "small.yaml")
    run = tmp_path / "run"
    execute(config, run, draw_report=False)
    runner = CliRunner()
    assert runner.invoke(app, ["ledger", "verify", str(run)]).exit_code == 0
    summary = json.loads((run / "summary.json").read_text())
    summary["budget"]["shots"]["z"] -= 1
    (run / "summary.json").write_text(json.dumps(summary))
    out = runner.invoke(app, ["ledger", "verify", str(run)])
    assert out.exit_code == 1
    assert "budget" in out.output


def _cut(edges: list[list[float]], bits: np.ndarray) -> float:
    return sum(w for u, v, w in edges if bits[int(u)] != bits[int(v)])


def test_the_decoder_counts_the_shots_that_reach_the_optimum() -> None:
    edges = load_config(ROOT / "configs/maxcut/regular3_n8.yaml").hamiltonian.edges
    optimum = 10.0  # regular3-n8-seed0's maximum cut (brute force: tests/orchestrator/tasks)
    config = load_config(
        ROOT / "configs/maxcut/regular3_n8.yaml",
        {"run.ticks": 3, "maxcut": {"decode": True, "edge_weight_mv": -4.0, "optimum": optimum}},
    )
    backends = open_backends(config)
    loop = FusionLoop(config, backends.quantum, backends.spiking, backends.rules)
    try:
        for _ in range(3):
            record = loop.step()
            z = record.quantum.z_samples
            expected = sum(_cut(edges, row) >= optimum for row in z)
            assert record.fields["maxcut"]["hits_quantum"] == expected
            # the decoder evaluated each distinct shot and the two spike readings
            assert record.budget.evaluations == len(np.unique(z, axis=0)) + 2
    finally:
        loop.close()
