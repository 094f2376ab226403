"""Memory physics: the randomized-measurement purity estimator and the Hamiltonian's layout,
against exact answers computed with numpy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orchestrator.physics.hopfield import hebbian_couplings
from orchestrator.physics.memory import (
    analytic_overlaps,
    cue_angles,
    memory_hamiltonian,
    overlaps_from_samples,
    purity_from_samples,
    random_pauli_bases,
)

_ROT = {  # rows: eigenvectors measured as bit 0, bit 1
    "Z": np.eye(2),
    "X": np.array([[1, 1], [1, -1]]) / math.sqrt(2),
    "Y": np.array([[1, 1j], [1, -1j]]) / math.sqrt(2),
}


def _sample(rho: np.ndarray, basis: str, shots: int, rng) -> np.ndarray:
    """Shots of ``rho`` (qubit 0 least significant) measured in ``basis``, bit q = column q."""
    u = np.ones((1, 1))
    for letter in reversed(basis):
        u = np.kron(u, _ROT[letter].conj())
    probs = np.real(np.einsum("ia,ab,ib->i", u, rho, u.conj()))
    outcomes = rng.choice(probs.size, shots, p=probs / probs.sum())
    return ((outcomes[:, None] >> np.arange(len(basis))) & 1).astype(np.uint8)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_randomized_purity_estimate_is_unbiased_on_random_states(seed) -> None:
    rng = np.random.default_rng(seed)
    a = rng.normal(size=(4, 2)) + 1j * rng.normal(size=(4, 2))  # rank 2: purity in (1/2, 1)
    rho = a @ a.conj().T
    rho /= np.trace(rho)
    bases = random_pauli_bases(2, 2, 300, seed)
    estimate = purity_from_samples([_sample(rho, b, 400, rng) for b in bases], 2)
    assert abs(estimate - np.trace(rho @ rho).real) < 0.05


def test_purity_estimate_of_a_pure_and_a_mixed_qubit() -> None:
    rng = np.random.default_rng(9)
    pure = np.array([[1, 0], [0, 0]], dtype=complex)
    mixed = np.eye(2) / 2
    # all three bases once each: the average over {X, Y, Z} is exact in expectation
    for rho, want in ((pure, 1.0), (mixed, 0.5)):
        got = purity_from_samples([_sample(rho, b, 20000, rng) for b in "XYZ"], 1)
        assert abs(got - want) < 0.03


def test_hamiltonian_couples_system_y_to_environment_z() -> None:
    j = hebbian_couplings(np.array([[1, 0, 1], [1, 1, 0]]))
    h = memory_hamiltonian(j)
    assert h.n_qubits == 6
    scale = np.abs(j).sum(axis=1).max()
    for term in h.terms:
        i, k = term.qubits
        assert term.paulis == "YZ" and i < 3 <= k and i != k - 3
        assert term.coeff == pytest.approx(-j[i, k - 3] / scale)


def test_cue_angles_prepare_plus_states_and_the_cue_rates() -> None:
    theta, phi = cue_angles(np.array([0.0, 1.0, 0.25]))
    np.testing.assert_allclose(theta[:3], math.pi / 2)
    np.testing.assert_allclose(np.sin(theta[3:] / 2) ** 2, [0.0, 1.0, 0.25])
    assert not phi.any()
    with pytest.raises(ValueError):
        cue_angles(np.array([1.5]))


def test_analytic_overlaps_sum_to_one_over_all_patterns() -> None:
    rng = np.random.default_rng(4)
    stored = rng.integers(0, 2, (2, 4))
    every = ((np.arange(16)[:, None] >> np.arange(4)) & 1).astype(np.uint8)
    total = analytic_overlaps(hebbian_couplings(stored), every, rng.uniform(0, 1, 4)).sum()
    assert math.isclose(total, 1.0)


def test_overlaps_from_samples_count_system_bits_only() -> None:
    samples = np.array([[1, 0, 1, 1], [1, 0, 0, 0], [0, 1, 1, 1], [1, 0, 1, 0]], dtype=np.uint8)
    got = overlaps_from_samples(samples, np.array([[1, 0], [0, 1], [1, 1]], dtype=np.uint8))
    np.testing.assert_allclose(got, [0.75, 0.25, 0.0])
