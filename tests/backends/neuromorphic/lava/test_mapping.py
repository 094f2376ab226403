"""§3.2 -> Lava parameters: decay, refractory timing and Loihi's fixed-point registers (no SDK)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from brian2.core.functions import timestep
from hypothesis import assume, given
from hypothesis import strategies as st

from backends.neuromorphic.common.lif import decay, lava_refractory_period, refractory_steps
from backends.neuromorphic.lava.mapping import fixed_point, fixed_point_problems

DEFAULT = {"dt_ms": 0.1, "tau_m_ms": 20.0, "v_th_mv": 20.0, "in_strength_mv": 0.0}


def test_decay_is_the_exact_one_step_solution() -> None:
    # V(t+dt) = I + (V - I) e^{-dt/tau}  ==  V (1 - dv) + I dv  with dv = 1 - e^{-dt/tau}
    dv = decay(0.1, 20.0)
    v, i = 7.0, 31.0
    assert v * (1 - dv) + i * dv == pytest.approx(i + (v - i) * math.exp(-0.1 / 20.0), rel=1e-15)
    assert dv == pytest.approx(0.1 / 20.0 - (0.1 / 20.0) ** 2 / 2, rel=1e-5)


@pytest.mark.parametrize("t_ref", [0.0, 0.05, 0.1, 0.2, 0.3, 1.0, 2.0, 2.05, 7.3])
def test_refractory_steps_follow_brian2(t_ref: float) -> None:
    assert refractory_steps(t_ref, 0.1) == timestep(t_ref * 1e-3, 0.1e-3)
    assert lava_refractory_period(t_ref, 0.1) == max(timestep(t_ref * 1e-3, 0.1e-3) - 1, 0)


def test_default_network_registers() -> None:
    fx = fixed_point(weights_mv=np.array([0.5]), range_mv=128.0, **DEFAULT)
    assert fx.scale == 2**16  # 2^23 / 128
    assert fx.dv_reg == 20  # round(4096 * 0.0049875) = round(20.43)
    assert fx.du_reg == 4095  # Loihi adds 1: u keeps nothing of the previous step
    assert fx.vth_reg == 20 * 2**16 // 64
    assert fx.weight_exp == 2 and fx.weights(np.array([0.5]))[0] == 128
    assert fx.tau_q_ms == pytest.approx(-0.1 / math.log(1 - 20 / 4096))
    assert fx.tau_q_ms == pytest.approx(20.43, abs=0.01)
    assert fx.input_lsb_mv == 64 / 2**16


@given(
    dt=st.floats(0.01, 1.0),
    tau=st.floats(1.0, 200.0),
    v_th=st.floats(1.0, 100.0),
    w=st.floats(0.001, 5.0),
    range_mv=st.floats(110.0, 1000.0),
)
def test_quantisation_errors_stay_within_the_derived_bounds(
    dt: float, tau: float, v_th: float, w: float, range_mv: float
) -> None:
    args = {"dt_ms": dt, "tau_m_ms": tau, "v_th_mv": v_th, "weights_mv": np.array([w])}
    assume(not fixed_point_problems(**args, in_strength_mv=w, range_mv=range_mv))
    fx = fixed_point(
        dt_ms=dt,
        tau_m_ms=tau,
        v_th_mv=v_th,
        weights_mv=np.array([w]),
        in_strength_mv=w,
        range_mv=range_mv,
    )
    dv = decay(dt, tau)
    assert abs(fx.dv_q - dv) <= 1 / 8192 + 1e-15
    assert abs(fx.threshold_mv - v_th) <= 32 / fx.scale + 1e-12
    assert abs(fx.weights(np.array([w]))[0] * fx.weight_scale - w) <= fx.weight_scale / 2 + 1e-12
    assert 0 <= fx.weights(np.array([w]))[0] <= 255
    assert range_mv <= 2**23 / fx.scale < 2 * range_mv  # the finest scale that holds (-R, R)
    drive = np.array([0.37 * v_th])
    assert abs(fx.inputs(drive * fx.dv_q)[0] * fx.input_lsb_mv - drive[0] * fx.dv_q) <= (
        fx.input_lsb_mv / 2 + 1e-12
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"v_th_mv": 200.0}, "v_th_mv"),
        ({"tau_m_ms": 1e6}, "tau_m_ms"),
        ({"tau_m_ms": 0.001}, "tau_m_ms"),
        ({"weights_mv": np.array([40.0])}, "recurrent.weight_mv"),
        ({"weights_mv": np.array([0.5, -0.5])}, "recurrent.weight_mv"),
        ({"in_strength_mv": 300.0}, "recurrent.weight_mv"),
    ],
)
def test_values_that_do_not_fit_are_refused_naming_the_field(change: dict, field: str) -> None:
    args = {**DEFAULT, "weights_mv": np.array([0.5]), "range_mv": 128.0, **change}
    problems = fixed_point_problems(**args)
    assert problems and problems[0].startswith(f"{field}: ")
    with pytest.raises(ValueError, match=field):
        fixed_point(**args)


def test_a_wider_range_takes_larger_weights() -> None:
    args = {**DEFAULT, "weights_mv": np.array([40.0])}
    assert fixed_point_problems(**args, range_mv=128.0)
    fx = fixed_point(**args, range_mv=512.0)
    assert fx.weights(np.array([40.0]))[0] * fx.weight_scale == pytest.approx(40.0, rel=4e-3)
