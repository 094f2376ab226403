"""The MaxCut decoder in the loop: its fields per tick, exact statevector reading, resume."""

from __future__ import annotations

import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.config.errors import ConfigError
from orchestrator.record.ledger import read_blocks
from orchestrator.run.resume import resume
from orchestrator.run.runner import execute
from orchestrator.tasks.maxcut.cut import cut_value
from orchestrator.tasks.maxcut.exact import brute_force
from orchestrator.tasks.maxcut.instances import MaxCutInstance
from tests.orchestrator.run.test_resume import _crashed_run

# a 5-cycle with a chord: MaxCut 5 (odd cycle leaves one edge; the chord can be cut too)
EDGES = [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 4, 1.0), (0, 4, 1.0), (0, 2, 1.0)]
GRAPH = MaxCutInstance.from_edges("c5chord", 5, EDGES)


def _config(tmp_path, name="mc.yaml", **changes):
    data = {
        "hamiltonian": {"kind": "ising", "edges": [list(e) for e in EDGES], "transverse_field": 1},
        "quantum": {"kind": "aer", "shots": 8},
        "spiking": {"kind": "brian2", "neurons": 10, "tick_ms": 5.0, "recurrent": None},
        "pci": {"drive_offset_mv": 22.0},
        "maxcut": {"edge_weight_mv": -4.0},
        "checkpoint": {"every": 2},
        "run": {"ticks": 6, "seed": 11},
    }
    for key, value in changes.items():
        data[key] = {**data.get(key, {}), **value}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


@pytest.fixture(scope="module")
def decoded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("mc")
    path = _config(tmp)
    return path, execute(load_config(path), tmp / "run", draw_report=False)


def test_every_tick_records_its_cut_and_the_running_best(decoded) -> None:
    _, result = decoded
    optimum = brute_force(GRAPH).value
    events = [e for _, e, _ in read_blocks(result.run_dir / "ledger.sqlite") if e["kind"] == "tick"]
    assert [e["tick"] for e in events] == list(range(6))
    best = best_q = best_s = float("-inf")
    for e in events:
        mc = e["maxcut"]
        assert mc["cut"] == max(mc["cut_quantum"], mc["cut_spikes"]) <= optimum
        best, best_q, best_s = (
            max(best, mc["cut"]),
            max(best_q, mc["cut_quantum"]),
            max(best_s, mc["cut_spikes"]),
        )
        assert (mc["best_cut"], mc["best_quantum"], mc["best_spikes"]) == (best, best_q, best_s)
        assignment = [int(b) for b in mc["best_assignment"]]
        assert assignment[0] == 0 and cut_value(GRAPH, assignment) == mc["best_cut"]
        assert events[mc["best_tick"]]["maxcut"]["cut"] == mc["best_cut"]
    assert any(e["maxcut"]["cut_spikes"] > 0 for e in events)  # the spikes are read too


def test_a_statevector_run_reading_every_state_finds_the_optimum_each_tick(tmp_path) -> None:
    path = _config(
        tmp_path,
        quantum={"aer": {"method": "statevector"}},
        maxcut={"top_k": 32},
        run={"ticks": 2},
    )
    result = execute(load_config(path), tmp_path / "sv", draw_report=False)
    ticks = [e for _, e, _ in read_blocks(result.run_dir / "ledger.sqlite") if e["kind"] == "tick"]
    assert [e["maxcut"]["cut_quantum"] for e in ticks] == [brute_force(GRAPH).value] * 2


def test_a_killed_decoded_run_resumes_to_the_uninterrupted_root(decoded, tmp_path) -> None:
    path, reference = decoded
    _crashed_run(path, tmp_path / "run", "after-commit:4")
    assert resume(tmp_path / "run", draw_report=False).final_root == reference.final_root


def test_maxcut_needs_an_ising_graph_and_the_qubit_mapping(tmp_path) -> None:
    data = yaml.safe_load(_config(tmp_path).read_text())
    data["hamiltonian"] = {"kind": "tfim", "n_qubits": 3}
    data["pci"]["mapping"] = "amplitude"
    data["spiking"].pop("neurons")
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data))
    with pytest.raises(ConfigError) as info:
        load_config(bad)
    text = "\n".join(info.value.problems)
    assert "maxcut: needs hamiltonian.kind: ising" in text
    assert "maxcut: needs pci.mapping: qubit" in text


def test_the_summary_carries_the_best_cut_a_user_can_check(decoded) -> None:
    """summary.json's ``result`` (issue 24): the assignment it names cuts what it says."""
    import json

    _, result = decoded
    found = json.loads((result.run_dir / "summary.json").read_text())["result"]
    assert found["task"] == "maxcut"
    assignment = [int(b) for b in found["best_assignment"]]
    assert cut_value(GRAPH, assignment) == found["best_cut"] <= brute_force(GRAPH).value
    assert found["total_weight"] == 6.0 and found["cut_fraction"] == found["best_cut"] / 6.0
    events = [e for _, e, _ in read_blocks(result.run_dir / "ledger.sqlite") if e["kind"] == "tick"]
    reached = [e["tick"] for e in events if e["maxcut"]["cut"] == found["best_cut"]]
    assert found["best_tick"] == min(reached)
