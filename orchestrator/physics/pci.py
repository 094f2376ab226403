"""Phase Coupling Interface, both directions (spec §3.3; design §2 and §2b).

Channels. The PCI couples C channels: ``qubit`` mapping, C = n, neuron k belongs to channel
k mod n (so any N >= n works and channels differ in size by at most one); ``amplitude`` mapping,
C = N = 2^n, neuron i is channel i (basis state i).

Amplitudes psi_c. Qubit mapping: psi_q = (<X_q> + i <Y_q>) / 2, the off-diagonal element of
qubit q's reduced density matrix (|psi_q| <= 1/2, equality for a pure qubit); its phase is the
Bloch azimuth. Amplitude mapping: psi_i = <i|psi> e^{-i arg <m|psi>}, in a fixed gauge: a
state vector is defined up to a global phase, which a simulator is free to choose, so the phase
of basis state m (the first whose |<m|psi>| is within a relative 1e-9 of the largest; the
tolerance makes near-ties between equal magnitudes independent of rounding) is set to zero
(``fix_gauge``). The drive then depends on the state only, not on the simulator's phase.

Forward (§3.3, first line):  I_k = I_0 + alpha Re(psi_c(k)) + beta Im(psi_c(k)),
clipped to [-clip, clip] mV, injected as a current over the tick or as a kick at its start.

Backward (§3.3, second line; §5 "Fourier transform of spike trains"). Each neuron's spike train
over the tick window [t0, t0 + T) gives the normalised temporal Fourier coefficient at the
reference angular frequency omega (default 2 pi / T):

    F_k = (1 / (2 N_cap)) sum_{spikes s of k} exp(-i omega (t_s - t0)),   N_cap = ceil(M / m)

N_cap is the most spikes a window of M = T / dt steps can hold, so |F_k| <= 1/2, the scale of
psi_q, at any omega. Spikes sit on the dt grid and a neuron spiking at step s can spike again at
step s + m at the earliest, m = max(R, 1) with R = floor(t_ref / dt) (Brian2's
``timestep(t_ref, dt)``, which Lava's refractory period reproduces), so at most ceil(M / m) fit
in the window. (Issue 10: N_cap was T / max(t_ref, dt), which undercounts when t_ref is not a
whole number of steps, e.g. t_ref = 0.25 ms, dt = 0.1 ms: 50 spikes per 10 ms, not 40, or when
T is not a multiple of t_ref, e.g. 3 spikes in a 5 ms window with t_ref = 2 ms, not 2.5; with
``reference_hz`` aligning every spike's phasor |F| then reached 0.625.) (The spec's
sample code takes a spatial FFT of the voltage vector; §5 and §14 need one phase per neuron, so
the temporal reading is the one that makes them computable.) A channel's phasor is the mean of
its neurons' phasors, and

    psi_c <- psi_c + gamma F_c

is realised as the next tick's preparation. Qubit mapping: a pure qubit
cos(theta/2)|0> + e^{i phi} sin(theta/2)|1> has psi = (sin(theta) / 2) e^{i phi}, so
phi = arg psi and theta = arcsin(2 |psi|) (|psi| clamped to 1/2), taking theta or pi - theta so
that the sign of <Z> = cos(theta) follows the measured <Z_q>. Amplitude mapping: the updated
vector is renormalised and prepared exactly. Either way the prepared object is a valid state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np

from orchestrator.physics import fixed_math, fixed_order
from orchestrator.physics.tick_io import SpikeWindow

__all__ = [
    "AceState",
    "ChannelMap",
    "amplitudes_from_bloch",
    "drive",
    "fix_gauge",
    "preparation_angles",
    "reference_omega_per_ms",
    "renormalise",
    "spike_phasors",
    "window_capacity",
]


@dataclass(frozen=True)
class AceState:
    """The PCI's coupling constants (spec §4 FusionInterface), adapted by the ACE (spec §6).

    alpha, beta: mV of drive per unit of Re psi, Im psi; gamma: weight of F[S] going back.
    """

    alpha: float
    beta: float
    gamma: float


@dataclass(frozen=True)
class ChannelMap:
    """Which PCI channel each neuron belongs to."""

    mapping: Literal["qubit", "amplitude"]
    n_qubits: int
    n_neurons: int

    @property
    def n_channels(self) -> int:
        return self.n_qubits if self.mapping == "qubit" else 2**self.n_qubits

    def channel_of_neuron(self) -> np.ndarray:
        """Shape (N,): the channel of each neuron."""
        return np.arange(self.n_neurons) % self.n_channels

    def to_neurons(self, per_channel: np.ndarray) -> np.ndarray:
        """Broadcast a per-channel array, shape (C,), to neurons, shape (N,)."""
        return per_channel[self.channel_of_neuron()]

    def channel_mean(self, per_neuron: np.ndarray) -> np.ndarray:
        """Mean over each channel's neurons, shape (C,)."""
        channel = self.channel_of_neuron()
        sums = np.zeros(self.n_channels, dtype=per_neuron.dtype)
        np.add.at(sums, channel, per_neuron)
        return sums / np.bincount(channel, minlength=self.n_channels)


