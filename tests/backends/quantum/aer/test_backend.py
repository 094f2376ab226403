"""AerBackend: shot estimates against exact values, bit order, seeds, compile-once, statevector.

Exact references: expm_multiply of ``H.to_sparse()`` on a numpy-built state, with the backend
at Suzuki-2 reps 24 (infidelity ~1e-6, far below the shot noise of 4096 shots).
"""

from __future__ import annotations

import numpy as np
import pytest
import qiskit
from qiskit.transpiler import PassManager
from scipy.sparse.linalg import expm_multiply

from backends.quantum.aer.backend import AerBackend
from backends.quantum.aer.config import AER_PLUGIN, AerConfig
from backends.quantum.common import trotter
from orchestrator.contract.quantum import QuantumProgram
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.tick_io import QuantumRequest
from tests.backends.quantum.common.test_trotter import product_state
from tests.backends.quantum.one import one

N = 8
SHOTS = 4096
THETA = np.linspace(0.3, 2.6, N)
PHI = np.linspace(0.2, 4.0, N)
MIXED = "XZYZXYZX"  # qubit 0 in X, qubit 1 in Z, qubit 2 in Y, ...


def tfim(n: int) -> PauliHamiltonian:
    zz = [("ZZ", (i, i + 1), -1.0) for i in range(n - 1)]
    return PauliHamiltonian.from_terms(n, zz + [("X", (i,), -1.0) for i in range(n)])


def expectation(psi: np.ndarray, paulis: str, qubits: tuple[int, ...]) -> float:
    op = PauliHamiltonian.from_terms(int(np.log2(psi.size)), [(paulis, qubits, 1.0)]).to_sparse()
    return float(np.real(np.vdot(psi, op @ psi)))


def estimate(samples: np.ndarray, qubits: tuple[int, ...]) -> float:
    """Mean over shots of prod_q (1 - 2 bit_q)."""
    signs = 1 - 2 * samples[:, list(qubits)].astype(np.int64)
    return float(np.prod(signs, axis=1).mean())


def assert_within_shot_noise(got: float, exact: float, shots: int, label: str) -> None:
    sigma = np.sqrt(max(1.0 - exact**2, 1.0 / shots) / shots)
    assert abs(got - exact) <= 5 * sigma, f"{label}: {got:.4f} vs exact {exact:.4f}"


def make(
    n: int = N,
    h: PauliHamiltonian | None = None,
    bases: tuple[str, ...] | None = None,
    method: str = "automatic",
    shots: int = SHOTS,
    **kw: object,
) -> AerBackend:
    h = tfim(n) if h is None else h
    bases = ("Z" * n, "X" * n, "Y" * n) if bases is None else bases
    program = QuantumProgram(h, 1.0, 2, 24, True, bases, **kw)  # type: ignore[arg-type]
    return AerBackend(AerConfig(kind="aer", aer={"method": method}, shots=shots), program)


@pytest.fixture(scope="module")
def exact_tfim() -> np.ndarray:
    return expm_multiply(-1j * tfim(N).to_sparse(), product_state(THETA, PHI))


def test_bloch_estimates_agree_with_exact_evolution(exact_tfim: np.ndarray) -> None:
    backend = make(bases=("Z" * N, "X" * N, "Y" * N, MIXED))
    result = one(backend, 11, QuantumRequest(theta=THETA, phi=PHI))
    assert result.statevector is None
    assert len(result.samples) == 4
    for basis, samples in zip(("Z", "X", "Y"), result.samples):
        assert samples.shape == (SHOTS, N)
        assert samples.dtype == np.uint8
        for q in range(N):
            exact = expectation(exact_tfim, basis, (q,))
            assert_within_shot_noise(estimate(samples, (q,)), exact, SHOTS, f"<{basis}{q}>")
    # The mixed basis measures a different operator on each qubit, products included.
    mixed = result.samples[3]
    for qubits in [(0,), (1,), (2,), (0, 1), (1, 2), (0, 2, 3), (4, 5), (5, 6, 7)]:
        paulis = "".join(MIXED[q] for q in qubits)
        exact = expectation(exact_tfim, paulis, qubits)
        label = f"<{paulis} on {qubits}>"
        assert_within_shot_noise(estimate(mixed, qubits), exact, SHOTS, label)


