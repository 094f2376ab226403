"""Kuramoto array of the PSN (spec §9), each check against an independent answer: the O(N^2)
double sum, scipy's solve_ivp, the two-oscillator closed form, and the Kuramoto / Ott-Antonsen
steady state r = sqrt(1 - 2 Delta / K) of the Lorentzian model."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from scipy.integrate import solve_ivp

from orchestrator.physics import kuramoto as ku


def double_sum_velocity(phi: np.ndarray, omega, k: float, w: np.ndarray | None = None):
    """omega_i + K sum_j w_j sin(phi_j - phi_i), every pair, every i from the same old phases."""
    w = np.full(phi.size, 1.0 / phi.size) if w is None else w
    return omega + k * (np.sin(phi[None, :] - phi[:, None]) * w[None, :]).sum(axis=1)


def spec_in_place_step(phi: np.ndarray, k: float, dt: float) -> np.ndarray:
    """The spec's sample code (§9), loops as written: phi_i moves inside the loop over i."""
    out, n = phi.copy(), phi.size
    for i in range(n):
        delta = sum(math.sin(out[j] - out[i]) for j in range(n))
        out[i] += (k / n) * delta * dt
    return out


@st.composite
def phase_arrays(draw, max_n: int = 120):
    n = draw(st.integers(1, max_n))
    elements = st.floats(-4 * math.pi, 4 * math.pi, allow_nan=False)
    return draw(arrays(np.float64, n, elements=elements))


@settings(max_examples=200, deadline=None)
@given(phi=phase_arrays(), k=st.floats(0, 10), omega0=st.floats(-5, 5))
def test_velocity_equals_double_sum(phi, k, omega0):
    omega = omega0 + np.linspace(-1, 1, phi.size)
    np.testing.assert_allclose(
        ku.velocity(phi, omega, k), double_sum_velocity(phi, omega, k), rtol=0, atol=1e-12
    )


@settings(max_examples=200, deadline=None)
@given(phi=phase_arrays(), k=st.floats(0, 10), data=st.data())
def test_weighted_velocity_equals_weighted_double_sum(phi, k, data):
    raw = data.draw(arrays(np.float64, phi.size, elements=st.floats(0.01, 1.0)))
    w = raw / raw.sum()
    np.testing.assert_allclose(
        ku.velocity(phi, 0.3, k, w), double_sum_velocity(phi, 0.3, k, w), rtol=0, atol=1e-12
    )


def test_population_weights_with_size_shares_is_the_plain_model():
    phi = np.random.default_rng(1).uniform(0, 2 * np.pi, 13)
    w = ku.population_weights((5, 8), (5 / 13, 8 / 13))
    plain = ku.velocity(phi, 0.0, 2.0)
    np.testing.assert_allclose(ku.velocity(phi, 0.0, 2.0, w), plain, rtol=0, atol=1e-14)
    # equal shares: each block pulls with total weight 1/2 whatever its size
    w_eq = ku.population_weights((5, 8), (0.5, 0.5))
    assert w_eq[:5].sum() == pytest.approx(0.5) and w_eq[5:].sum() == pytest.approx(0.5)


@pytest.mark.parametrize("seed", range(4))
def test_order_parameter_is_the_mean_phasor(seed):
    phi = np.random.default_rng(seed).uniform(-10, 10, 257)
    r, psi = ku.order_parameter(phi)
    z = np.exp(1j * phi).mean()
    assert r == pytest.approx(abs(z), abs=1e-14)
    assert psi == pytest.approx(np.angle(z), abs=1e-12)


def test_rk4_agrees_with_solve_ivp_at_fourth_order():
    rng = np.random.default_rng(3)
    n, k, horizon = 20, 2.0, 4.0
    phi0, omega = rng.uniform(0, 2 * np.pi, n), rng.normal(0.0, 1.0, n)
    errors = []
    for dt in (0.02, 0.01):
        steps = round(horizon / dt)
        grid = np.linspace(0.0, horizon, steps + 1)
        ref = solve_ivp(
            lambda _t, y: double_sum_velocity(y, omega, k),
            (0.0, horizon),
            phi0,
            method="DOP853",
            rtol=1e-13,
            atol=1e-13,
            t_eval=grid,
        )
        phi, r, psi = ku.integrate_with_order(phi0, omega, k, dt, steps)
        z_ref = np.exp(1j * ref.y).mean(axis=0)
        errors.append(np.abs(phi - ref.y[:, -1]).max())
        # same trajectory, same conventions (omega, K, dt); r, Psi recorded on the step grid
        assert errors[-1] < 1e-7
        np.testing.assert_allclose(r, np.abs(z_ref), atol=1e-7)
        np.testing.assert_allclose(np.angle(np.exp(1j * (psi - np.angle(z_ref)))), 0, atol=1e-6)
    # global error O(dt^4): halving dt divides it by 2^4 = 16 (band for the O(dt^5) remainder)
    assert 12.0 < errors[0] / errors[1] < 20.0


def test_step_is_permutation_equivariant_unlike_the_spec_sample():
    rng = np.random.default_rng(5)
    phi, perm = rng.uniform(0, 2 * np.pi, 40), rng.permutation(40)
    ours = ku.rk4_step(phi, 0.0, 3.0, 0.1)
    np.testing.assert_allclose(ku.rk4_step(phi[perm], 0.0, 3.0, 0.1), ours[perm], atol=1e-14)
    spec = spec_in_place_step(phi, 3.0, 0.1)
    assert np.abs(spec_in_place_step(phi[perm], 3.0, 0.1) - spec[perm]).max() > 1e-4


