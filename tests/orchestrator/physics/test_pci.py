"""Both directions of the Phase Coupling Interface (design §2, §2b)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from orchestrator.contract.spiking import SpikeWindow
from orchestrator.physics import pci

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
def test_backward_update_always_prepares_a_pure_normalised_qubit(re, im, f_re, f_im, z, gamma):
    psi = re + 1j * im
    updated = psi + gamma * (f_re + 1j * f_im)
    theta, phi = pci.preparation_angles(updated, z)
    bloch = np.stack(
        [np.sin(theta) * np.cos(phi), np.sin(theta) * np.sin(phi), np.cos(theta)], axis=1
    )
    assert np.allclose(np.linalg.norm(bloch, axis=1), 1.0)
    assert np.all((theta >= 0) & (theta <= np.pi))
    # the prepared coherence equals the update wherever it fits a pure state (|psi| <= 1/2)
    fits = np.abs(updated) <= 0.5
    prepared = pci.amplitudes_from_bloch(bloch)
    assert np.allclose(prepared[fits], updated[fits], atol=1e-9)
    # and the sign of <Z> follows the measured one
    assert np.all(bloch[z < 0, 2] <= 1e-12)


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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 99), unique=True), st.floats(0.01, 5.0))
def test_spike_phasor_never_exceeds_one_half(steps, t_ref):
    """Any spike train a refractory neuron can emit in the window has |F| <= 1/2."""
    dt, window = 0.1, 10.0
    gap = max(1, math.ceil(t_ref / dt))
    kept: list[int] = []
    for s in sorted(steps):
        if not kept or s - kept[-1] >= gap:
            kept.append(s)
    times = [s * dt for s in kept]
    f = pci.spike_phasors(
        _window([0] * len(times), times), 1, 2 * np.pi / window, window, t_ref, dt
    )
    assert abs(f[0]) <= 0.5 + 1e-12


def test_drive_formula_clip_and_channel_map() -> None:
    channels = pci.ChannelMap("qubit", 3, 7)
    assert list(channels.channel_of_neuron()) == [0, 1, 2, 0, 1, 2, 0]
    psi = np.array([0.5, 0.25j, -0.5 + 0.5j])
    d = pci.drive(psi, channels, alpha=40, beta=20, offset_mv=5, clip_mv=22)
    assert np.allclose(d, [22, 10, -5, 22, 10, -5, 22])
    assert np.allclose(channels.channel_mean(np.arange(7.0)), [3, 2.5, 3.5])
    amp = pci.ChannelMap("amplitude", 2, 4)
    assert amp.n_channels == 4 and list(amp.channel_of_neuron()) == [0, 1, 2, 3]
