"""The array-namespace estimators (design §30) against independent answers: <H> from the
sparse matrix of H, Bloch vectors from the dense single-qubit reduced states, H_coh from the
probabilities; and against the CPU estimator to 1e-12. Run with numpy here; a GPU run passes
cupy to the same code (bench/gpu.py)."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.statevector import StatevectorEstimator
from orchestrator.physics.statevector_xp import MAX_AXES_BITS, ArrayEstimator

PAULI = {
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0 + 0j, -1.0]),
}


def random_state(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=1 << n) + 1j * rng.normal(size=1 << n)
    return psi / np.linalg.norm(psi)


def mixed_hamiltonian(n: int) -> PauliHamiltonian:
    """Diagonal, single-flip, multi-flip and Y terms, on low and high qubits, and a constant."""
    terms = [("ZZ", (i, i + 1), -1.0 + 0.1 * i) for i in range(n - 1)]
    terms += [("X", (i,), -0.7 + 0.05 * i) for i in range(n)]
    terms += [
        ("Y", (n // 2,), 0.3),
        ("XY", (0, n - 1), 0.25),
        ("YZX", (1, n // 2, n - 2), -0.4),
        ("Z", (n - 1,), 0.2),
        ("XX", (1, n - 3), 0.5),
        ("ZZZ", (0, n // 2, n - 1), 0.3),
        ("", (), 1.5),
    ]
    return PauliHamiltonian.from_terms(n, terms)


def dense_bloch(psi: np.ndarray, n: int) -> np.ndarray:
    """(n, 3) from the reduced density matrix of each qubit (a partial trace of |psi><psi|)."""
    out = np.empty((n, 3))
    tensor = psi.reshape((2,) * n)  # axis k = qubit n - 1 - k
    for q in range(n):
        axis = n - 1 - q
        moved = np.moveaxis(tensor, axis, 0).reshape(2, -1)
        rho = moved @ moved.conj().T
        out[q] = [np.real(np.trace(rho @ PAULI[p])) for p in "XYZ"]
    return out


@pytest.mark.parametrize("chunk_bits", [1, 3, 5, 9])
def test_agrees_with_the_dense_answers(chunk_bits: int) -> None:
    n = 9
    h, psi = mixed_hamiltonian(n), random_state(n, 4)
    got = ArrayEstimator(h, np, chunk_bits=chunk_bits).estimate(psi)
    energy = float(np.real(np.vdot(psi, h.to_sparse() @ psi)))
    p = np.abs(psi) ** 2
    assert got.energy == pytest.approx(energy, rel=1e-12, abs=1e-12)
    np.testing.assert_allclose(got.bloch, dense_bloch(psi, n), rtol=0, atol=1e-12)
    assert got.entropy == pytest.approx(float(-np.sum(p * np.log(p))), rel=1e-12)


def test_agrees_with_the_cpu_estimator_across_chunks() -> None:
    n = 14
    h, psi = mixed_hamiltonian(n), random_state(n, 5)
    cpu = StatevectorEstimator(h, block_bits=6, workers=1).estimate(psi)
    got = ArrayEstimator(h, np, chunk_bits=8).estimate(psi)
    assert got.energy == pytest.approx(cpu.energy, rel=1e-12)
    np.testing.assert_allclose(got.bloch, cpu.bloch, rtol=0, atol=1e-12)
    assert got.entropy == pytest.approx(cpu.entropy, rel=1e-12)


def test_basis_state_has_zero_entropy_and_pure_bloch_vectors() -> None:
    n = 6
    psi = np.zeros(1 << n, dtype=np.complex128)
    psi[0b101001] = 1.0
    h = PauliHamiltonian.from_terms(n, [("Z", (0,), 1.0), ("X", (1,), 1.0)])
    got = ArrayEstimator(h, np, chunk_bits=2).estimate(psi)
    assert got.entropy == 0.0
    z = [1.0 - 2.0 * (0b101001 >> q & 1) for q in range(n)]
    np.testing.assert_array_equal(got.bloch, np.column_stack([np.zeros(n), np.zeros(n), z]))
    assert got.energy == -1.0  # <Z_0> = -1, <X_1> = 0


def test_the_state_is_only_read() -> None:
    n = 8
    psi = random_state(n, 6)
    before = psi.copy()
    ArrayEstimator(mixed_hamiltonian(n), np, chunk_bits=4).estimate(psi)
    np.testing.assert_array_equal(psi, before)


def test_refusals() -> None:
    n = 6
    estimator = ArrayEstimator(mixed_hamiltonian(n), np)
    with pytest.raises(ValueError, match="complex128 state vector of shape"):
        estimator.estimate(np.zeros(1 << (n - 1), dtype=np.complex128))
    with pytest.raises(ValueError, match="complex128"):
        estimator.estimate(np.zeros(1 << n, dtype=np.complex64))
    with pytest.raises(ValueError, match="chunk_bits"):
        ArrayEstimator(mixed_hamiltonian(n), np, chunk_bits=0)
    wide = MAX_AXES_BITS + 1
    heavy = PauliHamiltonian.from_terms(wide, [("X" * wide, tuple(range(wide)), 1.0)])
    with pytest.raises(ValueError, match="handles up to"):
        ArrayEstimator(heavy, np)
