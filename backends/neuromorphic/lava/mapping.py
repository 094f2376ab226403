"""The network of spec §3.2 as Lava's LIF / Dense parameters, floating and fixed point. No SDK.

Spec §3.2 (``SpikingBackendConfig``), V in mV, rest 0::

    tau_m dV/dt = -V + I            V >= v_th -> spike, V = v_reset, refractory t_ref
    spike of j -> V_i += w_ij

Lava's LIF (``lava/proc/lif/models.py``), step t = 1, 2, ...::

    u[t] = u[t-1] (1 - du) + a_in[t]
    v[t] = v[t-1] (1 - dv) + u[t] + bias         (LIFRefractory: v frozen while refractory)
    s[t] = v[t] > vth;  v[t] = 0 where s[t]      (LIFRefractory: refractory until t + period)

and Lava's Dense delivers ``a_out[t] = W s[t-1]``: a spike reaches its targets one step later.

Mapping (both tags):

- ``du = 1``: u holds exactly one step's input, so a spike of j adds w_ij to V_i (no synaptic
  current dynamics; fixed point: register 4095, since Loihi adds 1 to du).
- ``dv = 1 - exp(-dt/tau_m)``, the exact decay over one step. With the drive injected as
  ``a_in = I dv`` per step, ``v <- v (1 - dv) + I dv`` is the exact solution
  ``V(t+dt) = I + (V(t) - I) exp(-dt/tau_m)`` that Brian2's ``method="exact"`` integrates, so an
  unconnected neuron is the same neuron on both backends. (``dv = dt/tau_m``, forward Euler,
  would shorten the effective time constant by dt/2: 0.25 % at dt = 0.1 ms, tau = 20 ms.)
- The drive enters through ``a_in`` from Lava's ``Injector`` (``bias`` would need ``Var.set``,
  one message per element). A kick d at tick start is injected as ``(kick(V, d, cap) - V)(1-dv)``
  on the tick's first step, so that step gives ``kick(V) (1 - dv)``, as a kick followed by one
  step of decay does on Brian2.
- Threshold ``vth = nextafter(v_th, -inf)`` in floating point: Lava spikes on ``v > vth``,
  which is then ``v >= v_th`` as Brian2 and the spec have it, so V < V_th after every step
  (spec §14; with ``vth = v_th`` a V of exactly v_th stayed, e.g. under a drive of v_th).
  Reset is to 0: ``v_reset_mv`` must be 0 (refused otherwise).
- Refractoriness: Brian2 holds V for steps k+1 .. k+R-1 after a spike at step k and integrates
  again at step k+R, with ``R = timestep(t_ref, dt) = floor(t_ref/dt + 1e-3)``. Lava's
  ``LIFRefractory`` with period P integrates again at step k+P+1, so ``P = R - 1``; ``R <= 1``
  is no refractoriness (plain LIF). Both drop input arriving while refractory (Lava computes u
  and does not update v; Brian2 adds its buffered input only when not refractory).

Fixed point (Loihi 2, Lava's ``PyLifModelBitAcc`` / ``PyDenseModelBitAcc``): integers, with
``s = 2^k`` voltage units per mV, ``k = floor(log2(2^23 / R))`` for the configured range R
(``spiking.lava.fixed_pt_range_mv``), so the 24-bit v (|v| <= 2^23 - 1) holds (-R, R) mV:

- ``dv_reg = round(4096 dv)`` in [1, 4095]; the decay is ``(1 - dv_reg/4096)`` with truncation
  toward zero. ``|dv_q - dv| <= 1/8192``, so ``tau_q = -dt / ln(1 - dv_q)`` differs from tau_m
  by ``|tau_q/tau - 1| ~ 1/(8192 dv)`` at most (2.4 % at dv = 0.005; 20 -> 20.43 ms at
  dt = 0.1 ms). The drive is injected as ``I dv_q`` (not ``I dv``), so the steady state V = I is
  kept and only the time constant moves; interspike intervals scale by ``tau_q/tau``.
- ``vth_reg = round(v_th s / 64)`` in [1, 2^17 - 1] (Loihi shifts it left by 6 bits);
  error <= 32/s mV.
- Input ``a_in`` is shifted left by 6 bits, so the drive per step is quantised to 64/s mV:
  ``|delta V_inf| <= 32 / (s dv_q)`` mV (0.1 mV at R = 128 mV, dv_q = 20/4096).
- Weights: 8-bit mantissa (0..255, sign from the sign mode) and one shared exponent e in
  [0, 7], the smallest that fits the largest |w|: ``w_int = round(w s / 2^(e+6))``; error
  <= 2^(e+5)/s mV (for e > 0: 0.4 % of the largest weight at most).
- Decay truncation loses < 1 unit per step: a drive bias below 1/s mV per step.
Values that do not fit (threshold or weights beyond the registers, a decay that rounds to 0,
inputs that overflow the 24-bit current) are refused with the field to change.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from backends.neuromorphic.common.lif import decay, lava_refractory_period, refractory_steps

__all__ = [
    "FixedPoint",
    "decay",
    "fixed_point",
    "fixed_point_problems",
    "lava_refractory_period",
    "refractory_steps",
]

V_BITS = 24  # u and v registers
VTH_BITS = 17  # threshold register (unsigned)
SHIFT = 6  # Loihi left-shifts vth and a_in by 6 bits
DECAY_BITS = 12  # du, dv registers over 4096
WEIGHT_BITS = 8  # weight mantissa
V_MAX = 2 ** (V_BITS - 1) - 1
VTH_MAX = 2**VTH_BITS - 1
DECAY_ONE = 2**DECAY_BITS
WEIGHT_MAX = 2**WEIGHT_BITS - 1
WEIGHT_EXP_MAX = 7  # Loihi's shared weight exponent


@dataclass(frozen=True)
class FixedPoint:
    """Loihi's integer representation of one network (see the module docstring).

    scale: voltage units per mV (a power of two). dv_reg, du_reg, vth_reg: the registers.
    weight_exp: Dense's shared weight exponent; weight_scale: mV per weight unit.
    """

    scale: float
    dv_reg: int
    vth_reg: int
    weight_exp: int
    dt_ms: float
    tau_m_ms: float
    du_reg: int = DECAY_ONE - 1

    @property
    def dv_q(self) -> float:
        """The decay the chip applies per step."""
        return self.dv_reg / DECAY_ONE

    @property
    def tau_q_ms(self) -> float:
        """The membrane time constant that decay corresponds to."""
        return -self.dt_ms / math.log1p(-self.dv_q)

    @property
    def threshold_mv(self) -> float:
        return self.vth_reg * 2**SHIFT / self.scale

    @property
    def input_lsb_mv(self) -> float:
        """The smallest step of injected input (a_in is shifted by 6 bits)."""
        return 2**SHIFT / self.scale

    @property
    def weight_scale(self) -> float:
        return 2 ** (self.weight_exp + SHIFT) / self.scale

    def weights(self, weight_mv: np.ndarray) -> np.ndarray:
        """Integer weight mantissas of ``weight_mv``."""
        return np.rint(np.asarray(weight_mv, dtype=float) / self.weight_scale).astype(np.int64)

    def inputs(self, per_step_mv: np.ndarray) -> np.ndarray:
        """Injected input per step (mV) as a_in integers, rounded to nearest."""
        return np.rint(np.asarray(per_step_mv, dtype=float) / self.input_lsb_mv)

    def inputs_floor(self, per_step_mv: np.ndarray) -> np.ndarray:
        """As ``inputs`` but rounded down (a kick must not overshoot its cap)."""
        return np.floor(np.asarray(per_step_mv, dtype=float) / self.input_lsb_mv)

    def to_mv(self, v_units: np.ndarray) -> np.ndarray:
        return np.asarray(v_units, dtype=float) / self.scale

    def quantisation(self) -> dict[str, float]:
        """What the representation changes, for the record (``identity()``, docs)."""
        return {
            "scale_units_per_mv": self.scale,
            "dv": decay(self.dt_ms, self.tau_m_ms),
            "dv_q": self.dv_q,
            "tau_q_ms": self.tau_q_ms,
            "tau_rel_error": self.tau_q_ms / self.tau_m_ms - 1.0,
            "threshold_q_mv": self.threshold_mv,
            "input_lsb_mv": self.input_lsb_mv,
            "v_inf_max_error_mv": 0.5 * self.input_lsb_mv / self.dv_q,
            "weight_lsb_mv": self.weight_scale,
        }


def _scale(range_mv: float) -> float:
    return float(2 ** math.floor(math.log2((V_MAX + 1) / range_mv)))


def fixed_point_problems(
    *,
    dt_ms: float,
    tau_m_ms: float,
    v_th_mv: float,
    weights_mv: np.ndarray,
    in_strength_mv: float,
    range_mv: float,
) -> list[str]:
    """Why these values do not fit Loihi's registers, one ``field: message`` line each.

    in_strength_mv: the largest sum of |w| onto one neuron (all inputs in one step).
    """
    problems: list[str] = []
    if (V_MAX + 1) / range_mv < 2**SHIFT:
        problems.append(f"lava.fixed_pt_range_mv: {range_mv} mV leaves no resolution")
        return problems
    s = _scale(range_mv)
    dv_reg = round(DECAY_ONE * decay(dt_ms, tau_m_ms))
    if dv_reg < 1:
        longest = -dt_ms / math.log1p(-0.5 / DECAY_ONE)
        problems.append(
            f"tau_m_ms: {tau_m_ms} ms gives a decay below Loihi's 12-bit resolution at "
            f"dt_ms = {dt_ms} (fixed point takes tau_m_ms <= {longest:.4g})"
        )
    if dv_reg > DECAY_ONE - 1:
        problems.append(f"tau_m_ms: {tau_m_ms} ms decays completely within one step")
    vth_reg = round(v_th_mv * s / 2**SHIFT)
    if not 1 <= vth_reg <= VTH_MAX or v_th_mv >= range_mv:
        problems.append(
            f"v_th_mv: {v_th_mv} mV does not fit the 17-bit threshold at the fixed-point "
            f"range of {range_mv} mV (raise lava.fixed_pt_range_mv above v_th_mv)"
        )
    w = np.asarray(weights_mv, dtype=float)
    if w.size and w.min() < 0 < w.max():
        problems.append("recurrent.weight_mv: weights of both signs are not mapped to Loihi")
    if w.size and np.abs(w).max() > 0 and _weight_exp(float(np.abs(w).max()), s) > WEIGHT_EXP_MAX:
        problems.append(
            f"recurrent.weight_mv: {np.abs(w).max()} mV exceeds Loihi's weight range at the "
            f"fixed-point range of {range_mv} mV (raise lava.fixed_pt_range_mv)"
        )
    if in_strength_mv * s >= 2 ** (V_BITS - 1):
        problems.append(
            f"recurrent.weight_mv: up to {in_strength_mv:.4g} mV can arrive at one neuron in "
            f"one step, beyond the 24-bit input of the fixed-point range {range_mv} mV "
            "(raise lava.fixed_pt_range_mv, or lower the weights)"
        )
    return problems


def _weight_exp(w_max: float, scale: float) -> int:
    """The smallest exponent e >= 0 with w_max s / 2^(e+6) <= 255.

    (A negative exponent would right-shift the summed input and truncate it: no finer than
    the input's own resolution of 64/s mV.)
    """
    return max(0, math.ceil(math.log2(w_max * scale / 2**SHIFT / WEIGHT_MAX)))


def fixed_point(
    *,
    dt_ms: float,
    tau_m_ms: float,
    v_th_mv: float,
    weights_mv: np.ndarray,
    in_strength_mv: float,
    range_mv: float,
) -> FixedPoint:
    """The representation; ``ValueError`` listing the problems if the values do not fit."""
    problems = fixed_point_problems(
        dt_ms=dt_ms,
        tau_m_ms=tau_m_ms,
        v_th_mv=v_th_mv,
        weights_mv=weights_mv,
        in_strength_mv=in_strength_mv,
        range_mv=range_mv,
    )
    if problems:
        raise ValueError("; ".join(problems))
    s = _scale(range_mv)
    w = np.abs(np.asarray(weights_mv, dtype=float))
    exp = _weight_exp(float(w.max()), s) if w.size and w.max() > 0 else 0
    return FixedPoint(
        scale=s,
        dv_reg=round(DECAY_ONE * decay(dt_ms, tau_m_ms)),
        vth_reg=round(v_th_mv * s / 2**SHIFT),
        weight_exp=exp,
        dt_ms=dt_ms,
        tau_m_ms=tau_m_ms,
    )
