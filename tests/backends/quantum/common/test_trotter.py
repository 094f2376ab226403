"""Trotter circuits: convergence rates against exact evolution, preparation, circuit structure.

Reference states are built here with numpy / scipy only: psi0 = kron of single-qubit states
(qubit 0 least significant) and exp(-i H t) psi0 by ``expm_multiply`` on ``H.to_sparse()``.
The Trotter state comes from ``AerBackend`` with ``method: statevector`` (the real code path).
"""

from __future__ import annotations

import numpy as np
import pytest
from qiskit import QuantumCircuit
from qiskit.circuit import Parameter
from scipy.sparse.linalg import expm_multiply

from backends.quantum.aer.backend import AerBackend
from backends.quantum.aer.config import AerConfig
from backends.quantum.common import trotter
from orchestrator.contract.quantum import QuantumProgram
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.tick_io import QuantumRequest
from tests.backends.quantum.one import one

N = 8
THETA = np.linspace(0.3, 2.6, N)
PHI = np.linspace(0.2, 4.0, N)


def tfim(n: int, j: float = 1.0, h: float = 1.0) -> PauliHamiltonian:
    """H = -J sum Z_i Z_{i+1} - h sum X_i (open chain)."""
    zz = [("ZZ", (i, i + 1), -j) for i in range(n - 1)]
    x = [("X", (i,), -h) for i in range(n)]
    return PauliHamiltonian.from_terms(n, zz + x)


