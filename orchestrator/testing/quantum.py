"""The quantum backend contract (``orchestrator.contract.quantum``) as a test suite.

Every test builds the backend of a conformance case on a 3-qubit program and checks one clause
of the contract against an answer computed here, independently of any backend:

- a batch returns one result per request, in order; samples are bits with column q = qubit q
  (a diagonal Hamiltonian keeps a computational basis state, so its Z bits are known);
- the seed reproduces a call, and nothing carries over between calls (a backend that declares
  no ``seeded`` capability: the same preparation gives the same distribution);
- a backend that declares ``statevector`` returns the Trotter state: for a diagonal H every
  product formula is exact, and the state is the product state times the phases
  exp(-i t E(z)), computed here with numpy;
- a request that does not fit the program is refused with ``ValueError``;
- the identity is strings, and ``close`` may be called twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import numpy as np
import pytest

from orchestrator.contract.quantum import QuantumBackend, QuantumProgram
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.tick_io import QuantumRequest
from orchestrator.testing.cases import PluginCase, Suite

__all__ = ["QuantumBackendSuite"]

N = 3
TIME = 0.3
BASES = ("ZZZ", "XXX", "YYY", "XZY")
ZZ = PauliHamiltonian.from_terms(N, [("ZZ", (0, 1), 0.7), ("ZZ", (1, 2), -0.4), ("Z", (2,), 0.3)])
TFIM = PauliHamiltonian.from_terms(
    N, [("ZZ", (0, 1), -1.0), ("ZZ", (1, 2), -1.0)] + [("X", (q,), -0.8) for q in range(N)]
)

Build = Callable[..., QuantumBackend]


def product_state(theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """cos(theta_q/2)|0> + e^{i phi_q} sin(theta_q/2)|1> per qubit; qubit 0 least significant."""
    state = np.ones(1, dtype=complex)
    for t, p in zip(theta, phi):
        state = np.kron([np.cos(t / 2), np.exp(1j * p) * np.sin(t / 2)], state)
    return state


def diagonal_energies(h: PauliHamiltonian) -> np.ndarray:
    """E(z) of every basis state z of a Hamiltonian made of Z strings only."""
    z = np.arange(2**h.n_qubits)
    energy = np.zeros(z.size)
    for term in h.terms:
        assert set(term.paulis) <= {"Z"}
        sign = np.ones(z.size)
        for q in term.qubits:
            sign *= 1 - 2 * ((z >> q) & 1)
        energy += term.coeff * sign
    return energy


def total_variation(x: np.ndarray, y: np.ndarray) -> float:
    """Total variation distance between the outcome frequencies of two (shots, n) samples."""
    weights = 1 << np.arange(x.shape[1])
    size = 1 << x.shape[1]
    p = np.bincount(x.astype(np.int64) @ weights, minlength=size) / len(x)
    q = np.bincount(y.astype(np.int64) @ weights, minlength=size) / len(y)
    return 0.5 * float(np.abs(p - q).sum())


class QuantumBackendSuite(Suite):
    """Subclass with ``plugin = YOUR_PLUGIN`` to run the quantum contract on your backend."""

    @pytest.fixture
    def build(self, case: PluginCase) -> Iterator[Build]:
        """``build(h, shots=256)``: the case's backend on a 3-qubit program, closed after."""
        cls = case.load()
        made: list[QuantumBackend] = []

        def _build(h: PauliHamiltonian, shots: int = 256) -> QuantumBackend:
            config = case.config(shots=shots)
            exact = config.capabilities().statevector
            program = QuantumProgram(
                h, TIME, 2, 1, True, BASES, want_statevector=exact, ticks=3
            )
            made.append(cls(config, program))
            return made[-1]

        yield _build
        for backend in made:
            backend.close()

    def test_a_batch_gives_one_result_per_request_in_order(self, build: Build) -> None:
        backend = build(ZZ, shots=200)
        exact = backend.config.capabilities().statevector
        requests = [
            QuantumRequest(theta=np.array([np.pi, 0.0, np.pi]), phi=np.zeros(N)),  # |101>
            QuantumRequest(theta=np.array([0.0, np.pi, 0.0]), phi=np.zeros(N)),  # |010>
        ]
        result = backend.execute(requests, seed=3)
        assert len(result.results) == 2
        expected_bits = ([1, 0, 1], [0, 1, 0])
        for measured, bits in zip(result.results, expected_bits):
            if exact:
                assert measured.statevector is not None
                assert measured.statevector.shape == (2**N,)
                index = sum(b << q for q, b in enumerate(bits))
                assert abs(measured.statevector[index]) == pytest.approx(1.0, abs=1e-9)
            else:
                assert len(measured.samples) == len(BASES)
            for samples in measured.samples:
                assert samples.shape == (200, N) and samples.dtype == np.uint8
                assert set(np.unique(samples)) <= {0, 1}
            if measured.samples:  # a noisy device flips a few: the majority is the state
                assert np.array_equal(np.round(measured.samples[0].mean(axis=0)), bits)
            assert measured.readout is None or len(measured.readout) == len(BASES)
        assert isinstance(result.job_ids, tuple) and isinstance(result.attempts, tuple)
        assert result.usage_seconds is None or result.usage_seconds >= 0

    def test_the_seed_reproduces_a_call_and_nothing_carries_over(self, build: Build) -> None:
        backend = build(TFIM)
        theta, phi = np.array([0.4, 1.1, 2.0]), np.array([0.3, 0.0, 1.7])
        first = backend.execute([QuantumRequest(theta=theta, phi=phi)], seed=11)
        backend.execute([QuantumRequest(theta=theta[::-1], phi=phi)], seed=12)
        again = backend.execute([QuantumRequest(theta=theta, phi=phi)], seed=11)
        (a,), (b,) = first.results, again.results
        assert len(a.samples) == len(b.samples)
        if not backend.config.capabilities().seeded:
            # No seed to reproduce: the same preparation must still give the same
            # distribution (total variation within 0.25: ~6 sd of two 256-shot samples).
            for x, y in zip(a.samples, b.samples):
                assert total_variation(x, y) < 0.25
            return
        for x, y in zip(a.samples, b.samples):
            np.testing.assert_array_equal(x, y)
        if a.statevector is not None:
            np.testing.assert_allclose(a.statevector, b.statevector, atol=1e-12)

    def test_the_statevector_is_the_evolved_state(self, build: Build) -> None:
        backend = build(ZZ, shots=16)
        if not backend.config.capabilities().statevector:
            pytest.skip("this case declares no statevector capability")
        theta, phi = np.array([0.4, 1.1, 2.0]), np.array([0.3, -0.5, 1.7])
        (measured,) = backend.execute([QuantumRequest(theta=theta, phi=phi)], seed=1).results
        expected = np.exp(-1j * TIME * diagonal_energies(ZZ)) * product_state(theta, phi)
        overlap = np.vdot(expected, measured.statevector)
        assert abs(overlap) == pytest.approx(1.0, abs=1e-9)  # equal up to a global phase

    def test_a_request_that_does_not_fit_is_refused(self, build: Build) -> None:
        backend = build(ZZ, shots=16)
        with pytest.raises(ValueError):
            backend.execute([QuantumRequest(theta=np.zeros(N + 1), phi=np.zeros(N + 1))], seed=1)

    def test_identity_is_strings_and_close_may_repeat(self, build: Build) -> None:
        backend = build(ZZ, shots=16)
        identity = backend.identity()
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in identity.items())
        backend.close()
        backend.close()
