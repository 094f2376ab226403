"""Stability rule of spec §13 and the decoherence-spike check of §14.

With x_t = H_coh(t) / (n ln 2) (the normalised coherence entropy of tick t):

    slope_t = sum_k (k - kbar)(x_k - xbar) / sum_k (k - kbar)^2     over the last W ticks
    spike_t = x_t - x_{t-1} > spike_threshold
    stable_t = slope_t < max_slope  and  not spike_t

The spec's criterion is det J_fusion > 0 and dH_coh/dt < 0. Only the second part is computed
here (the least-squares slope stands in for dH/dt, with a tolerance ``max_slope`` so shot noise
alone does not count as a rise); the Jacobian determinant needs the deterministic tick map and
2 d evaluations of it per tick and is not built (docs/design.md says so).

A rollback is *triggered* by a spike, or by ``patience`` unstable ticks in a row. With fewer
than two ticks of history the slope is undefined and the tick counts as stable.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from orchestrator.config.sections import StabilityConfig

__all__ = ["StabilityState", "Verdict", "assess"]


@dataclass(frozen=True)
class StabilityState:
    """What the rule remembers: the last ``window`` values of x and the unstable streak."""

    history: tuple[float, ...] = ()
    streak: int = 0


@dataclass(frozen=True)
class Verdict:
    """The rule's reading of one tick. ``trigger`` names why a rollback should happen, if so."""

    stable: bool
    slope: float | None
    spike: bool
    trigger: str | None


def _slope(values: tuple[float, ...]) -> float | None:
    if len(values) < 2:
        return None
    k = np.arange(len(values), dtype=float)
    x = np.asarray(values)
    dk = k - k.mean()
    return float(np.dot(dk, x - x.mean()) / np.dot(dk, dk))


def assess(state: StabilityState, x: float, cfg: StabilityConfig) -> tuple[StabilityState, Verdict]:
    """Read tick value ``x``; return the new state and the verdict."""
    spike = bool(state.history) and x - state.history[-1] > cfg.spike_threshold
    history = (*state.history, x)[-cfg.window :]
    slope = _slope(history)
    stable = (slope is None or slope < cfg.max_slope) and not spike
    streak = 0 if stable else state.streak + 1
    trigger = None
    if spike:
        trigger = "decoherence_spike"
    elif streak >= cfg.patience:
        trigger = "sustained_entropy_rise"
    return StabilityState(history, streak), Verdict(stable, slope, spike, trigger)