def product_state(theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """kron over qubits of cos(t/2)|0> + e^{i p} sin(t/2)|1>, qubit 0 least significant."""
    psi = np.ones(1, dtype=complex)
    for t, p in zip(theta, phi):
        psi = np.kron(np.array([np.cos(t / 2), np.exp(1j * p) * np.sin(t / 2)]), psi)
    return psi


def trotter_state(
    h: PauliHamiltonian, time: float, order: int, reps: int, preserve_order: bool = True
) -> np.ndarray:
    program = QuantumProgram(h, time, order, reps, preserve_order, bases=())
    backend = AerBackend(AerConfig(kind="aer", aer={"method": "statevector"}), program)
    result = one(backend, 0, QuantumRequest(theta=THETA[: h.n_qubits], phi=PHI[: h.n_qubits]))
    assert result.statevector is not None
    return result.statevector


def infidelity(a: np.ndarray, b: np.ndarray) -> float:
    return float(1.0 - abs(np.vdot(a, b)) ** 2)


@pytest.fixture(scope="module")
def exact_tfim() -> np.ndarray:
    return expm_multiply(-1j * 1.0 * tfim(N).to_sparse(), product_state(THETA, PHI))


@pytest.mark.parametrize(
    ("order", "preserve_order", "band"),
    [
        (1, True, (1.6, 2.4)),  # Lie: 1 - F ~ 1/r^2, measured log2 ratio 1.95
        (2, True, (3.4, 4.6)),  # Suzuki-2: 1 - F ~ 1/r^4, measured 4.04
        (2, False, (3.4, 4.6)),  # reordered commuting terms, same rate, measured 4.03
    ],
)
def test_doubling_reps_cuts_infidelity_at_the_order_rate(
    exact_tfim: np.ndarray, order: int, preserve_order: bool, band: tuple[float, float]
) -> None:
    # TFIM n=8, J=h=1, t=1; reps 4 -> 8 is asymptotic for both (rates 1.95 and 4.04 measured).
    h = tfim(N)
    coarse = infidelity(exact_tfim, trotter_state(h, 1.0, order, 4, preserve_order))
    fine = infidelity(exact_tfim, trotter_state(h, 1.0, order, 8, preserve_order))
    assert fine < coarse
    assert band[0] <= np.log2(coarse / fine) <= band[1]


def product_formula(
    h: PauliHamiltonian, psi: np.ndarray, time: float, order: int, reps: int
) -> np.ndarray:
    """Lie / Suzuki-2 with the terms in list order (first term acts first), by hand.

    exp(-i c P s) = cos(c s) I - i sin(c s) P for a Pauli string P.
    """
    terms = [
        (PauliHamiltonian.from_terms(h.n_qubits, [(t.paulis, t.qubits, 1.0)]).to_sparse(), t.coeff)
        for t in h.terms
    ]

    def sweep(psi: np.ndarray, seq: list, s: float) -> np.ndarray:
        for p, c in seq:
            psi = np.cos(c * s) * psi - 1j * np.sin(c * s) * (p @ psi)
        return psi

    dt = time / reps
    for _ in range(reps):
        if order == 1:
            psi = sweep(psi, terms, dt)
        else:
            psi = sweep(sweep(psi, terms, dt / 2), terms[::-1], dt / 2)
    return psi


@pytest.mark.parametrize(("order", "reps"), [(1, 3), (2, 3)])
def test_state_is_the_product_formula_not_the_exponential(
    exact_tfim: np.ndarray, order: int, reps: int
) -> None:
    h = tfim(N)
    state = trotter_state(h, 1.0, order, reps)
    by_hand = product_formula(h, product_state(THETA, PHI), 1.0, order, reps)
    assert infidelity(by_hand, state) < 1e-12
    assert infidelity(exact_tfim, state) > 1e-4  # far from exp(-i H t) at these reps


def test_suzuki_4_is_far_more_accurate(exact_tfim: np.ndarray) -> None:
    h = tfim(N)
    assert infidelity(exact_tfim, trotter_state(h, 1.0, 4, 4)) < 1e-5  # measured 2.5e-7


def test_trivial_hamiltonian_gives_the_product_state_exactly() -> None:
    empty = PauliHamiltonian.from_terms(N, [("X", (0,), 0.0)])  # zero terms are dropped
    assert empty.terms == ()
    state = trotter_state(empty, 1.0, 2, 3)
    expected = product_state(THETA, PHI)
    overlap = np.vdot(expected, state)
    assert abs(abs(overlap) - 1.0) < 1e-12
    # Same amplitudes, not just the same ray: the only difference is the global phase
    # prod_q e^{-i phi_q / 2} of the RZ gates.
    np.testing.assert_allclose(state, np.exp(-0.5j * PHI.sum()) * expected, atol=1e-12)


def test_tiny_time_gives_the_product_state() -> None:
    state = trotter_state(tfim(N), 1e-9, 1, 1)
    assert infidelity(product_state(THETA, PHI), state) < 1e-15


def test_single_qubit_prep_angles_by_formula() -> None:
    # One qubit, no Hamiltonian: amplitudes are cos(t/2) and e^{i p} sin(t/2) up to phase.
    h = PauliHamiltonian.from_terms(1, [])
    program = QuantumProgram(h, 1.0, 1, 1, True, bases=())
    backend = AerBackend(AerConfig(kind="aer", aer={"method": "statevector"}), program)
    for t, p in [(0.0, 0.0), (np.pi, 0.0), (1.1, 2.3), (2.9, -0.7)]:
        sv = one(backend, 0, QuantumRequest(theta=np.array([t]), phi=np.array([p])))
        expected = np.array([np.cos(t / 2), np.exp(1j * p) * np.sin(t / 2)]) * np.exp(-0.5j * p)
        np.testing.assert_allclose(sv.statevector, expected, atol=1e-12)


# ---------------------------------------------------------------- circuit structure


def test_one_measured_circuit_per_basis_with_documented_parameters() -> None:
    program = QuantumProgram(tfim(3), 0.5, 2, 2, True, bases=("ZZZ", "XYZ"))
    circuits = trotter.measured_circuits(program)
    assert len(circuits) == 2
    for circuit in circuits:
        assert circuit.num_qubits == 3
        assert circuit.num_clbits == 3
        names = [p.name for p in circuit.parameters]
        assert names == [f"{trotter.PREP_NAME}[{i}]" for i in range(6)]
        np.testing.assert_array_equal(trotter.parameter_columns(circuit, 3), np.arange(6))
    np.testing.assert_array_equal(
        trotter.prep_values(np.array([1.0, 2.0, 3.0]), np.array([4.0, 5.0, 6.0]), 3),
        [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
    )


def test_parameter_columns_follow_the_parameters_a_circuit_kept() -> None:
    angles = trotter.prep_parameters(3)
    circuit = QuantumCircuit(3)
    circuit.ry(angles[2], 2)
    circuit.rz(angles[4], 1)  # theta_0, theta_1, phi_0, phi_2 "dropped"
    np.testing.assert_array_equal(trotter.parameter_columns(circuit, 3), [2, 4])
    circuit.rz(Parameter("foreign"), 0)
    with pytest.raises(ValueError, match="not a prep angle"):
        trotter.parameter_columns(circuit, 3)


def test_amplitudes_preparation_has_no_parameters() -> None:
    program = QuantumProgram(tfim(3), 0.5, 1, 2, True, ("ZZZ",), preparation="amplitudes")
    (circuit,) = trotter.measured_circuits(program)
    assert circuit.num_parameters == 0


@pytest.mark.parametrize("basis", ["ZZ", "ZZZZ", "ZAZ", "zzz"])
def test_bad_basis_is_refused(basis: str) -> None:
    program = QuantumProgram(tfim(3), 0.5, 1, 1, True, bases=(basis,))
    with pytest.raises(ValueError, match="basis"):
        trotter.measured_circuits(program)


@pytest.mark.parametrize(("order", "reps"), [(3, 1), (0, 1), (2, 0)])
def test_bad_product_formula_is_refused(order: int, reps: int) -> None:
    program = QuantumProgram(tfim(3), 0.5, order, reps, True, bases=("ZZZ",))
    with pytest.raises(ValueError, match="trotter"):
        trotter.evolution_circuit(program)


def test_free_angles_at_lie_trotter_values_are_the_lie_trotter_circuit() -> None:
    """A trainable program (issue 12) with x[l, k] = c_k t / L and every term in H's order is
    the default Lie-Trotter program of reps L: same state."""
    h = tfim(3, j=0.7, h=1.3)
    time_, layers = 0.6, 3
    program = QuantumProgram(
        h, 0.0, 1, 1, True, bases=(), layers=layers, layer_terms=tuple(range(len(h.terms)))
    )
    backend = AerBackend(AerConfig(kind="aer", aer={"method": "statevector"}), program)
    coeffs = np.array([t.coeff for t in h.terms])
    angles = np.tile(coeffs * time_ / layers, (layers, 1))
    request = QuantumRequest(theta=THETA[:3], phi=PHI[:3], evolution=angles)
    free = one(backend, 0, request).statevector
    assert infidelity(free, trotter_state(h, time_, 1, layers)) < 1e-12
    with pytest.raises(ValueError, match="evolution angles of shape"):
        backend.execute([QuantumRequest(theta=THETA[:3], phi=PHI[:3])], 0)


def test_free_angles_bind_in_a_batch_like_one_by_one() -> None:
    """A multi-request batch binds through Aer's parameter_binds: each result is the state of
    its own request, in order."""
    h = tfim(3)
    program = QuantumProgram(h, 0.0, 1, 1, True, bases=(), layers=1, layer_terms=(0, 1, 2, 3, 4))
    backend = AerBackend(AerConfig(kind="aer", aer={"method": "statevector"}), program)
    rng = np.random.default_rng(4)
    requests = [
        QuantumRequest(theta=THETA[:3], phi=PHI[:3], evolution=rng.normal(size=(1, 5)))
        for _ in range(4)
    ]
    batch = backend.execute(requests, 0).results
    for request, result in zip(requests, batch):
        alone = one(backend, 0, request).statevector
        assert infidelity(result.statevector, alone) < 1e-12


def test_default_programs_have_no_evolution_parameters() -> None:
    program = QuantumProgram(tfim(2), 0.3, 2, 1, False, bases=("ZZ",))
    (circuit,) = trotter.measured_circuits(program)
    assert {p.vector.name for p in circuit.parameters} == {trotter.PREP_NAME}
    with pytest.raises(ValueError, match="no free evolution angles"):
        trotter.request_values(THETA[:2], PHI[:2], np.zeros((1, 3)), program)
