"""Spec §14 "enforce V_i < V_th" on every spiking backend, against networks built to break it.

The network: 40 neurons, strong recurrent synapses (in-degree 12, 4 mV each) and a drive that
holds every neuron just under threshold, with ticks of only 7 steps, so recurrent input lands on
neurons near V_th at many tick boundaries. Before issue 10, Brian2's own timing added that
input after the threshold check and reported voltages up to v_th + w at a boundary. Every
voltage a backend reports (each window's ``voltages_mv`` and each snapshot's) must be below
V_th, on Brian2 (both timings) and on Lava's CPU simulator.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from backends.neuromorphic.brian2.backend import Brian2Backend
from backends.neuromorphic.brian2.config import Brian2Config
from backends.neuromorphic.lava.backend import LavaBackend
from backends.neuromorphic.lava.config import LavaConfig
from orchestrator.contract.spiking import NetworkSpec
from orchestrator.physics import pci
from orchestrator.run.assemble import draw_in_degree

N, V_TH, W = 40, 20.0, 4.0


def _network(ticks: int) -> NetworkSpec:
    pre, post, w = draw_in_degree(N, 12, W, seed=4)
    return NetworkSpec(
        n_neurons=N,
        tau_m_ms=20.0,
        v_th_mv=V_TH,
        v_reset_mv=0.0,
        refractory_ms=0.3,
        dt_ms=0.1,
        steps_per_tick=7,
        ticks=ticks,
        drive_mode="current",
        kick_cap_mv=0.99 * V_TH,
        pre=pre,
        post=post,
        weight_mv=w,
    )


BACKENDS: dict[str, tuple[type, Any]] = {
    "brian2": (
        Brian2Backend,
        Brian2Config.model_validate({"kind": "brian2", "brian2": {"codegen_target": "numpy"}}),
    ),
    "brian2-lava-timing": (
        Brian2Backend,
        Brian2Config.model_validate(
            {"kind": "brian2", "brian2": {"codegen_target": "numpy", "timing": "lava"}}
        ),
    ),
    "lava": (LavaBackend, LavaConfig.model_validate({"kind": "lava"})),
}


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_no_reported_voltage_reaches_threshold(name: str) -> None:
    cls, config = BACKENDS[name]
    ticks = 100
    backend = cls(config, _network(ticks))
    rng = np.random.default_rng(0)
    highest, spikes = -np.inf, 0
    try:
        for k in range(ticks):
            drive = rng.uniform(18.0, 40.0, N)  # some fire, some sit under V_th
            window = backend.advance(drive)
            spikes += window.neurons.size
            assert window.voltages_mv.max() < V_TH, (k, window.voltages_mv.max())
            highest = max(highest, window.voltages_mv.max())
            if k % 25 == 24:
                state = backend.snapshot()
                assert state.arrays["voltages_mv"].max() < V_TH
    finally:
        backend.close()
    assert spikes > ticks  # the recurrent input is active ...
    assert highest > V_TH - W  # ... and voltages press against the bound


@pytest.mark.parametrize("name", sorted(BACKENDS))
def test_the_densest_train_a_backend_emits_keeps_the_phasor_within_one_half(name: str) -> None:
    """|F[S]_k| <= 1/2 with N_cap from the dt-floored refractory period: a neuron driven far
    above threshold (t_ref = 0.25 ms, dt = 0.1 ms) fires every 2 steps, 50 spikes per 10 ms
    window (T / t_ref counted 40), all in phase at 5 kHz, the spike grid's Nyquist frequency."""
    cls, config = BACKENDS[name]
    net = NetworkSpec(
        n_neurons=2,
        tau_m_ms=20.0,
        v_th_mv=V_TH,
        v_reset_mv=0.0,
        refractory_ms=0.25,
        dt_ms=0.1,
        steps_per_tick=100,
        ticks=3,
        drive_mode="current",
        kick_cap_mv=0.99 * V_TH,
    )
    backend = cls(config, net)
    try:
        windows = [backend.advance(np.array([5000.0, 0.0])) for _ in range(3)]
    finally:
        backend.close()
    omega = 2 * np.pi * 5000 / 1000
    for window in windows[1:]:  # the first holds the climb from rest
        assert np.count_nonzero(window.neurons == 0) == 50
        f = pci.spike_phasors(window, 2, omega, 10.0, 0.25, 0.1)
        assert abs(f[0]) <= 0.5 + 1e-12
        assert abs(f[0]) == pytest.approx(0.5, abs=1e-9)
