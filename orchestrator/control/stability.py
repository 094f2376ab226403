"""Stability rule of spec §13 and the decoherence-spike check of §14.

With x_t = H_coh(t) / (n ln 2) (the normalised coherence entropy of tick t):

    slope_t = sum_k (k - kbar)(x_k - xbar) / sum_k (k - kbar)^2     over the last W ticks
    spike_t = x_t - x_{t-1} > spike_threshold
    stable_t = slope_t < max_slope  and  not spike_t

The spec's criterion is det J_fusion > 0 and dH_coh/dt < 0 (the least-squares slope stands
in for dH/dt, with a tolerance so shot noise alone does not count as a rise). With a
``jacobian`` section and a statevector backend, J is computed every K ticks
(``orchestrator.control.jacobian``) and such a tick is judged by ``assess_fusion``:

    failed = [decoherence_spike if spike] + [jacobian_determinant if not det J > 0]
             + [jacobian_spectral_radius if rho(J) > max_spectral_radius (when set)]
             + [entropy_slope if slope >= jacobian.max_slope]
    stable = not failed;   the trigger (after ``patience`` unstable ticks, or a spike at once)
    names the first criterion that failed, and the event lists them all (``stability_failed``).

Ticks without J (shots mode, or between every K) keep the slope rule above (``assess``).

``StabilityRule`` is this rule in the control stage: it runs last and gives the tick's
``Verdict``; its state (the history and the streak) is checkpointed under ``stability``.

A rollback is *triggered* by a spike, or by ``patience`` unstable ticks in a row. With fewer
than two ticks of history the slope is undefined and the tick counts as stable.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, final

import numpy as np

from orchestrator.config.phase import JacobianConfig
from orchestrator.config.sections import StabilityConfig
from orchestrator.control.jacobian import JacobianEstimator
from orchestrator.control.rule import ControlRule, NextTick, RuleOutcome, Verdict
from orchestrator.physics import fixed_order
from orchestrator.physics.budget import TickBudget
from orchestrator.physics.readings import TickReading

__all__ = ["Assessment", "StabilityRule", "StabilityState", "assess", "assess_fusion"]


@dataclass(frozen=True)
class StabilityState:
    """What the rule remembers: the last ``window`` values of x and the unstable streak."""

    history: tuple[float, ...] = ()
    streak: int = 0


@dataclass(frozen=True)
class Assessment:
    """The rule's reading of one tick: the verdict, the slope (None under two ticks), a spike."""

    verdict: Verdict
    slope: float | None
    spike: bool


def _slope(values: tuple[float, ...]) -> float | None:
    if len(values) < 2:
        return None
    k = np.arange(len(values), dtype=float)
    x = np.asarray(values)
    dk = k - k.mean()
    return fixed_order.dot(dk, x - x.mean()) / fixed_order.dot(dk, dk)  # no BLAS (issue 26)


def assess(
    state: StabilityState, x: float, cfg: StabilityConfig
) -> tuple[StabilityState, Assessment]:
    """Read tick value ``x``; return the new state and the assessment."""
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
    return StabilityState(history, streak), Assessment(Verdict(stable, trigger), slope, spike)


def assess_fusion(
    state: StabilityState,
    x: float,
    det: float,
    spectral_radius: float,
    cfg: StabilityConfig,
    jac: JacobianConfig,
) -> tuple[StabilityState, Assessment, tuple[str, ...]]:
    """The §13 verdict on a tick with J; (new state, assessment, failed criteria in order)."""
    spike = bool(state.history) and x - state.history[-1] > cfg.spike_threshold
    history = (*state.history, x)[-cfg.window :]
    slope = _slope(history)
    failed: list[str] = []
    if spike:
        failed.append("decoherence_spike")
    if not det > 0:
        failed.append("jacobian_determinant")
    if jac.max_spectral_radius is not None and spectral_radius > jac.max_spectral_radius:
        failed.append("jacobian_spectral_radius")
    if slope is not None and not slope < jac.max_slope:
        failed.append("entropy_slope")
    stable = not failed
    streak = 0 if stable else state.streak + 1
    trigger = None
    if spike:
        trigger = "decoherence_spike"
    elif failed and streak >= cfg.patience:
        trigger = failed[0]
    assessment = Assessment(Verdict(stable, trigger), slope, spike)
    return StabilityState(history, streak), assessment, tuple(failed)


@final
class StabilityRule(ControlRule):
    """§13/§14 in the control stage: the entropy-slope and spike rule gives the tick's verdict."""

    name = "stability"

    def __init__(self, config: StabilityConfig, jacobian: JacobianEstimator | None = None) -> None:
        self.config = config
        self.jacobian = jacobian
        self.memory = StabilityState()
        self._spent = TickBudget()

    def spent(self) -> TickBudget:
        """The Jacobian's statevector circuits on a tick that computes J (4n), else none."""
        return self._spent

    def apply(self, reading: TickReading, proposal: NextTick) -> RuleOutcome:
        x = reading.quantum.entropy.normalised
        self._spent = TickBudget()
        if self.jacobian is None or not self.jacobian.due(reading.tick):
            self.memory, assessment = assess(self.memory, x, self.config)
            return RuleOutcome(proposal, {"entropy_slope": assessment.slope}, assessment.verdict)
        summary = self.jacobian.estimate(reading)
        self._spent = TickBudget(circuits=4 * len(reading.quantum.bloch))
        self.memory, assessment, failed = assess_fusion(
            self.memory, x, summary.det, summary.spectral_radius, self.config, self.jacobian.config
        )
        fields = {
            "entropy_slope": assessment.slope,
            **summary.fields(),
            "stability_failed": list(failed),
        }
        return RuleOutcome(proposal, fields, assessment.verdict)

    def close(self) -> None:
        if self.jacobian is not None:
            self.jacobian.close()

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"history": list(self.memory.history), "streak": self.memory.streak}, {}

    def restore(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        self.memory = StabilityState(tuple(meta["history"]), int(meta["streak"]))
