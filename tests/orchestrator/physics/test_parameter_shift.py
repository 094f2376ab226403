"""Parameter-shift gradients of the trainable evolution (physics/parameter_shift.py) against
central differences of an exact expectation built here with scipy.linalg.expm."""

from __future__ import annotations

import math
from functools import reduce

import numpy as np
import pytest
import scipy.linalg

from backends.quantum.aer.backend import AerBackend
from backends.quantum.aer.config import AerConfig
from orchestrator.contract.quantum import QuantumProgram
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.measurement import measurement_bases
from orchestrator.physics.parameter_shift import (
    group_gradient,
    shift_derivative,
    shifted_angles,
    term_layout,
)
from orchestrator.physics.tick_io import QuantumRequest

_P = {
    "I": np.eye(2),
    "X": np.array([[0, 1], [1, 0]], dtype=complex),
    "Y": np.array([[0, -1j], [1j, 0]]),
    "Z": np.diag([1.0, -1.0]).astype(complex),
}


def _pauli(n: int, paulis: str, qubits: tuple[int, ...]) -> np.ndarray:
    """Dense Pauli string, qubit 0 least significant (kron from qubit n-1 down)."""
    letters = ["I"] * n
    for p, q in zip(paulis, qubits):
        letters[q] = p
    return reduce(np.kron, [_P[p] for p in reversed(letters)])


def _plus(n: int) -> np.ndarray:
    return np.full(2**n, 2 ** (-n / 2), dtype=complex)


def _exact_state(h: PauliHamiltonian, angles: np.ndarray, psi0: np.ndarray) -> np.ndarray:
    """Per layer: expm(-i a_cost H_cost) (the Z-only terms commute, so this is their product),
    then expm(-i a_driver c_k P_k) for each other term in H's order; applied to psi0."""
    n = h.n_qubits
    cost = sum(
        (t.coeff * _pauli(n, t.paulis, t.qubits) for t in h.terms if set(t.paulis) == {"Z"}),
        np.zeros((2**n, 2**n), dtype=complex),
    )
    drivers = [t.coeff * _pauli(n, t.paulis, t.qubits) for t in h.terms if set(t.paulis) != {"Z"}]
    state = psi0
    for a_cost, a_driver in angles:
        state = scipy.linalg.expm(-1j * a_cost * cost) @ state
        for generator in drivers:
            state = scipy.linalg.expm(-1j * a_driver * generator) @ state
    return state


def _random_instance(rng: np.random.Generator, n: int) -> PauliHamiltonian:
    """Random Ising-type H: ZZ on random pairs with integer weights, Z fields, X and Y drivers."""
    terms = []
    for i in range(n):
        for j in range(i + 1, n):
            if rng.random() < 0.6:
                terms.append(("ZZ", (i, j), float(rng.integers(1, 4))))
    terms.append(("Z", (int(rng.integers(n)),), float(rng.normal())))
    terms += [("X", (q,), float(rng.normal())) for q in range(n)]
    terms.append(("XY", (0, n - 1), float(rng.normal())))
    return PauliHamiltonian.from_terms(n, terms)


def _program(h: PauliHamiltonian, layers: int) -> QuantumProgram:
    return QuantumProgram(
        hamiltonian=h,
        time=0.0,
        order=1,
        reps=1,
        preserve_order=True,
        bases=measurement_bases(h),
        want_statevector=True,
        layers=layers,
        layer_terms=term_layout(h).terms,
    )


@pytest.mark.parametrize("n, layers, seed", [(4, 2, 0), (5, 1, 1), (6, 1, 2)])
def test_parameter_shift_matches_central_differences_of_expm(n, layers, seed) -> None:
    rng = np.random.default_rng(seed)
    h = _random_instance(rng, n)
    layout = term_layout(h)
    angles = rng.uniform(-1.0, 1.0, size=(layers, 2))
    # the observable: the cost part (Z-only terms) plus a Y on qubit 1 (a Bloch component)
    cost = sum(t.coeff * _pauli(n, t.paulis, t.qubits) for t in h.terms if set(t.paulis) == {"Z"})
    observable = cost + _pauli(n, "Y", (1,))
    psi0 = _plus(n)

    backend = AerBackend(AerConfig(kind="aer", aer={"method": "statevector"}), _program(h, layers))
    batch = shifted_angles(layout.term_angles(angles))
    theta, phi = np.full(n, math.pi / 2), np.zeros(n)
    result = backend.execute(
        [QuantumRequest(theta=theta, phi=phi, evolution=x) for x in batch], seed=1
    )
    values = np.array(
        [np.vdot(r.statevector, observable @ r.statevector).real for r in result.results]
    )
    shift = group_gradient(shift_derivative(values, layers, layout.n_terms), layout)

    def f(a: np.ndarray) -> float:
        state = _exact_state(h, a, psi0)
        return float(np.vdot(state, observable @ state).real)

    step = 1e-5
    central = np.zeros_like(angles)
    for idx in np.ndindex(angles.shape):
        e = np.zeros_like(angles)
        e[idx] = step
        central[idx] = (f(angles + e) - f(angles - e)) / (2 * step)
    assert np.abs(values[0] - f(angles)) < 1e-9  # the unshifted circuit is the exact state
    np.testing.assert_allclose(shift, central, atol=1e-7, rtol=1e-6)