def test_two_identical_oscillators_follow_the_closed_form():
    # theta = phi_2 - phi_1 obeys dtheta/dt = -K sin(theta): tan(theta/2) = tan(theta_0/2) e^{-Kt}
    k, theta0, dt, steps = 1.5, 2.5, 0.01, 300
    phi = ku.integrate(np.array([0.0, theta0]), 0.7, k, dt, steps)
    t = dt * steps
    theta = 2.0 * math.atan(math.tan(theta0 / 2.0) * math.exp(-k * t))
    assert phi[1] - phi[0] == pytest.approx(theta, abs=1e-10)
    # the mean phase rotates at omega (the coupling terms cancel pairwise)
    assert phi.sum() / 2.0 == pytest.approx(theta0 / 2.0 + 0.7 * t, abs=1e-12)


def test_identical_frequencies_synchronise():
    n, omega, k, dt = 1000, 1.3, 1.0, 0.05
    phi0 = np.random.default_rng(7).uniform(0, 2 * np.pi, n)
    _, r, psi = ku.integrate_with_order(phi0, omega, k, dt, 1200)
    assert r[0] < 0.1
    assert r[-1] > 1.0 - 1e-9
    # once locked the common phase advances at omega
    advance = np.angle(np.exp(1j * (psi[-1] - psi[-21] - omega * 20 * dt)))
    assert abs(advance) < 1e-8


# Lorentzian natural frequencies, half-width DELTA, so K_c = 2 DELTA. Frequencies sit at the
# quantiles j / (N + 1) of the distribution rather than being drawn: a random sample of N Cauchy
# draws has its own effective width and centre, off by O(1/sqrt N) (plus rare huge outliers),
# which shifts r* by about as much as the tolerance below; quantile placement removes that
# sample noise and leaves the dynamics' own finite-size fluctuations. Initial phases are drawn
# uniformly (seeded). Tolerance: r(t) fluctuates by O(1/sqrt N) about its mean for finite N, and
# the mean's finite-size bias is smaller still, so the time average over many relaxation times
# 1 / (K - K_c) must land within 1/sqrt(N) = 0.01 of the N -> inf value.
DELTA, N_LARGE, DT, T_SETTLE, T_AVERAGE = 1.0, 10_000, 0.05, 20.0, 60.0


def _mean_steady_r(n: int, k: float, seed: int) -> float:
    omega = ku.lorentzian_quantiles(n, DELTA)
    phi0 = np.random.default_rng(seed).uniform(0, 2 * np.pi, n)
    settle, average = round(T_SETTLE / DT), round(T_AVERAGE / DT)
    _, r, _ = ku.integrate_with_order(phi0, omega, k, DT, settle + average)
    return float(r[settle:].mean())


@pytest.mark.parametrize("k_over_kc", [1.5, 2.0, 4.0])
def test_lorentzian_steady_r_matches_ott_antonsen(k_over_kc):
    k = k_over_kc * 2.0 * DELTA
    expected = math.sqrt(1.0 - 2.0 * DELTA / k)
    r_mean = _mean_steady_r(N_LARGE, k, seed=11)
    assert r_mean == pytest.approx(expected, abs=1.0 / math.sqrt(N_LARGE))


def test_lorentzian_below_threshold_r_is_order_one_over_sqrt_n():
    # Below K_c the N -> inf state is incoherent; at finite N, r is the modulus of a sum of N
    # nearly independent unit phasors over N: sqrt(N) <r> is O(1) (0.89 for uncoupled uniform
    # phases, the Rayleigh mean, raised somewhat by the sub-threshold coupling), at every N.
    k = 0.5 * 2.0 * DELTA
    for n in (1_000, N_LARGE):
        scaled = math.sqrt(n) * _mean_steady_r(n, k, seed=13)
        assert 0.5 < scaled < 3.0, (n, scaled)


def test_wrap_and_frequency_helpers():
    wrapped = ku.wrap(np.array([-1e-18, -0.5, 7.0, 2 * np.pi]))
    assert np.all((wrapped >= 0) & (wrapped < 2 * np.pi))
    np.testing.assert_allclose(np.exp(1j * wrapped), np.exp(1j * np.array([0, -0.5, 7.0, 0])))
    q = ku.lorentzian_quantiles(9, 2.0, omega0=1.0)
    # quantile j/(n+1) of the Cauchy CDF F(w) = 1/2 + arctan((w - w0)/Delta)/pi
    np.testing.assert_allclose(0.5 + np.arctan((q - 1.0) / 2.0) / np.pi, np.arange(1, 10) / 10)
    draws = ku.lorentzian_frequencies(np.random.default_rng(0), 200_001, 2.0, omega0=1.0)
    # the sample median and quartiles of a Cauchy estimate omega0 and omega0 -+ Delta
    q1, med, q3 = np.quantile(draws, [0.25, 0.5, 0.75])
    assert med == pytest.approx(1.0, abs=0.03) and (q3 - q1) / 2 == pytest.approx(2.0, abs=0.03)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ku.velocity(np.zeros((2, 2)), 0.0, 1.0),
        lambda: ku.velocity(np.zeros(3), np.zeros(4), 1.0),
        lambda: ku.velocity(np.zeros(3), 0.0, 1.0, np.array([0.5, 0.5, 0.5])),
        lambda: ku.rk4_step(np.zeros(3), 0.0, 1.0, -0.1),
        lambda: ku.integrate(np.zeros(3), 0.0, 1.0, 0.1, -1),
        lambda: ku.population_weights((2, 3), (0.5, 0.6)),
    ],
)
def test_bad_arguments_raise(call):
    with pytest.raises(ValueError):
        call()
