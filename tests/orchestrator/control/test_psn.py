"""The PSN rule (§9): its r against scipy's solve_ivp of the O(N^2) double-sum model from the
anchored phases, its feedback against the arithmetic it promises, its state round trip."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.integrate import solve_ivp

from orchestrator.config.phase import PsnConfig
from orchestrator.control.psn import PsnRule
from orchestrator.control.rule import NextTick
from orchestrator.physics.coherence import phase_report
from orchestrator.physics.pci import AceState, ChannelMap
from orchestrator.physics.readings import EntropyReading, QuantumReading, SpikeReading, TickReading
from orchestrator.physics.tick_io import QuantumRequest, SpikeWindow

N_QUBITS, N_NEURONS, TICK_MS = 3, 6, 5.0
CHANNELS = ChannelMap("qubit", N_QUBITS, N_NEURONS)


def reading(tick: int, psi: np.ndarray, f: np.ndarray, spikes: list[int]) -> TickReading:
    quantum = QuantumReading(
        bloch=np.zeros((N_QUBITS, 3)),
        psi=psi,
        statevector=None,
        entropy=EntropyReading(1.0, 1.0, 1.0, 0.5),
        fusion_energy=0.0,
        readout=None,
        job_ids=(),
        attempts=(),
        usage_seconds=None,
        seconds=0.0,
    )
    window = SpikeWindow(
        tick * TICK_MS, np.array(spikes, dtype=np.int64), np.ones(len(spikes)), np.zeros(6)
    )
    spiking = SpikeReading(np.zeros(N_NEURONS), window, f, phase_report(psi, f, 1.0), 0.0, 0.0)
    return TickReading(tick, quantum, spiking)


def proposal() -> NextTick:
    prep = QuantumRequest(theta=np.array([0.5, 1.0, 2.0]), phi=np.array([0.1, -2.0, 3.0]))
    return NextTick(prep, AceState(40.0, 40.0, 0.5))


def double_sum_end_r(start, omega, k, w, t):
    def rhs(_, phi):
        return omega + k * (np.sin(phi[None, :] - phi[:, None]) * w[None, :]).sum(axis=1)

    sol = solve_ivp(rhs, (0, t), start, rtol=1e-11, atol=1e-12)
    return abs(np.sum(w * np.exp(1j * sol.y[:, -1])))


PSI = 0.4 * np.exp(1j * np.array([0.3, 2.0, -1.0]))
F = 0.2 * np.exp(1j * np.array([0.5, 0.0, 2.5]))
F[1] = 0.0  # channel 1 silent: its spiking oscillator continues from the carried phase (0)


def test_r_is_the_double_sum_model_from_the_anchored_phases():
    cfg = PsnConfig(
        coupling=0.8, quantum_hz=150.0, spiking_hz=250.0, quantum_share=0.7, steps_per_tick=40
    )
    rule = PsnRule(cfg, CHANNELS, TICK_MS)
    prop = proposal()
    outcome = rule.apply(reading(0, PSI, F, [0, 2]), prop)
    start = np.concatenate([np.angle(PSI), np.angle(F)])
    omega = np.array([0.3 * math.pi] * 3 + [0.5 * math.pi] * 3)  # 2 pi Hz / 1000, rad/ms
    w = np.array([0.7 / 3] * 3 + [0.3 / 3] * 3)
    assert outcome.fields["psn_r_start"] == pytest.approx(abs(np.sum(w * np.exp(1j * start))))
    expected = double_sum_end_r(start, omega, 0.8, w, TICK_MS)
    assert outcome.fields["psn_r"] == pytest.approx(expected, abs=1e-6)  # RK4, dt = 0.125 ms
    assert outcome.next is prop  # feedback off: the loop's proposal untouched


def test_feedback_pulls_the_preparation_and_sets_the_reference_frequency():
    fb = {"preparation": "mean_field", "strength": 0.25, "reference_frequency": True}
    rule = PsnRule(PsnConfig(coupling=0.3, feedback=fb), CHANNELS, TICK_MS)
    outcome = rule.apply(reading(0, PSI, F, [0, 2]), proposal())
    target = outcome.fields["psn_phase"]
    phi0 = proposal().preparation.phi
    gap = np.angle(np.exp(1j * (target - phi0)))
    expected = np.angle(np.exp(1j * (phi0 + 0.25 * gap)))
    np.testing.assert_allclose(outcome.next.preparation.phi, expected, atol=1e-12)
    np.testing.assert_array_equal(outcome.next.preparation.theta, proposal().preparation.theta)
    assert outcome.next.reference_omega_per_ms == pytest.approx(2 * math.pi / TICK_MS)


def test_measured_frequencies_are_phase_advance_and_firing_rate():
    rule = PsnRule(PsnConfig(coupling=0.0, frequencies="measured"), CHANNELS, TICK_MS)
    rule.apply(reading(0, PSI, F, [0, 3, 3]), proposal())
    advanced = PSI * np.exp(1j * np.array([0.2, -0.1, 3.0]))
    rule.apply(reading(1, advanced, F, [1, 4]), proposal())
    q = np.array([0.2, -0.1, 3.0]) / TICK_MS
    s = 2 * math.pi * np.array([0.0, 2.0, 0.0]) / (2 * TICK_MS)  # neurons 1, 4: channel 1
    np.testing.assert_allclose(rule.omega, np.concatenate([q, s]), atol=1e-12)


def test_state_round_trip_continues_exactly():
    cfg = PsnConfig(coupling=0.6, frequencies="measured", feedback={"preparation": "oscillator"})
    rng = np.random.default_rng(1)
    ticks = [
        reading(
            t,
            0.4 * np.exp(1j * rng.uniform(-3, 3, 3)),
            0.1 * np.exp(1j * rng.uniform(-3, 3, 3)) * (rng.random(3) > 0.3),
            list(rng.integers(0, N_NEURONS, 4)),
        )
        for t in range(6)
    ]
    whole = PsnRule(cfg, CHANNELS, TICK_MS)
    out_whole = [whole.apply(r, proposal()) for r in ticks]
    first = PsnRule(cfg, CHANNELS, TICK_MS)
    for r in ticks[:3]:
        first.apply(r, proposal())
    meta, arrays = first.state()
    second = PsnRule(cfg, CHANNELS, TICK_MS)
    second.restore(meta, {k: v.copy() for k, v in arrays.items()})
    for r, expected in zip(ticks[3:], out_whole[3:]):
        got = second.apply(r, proposal())
        assert got.fields == expected.fields
        np.testing.assert_array_equal(got.next.preparation.phi, expected.next.preparation.phi)
