"""Closed-form E_coh gradient (spec §5): against central differences, the loop's own E_coh
(``coherence.coherence_energy`` on exact Bloch vectors of a dense expm) and a brute-force LIF
simulation for the f-I curve."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as la

from orchestrator.physics import coherence, measurement, pci
from orchestrator.physics import coherence_gradient as cg
from orchestrator.physics.hamiltonian import PauliHamiltonian

N = 3
LIF = cg.LifSurrogate(
    tau_m_ms=20.0, v_th_mv=20.0, v_reset_mv=0.0, refractory_ms=2.0, window_ms=20.0, n_cap=10.0
)


def hamiltonian(n: int, zz: float = 0.7) -> PauliHamiltonian:
    terms = [("ZZ", (q, q + 1), zz) for q in range(n - 1)]
    terms += [("X", (q,), 0.9 + 0.1 * q) for q in range(n)]
    terms += [("Z", (q,), 0.3 - 0.2 * q) for q in range(n)]
    return PauliHamiltonian.from_terms(n, terms)


def model(seed: int = 0, lambda_c: float = 0.8, offset: float = 26.0, clip: float = 60.0):
    rng = np.random.default_rng(seed)
    h = hamiltonian(N)
    u = np.exp(1j * rng.uniform(-np.pi, np.pi, N)) * rng.uniform(0.5, 1.0, N)
    m = cg.CoherenceModel(
        evolve=cg.exact_evolution(h.to_sparse(), 0.4),
        n_qubits=N,
        lif=LIF,
        phase_factors=u,
        lambda_c=lambda_c,
        drive_offset_mv=offset,
        drive_clip_mv=clip,
    )
    return m, h


def point(seed: int):
    rng = np.random.default_rng(100 + seed)
    return rng.uniform(0.3, 2.8, N), rng.uniform(-np.pi, np.pi, N), 30.0, -20.0


def central(fun, x: float, h: float = 1e-6) -> float:
    return (fun(x + h) - fun(x - h)) / (2 * h)


def test_model_energy_is_the_loops_e_coh_on_an_exact_state():
    m, h = model()
    theta, phi, alpha, beta = point(0)
    prep = cg.product_state_and_derivatives(theta, phi)[:, 0]
    sv = la.expm(-1j * 0.4 * h.to_sparse().toarray()) @ prep
    psi = pci.amplitudes_from_bloch(measurement.bloch_exact(sv, N))
    drive = np.clip(26.0 + alpha * psi.real + beta * psi.imag, -60, 60)
    f = LIF.amplitude(drive) * m.phase_factors
    expected = coherence.coherence_energy(psi, f, 0.8)
    assert cg.model_energy(theta, phi, alpha, beta, m) == pytest.approx(expected, abs=1e-12)
    grad = cg.coherence_gradient(theta, phi, alpha, beta, m)
    assert grad.energy == pytest.approx(expected, abs=1e-12)
    np.testing.assert_allclose(grad.psi, psi, atol=1e-12)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_central_differences(seed):
    m, _ = model(seed)
    theta, phi, alpha, beta = point(seed)
    grad = cg.coherence_gradient(theta, phi, alpha, beta, m)

    def e(th=theta, ph=phi, a=alpha, b=beta):
        return cg.model_energy(th, ph, a, b, m)

    for k in range(N):
        unit = np.eye(N)[k]
        d_th = central(lambda x, unit=unit: e(th=theta + x * unit), 0.0)
        d_ph = central(lambda x, unit=unit: e(ph=phi + x * unit), 0.0)
        assert grad.theta[k] == pytest.approx(d_th, rel=1e-6, abs=1e-8)
        assert grad.phi[k] == pytest.approx(d_ph, rel=1e-6, abs=1e-8)
    assert grad.alpha == pytest.approx(central(lambda a: e(a=a), alpha), rel=1e-6, abs=1e-9)
    assert grad.beta == pytest.approx(central(lambda b: e(b=b), beta), rel=1e-6, abs=1e-9)
    assert abs(grad.alpha) > 1e-5 and abs(grad.beta) > 1e-5  # the drive path is exercised


def test_gamma_gradient_through_the_preparation_matches_central_differences():
    m, _ = model(3)
    rng = np.random.default_rng(7)
    psi_prev = 0.3 * np.exp(1j * rng.uniform(-np.pi, np.pi, N))
    f_prev = 0.15 * np.exp(1j * rng.uniform(-np.pi, np.pi, N))
    z_prev = np.array([0.4, -0.6, 0.2])

    def prepared(gamma):
        return cg.gamma_sensitivity(cg.GammaSource(psi_prev, f_prev, z_prev, gamma))

    gamma = 0.4
    theta, phi, _, _ = prepared(gamma)
    expected_theta, expected_phi = pci.preparation_angles(psi_prev + gamma * f_prev, z_prev)
    np.testing.assert_allclose(theta, expected_theta, atol=1e-15)
    np.testing.assert_allclose(phi, expected_phi, atol=1e-15)
    grad = cg.coherence_gradient(
        theta, phi, 30.0, -20.0, m, cg.GammaSource(psi_prev, f_prev, z_prev, gamma)
    )

    def e(g):
        th, ph, _, _ = prepared(g)
        return cg.model_energy(th, ph, 30.0, -20.0, m)

    assert grad.gamma == pytest.approx(central(e, gamma), rel=1e-6, abs=1e-9)
    assert abs(grad.gamma) > 1e-4


def test_clipped_or_silent_drive_has_no_drive_gradient():
    m, _ = model(0, offset=80.0, clip=60.0)  # every channel clipped at +60 mV
    theta, phi, alpha, beta = point(0)
    grad = cg.coherence_gradient(theta, phi, alpha, beta, m)
    assert grad.alpha == 0.0 and grad.beta == 0.0
    m, _ = model(0, offset=-40.0)  # far below threshold: no rate, F = 0
    grad = cg.coherence_gradient(theta, phi, alpha, beta, m)
    assert grad.alpha == 0.0 and np.all(grad.f == 0)


def test_lif_rate_matches_a_simulated_neuron():
    """Euler-integrated LIF (dt = 1 us) from reset: time to threshold, plus t_ref, is 1 / nu."""
    drives = np.array([19.0, 21.0, 25.0, 40.0, 90.0])
    dt = 1e-3
    v = np.full(drives.size, LIF.v_reset_mv)
    first = np.full(drives.size, np.inf)
    for step in range(1, 70_001):  # 70 ms; 21 mV needs ~61 ms
        v = v + dt / LIF.tau_m_ms * (drives - v)
        first = np.where(np.isinf(first) & (v >= LIF.v_th_mv), step * dt, first)
    simulated = 1.0 / (LIF.refractory_ms + first)
    np.testing.assert_allclose(LIF.rate(drives), simulated, rtol=2e-4, atol=0)
    assert LIF.rate(drives)[0] == 0.0
    d = central(lambda x: float(LIF.rate(np.array([x]))[0]), 25.0, 1e-5)
    assert LIF.rate_derivative(np.array([25.0]))[0] == pytest.approx(d, rel=1e-6)


@pytest.mark.parametrize(
    ("refractory_ms", "window_ms", "most_spikes"),
    [
        (0.25, 10.0, 50),  # t_ref = 2.5 steps: a spike every 2 steps, 100 steps
        (2.0, 5.0, 3),  # steps 0, 20, 40 of 50
        (2.0, 10.0, 5),
    ],
)
def test_the_surrogates_n_cap_is_the_pcis_spike_capacity(
    refractory_ms, window_ms, most_spikes
) -> None:
    """Counted by hand on the dt = 0.1 ms grid: the surrogate and the PCI normalise by the same
    N_cap (issue 10 fixed the PCI's; the surrogate had kept T / max(t_ref, dt))."""
    from types import SimpleNamespace

    neurons = SimpleNamespace(
        tau_m_ms=20.0, v_th_mv=20.0, v_reset_mv=0.0, refractory_ms=refractory_ms, dt_ms=0.1
    )
    lif = cg.LifSurrogate.of_neurons(neurons, window_ms)
    assert lif.n_cap == most_spikes == pci.window_capacity(window_ms, refractory_ms, 0.1)