def test_column_q_is_qubit_q() -> None:
    # Diagonal H keeps basis states: theta = pi flips exactly the chosen qubits.
    n = 5
    h = PauliHamiltonian.from_terms(n, [("ZZ", (i, i + 1), 0.7) for i in range(n - 1)])
    backend = make(n, h, bases=("Z" * n,), shots=64)
    flipped = (1, 3, 4)
    theta = np.array([np.pi if q in flipped else 0.0 for q in range(n)])
    (samples,) = one(backend, 1, QuantumRequest(theta=theta, phi=np.zeros(n))).samples
    expected = np.array([1 if q in flipped else 0 for q in range(n)], dtype=np.uint8)
    np.testing.assert_array_equal(samples, np.broadcast_to(expected, (64, n)))


def test_seed_reproduces_samples_and_another_seed_changes_them() -> None:
    backend = make(shots=256)
    other = make(shots=256)
    request = QuantumRequest(theta=THETA, phi=PHI)
    first = one(backend, 7, request).samples
    one(backend, 8, QuantumRequest(theta=THETA, phi=PHI))  # no state carried over
    again = one(backend, 7, request).samples
    fresh = one(other, 7, request).samples
    changed = one(backend, 9, QuantumRequest(theta=THETA, phi=PHI)).samples
    for a, b, c in zip(first, again, fresh):
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(a, c)
    assert any(not np.array_equal(a, d) for a, d in zip(first, changed))


def test_amplitudes_preparation_samples_and_statevector() -> None:
    n = 6
    rng = np.random.default_rng(3)
    psi0 = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    psi0 /= np.linalg.norm(psi0)
    h = tfim(n)
    exact = expm_multiply(-1j * h.to_sparse(), psi0)
    backend = make(n, h, preparation="amplitudes", want_statevector=True)
    result = one(backend, 5, QuantumRequest(amplitudes=psi0))
    assert result.statevector is not None
    assert 1.0 - abs(np.vdot(exact, result.statevector)) ** 2 < 1e-5
    for basis, samples in zip("ZXY", result.samples):
        for q in range(n):
            exact_value = expectation(exact, basis, (q,))
            assert_within_shot_noise(estimate(samples, (q,)), exact_value, SHOTS, f"{basis}{q}")


def test_amplitudes_path_matches_product_path() -> None:
    n = 5
    theta, phi = THETA[:n], PHI[:n]
    product = make(n, method="statevector", bases=())
    amplitudes = make(n, method="statevector", bases=(), preparation="amplitudes")
    a = one(product, 0, QuantumRequest(theta=theta, phi=phi)).statevector
    b = one(amplitudes, 0, QuantumRequest(amplitudes=product_state(theta, phi))).statevector
    assert a is not None and b is not None
    assert abs(abs(np.vdot(a, b)) - 1.0) < 1e-12


def test_statevector_method_returns_normalised_trotter_state_and_no_samples(
    exact_tfim: np.ndarray,
) -> None:
    backend = make(method="statevector")
    result = one(backend, 0, QuantumRequest(theta=THETA, phi=PHI))
    assert result.samples == ()
    sv = result.statevector
    assert sv is not None
    assert sv.dtype == np.complex128
    assert sv.shape == (2**N,)
    assert abs(np.linalg.norm(sv) - 1.0) < 1e-12
    assert 1.0 - abs(np.vdot(exact_tfim, sv)) ** 2 < 1e-5


def test_want_statevector_with_shots_returns_both() -> None:
    backend = make(n=4, bases=("ZZZZ",), want_statevector=True, shots=32)
    result = one(backend, 0, QuantumRequest(theta=THETA[:4], phi=PHI[:4]))
    assert len(result.samples) == 1
    assert result.samples[0].shape == (32, 4)
    assert result.statevector is not None
    assert abs(np.linalg.norm(result.statevector) - 1.0) < 1e-12


