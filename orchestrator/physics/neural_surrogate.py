"""The neural loss L_N and its rate-based surrogate gradient (spec §7, issue 12).

Neural loss. The network should fire at a target rate r* (Hz): with r_k the rate neuron k
fired at in the tick (its spikes / tick length),

    L_N = (1/N) sum_k ((r_k - r*) / r*)^2          (dimensionless; 0 when every neuron is on
                                                    target)

Surrogate. Spikes are not differentiable; the gradient goes through the LIF f-I curve of the
network's own model (tau_m dV/dt = -V + I, threshold v_th, reset v_reset, refractory t_ref,
rest 0, a constant drive I in mV):

    r(I) = 1 / (t_ref + tau_m ln((I - v_reset) / (I - v_th)))   for I > v_th, else 0,

evaluated at a softened drive I_s = v_th + s softplus((I - v_th) / s) (width s =
``smooth_mv``), so the slope is finite everywhere and small but non-zero below threshold
(the f-I curve's own slope is infinite at threshold and zero below). The gradient used is

    dL_N/dI_k = 2 (r_k - r*) / r*^2 * r'(I_s,k) dI_s/dI_k * [|I_k| < clip]

with the MEASURED residual r_k - r* and the surrogate's slope (a straight-through estimate:
the value is the network's, the slope the model's; the drive clip has slope 0). Through the
forward PCI I_k = I_0 + alpha Re psi_c(k) + beta Im psi_c(k) (``orchestrator.physics.pci``):

    dL_N/dalpha = sum_k dL_N/dI_k Re psi_c(k),   dL_N/dbeta = sum_k dL_N/dI_k Im psi_c(k),
    dL_N/dRe psi_c = alpha sum_{k in c} dL_N/dI_k,   dL_N/dIm psi_c = beta sum_{k in c} ...

and on to the evolution angles through d psi / dx (parameter shift of the Bloch components,
``orchestrator.physics.parameter_shift``). Recurrent input and STDP are outside the
surrogate (it sees each neuron alone); gamma acts on the NEXT tick's preparation, which a
one-tick surrogate does not see, so dL_N/dgamma = 0 (meta-evolution's mutations still move it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from orchestrator.physics import fixed_math
from orchestrator.physics.pci import ChannelMap
from orchestrator.physics.tick_io import SpikeWindow

__all__ = ["LifModel", "NeuralGradient", "measured_rates_hz", "neural_gradient"]


@dataclass(frozen=True)
class LifModel:
    """The LIF parameters of the f-I curve (the network's), the softening width, the clip."""

    tau_m_ms: float
    v_th_mv: float
    v_reset_mv: float
    refractory_ms: float
    smooth_mv: float
    clip_mv: float

    def softened(self, drive_mv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(I_s - v_th, dI_s/dI) of the softened drive (the excess kept apart from v_th, so
        that it never rounds to zero)."""
        u = (np.asarray(drive_mv, dtype=float) - self.v_th_mv) / self.smooth_mv
        soft = np.logaddexp(0.0, u)  # softplus, no overflow; its slope is the logistic
        slope = expit(u)
        return self.smooth_mv * np.maximum(soft, 1e-300), slope

    def rate_hz(self, drive_mv: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(r(I_s) in Hz, dr/dI in Hz/mV) of the softened f-I curve at each drive."""
        above, d_soft = self.softened(drive_mv)
        from_reset = above + (self.v_th_mv - self.v_reset_mv)
        period_ms = self.refractory_ms + self.tau_m_ms * fixed_math.log(from_reset / above)
        rate = 1000.0 / period_ms
        # d period / dI_s = tau (1/(I_s - v_reset) - 1/(I_s - v_th)) < 0
        d_period = self.tau_m_ms * (1.0 / from_reset - 1.0 / above)
        d_rate = -1000.0 * d_period / period_ms**2 * d_soft
        return rate, d_rate


def measured_rates_hz(window: SpikeWindow, n_neurons: int, tick_ms: float) -> np.ndarray:
    """r_k: each neuron's spikes in the tick window over its length, Hz; shape (N,)."""
    counts = np.bincount(np.asarray(window.neurons, dtype=np.int64), minlength=n_neurons)
    return counts[:n_neurons] * (1000.0 / tick_ms)


@dataclass(frozen=True)
class NeuralGradient:
    """L_N of one tick and its surrogate gradient.

    loss: L_N. d_alpha, d_beta: dL_N/dalpha, dL_N/dbeta (per mV of coupling).
    d_psi: shape (C,) complex, dL_N/dRe psi_c + i dL_N/dIm psi_c.
    """

    loss: float
    d_alpha: float
    d_beta: float
    d_psi: np.ndarray


def neural_gradient(
    rates_hz: np.ndarray,
    drive_mv: np.ndarray,
    psi: np.ndarray,
    channels: ChannelMap,
    alpha: float,
    beta: float,
    target_hz: float,
    model: LifModel,
) -> NeuralGradient:
    """L_N and its gradients for one tick (see the module docstring).

    rates_hz, drive_mv: shape (N,), the tick's measured rates and the drive it got (mV).
    psi: shape (C,), the tick's channel amplitudes.
    """
    rates = np.asarray(rates_hz, dtype=float)
    n = rates.size
    residual = (rates - target_hz) / target_hz
    _, slope = model.rate_hz(drive_mv)
    inside = np.abs(np.asarray(drive_mv, dtype=float)) < model.clip_mv
    d_drive = 2.0 * residual / target_hz * slope * inside / n
    psi_k = channels.to_neurons(np.asarray(psi))
    per_channel = np.zeros(channels.n_channels)
    np.add.at(per_channel, channels.channel_of_neuron(), d_drive)
    return NeuralGradient(
        loss=float(np.mean(residual**2)),
        d_alpha=float(np.sum(d_drive * psi_k.real)),
        d_beta=float(np.sum(d_drive * psi_k.imag)),
        d_psi=alpha * per_channel + 1j * beta * per_channel,
    )
