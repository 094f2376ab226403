"""The Adaptive Coherence Engine's recalibration rule (spec §6).

If the normalised coherence entropy H_coh / (n ln 2) of a tick exceeds ``ace.max_entropy``:

    gamma <- gamma * gamma_factor,   alpha <- alpha * alpha_factor,

each clipped to its bounds; the new constants apply from the next tick.

``ace.measure`` picks the entropy compared: ``population`` (default, the spec's H_coh of the
Z-basis populations) or ``von_neumann`` (the mean single-qubit von Neumann entropy from the
Bloch vectors, ``physics.coherence.mean_bloch_entropy``; recorded in the event as
``ace_entropy_von_neumann``). See ``orchestrator.physics.coherence`` for what each measures.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, final

import numpy as np

from orchestrator.config.sections import AceConfig
from orchestrator.control.rule import ControlRule, NextTick, RuleOutcome
from orchestrator.physics.coherence import mean_bloch_entropy
from orchestrator.physics.pci import AceState

if TYPE_CHECKING:
    from orchestrator.physics.readings import TickReading

__all__ = ["AceRule", "AceState", "recalibrate"]


def recalibrate(
    state: AceState, normalised_entropy: float, cfg: AceConfig
) -> tuple[AceState, bool]:
    """Apply the §6 rule; returns the new state and whether the rule fired."""
    if normalised_entropy <= cfg.max_entropy:
        return state, False
    alpha = float(np.clip(state.alpha * cfg.alpha_factor, *cfg.alpha_bounds))
    gamma = float(np.clip(state.gamma * cfg.gamma_factor, *cfg.gamma_bounds))
    return replace(state, alpha=alpha, gamma=gamma), True


@final
class AceRule(ControlRule):
    """The §6 rule in the control stage: recalibrates the next tick's alpha and gamma."""

    name = "ace"

    def __init__(self, config: AceConfig) -> None:
        self.config = config

    def apply(self, reading: TickReading, proposal: NextTick) -> RuleOutcome:
        fields: dict[str, object] = {}
        if self.config.measure == "von_neumann":
            value = mean_bloch_entropy(reading.quantum.bloch)
            fields["ace_entropy_von_neumann"] = value
        else:
            value = reading.quantum.entropy.normalised
        coupling, fired = recalibrate(proposal.coupling, value, self.config)
        return RuleOutcome(replace(proposal, coupling=coupling), {"ace_triggered": fired, **fields})
