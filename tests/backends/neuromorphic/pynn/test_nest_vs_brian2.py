"""NEST (through the pynn backend) against Brian2 and against the analytic LIF.

Both integrate the LIF exactly (V <- I + (V - I) exp(-dt/tau_m)), deliver a spike of step s in
step s + 1 before the threshold check, and drop input while refractory; with the refractory
mapping of ``backends.neuromorphic.pynn.mapping`` they hold V for the same steps. So they must
give the same spike trains, spike for spike, on the same network and drives (voltages to
rounding: NEST in mV, Brian2 in volts). The independent answer is the LIF itself: from reset,
V after m steps under constant R I is R I (1 - e^{-m dt/tau_m}), so a neuron spikes every
hold + m* steps, m* the first m with V >= v_th; and that period is within one step of the
continuous one, t_ref + tau_m ln(R I / (R I - v_th)).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from backends.neuromorphic.brian2.backend import Brian2Backend
from backends.neuromorphic.brian2.config import Brian2Config
from backends.neuromorphic.common.lif import refractory_steps
from backends.neuromorphic.pynn.backend import PynnBackend
from backends.neuromorphic.pynn.config import PynnConfig
from orchestrator.contract.spiking import NetworkSpec, SpikingBackend
from orchestrator.physics.tick_io import SpikeWindow
from tests.backends.neuromorphic.pynn.networks import drives, network


def run(backend: SpikingBackend, inputs: list[np.ndarray]) -> list[SpikeWindow]:
    try:
        return [backend.advance(d) for d in inputs]
    finally:
        backend.close()


def on_nest(net: NetworkSpec, inputs: list[np.ndarray]) -> list[SpikeWindow]:
    return run(PynnBackend(PynnConfig(kind="pynn"), net), inputs)


def on_brian2(net: NetworkSpec, inputs: list[np.ndarray]) -> list[SpikeWindow]:
    return run(Brian2Backend(Brian2Config(kind="brian2"), net), inputs)


@pytest.mark.parametrize(
    ("n", "p", "w", "mixed", "refractory_ms"),
    [
        (40, 0.2, 1.5, False, 2.0),  # excitatory recurrence
        (60, 0.15, 2.5, True, 2.0),  # both projections, strong weights
        (40, 0.2, 1.0, False, 0.35),  # refractory not a whole number of steps
        (30, 0.2, 2.0, False, 0.0),  # no refractory period: bursts
    ],
)
def test_nest_and_brian2_give_the_same_spike_trains(
    n: int, p: float, w: float, mixed: bool, refractory_ms: float
) -> None:
    net = network(n, p=p, w=w, mixed=mixed, refractory_ms=refractory_ms)
    inputs = drives(n, 10)
    nest_windows, brian2_windows = on_nest(net, inputs), on_brian2(net, inputs)
    spikes = 0
    for a, b in zip(nest_windows, brian2_windows, strict=True):
        assert a.t0_ms == b.t0_ms
        np.testing.assert_array_equal(a.neurons, b.neurons)
        np.testing.assert_array_equal(a.times_ms, b.times_ms)
        np.testing.assert_allclose(a.voltages_mv, b.voltages_mv, rtol=0, atol=1e-9)
        spikes += len(a.neurons)
    assert spikes > 20 * n / 10  # the comparison saw real, recurrent activity


def test_kicks_move_v_alike_on_nest_and_brian2() -> None:
    net = network(30, p=0.2, w=1.0, drive_mode="kick")
    inputs = drives(30, 8, low=-8.0, high=25.0)
    for a, b in zip(on_nest(net, inputs), on_brian2(net, inputs), strict=True):
        np.testing.assert_allclose(a.voltages_mv, b.voltages_mv, rtol=0, atol=1e-9)
        assert np.all(a.voltages_mv < net.v_th_mv)


@pytest.mark.parametrize("refractory_ms", [0.0, 2.0, 3.3])
def test_nest_fires_at_the_lif_period_on_the_dt_grid(refractory_ms: float) -> None:
    ri = np.array([20.5, 23.0, 28.0, 35.0, 50.0])
    net = network(ri.size, refractory_ms=refractory_ms, steps_per_tick=500)
    windows = on_nest(net, [ri] * 8)
    ids = np.concatenate([w.neurons for w in windows])
    t = np.concatenate([w.t0_ms + w.times_ms for w in windows])
    hold = max(refractory_steps(refractory_ms, net.dt_ms) - 1, 0)
    for i, drive in enumerate(ri):
        to_threshold = net.tau_m_ms * math.log(drive / (drive - net.v_th_mv))  # continuous
        m = math.ceil(to_threshold / net.dt_ms)
        assert 0.02 < m - to_threshold / net.dt_ms < 0.98  # no grid point near the crossing
        spikes = np.sort(t[ids == i])
        assert len(spikes) >= 5
        assert spikes[0] == pytest.approx((m - 1) * net.dt_ms)  # m steps from rest
        np.testing.assert_allclose(np.diff(spikes), (hold + m) * net.dt_ms, atol=1e-9)
        assert abs((hold + m) * net.dt_ms - (refractory_ms + to_threshold)) < net.dt_ms
