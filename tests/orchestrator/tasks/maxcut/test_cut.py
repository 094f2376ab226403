"""The cut of assignments and the Ising cost: E(x) = W - 2 cut(x), <H> = W - 2 E[cut]."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.config.hamiltonian import IsingConfig
from orchestrator.tasks.maxcut.cut import (
    bits_from_indices,
    cut_value,
    cut_values,
    expected_cut_from_energy,
    ising_energies,
    ising_hamiltonian,
)
from orchestrator.tasks.maxcut.exact import brute_force
from orchestrator.tasks.maxcut.instances import MaxCutInstance, catalogue


def _random_weighted(n: int, seed: int) -> MaxCutInstance:
    rng = np.random.default_rng(seed)
    edges = [(i, j, float(rng.normal())) for i in range(n) for j in range(i + 1, n)
             if rng.random() < 0.6]
    edges = edges or [(0, 1, 1.0)]
    return MaxCutInstance.from_edges(f"w{seed}", n, edges)


@st.composite
def graphs_and_bits(draw: st.DrawFn) -> tuple[MaxCutInstance, list[list[int]]]:
    n = draw(st.integers(2, 7))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), min_size=1, unique=True))
    weights = draw(st.lists(st.floats(-5, 5), min_size=len(chosen), max_size=len(chosen)))
    inst = MaxCutInstance.from_edges("h", n, [(i, j, w) for (i, j), w in zip(chosen, weights)])
    rows = draw(st.lists(st.lists(st.integers(0, 1), min_size=n, max_size=n), min_size=1))
    return inst, rows


@settings(max_examples=150, deadline=None)
@given(graphs_and_bits())
def test_cut_values_match_a_loop_over_the_edges(case) -> None:
    inst, rows = case
    by_loop = [sum(w for i, j, w in inst.edges if row[i] != row[j]) for row in rows]
    np.testing.assert_allclose(cut_values(inst, np.array(rows)), by_loop, atol=1e-12)
    assert cut_value(inst, np.array(rows[0])) == pytest.approx(by_loop[0], abs=1e-12)


def test_bits_from_indices_reads_qubit_zero_as_the_rightmost_character() -> None:
    n = 5
    indices = np.arange(1 << n)
    expected = [[int(c) for c in format(b, f"0{n}b")[::-1]] for b in indices]
    assert bits_from_indices(indices, n).tolist() == expected
    with pytest.raises(ValueError):
        bits_from_indices(np.array([32]), n)


@pytest.mark.parametrize("seed", range(4))
def test_the_ising_config_is_diagonal_with_energy_w_minus_twice_the_cut(seed: int) -> None:
    """The project's Hamiltonian builder as a matrix: diag = W - 2 cut, min = W - 2 opt."""
    inst = _random_weighted(6, seed) if seed % 2 else catalogue("regular3", 8, 1, seed)[0]
    matrix = IsingConfig.model_validate(ising_hamiltonian(inst)).build().to_sparse().toarray()
    assert matrix.shape == (1 << inst.n, 1 << inst.n)
    np.testing.assert_allclose(matrix - np.diag(np.diag(matrix)), 0.0)
    diagonal = np.diag(matrix).real
    bits = bits_from_indices(np.arange(1 << inst.n), inst.n)
    cuts = cut_values(inst, bits)
    np.testing.assert_allclose(diagonal, inst.total_weight - 2 * cuts, atol=1e-12)
    np.testing.assert_allclose(ising_energies(inst, bits), diagonal, atol=1e-12)
    assert diagonal.min() == pytest.approx(inst.total_weight - 2 * brute_force(inst).value)


def test_energy_of_any_state_gives_its_expected_cut() -> None:
    """<psi|H|psi> for a random state = W - 2 sum_x |<x|psi>|^2 cut(x)."""
    inst = _random_weighted(7, 99)
    h = IsingConfig.model_validate(ising_hamiltonian(inst)).build().to_sparse()
    rng = np.random.default_rng(5)
    for _ in range(5):
        psi = rng.normal(size=1 << inst.n) + 1j * rng.normal(size=1 << inst.n)
        psi /= np.linalg.norm(psi)
        energy = float(np.vdot(psi, h @ psi).real)
        probabilities = np.abs(psi) ** 2
        cuts = cut_values(inst, bits_from_indices(np.arange(1 << inst.n), inst.n))
        assert expected_cut_from_energy(inst, energy) == pytest.approx(probabilities @ cuts)


def test_ising_hamiltonian_keeps_isolated_vertices_and_needs_an_edge() -> None:
    inst = MaxCutInstance.from_edges("iso", 4, [(0, 1, 1.0)])
    config = ising_hamiltonian(inst)
    assert config == {"kind": "ising", "n_qubits": 4, "edges": [[0, 1, 1.0]]}
    assert IsingConfig.model_validate(config).build().n_qubits == 4
    with pytest.raises(ValueError, match="no edges"):
        ising_hamiltonian(MaxCutInstance.from_edges("empty", 3, []))


def test_bad_assignments_raise() -> None:
    inst = MaxCutInstance.from_edges("t", 3, [(0, 1, 1.0)])
    with pytest.raises(ValueError, match="3 bits"):
        cut_values(inst, np.zeros((2, 4)))
    with pytest.raises(ValueError, match="only 0 and 1"):
        cut_values(inst, np.array([[0, 2, 1]]))
    with pytest.raises(ValueError, match="one assignment"):
        cut_value(inst, np.zeros((1, 3)))