@pytest.mark.parametrize(
    ("method", "preparation"),
    [("automatic", "product"), ("automatic", "amplitudes"), ("statevector", "product")],
)
def test_execute_never_transpiles(
    monkeypatch: pytest.MonkeyPatch, method: str, preparation: str
) -> None:
    calls = {"transpile": 0, "passmanager": 0}
    real_transpile = trotter.transpile
    real_run = PassManager.run

    def counting_transpile(*args: object, **kwargs: object) -> object:
        calls["transpile"] += 1
        return real_transpile(*args, **kwargs)

    def counting_run(self: PassManager, *args: object, **kwargs: object) -> object:
        calls["passmanager"] += 1
        return real_run(self, *args, **kwargs)

    monkeypatch.setattr(trotter, "transpile", counting_transpile)
    monkeypatch.setattr(qiskit, "transpile", counting_transpile)
    monkeypatch.setattr(PassManager, "run", counting_run)
    monkeypatch.setenv("QNF_CACHE", "off")  # the constructor transpiles (no circuits read back)
    n = 4
    backend = make(n, method=method, preparation=preparation, want_statevector=True, shots=16)
    assert calls["transpile"] > 0 and calls["passmanager"] > 0  # the counters see compiling
    before = dict(calls)
    for seed in range(4):
        state = product_state(THETA[:n] + seed, PHI[:n])
        request = (
            QuantumRequest(theta=THETA[:n] + seed, phi=PHI[:n])
            if preparation == "product"
            else QuantumRequest(amplitudes=state)
        )
        backend.execute([request], seed)
    assert calls == before


def test_identity_names_method_and_versions() -> None:
    identity = {**AER_PLUGIN.identity(), **make(n=2, bases=("ZZ",), shots=8).identity()}
    assert identity["kind"] == "aer"
    assert identity["package"] == "qiskit-aer"
    assert identity["method"] == "automatic"
    assert identity["qiskit"] == qiskit.__version__


def test_bad_requests_are_refused() -> None:
    backend = make(n=3, bases=("ZZZ",), shots=8)
    with pytest.raises(ValueError, match="theta"):
        one(backend, 0, QuantumRequest())
    amplitudes = make(n=3, bases=("ZZZ",), shots=8, preparation="amplitudes")
    with pytest.raises(ValueError, match="amplitudes"):
        one(amplitudes, 0, QuantumRequest(amplitudes=np.ones(4) / 2))


# ------------------------------------------------------------------ noise_from a snapshot


@pytest.fixture(scope="module")
def noisy_aer() -> AerBackend:
    """3-qubit TFIM with fake_sherbrooke's noise (built once: loading the model costs ~3 s)."""
    program = QuantumProgram(tfim(3), 0.3, 2, 2, True, ("ZZZ", "XXX", "YYY"))
    config = AerConfig(kind="aer", shots=SHOTS, aer={"noise_from": "fake_sherbrooke"})
    return AerBackend(config, program)


def test_noise_from_a_snapshot_shrinks_bloch_vectors_towards_the_exact_ones(noisy_aer) -> None:
    theta, phi = np.array([0.3, 1.2, 2.8]), np.array([0.1, 0.9, 2.0])
    exact = expm_multiply(-1j * 0.3 * tfim(3).to_sparse(), product_state(theta, phi))
    result = one(noisy_aer, 4, QuantumRequest(theta=theta, phi=phi))
    got = np.array([[estimate(s, (q,)) for s in result.samples] for q in range(3)])
    want = np.array([[expectation(exact, b, (q,)) for b in "ZXY"] for q in range(3)])
    error = np.abs(got - want)
    # noisy (well above 5-sigma shot noise somewhere) but still the same state (no bit mix-up)
    assert error.max() > 5 / np.sqrt(SHOTS) and error.max() < 0.25
    identity = noisy_aer.identity()
    assert identity["noise_from"] == "fake_sherbrooke" and len(identity["physical_qubits"]) > 0


