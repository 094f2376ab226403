"""Hamiltonian builders against matrices built independently, and the MaxCut reading of ising."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from orchestrator.config.hamiltonian import IsingConfig, PauliConfig, TfimConfig
from orchestrator.physics.hamiltonian import PauliHamiltonian

I2 = np.eye(2)
X = np.array([[0, 1], [1, 0]], dtype=complex)
Y = np.array([[0, -1j], [1j, 0]])
Z = np.diag([1.0, -1.0]).astype(complex)


def _op(n: int, ops: dict[int, np.ndarray]) -> np.ndarray:
    """Dense kron with qubit 0 as the rightmost factor (least significant bit)."""
    out = np.eye(1)
    for q in reversed(range(n)):
        out = np.kron(out, ops.get(q, I2))
    return out


def test_tfim_matches_hand_built_matrix() -> None:
    n, j, h = 4, 0.7, 1.3
    cfg = TfimConfig(kind="tfim", n_qubits=n, j=j, h=h, periodic=True)
    expected = sum(-j * _op(n, {i: Z, (i + 1) % n: Z}) for i in range(n))
    expected = expected + sum(-h * _op(n, {i: X}) for i in range(n))
    assert np.allclose(cfg.build().to_sparse().toarray(), expected)


def test_qubit_zero_is_the_least_significant_bit() -> None:
    h = PauliHamiltonian.from_terms(2, [("Z", (0,), 1.0)])
    # basis index 1 = |q1=0, q0=1> -> Z_0 eigenvalue -1
    assert np.allclose(np.diag(h.to_sparse().toarray()).real, [1, -1, 1, -1])


def test_pauli_terms_with_y() -> None:
    cfg = PauliConfig(
        kind="pauli",
        n_qubits=3,
        terms=[
            {"paulis": "XY", "qubits": [2, 0], "coeff": 0.5},
            {"paulis": "Z", "qubits": [1], "coeff": -2},
        ],
    )
    expected = 0.5 * _op(3, {2: X, 0: Y}) - 2 * _op(3, {1: Z})
    m = cfg.build().to_sparse().toarray()
    assert np.allclose(m, expected) and np.allclose(m, m.conj().T)


def test_ising_ground_state_is_the_maximum_cut() -> None:
    edges = [(0, 1, 1.0), (1, 2, 2.0), (2, 3, 1.0), (3, 0, 0.5), (0, 2, 1.5)]
    h = IsingConfig(kind="ising", edges=edges).build()
    energies = np.diag(h.to_sparse().toarray()).real
    ground = int(np.argmin(energies))
    bits = [(ground >> q) & 1 for q in range(4)]

    def cut(assign: tuple[int, ...]) -> float:
        return sum(w for i, j, w in edges if assign[i] != assign[j])

    best = max(cut(a) for a in itertools.product((0, 1), repeat=4))
    assert cut(tuple(bits)) == best


def test_bad_terms_are_refused() -> None:
    with pytest.raises(ValueError, match="twice"):
        PauliHamiltonian.from_terms(2, [("ZZ", (1, 1), 1.0)])
    with pytest.raises(ValueError, match="register"):
        PauliHamiltonian.from_terms(2, [("Z", (2,), 1.0)])
    with pytest.raises(ValueError, match="finite"):
        PauliHamiltonian.from_terms(2, [("Z", (0,), float("inf"))])
