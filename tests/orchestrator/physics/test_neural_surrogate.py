"""The LIF f-I surrogate and L_N's gradient (physics/neural_surrogate.py) against a simulated
LIF neuron and finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.physics.neural_surrogate import (
    LifModel,
    measured_rates_hz,
    neural_gradient,
)
from orchestrator.physics.pci import ChannelMap
from orchestrator.physics.tick_io import SpikeWindow

MODEL = LifModel(
    tau_m_ms=20.0, v_th_mv=20.0, v_reset_mv=0.0, refractory_ms=2.0, smooth_mv=0.01, clip_mv=60.0
)


def simulated_rate_hz(drive_mv: float, t_ms: float = 2000.0, dt: float = 0.001) -> float:
    """Euler integration of tau dV/dt = -V + I with threshold, reset and refractory."""
    v, spikes, hold = 0.0, 0, 0.0
    for _ in range(int(t_ms / dt)):
        if hold > 0:
            hold -= dt
            continue
        v += dt / MODEL.tau_m_ms * (drive_mv - v)
        if v >= MODEL.v_th_mv:
            spikes, v, hold = spikes + 1, MODEL.v_reset_mv, MODEL.refractory_ms
    return spikes / t_ms * 1000.0


@pytest.mark.parametrize("drive", [25.0, 40.0])
def test_rate_is_the_simulated_lif_rate(drive) -> None:
    rate, _ = MODEL.rate_hz(np.array([drive]))
    assert rate[0] == pytest.approx(simulated_rate_hz(drive), rel=0.02)


def test_slope_is_the_derivative_and_finite_everywhere() -> None:
    soft = LifModel(20.0, 20.0, 0.0, 2.0, 1.0, 60.0)
    drive = np.array([-80.0, 0.0, 19.0, 20.0, 20.5, 35.0, 90.0])
    rate, slope = soft.rate_hz(drive)
    h = 1e-5
    central = (soft.rate_hz(drive + h)[0] - soft.rate_hz(drive - h)[0]) / (2 * h)
    np.testing.assert_allclose(slope, central, rtol=1e-5, atol=1e-9)
    assert np.all(np.isfinite(slope)) and np.all(slope > 0) and np.all(rate >= 0)


def test_gradient_is_the_chain_rule_of_the_surrogate_loss() -> None:
    """With measured rates equal to the surrogate's, the gradient is that of
    L(alpha, beta, psi) = mean((r(I) - r*) / r*)^2 with I = I0 + alpha Re psi + beta Im psi."""
    channels = ChannelMap("qubit", 3, 7)
    model = LifModel(20.0, 20.0, 0.0, 2.0, 1.0, 60.0)
    psi = np.array([0.3 + 0.1j, -0.2 + 0.25j, 0.05 - 0.4j])
    offset, target = 15.0, 40.0

    def loss(alpha: float, beta: float, p: np.ndarray) -> float:
        drive = channels.to_neurons(offset + alpha * p.real + beta * p.imag)
        rate, _ = model.rate_hz(drive)
        return float(np.mean(((rate - target) / target) ** 2))

    alpha, beta = 30.0, 22.0
    drive = channels.to_neurons(offset + alpha * psi.real + beta * psi.imag)
    rates, _ = model.rate_hz(drive)
    g = neural_gradient(rates, drive, psi, channels, alpha, beta, target, model)
    assert g.loss == pytest.approx(loss(alpha, beta, psi))
    h = 1e-6
    assert g.d_alpha == pytest.approx(
        (loss(alpha + h, beta, psi) - loss(alpha - h, beta, psi)) / (2 * h), rel=1e-5
    )
    assert g.d_beta == pytest.approx(
        (loss(alpha, beta + h, psi) - loss(alpha, beta - h, psi)) / (2 * h), rel=1e-5
    )
    for c in range(3):
        e = np.zeros(3, dtype=complex)
        e[c] = h
        d_re = (loss(alpha, beta, psi + e) - loss(alpha, beta, psi - e)) / (2 * h)
        d_im = (loss(alpha, beta, psi + 1j * e) - loss(alpha, beta, psi - 1j * e)) / (2 * h)
        assert g.d_psi[c] == pytest.approx(complex(d_re, d_im), rel=1e-5)


def test_measured_rates_count_spikes_per_neuron() -> None:
    window = SpikeWindow(0.0, np.array([0, 2, 2, 3]), np.array([1.0, 2.0, 3.0, 4.0]), np.zeros(4))
    np.testing.assert_allclose(measured_rates_hz(window, 4, 5.0), [200.0, 0.0, 400.0, 200.0])
