"""The qiskit backend on real providers here: Braket's local simulator (qiskit-braket-provider),
qiskit's BasicSimulator and GenericBackendV2 (a device with a coupling map), Aer by import path.

Answers come from outside the backend: for a diagonal Hamiltonian every product formula is
exact, so the state is the product state times exp(-i t E(z)) (numpy), and its distribution in
any basis is |U psi|^2 with U the basis rotation; for a TFIM the reference is Aer's exact
Trotter state (another simulator).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from backends.quantum.qiskit import backend as qiskit_backend
from backends.quantum.qiskit.backend import QiskitBackend
from backends.quantum.qiskit.config import QiskitConfig
from orchestrator.contract.quantum import QuantumBackendFailure, QuantumProgram
from orchestrator.physics.tick_io import QuantumRequest
from orchestrator.testing.quantum import TFIM, ZZ, diagonal_energies, product_state

BASES = ("ZZZ", "XXX", "YYY", "XZY")
BRAKET = "qiskit_braket_provider:BraketLocalBackend"
H = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
SDG = np.diag([1, -1j])
ROTATION = {"Z": np.eye(2), "X": H, "Y": H @ SDG}


def backend(shots: int = 256, h: Any = ZZ, bases: tuple[str, ...] = BASES, **options: Any):
    config = QiskitConfig.model_validate({"kind": "qiskit", "shots": shots, "qiskit": options})
    return QiskitBackend(config, QuantumProgram(h, 0.3, 2, 1, True, bases))


def distribution(state: np.ndarray, basis: str) -> np.ndarray:
    """P(outcome) of measuring ``state`` in ``basis`` (qubit q = bit q of the outcome)."""
    u = np.ones((1, 1))
    for b in basis:  # qubit 0 is the least significant factor: kron(u_q, u_{q-1} ...)
        u = np.kron(ROTATION[b], u)
    return np.abs(u @ state) ** 2


def frequencies(samples: np.ndarray) -> np.ndarray:
    index = samples.astype(np.int64) @ (1 << np.arange(samples.shape[1]))
    return np.bincount(index, minlength=1 << samples.shape[1]) / len(samples)


@pytest.mark.parametrize("sampler", [None, "qiskit_braket_provider:BraketSampler"])
def test_braket_samples_the_evolved_state_in_every_basis(sampler: str | None) -> None:
    theta, phi = np.array([0.4, 1.1, 2.0]), np.array([0.3, -0.5, 1.7])
    made = backend(4000, backend=BRAKET, sampler=sampler)
    (result,) = made.execute([QuantumRequest(theta=theta, phi=phi)], seed=1).results
    state = np.exp(-1j * 0.3 * diagonal_energies(ZZ)) * product_state(theta, phi)
    for basis, samples in zip(BASES, result.samples, strict=True):
        tvd = 0.5 * np.abs(frequencies(samples) - distribution(state, basis)).sum()
        assert tvd < 0.06, basis  # 4000 shots: ~0.02 expected, 0.06 is > 6 sd


def test_braket_matches_aers_exact_trotter_state_on_a_tfim() -> None:
    from qiskit.quantum_info import Statevector
    from qiskit_aer import AerSimulator

    from backends.quantum.common import trotter

    theta, phi = np.array([0.4, 1.1, 2.0]), np.array([0.3, 0.0, 1.7])
    program = QuantumProgram(TFIM, 0.3, 2, 1, True, ("ZZZ", "XXX"))
    (circuit,) = trotter.transpile_once([trotter.state_circuit(program)], AerSimulator())
    values = trotter.prep_values(theta, phi, 3)
    state = Statevector(circuit.assign_parameters(values[trotter.parameter_columns(circuit, 3)]))
    made = backend(4000, h=TFIM, bases=("ZZZ", "XXX"), backend=BRAKET)
    (result,) = made.execute([QuantumRequest(theta=theta, phi=phi)], seed=1).results
    for basis, samples in zip(("ZZZ", "XXX"), result.samples, strict=True):
        exact = distribution(np.asarray(state.data), basis)
        assert 0.5 * np.abs(frequencies(samples) - exact).sum() < 0.06, basis


def test_a_device_with_a_coupling_map_is_transpiled_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = qiskit_backend.trotter.transpile_for_device

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(qiskit_backend.trotter, "transpile_for_device", counted)
    made = backend(
        200,
        backend="qiskit.providers.fake_provider:GenericBackendV2",
        args={"num_qubits": 5, "coupling_map": [[0, 1], [1, 2], [2, 3], [3, 4]], "seed": 3},
        seed_option="seed_simulator",
    )
    for bits in ([1, 0, 1], [0, 1, 0], [1, 1, 0]):
        request = QuantumRequest(theta=np.pi * np.array(bits, dtype=float), phi=np.zeros(3))
        (result,) = made.execute([request], seed=4).results
        # a noisy generic device flips a few shots: the majority is the prepared state
        assert np.array_equal(np.round(result.samples[0].mean(axis=0)), bits)
    assert len(calls) == 1
    identity = made.identity()
    assert identity["device"] == "generic_backend_5q" and len(identity["physical_qubits"]) == 5


def test_aer_by_import_path_reproduces_with_its_seed() -> None:
    made = backend(300, h=TFIM, backend="qiskit_aer:AerSimulator", seed_option="seed_simulator")
    request = QuantumRequest(theta=np.array([0.4, 1.1, 2.0]), phi=np.array([0.3, 0.0, 1.7]))
    a = made.execute([request], seed=9).results[0].samples
    b = made.execute([request], seed=9).results[0].samples
    c = made.execute([request], seed=10).results[0].samples
    assert all(np.array_equal(x, y) for x, y in zip(a, b))
    assert not all(np.array_equal(x, y) for x, y in zip(a, c))


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"backend": "qiskit:QuantumCircuit"}, "gave a QuantumCircuit, not a qiskit BackendV2"),
        ({"backend": "qiskit_braket_provider:NoSuchBackend"}, "has no attribute NoSuchBackend"),
        (
            {"backend": BRAKET, "args": {"name": "no_such_simulator"}},
            r"BraketLocalBackend\(\.\.\.\) failed",
        ),
        ({"backend": "qiskit_ionq:IonQProvider"}, "a provider needs quantum.qiskit.get_backend"),
        (
            {"backend": BRAKET, "sampler": "qiskit.primitives:StatevectorSampler"},
            r"quantum\.qiskit\.sampler: .*StatevectorSampler\(backend=\.\.\.\) failed",
        ),
    ],
)
def test_what_cannot_be_built_is_one_line_naming_the_field(
    options: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        backend(16, **options)
    assert "\n" not in str(caught.value) and str(caught.value).startswith("quantum.qiskit.")


def test_exact_amplitudes_are_refused() -> None:
    config = QiskitConfig.model_validate({"kind": "qiskit", "qiskit": {"backend": BRAKET}})
    with pytest.raises(ValueError, match=r"need kind: aer with aer: \{method: statevector\}"):
        QiskitBackend(config, QuantumProgram(ZZ, 0.3, 2, 1, True, BASES, want_statevector=True))


def test_a_provider_failure_stops_the_tick_resumably(monkeypatch: pytest.MonkeyPatch) -> None:
    made = backend(16, backend=BRAKET)

    def unavailable(*args: Any, **kwargs: Any) -> Any:
        raise ConnectionError("service unavailable\nretry later")

    monkeypatch.setattr(made._provider.backend, "run", unavailable)
    request = QuantumRequest(theta=np.zeros(3), phi=np.zeros(3))
    with pytest.raises(QuantumBackendFailure, match="ConnectionError: service unavailable") as e:
        made.execute([request], seed=1)
    assert not e.value.permanent and "\n" not in str(e.value)