def test_noise_from_keeps_column_q_logical_qubit_q() -> None:
    theta = np.array([np.pi, 0.0, np.pi])
    h_zero = PauliHamiltonian.from_terms(3, [("ZZ", (0, 1), 0.5)])
    program = QuantumProgram(h_zero, 0.3, 1, 1, True, ("ZZZ",))
    config = AerConfig(kind="aer", shots=500, aer={"noise_from": "fake_sherbrooke"})
    backend = AerBackend(config, program)
    (z,) = one(backend, 1, QuantumRequest(theta=theta, phi=np.zeros(3))).samples
    assert np.array_equal(np.round(z.mean(axis=0)), [1, 0, 1])


def test_noise_from_config_checks() -> None:
    with pytest.raises(ValueError, match="did you mean 'fake_sherbrooke'"):
        AerConfig(kind="aer", aer={"noise_from": "fake_sherbroke"})
    with pytest.raises(ValueError, match="method: automatic"):
        AerConfig(kind="aer", aer={"method": "statevector", "noise_from": "fake_manila"})
    caps = AerConfig(kind="aer", aer={"noise_from": "fake_manila"}).capabilities()
    assert caps.noisy and caps.max_qubits == 5 and not caps.statevector


def test_matrix_product_state_runs_past_the_statevector_limit() -> None:
    """36 qubits (a statevector would take 1 TiB). Independent answers: H = sum X_q commutes
    with X, so |+> stays an X eigenstate (every X bit 0); qubits prepared in |0> or |1> give
    their bit in Z, whatever sum X_q did to the others (it never touches those qubits: H acts
    only on the |+> qubits)."""
    n = 36
    plus = [q for q in range(n) if q % 3 == 0]
    h = PauliHamiltonian.from_terms(n, [("X", (q,), 0.7) for q in plus])
    config = AerConfig(kind="aer", aer={"method": "matrix_product_state"}, shots=64)
    assert config.capabilities().max_qubits >= n and not config.capabilities().statevector
    backend = AerBackend(config, QuantumProgram(h, 0.4, 2, 1, True, ("Z" * n, "X" * n)))
    theta = np.array([np.pi / 2 if q in plus else (np.pi if q % 3 == 1 else 0.0) for q in range(n)])
    z, x = one(backend, 3, QuantumRequest(theta=theta, phi=np.zeros(n))).samples
    assert z.shape == x.shape == (64, n)
    assert not x[:, plus].any()
    fixed = [q for q in range(n) if q not in plus]
    np.testing.assert_array_equal(z[:, fixed], np.tile([q % 3 == 1 for q in fixed], (64, 1)))
    with pytest.raises(ValueError, match="exceed"):
        AerBackend(
            AerConfig(kind="aer", aer={"method": "statevector"}),
            QuantumProgram(h, 0.4, 2, 1, True, ()),
        )


def test_matrix_product_state_width_is_refused_by_validation_not_by_a_traceback() -> None:
    """Aer's MPS target is 63 qubits wide (a 64-qubit circuit fails to transpile for it)."""
    from qiskit_aer import AerSimulator

    from orchestrator.config import ConfigError, validate_config

    width = AerSimulator(method="matrix_product_state").num_qubits
    mps = AerConfig(kind="aer", aer={"method": "matrix_product_state"})
    assert mps.capabilities().max_qubits == width

    def config(n: int) -> dict[str, object]:
        return {
            "hamiltonian": {"kind": "tfim", "n_qubits": n},
            "quantum": {"kind": "aer", "aer": {"method": "matrix_product_state"}},
            "spiking": {"kind": "brian2", "neurons": n},
            "safety": {"max_qubits": 64},
        }

    validate_config(config(width))
    with pytest.raises(ConfigError) as info:
        validate_config(config(width + 1))
    assert info.value.problems == [
        f"quantum.kind: backend 'aer' takes at most {width} qubits; the Hamiltonian has {width + 1}"
    ]