def test_the_two_term_rule_on_a_group_angle_is_wrong_for_the_ring() -> None:
    """The docstring's warning: shifting the cost GROUP angle by pi/4 is not its derivative
    (the ring's cost generator has eigenvalue gaps 4, 8, 12, 16), the per-term rule is."""
    n = 8
    edges = [("ZZ", (i, (i + 1) % n), 1.0) for i in range(n)]
    h = PauliHamiltonian.from_terms(n, edges + [("X", (q,), -1.0) for q in range(n)])
    layout = term_layout(h)
    zz = [_pauli(n, "ZZ", (i, (i + 1) % n)) for i in range(n)]
    cost = sum(zz)

    def f_terms(x: np.ndarray) -> float:
        """<H_C> after prod_k exp(-i x_k P_k) on |+>^8: the ZZ terms commute (one expm of
        their weighted sum, diagonal) and the X terms act on distinct qubits (a kron of 2x2
        expms), so this is exact."""
        state = scipy.linalg.expm(-1j * sum(a * p for a, p in zip(x[:n], zz))) @ _plus(n)
        driver = reduce(np.kron, [scipy.linalg.expm(-1j * a * _P["X"]) for a in x[n:][::-1]])
        state = driver @ state
        return float(np.vdot(state, cost @ state).real)

    def f(a: np.ndarray) -> float:
        return f_terms(layout.term_angles(a)[0])

    a = np.array([[0.3, 0.2]])
    step = 1e-5
    d_cost, d_driver, shift = np.array([[step, 0]]), np.array([[0, step]]), np.array([[1.0, 0]])
    exact = (f(a + d_cost) - f(a - d_cost)) / (2 * step)
    naive = f(a + shift * math.pi / 4) - f(a - shift * math.pi / 4)
    assert abs(naive - exact) > 0.1

    batch = shifted_angles(layout.term_angles(a))
    values = np.array([f_terms(b[0]) for b in batch])
    per_term = group_gradient(shift_derivative(values, 1, layout.n_terms), layout)
    assert per_term[0, 0] == pytest.approx(exact, abs=1e-6)
    driver_exact = (f(a + d_driver) - f(a - d_driver)) / (2 * step)
    assert per_term[0, 1] == pytest.approx(driver_exact, abs=1e-6)


def test_shifted_angles_layout() -> None:
    x = np.arange(6, dtype=float).reshape(2, 3)
    batch = shifted_angles(x)
    assert batch.shape == (13, 2, 3)
    np.testing.assert_array_equal(batch[0], x)
    for j in range(6):
        layer, k = divmod(j, 3)
        diff_plus, diff_minus = batch[1 + 2 * j] - x, batch[2 + 2 * j] - x
        assert diff_plus[layer, k] == pytest.approx(math.pi / 4)
        assert diff_minus[layer, k] == pytest.approx(-math.pi / 4)
        assert np.count_nonzero(diff_plus) == np.count_nonzero(diff_minus) == 1
    with pytest.raises(ValueError, match="expected 13 values"):
        shift_derivative(np.zeros(12), 2, 3)


def test_term_layout_groups_cost_then_driver() -> None:
    h = PauliHamiltonian.from_terms(
        3, [("X", (0,), -1.0), ("ZZ", (0, 1), 2.0), ("Y", (2,), 0.5), ("Z", (2,), 0.3)]
    )
    layout = term_layout(h)
    assert layout.terms == (1, 3, 0, 2)
    np.testing.assert_array_equal(layout.group, [0, 0, 1, 1])
    np.testing.assert_allclose(layout.term_angles(np.array([[0.1, 0.2]])), [[0.2, 0.03, -0.2, 0.1]])
