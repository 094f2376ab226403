"""The LIF step's discretisation shared by the spiking backends (spec §3.2).

Between spikes tau_m dV/dt = -V + I integrates exactly over a step dt as

    V <- V + (I - V) dv,    dv = 1 - exp(-dt / tau_m)

(Brian2's ``method="exact"``, Lava's LIF with ``dv`` set so). Refractoriness on the dt grid:
Brian2 integrates again R = timestep(t_ref, dt) steps after a spike; Lava's ``LIFRefractory``
with ``refractory_period = R - 1`` does the same (R <= 1: plain LIF). Brian2 under Lava's timing
(``spiking.brian2.timing: lava``) and the Lava backend both use these numbers.
"""

from __future__ import annotations

import math

__all__ = ["decay", "lava_refractory_period", "refractory_steps"]


def decay(dt_ms: float, tau_m_ms: float) -> float:
    """Lava's ``dv``: the exact one-step decay ``1 - exp(-dt/tau_m)``."""
    return -math.expm1(-dt_ms / tau_m_ms)


def refractory_steps(refractory_ms: float, dt_ms: float) -> int:
    """R: Brian2's ``timestep(t_ref, dt)``, the steps from a spike to the first integration."""
    return int((refractory_ms + 1e-3 * dt_ms) / dt_ms)


def lava_refractory_period(refractory_ms: float, dt_ms: float) -> int:
    """``LIFRefractory.refractory_period`` giving Brian2's timing (0: use plain LIF)."""
    return max(refractory_steps(refractory_ms, dt_ms) - 1, 0)
