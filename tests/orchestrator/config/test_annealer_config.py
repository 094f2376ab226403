"""``spiking.annealer``: what validation accepts, what it refuses (one line each), and the
network it builds from the Hamiltonian or a QUBO (no SDK is built here)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
import scipy.sparse as sp

from orchestrator.config import ConfigError, validate_config
from orchestrator.physics.ising import energies
from orchestrator.run.assemble import build_network
from orchestrator.tasks.ising.problem import annealer_problem

EDGES = [[0, 1, 1.0], [1, 2, 1.0], [2, 3, 1.0], [3, 0, 1.0], [0, 2, -0.5]]


def _raw(spiking: dict[str, Any] | None = None, **sections: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "hamiltonian": {"kind": "ising", "edges": EDGES, "fields": {1: 0.25},
                        "transverse_field": 1.0},
        "quantum": {"kind": "aer", "shots": 16},
        "spiking": {"kind": "brian2", "annealer": {}, **(spiking or {})},
        "pci": {"drive": "current"},
        "run": {"ticks": 10},
    }
    raw.update(sections)
    return raw


def _problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        validate_config(raw)
    return info.value.problems


def test_an_annealer_on_the_hamiltonian_is_wired_from_its_z_terms() -> None:
    cfg = validate_config(_raw({"annealer": {"mv_per_unit": 2.0, "t0_mv": 8.0, "t1_mv": 0.5}}))
    assert cfg.spiking.recurrent is None  # defaults to none: the couplings are the synapses
    assert cfg.n_neurons() == 4
    net = build_network(cfg)
    spec = net.annealer
    assert spec is not None and net.n_neurons == 4 and net.drive_mode == "current"
    # b_k = 2 kappa (h_k + sum_j J_kj), W = -4 kappa J, both directions (hand-computed)
    assert spec.bias_mv.tolist() == [2 * 2 * 1.5, 2 * 2 * 2.25, 2 * 2 * 1.5, 2 * 2 * 2.0]
    w = {(int(a), int(b)): float(c) for a, b, c in zip(net.pre, net.post, net.weight_mv)}
    assert w[(0, 1)] == w[(1, 0)] == -8.0 and w[(0, 2)] == w[(2, 0)] == 4.0 and len(w) == 10
    assert not np.any(spec.colours[net.pre] == spec.colours[net.post])
    assert net.refractory_ms == pytest.approx(spec.n_colours * net.dt_ms)
    assert (spec.t0_mv, spec.t1_mv, spec.schedule) == (8.0, 0.5, "geometric")
    assert spec.sweeps == 10 * 100 // spec.n_colours  # ticks * steps / C


def test_default_temperatures_come_from_the_network() -> None:
    spec = build_network(validate_config(_raw())).annealer
    assert spec is not None and spec.t0_mv > spec.t1_mv > 0


def test_a_qubo_is_translated_to_the_same_energies(tmp_path: Path) -> None:
    terms = [[0, 0, -1.0], [1, 1, 2.0], [0, 1, 3.0], [1, 0, -1.0], [2, 3, 1.5], [3, 3, -2.0]]
    cfg = validate_config(_raw({"annealer": {"qubo": {"terms": terms}}}))
    problem = annealer_problem(cfg.spiking.annealer, cfg.build_hamiltonian())
    for index in range(16):
        x = np.array([(index >> k) & 1 for k in range(4)])
        f = sum(q * x[i] * x[j] for i, j, q in terms)
        assert float(energies(problem, x)[0]) == pytest.approx(f)
    # the same QUBO from a file: .npz of a sparse matrix and .npy of a dense one
    dense = np.zeros((4, 4))
    for i, j, q in terms:
        dense[i, j] += q
    np.save(tmp_path / "q.npy", dense)
    sp.save_npz(tmp_path / "q.npz", sp.coo_matrix(dense))
    for name in ("q.npy", "q.npz"):
        cfg = validate_config(_raw({"annealer": {"qubo": {"file": str(tmp_path / name)}}}))
        assert cfg.spiking.annealer.qubo.sha256 is not None  # pinned
        other = annealer_problem(cfg.spiking.annealer, cfg.build_hamiltonian())
        assert np.allclose(other.coupling, problem.coupling)
        assert np.allclose(other.field, problem.field)


def test_a_changed_qubo_file_is_refused(tmp_path: Path) -> None:
    np.save(tmp_path / "q.npy", np.eye(4))
    cfg = validate_config(_raw({"annealer": {"qubo": {"file": str(tmp_path / "q.npy")}}}))
    np.save(tmp_path / "q.npy", 2 * np.eye(4))
    raw = _raw({"annealer": {"qubo": cfg.spiking.annealer.qubo.model_dump(mode="json")}})
    assert any("has changed" in p for p in _problems(raw))


@pytest.mark.parametrize(
    "change, expected",
    [
        ({"spiking": {"recurrent": {"p": 0.1}}}, "spiking.recurrent: the annealer's synapses"),
        ({"spiking": {"stdp": {"enabled": True}}}, "spiking.stdp.enabled: the annealer"),
        ({"spiking": {"noise": {"kind": "white", "sigma_mv": 2.0}}},
         "spiking.noise: the annealer's neurons carry their own noise"),
        ({"spiking": {"v_init": {"low_mv": 0.0, "high_mv": 5.0}}},
         "spiking.v_init: the annealer's neurons are binary"),
        ({"spiking": {"neurons": 8}}, "spiking.neurons: the annealer has one neuron per qubit"),
        ({"pci": {"drive": "kick"}}, "pci.drive: the annealer takes the drive as a bias"),
        ({"pci": {"drive": "current", "mapping": "amplitude"}, "quantum": {
            "kind": "aer", "shots": 16, "aer": {"method": "statevector"}}},
         "pci.mapping: the annealer"),
        ({"maxcut": {"edge_weight_mv": -4.0}}, "maxcut.edge_weight_mv: the annealer wires"),
        ({"spiking": {"annealer": {"t0_mv": 0.0}}}, "spiking.annealer.t0_mv"),
        ({"spiking": {"annealer": {"qubo": {"terms": [[0, 1, 1.0]], "file": "x.npy"}}}},
         "spiking.annealer.qubo"),
        ({"spiking": {"annealer": {"qubo": {"terms": [[0, 1, 1.0]]}}}},
         "spiking.annealer.qubo: 2 variables for 4 qubits"),
        ({"spiking": {"annealer": {"schedule": "cosine"}}}, "spiking.annealer.schedule"),
        ({"spiking": {"annealer": {"temperature": 1.0}}}, "spiking.annealer.temperature"),
        ({"spiking": {"kind": "lava", "lava": {"select_tag": "fixed_pt"}}},
         "spiking.lava.select_tag: the annealer's stochastic neurons"),
        ({"hamiltonian": {"kind": "tfim", "n_qubits": 3, "j": 0.0, "h": 1.0}},
         "spiking.annealer: H has no Z or ZZ term"),
    ],
)
def test_what_an_annealer_cannot_run_is_refused_in_one_line(change, expected) -> None:
    raw = _raw()
    for key, value in change.items():
        if key == "spiking":
            raw["spiking"] = {**raw["spiking"], **value}
        else:
            raw[key] = {**raw.get(key, {}), **value} if key == "pci" else value
    problems = _problems(raw)
    assert any(expected in p for p in problems), problems


def test_a_config_without_an_annealer_hashes_as_before() -> None:
    raw = _raw()
    del raw["spiking"]["annealer"]
    cfg = validate_config(raw)
    assert "annealer" not in cfg.resolved()["spiking"]
    assert cfg.spiking.recurrent is not None  # the LIF network's default synapses
