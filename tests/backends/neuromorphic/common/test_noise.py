"""The noise current's numbers (backends/neuromorphic/common/noise.py): a pure function of
(seed, tick, step), drawn in order, with the variances the OU / white-noise definitions give.

The statistical checks use 200 000 neurons (one step each), so a sample standard deviation has
a relative standard error of 1/sqrt(2 * 200 000) = 0.16 %; they allow 1 % (six standard
errors), far below the factor sqrt(2) or the dt/tau confusions they are there to catch.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from backends.neuromorphic.common.noise import NoiseSource, initial_eta, tick_generator
from orchestrator.contract.spiking import NeuronNoise

TAU_M, DT, SPT = 20.0, 0.1, 10
WHITE = NeuronNoise("white", 3.0, None, 7)
OU = NeuronNoise("ou", 3.0, 2.0, 7)


def source(noise: NeuronNoise, n: int = 50) -> NoiseSource:
    return NoiseSource(noise, n=n, tau_m_ms=TAU_M, dt_ms=DT, steps_per_tick=SPT)


def test_a_step_is_a_pure_function_of_seed_tick_and_step() -> None:
    whole = source(WHITE)
    values = [whole.current(step).copy() for step in range(4 * SPT)]
    later = source(WHITE)  # a network restored at tick 2 draws what the whole run drew
    for step in range(2 * SPT, 4 * SPT):
        np.testing.assert_array_equal(later.current(step), values[step])
    # the documented stream: tick 3's generator, N numbers per step in step order
    z = np.random.default_rng(np.random.SeedSequence([WHITE.seed, 0, 3])).standard_normal(
        (SPT, 50)
    )
    e = math.exp(-DT / TAU_M)
    gain = WHITE.sigma_mv * math.sqrt((1 + e) / (1 - e))
    np.testing.assert_allclose(np.stack(values[3 * SPT :]), gain * z, rtol=1e-12)
    np.testing.assert_array_equal(tick_generator(7, 3).standard_normal(4), z[0, :4])
    other = NoiseSource(
        NeuronNoise("white", 3.0, None, 8), n=50, tau_m_ms=TAU_M, dt_ms=DT, steps_per_tick=SPT
    )
    assert not np.array_equal(other.current(0), values[0])


def test_ou_restored_from_its_current_continues_exactly() -> None:
    whole, eta = source(OU), initial_eta(OU, 50, TAU_M)
    np.testing.assert_array_equal(eta, initial_eta(OU, 50, TAU_M))  # seeded
    currents = [whole.current(step, eta).copy() for step in range(3 * SPT)]
    again = initial_eta(OU, 50, TAU_M)
    first = source(OU)
    for step in range(SPT):
        first.current(step, again)
    saved = again.copy()  # what a checkpoint after tick 0 holds
    resumed = source(OU)
    for step in range(SPT, 3 * SPT):
        np.testing.assert_array_equal(resumed.current(step, saved), currents[step])


@pytest.mark.parametrize("steps", [[1], [0, 2], [0, 1, 1]])
def test_steps_out_of_order_are_refused(steps: list[int]) -> None:
    noise = source(WHITE)
    with pytest.raises(RuntimeError, match="noise: step"):
        for step in steps:
            noise.current(step)


def test_white_noise_moves_v_by_the_exact_ou_transition() -> None:
    """i dv must have standard deviation sigma sqrt(1 - exp(-2 dt/tau_m)) (the free V is an OU
    process of stationary standard deviation sigma, sampled every dt)."""
    n = 200_000
    dv = -math.expm1(-DT / TAU_M)
    kick = source(WHITE, n).current(0) * dv
    want = WHITE.sigma_mv * math.sqrt(-math.expm1(-2 * DT / TAU_M))
    assert kick.std() == pytest.approx(want, rel=0.01)
    assert abs(kick.mean()) < 4 * want / math.sqrt(n)


def test_ou_current_is_stationary_with_its_std_and_correlation_time() -> None:
    """eta starts from, and keeps, s = sigma sqrt((tau_m + tau_n)/tau_n); its one-step
    autocorrelation is exp(-dt/tau_n) (the exact OU update)."""
    n = 200_000
    s = OU.sigma_mv * math.sqrt((TAU_M + OU.tau_ms) / OU.tau_ms)
    eta = initial_eta(OU, n, TAU_M)
    assert eta.std() == pytest.approx(s, rel=0.01)
    noise = source(OU, n)
    before = eta.copy()
    after = noise.current(0, eta)
    assert after is eta  # updated in place: the backend's own state array
    assert eta.std() == pytest.approx(s, rel=0.01)
    rho = np.corrcoef(before, eta)[0, 1]
    assert rho == pytest.approx(math.exp(-DT / OU.tau_ms), abs=0.003)
    for step in range(1, SPT):
        noise.current(step, eta)
    assert eta.std() == pytest.approx(s, rel=0.01)


def test_white_noise_has_no_current_state() -> None:
    with pytest.raises(ValueError, match="white noise"):
        initial_eta(WHITE, 3, TAU_M)
    assert not source(WHITE).stateful and source(OU).stateful
