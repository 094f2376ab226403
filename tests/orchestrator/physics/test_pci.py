"""Both directions of the Phase Coupling Interface (design §2, §2b)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from orchestrator.physics import pci
from orchestrator.physics.tick_io import SpikeWindow

finite = st.floats(-1.0, 1.0, allow_nan=False)


def _window(neurons: list[int], times: list[float]) -> SpikeWindow:
    return SpikeWindow(0.0, np.array(neurons, dtype=np.int64), np.array(times), np.zeros(1))


@settings(max_examples=300, deadline=None)
@given(
    re=arrays(np.float64, 5, elements=st.floats(-0.5, 0.5)),
    im=arrays(np.float64, 5, elements=st.floats(-0.5, 0.5)),
    f_re=arrays(np.float64, 5, elements=st.floats(-0.5, 0.5)),
    f_im=arrays(np.float64, 5, elements=st.floats(-0.5, 0.5)),
    z=arrays(np.float64, 5, elements=finite),
    gamma=st.floats(0, 10),
)
def test_backward_update_prepares_the_qubit_whose_coherence_is_the_update(
    re, im, f_re, f_im, z, gamma
):
    """Independent answer: the prepared qubit as a state vector a|0> + b|1> (what the circuit's
    RY(theta) then RZ-like phase prepares), its density matrix rho = |s><s| computed directly:
    psi_q = (<X> + i<Y>)/2 is rho_10 = conj(a) b. Where the update fits a pure qubit
    (|psi| <= 1/2) rho_10 must equal it; <Z> = |a|^2 - |b|^2 must follow the measured sign."""
    psi = re + 1j * im
    updated = psi + gamma * (f_re + 1j * f_im)
    theta, phi = pci.preparation_angles(updated, z)
    assert np.all((theta >= 0) & (theta <= np.pi))
    a = np.cos(theta / 2)
    b = np.exp(1j * phi) * np.sin(theta / 2)
    for q in range(len(updated)):
        state = np.array([a[q], b[q]])
        rho = np.outer(state, state.conj())
        assert abs(np.trace(rho @ rho) - 1) < 1e-12  # pure
        if abs(updated[q]) <= 0.5:
            assert abs(rho[1, 0] - updated[q]) < 1e-9
        else:  # too long for a qubit: the pure state of largest coherence, same phase
            assert abs(abs(rho[1, 0]) - 0.5) < 1e-9
            assert abs(np.angle(rho[1, 0] * np.conj(updated[q]))) < 1e-6
        if z[q] < 0:
            assert (rho[0, 0] - rho[1, 1]).real <= 1e-12


@settings(max_examples=200, deadline=None)
@given(
    psi=arrays(np.complex128, 8, elements=st.complex_numbers(max_magnitude=1, allow_nan=False)),
    f=arrays(np.complex128, 8, elements=st.complex_numbers(max_magnitude=0.5, allow_nan=False)),
    gamma=st.floats(0, 10),
)
def test_amplitude_update_is_renormalised(psi, f, gamma):
    start = np.full(8, 1 / math.sqrt(8), dtype=complex)
    out = pci.renormalise(psi + gamma * f, fallback=start)
    assert math.isclose(np.linalg.norm(out), 1.0, rel_tol=1e-9)


def test_bloch_to_psi_to_angles_round_trip() -> None:
    theta = np.array([0.3, 1.2, 2.5, np.pi / 2])
    phi = np.array([0.1, -2.0, 3.0, 1.0])
    bloch = np.stack([np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], 1)
    t2, p2 = pci.preparation_angles(pci.amplitudes_from_bloch(bloch), bloch[:, 2])
    assert np.allclose(t2, theta) and np.allclose(p2, phi)


def test_spike_phasor_of_one_spike_has_phase_minus_omega_t() -> None:
    omega = 2 * np.pi / 10.0
    f = pci.spike_phasors(_window([0], [2.5]), 2, omega, 10.0, 2.0, 0.1)
    assert f[1] == 0
    assert math.isclose(np.angle(f[0]), -omega * 2.5)
    assert math.isclose(abs(f[0]), 1 / (2 * 5))  # N_cap = 10 ms / 2 ms


def _densest_train(steps: int, t_ref: float, dt: float) -> list[int]:
    """The most spikes a Brian2 LIF can emit in ``steps`` steps: one at step 0, then one every
    time it may integrate again (Brian2 docs: refractory while timestep(t - lastspike, dt) <
    timestep(t_ref, dt), timestep(x, dt) = floor(x / dt + 1e-3)), and at least one step apart."""
    gap = max(1, math.floor(t_ref / dt + 1e-3))
    return list(range(0, steps, gap))


@pytest.mark.parametrize(
    ("window", "t_ref", "dt", "most"),
    [
        (10.0, 2.0, 0.1, 5),  # 100 steps, one spike every 20
        (5.0, 2.0, 0.1, 3),  # 50 steps: spikes at 0, 20, 40 (T / t_ref said 2.5)
        (10.0, 0.25, 0.1, 50),  # t_ref floors to 2 steps (T / t_ref said 40)
        (10.0, 0.0, 0.1, 100),  # no refractory period: one spike per step
        (1.0, 0.05, 0.1, 10),  # t_ref below dt: one per step
    ],
)
def test_window_capacity_counts_the_densest_train(window, t_ref, dt, most) -> None:
    assert len(_densest_train(round(window / dt), t_ref, dt)) == most
    assert pci.window_capacity(window, t_ref, dt) == most


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(0, 149), unique=True),
    st.floats(0.0, 5.0),
    st.sampled_from([0.1, 0.07, 0.25]),
    st.integers(1, 150),
    st.floats(1.0, 20000.0),
)
def test_spike_phasor_never_exceeds_one_half(steps, t_ref, dt, n_steps, hz):
    """Any train a refractory neuron can emit in the window has |F| <= 1/2, at any frequency."""
    gap = max(1, math.floor(t_ref / dt + 1e-3))
    kept: list[int] = []
    for s in sorted(x for x in steps if x < n_steps):
        if not kept or s - kept[-1] >= gap:
            kept.append(s)
    times = [s * dt for s in kept]
    window = n_steps * dt
    omega = 2 * np.pi * hz / 1000
    f = pci.spike_phasors(_window([0] * len(times), times), 1, omega, window, t_ref, dt)
    assert abs(f[0]) <= 0.5 + 1e-12


def test_aligned_densest_train_reaches_one_half_exactly() -> None:
    """t_ref = 0.25 ms at dt = 0.1 ms: 50 spikes 0.2 ms apart, all in phase at 5 kHz."""
    times = [s * 0.1 for s in _densest_train(100, 0.25, 0.1)]
    omega = 2 * np.pi * 5000 / 1000
    f = pci.spike_phasors(_window([0] * len(times), times), 1, omega, 10.0, 0.25, 0.1)
    assert abs(f[0]) == pytest.approx(0.5, abs=1e-12)


def test_drive_formula_clip_and_channel_map() -> None:
    channels = pci.ChannelMap("qubit", 3, 7)
    assert list(channels.channel_of_neuron()) == [0, 1, 2, 0, 1, 2, 0]
    psi = np.array([0.5, 0.25j, -0.5 + 0.5j])
    d = pci.drive(psi, channels, alpha=40, beta=20, offset_mv=5, clip_mv=22)
    assert np.allclose(d, [22, 10, -5, 22, 10, -5, 22])
    assert np.allclose(channels.channel_mean(np.arange(7.0)), [3, 2.5, 3.5])
    amp = pci.ChannelMap("amplitude", 2, 4)
    assert amp.n_channels == 4 and list(amp.channel_of_neuron()) == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "state",
    [
        np.full(8, 1 / np.sqrt(8), dtype=complex),  # |+>^3: eight magnitudes tie
        np.array([0.6, 0.0, 0.8j, 0.0]),
        np.random.default_rng(2).normal(size=16) + 1j * np.random.default_rng(3).normal(size=16),
    ],
    ids=["uniform", "sparse", "random"],
)
def test_amplitude_drive_does_not_depend_on_the_global_phase(state) -> None:
    """e^{i chi} |psi> is the same state: after fix_gauge, the same drive for every chi."""
    state = state / np.linalg.norm(state)
    channels = pci.ChannelMap("amplitude", int(np.log2(state.size)), state.size)
    reference = pci.drive(pci.fix_gauge(state), channels, 40.0, 40.0, 15.0, 60.0)
    for chi in np.linspace(-np.pi, np.pi, 13):
        turned = pci.fix_gauge(np.exp(1j * chi) * state)
        np.testing.assert_allclose(
            pci.drive(turned, channels, 40.0, 40.0, 15.0, 60.0), reference, atol=1e-12
        )
    # the reference amplitude (largest, first among ties) is real and positive
    fixed = pci.fix_gauge(np.exp(0.7j) * state)
    m = int(np.argmax(np.abs(state) >= np.abs(state).max() * (1 - 1e-9)))
    assert fixed[m].imag == pytest.approx(0.0, abs=1e-15) and fixed[m].real > 0
