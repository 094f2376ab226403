"""The spiking annealer in the fusion loop: its read-out per tick, the MaxCut decoder on it,
the quantum drive as a bias, and kill -9 -> resume -> the uninterrupted root (Brian2, Lava)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.record.ledger import read_blocks
from orchestrator.run.assemble import build_network
from orchestrator.run.resume import resume
from orchestrator.run.runner import execute
from tests.orchestrator.run.test_resume import _crashed_run

# a 6-vertex graph: a hexagon with three chords (a triangle 0-1-2: frustrated)
EDGES = [(0, 1, 1.0), (1, 2, 1.0), (2, 3, 1.0), (3, 4, 1.0), (4, 5, 1.0), (5, 0, 1.0),
         (0, 3, 1.0), (1, 4, 1.0), (0, 2, 1.0)]


def _config(tmp_path, kind: str = "brian2", name: str = "ann.yaml", **changes: Any):
    data: dict[str, Any] = {
        "hamiltonian": {"kind": "ising", "edges": [list(e) for e in EDGES],
                        "transverse_field": 1.0},
        "quantum": {"kind": "aer", "shots": 8},
        "spiking": {"kind": kind, "annealer": {"t0_mv": 6.0, "t1_mv": 0.3}, "tick_ms": 0.6},
        "pci": {"alpha": 0.0, "beta": 0.0, "drive": "current"},
        "maxcut": {"decode": True},
        "checkpoint": {"every": 2},
        "run": {"ticks": 8, "seed": 5},
    }
    for key, value in changes.items():
        data[key] = {**data.get(key, {}), **value}
    path = tmp_path / name
    path.write_text(yaml.safe_dump(data))
    return path


def _energy(bits: str) -> float:
    s = [1 - 2 * int(b) for b in bits]
    return float(sum(w * s[i] * s[j] for i, j, w in EDGES))


def _cut(bits: str) -> float:
    return float(sum(w for i, j, w in EDGES if bits[i] != bits[j]))


def _ticks(result) -> list[dict[str, Any]]:
    blocks = read_blocks(result.run_dir / "ledger.sqlite")
    return [e for _, e, _ in blocks if e["kind"] == "tick"]


@pytest.fixture(scope="module")
def references(tmp_path_factory):
    """``references(kind)``: (config, the uninterrupted run) of ``_config`` on that backend,
    made once for the module: the read-out checks, the kill -> resume cases and the Brian2 =
    Lava path all compare with the same run (design §26, seventh session)."""
    made = {}

    def reference(kind: str):
        if kind not in made:
            tmp = tmp_path_factory.mktemp(f"ann-{kind}")
            path = _config(tmp, kind)
            made[kind] = path, execute(load_config(path), tmp / "run", draw_report=False)
        return made[kind]

    return reference


@pytest.fixture(scope="module")
def alone(references):
    return references("brian2")


def test_every_tick_records_its_assignment_energy_and_updates(alone) -> None:
    path, result = alone
    events = _ticks(result)
    assert [e["tick"] for e in events] == list(range(8))
    total, best = 0, None
    for e in events:
        a, mc = e["annealer"], e["maxcut"]
        assert a["energy"] == pytest.approx(_energy(a["assignment"]))
        total += a["neuron_updates"]
        assert a["updates_total"] == total and a["sweeps_total"] == pytest.approx(total / 6)
        best = a["energy"] if best is None else min(best, a["energy"])
        assert a["best_energy"] == best == pytest.approx(_energy(a["best_assignment"]))
        # the decoder reads the annealer's assignment: one spike candidate, its cut
        assert mc["cut_spikes"] == _cut(a["assignment"])
    # 8 ticks of 6 steps; step t updates the colour class t mod C
    spec = build_network(load_config(path)).annealer
    assert spec is not None
    sizes = np.bincount(spec.colours, minlength=spec.n_colours)
    assert total == sum(int(sizes[t % spec.n_colours]) for t in range(8 * 6))
    temperatures = [e["annealer"]["temperature_mv"] for e in events]
    assert temperatures == sorted(temperatures, reverse=True) and temperatures[-1] == 0.3


def test_the_quantum_drive_is_a_bias_that_changes_the_path(alone, tmp_path) -> None:
    _, reference = alone
    driven = execute(
        load_config(_config(tmp_path, pci={"alpha": 40.0, "beta": 40.0, "drive": "current"})),
        tmp_path / "run",
        draw_report=False,
    )
    assert driven.status == "completed"
    paths = [[e["annealer"]["assignment"] for e in _ticks(r)] for r in (reference, driven)]
    assert paths[0] != paths[1]


@pytest.mark.parametrize("kind", ["brian2", "lava"])
@pytest.mark.parametrize("crash", ["after-commit:3", "checkpoint-write:6"])
def test_a_killed_annealer_run_resumes_to_the_uninterrupted_root(
    references, tmp_path, kind, crash
) -> None:
    path, reference = references(kind)
    run_dir = tmp_path / "run"
    _crashed_run(path, run_dir, crash)
    result = resume(run_dir, draw_report=False)
    assert result.final_root == reference.final_root
    assert [e["annealer"] for e in _ticks(result)] == [e["annealer"] for e in _ticks(reference)]


def test_brian2_and_lava_anneal_the_same_path(references) -> None:
    """Integer couplings: every potential is exact in floats, and both backends draw the same
    seeded noise, so the two simulators take the same decisions step for step."""
    paths = []
    for kind in ("brian2", "lava"):
        _, result = references(kind)
        assert result.status == "completed"
        paths.append([(e["annealer"]["assignment"], e["spike_count"]) for e in _ticks(result)])
    assert paths[0] == paths[1]
    assert len({a for a, _ in paths[0]}) > 1  # the states moved
    np.testing.assert_equal(len(paths[0]), 8)