def amplitudes_from_bloch(bloch: np.ndarray) -> np.ndarray:
    """psi_q = (<X_q> + i <Y_q>) / 2 from Bloch vectors of shape (n, 3)."""
    return (bloch[:, 0] + 1j * bloch[:, 1]) / 2.0


GAUGE_TIE = 1e-9  # relative tolerance among the largest magnitudes (see the module)


def fix_gauge(amplitudes: np.ndarray) -> np.ndarray:
    """``amplitudes`` times the global phase that makes the reference amplitude real >= 0."""
    a = np.asarray(amplitudes, dtype=complex)
    mags = np.abs(a)
    top = float(mags.max()) if a.size else 0.0
    if top == 0.0:
        return a.copy()
    m = int(np.argmax(mags >= top * (1.0 - GAUGE_TIE)))
    return a * (np.conj(a[m]) / mags[m])


def drive(
    psi: np.ndarray,
    channels: ChannelMap,
    alpha: float,
    beta: float,
    offset_mv: float,
    clip_mv: float,
) -> np.ndarray:
    """Per-neuron drive in mV, shape (N,): I_k = I_0 + alpha Re psi + beta Im psi, clipped.

    alpha, beta: mV per unit of Re psi / Im psi (the ACE's coupling constants of this tick).
    """
    per_channel = offset_mv + alpha * psi.real + beta * psi.imag
    return np.clip(channels.to_neurons(per_channel), -clip_mv, clip_mv)


def reference_omega_per_ms(reference_hz: float | None, tick_ms: float) -> float:
    """Angular frequency of the spike phasor, rad/ms: ``reference_hz`` (``pci.reference_hz``)
    when given, else one turn per tick of ``tick_ms``."""
    if reference_hz is None:
        return 2 * math.pi / tick_ms
    return 2 * math.pi * reference_hz / 1000.0


def spike_phasors(
    window: SpikeWindow,
    n_neurons: int,
    omega_per_ms: float,
    window_ms: float,
    refractory_ms: float,
    dt_ms: float,
) -> np.ndarray:
    """F_k for every neuron, shape (N,), complex; zero for silent neurons."""
    n_cap = window_capacity(window_ms, refractory_ms, dt_ms)
    out = np.zeros(n_neurons, dtype=complex)
    np.add.at(out, window.neurons, np.exp(-1j * omega_per_ms * window.times_ms))
    return out / (2.0 * n_cap)


def window_capacity(window_ms: float, refractory_ms: float, dt_ms: float) -> float:
    """N_cap: the most spikes one neuron can emit in a window (see the module), as a float."""
    steps = round(window_ms / dt_ms)
    gap = max(int((refractory_ms + 1e-3 * dt_ms) / dt_ms), 1)
    return float(-(-steps // gap))


def preparation_angles(psi: np.ndarray, z: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(theta, phi) of the pure qubits with coherences ``psi`` and <Z> signs of ``z``."""
    theta = fixed_math.arcsin(np.minimum(2.0 * np.abs(psi), 1.0))
    theta = np.where(z < 0, np.pi - theta, theta)
    phi = np.where(np.abs(psi) > 0, fixed_math.angle(psi), 0.0)
    return theta, phi


def renormalise(psi: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """psi / ||psi||, or ``fallback`` when psi vanished (it cannot encode a state)."""
    norm = fixed_order.norm(psi)  # not np.linalg.norm: a BLAS dot (issue 26)
    return psi / norm if norm > 1e-12 else fallback
