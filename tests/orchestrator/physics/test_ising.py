"""Ising <-> QUBO translation and the annealer's neuron parameters, against enumeration.

Every reference is computed here from the entries themselves (loops over the 2^n assignments),
not with ``physics.ising``'s own energy function.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.ising import (
    IsingProblem,
    boltzmann,
    energies,
    ising_from_qubo,
    ising_of_hamiltonian,
    local_fields,
    neural_parameters,
    qubo_from_ising,
)


def _assignments(n: int) -> np.ndarray:
    return np.array(list(itertools.product((0, 1), repeat=n)), dtype=np.uint8)[:, ::-1]


def _qubo_value(i, j, q, x) -> float:
    return float(sum(qq * x[a] * x[b] for a, b, qq in zip(i, j, q)))


def _ising_value(pairs, fields, offset, x) -> float:
    s = 1 - 2 * np.asarray(x, dtype=float)
    return offset + sum(c * s[a] * s[b] for a, b, c in pairs) + float(np.dot(fields, s))


def _random_qubo(rng: np.random.Generator, n: int, m: int):
    i = rng.integers(0, n, m)
    j = rng.integers(0, n, m)
    return i, j, rng.normal(size=m)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_qubo_to_ising_keeps_every_value(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 6
    i, j, q = _random_qubo(rng, n, 25)  # diagonal entries, repeats and both orders included
    problem = ising_from_qubo(n, i, j, q)
    for x in _assignments(n):
        assert float(energies(problem, x)[0]) == pytest.approx(_qubo_value(i, j, q, x), abs=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
def test_ising_to_qubo_and_back(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = 5
    pairs = [(a, b, rng.normal()) for a in range(n) for b in range(a + 1, n) if rng.random() < 0.6]
    fields, offset = rng.normal(size=n), 0.7
    problem = IsingProblem.of(
        n, [p[0] for p in pairs], [p[1] for p in pairs], [p[2] for p in pairs], fields, offset
    )
    qi, qj, qq, constant = qubo_from_ising(problem)
    back = ising_from_qubo(n, qi, qj, qq)
    for x in _assignments(n):
        e = _ising_value(pairs, fields, offset, x)
        assert _qubo_value(qi, qj, qq, x) + constant == pytest.approx(e, abs=1e-9)
        assert float(energies(back, x)[0]) + constant == pytest.approx(e, abs=1e-9)


def test_canonical_form_merges_pairs_and_refuses_self_couplings() -> None:
    p = IsingProblem.of(3, [0, 1, 2], [1, 0, 1], [1.0, 2.0, -1.0])
    assert p.i.tolist() == [0, 1] and p.j.tolist() == [1, 2]
    assert p.coupling.tolist() == [3.0, -1.0]
    assert IsingProblem.of(2, [0, 1], [1, 0], [1.0, -1.0]).coupling.size == 0
    with pytest.raises(ValueError, match="itself"):
        IsingProblem.of(2, [1], [1], [1.0])
    with pytest.raises(ValueError, match="outside"):
        IsingProblem.of(2, [0], [2], [1.0])


@pytest.mark.parametrize("kappa", [1.0, 2.5])
def test_membrane_potential_is_kappa_times_the_energy_saved_by_firing(kappa: float) -> None:
    rng = np.random.default_rng(3)
    n = 5
    pairs = [(a, b, rng.normal()) for a in range(n) for b in range(a + 1, n)]
    fields = rng.normal(size=n)
    problem = IsingProblem.of(
        n, [p[0] for p in pairs], [p[1] for p in pairs], [p[2] for p in pairs], fields
    )
    neurons = neural_parameters(problem, kappa)
    w = np.zeros((n, n))
    np.add.at(w, (neurons.post, neurons.pre), neurons.weight_mv)
    assert np.allclose(w, w.T) and np.all(np.diag(w) == 0)
    for x in _assignments(n):
        u = neurons.bias_mv + w @ x
        for k in range(n):
            on, off = x.copy(), x.copy()
            on[k], off[k] = 1, 0
            saved = _ising_value(pairs, fields, 0.0, off) - _ising_value(pairs, fields, 0.0, on)
            assert u[k] == pytest.approx(kappa * saved, abs=1e-9)
        assert np.allclose(local_fields(problem, x), u / kappa)


def test_boltzmann_is_the_normalised_exponential_of_minus_e_over_t() -> None:
    rng = np.random.default_rng(4)
    n = 4
    pairs = [(0, 1, 1.0), (1, 2, -0.5), (2, 3, 0.25), (0, 3, 0.75)]
    fields = rng.normal(size=n)
    problem = IsingProblem.of(
        n, [p[0] for p in pairs], [p[1] for p in pairs], [p[2] for p in pairs], fields
    )
    t = 0.8
    p = boltzmann(problem, t)
    assert p.sum() == pytest.approx(1.0)
    weights = []
    for index in range(1 << n):
        x = [(index >> k) & 1 for k in range(n)]
        weights.append(np.exp(-_ising_value(pairs, fields, 0.0, x) / t))
    assert np.allclose(p, np.array(weights) / sum(weights))


def test_the_classical_part_of_a_hamiltonian() -> None:
    h = PauliHamiltonian.from_terms(
        3, [("ZZ", (0, 1), 1.5), ("Z", (2,), -0.5), ("X", (0,), -1.0), ("XX", (1, 2), 0.3)]
    )
    p = ising_of_hamiltonian(h)
    assert (p.i.tolist(), p.j.tolist(), p.coupling.tolist()) == ([0], [1], [1.5])
    assert p.field.tolist() == [0.0, 0.0, -0.5]
    with pytest.raises(ValueError, match="3 spins"):
        ising_of_hamiltonian(PauliHamiltonian.from_terms(3, [("ZZZ", (0, 1, 2), 1.0)]))
    with pytest.raises(ValueError, match="no Z or ZZ term"):
        ising_of_hamiltonian(PauliHamiltonian.from_terms(2, [("X", (0,), 1.0)]))
