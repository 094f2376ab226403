"""A federated node's side of the consensus (spec §12; design §12): the ``federation`` rule.

After a round the coordinator sends the node a ``Delivery``: the consensus phases c (one per
PCI channel) and the node's coupling k in [0, 1]. With the node's next preparation at phases
phi (the qubits' azimuths, or the amplitudes' arguments),

    w     = pull * k             (0 when no consensus formed)
    phi' = wrap(phi + w * wrap(c - phi))          (each channel, wrap into (-pi, pi])

i.e. each phase moves the fraction w of the shorter arc towards the consensus (w = 1: onto
it); the polar angles (qubit mapping) or moduli (amplitude mapping) are kept, so the prepared
state stays valid. k is the coordinator's (``orchestrator.federation.coordinator``): 0 in the
round a node is decoupled, rejected or rejoins, then rising by 1 / ramp_rounds per round (the
ACE's ramp back), so a node returning from an excursion or a restart is pulled back gently
over several rounds instead of snapping onto the consensus.

The pull is applied between two ticks, to the next tick's preparation, like a rollback's
decoupling; the node records it as a ``consensus`` block with a checkpoint, so a resumed node
starts after it. The rule's state (the last round and coupling received, and the phases the
node had before that round's pull, bit for bit: its contribution to that round, which a
resumed coordinator may ask for again) is checkpointed with the loop; every tick event
carries ``federation_coupling``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import TYPE_CHECKING, Any, final

import numpy as np

from orchestrator.control.rule import ControlRule, NextTick, RuleOutcome
from orchestrator.physics import fixed_math
from orchestrator.physics.coherence import wrap
from orchestrator.physics.tick_io import QuantumRequest

if TYPE_CHECKING:
    from orchestrator.contract.federation_config import FederationConfig
    from orchestrator.federation.protocol import Delivery
    from orchestrator.physics.readings import TickReading

__all__ = ["FederationRule", "phase_vector", "pulled", "with_phases"]


def phase_vector(preparation: QuantumRequest) -> np.ndarray:
    """The phase of each PCI channel in ``preparation``, radians in (-pi, pi]."""
    if preparation.amplitudes is not None:
        return fixed_math.angle(preparation.amplitudes)
    return wrap(np.asarray(preparation.phi, dtype=np.float64))


def with_phases(preparation: QuantumRequest, phases: np.ndarray) -> QuantumRequest:
    """``preparation`` with its channels' phases replaced (moduli and polar angles kept)."""
    if preparation.amplitudes is not None:
        return QuantumRequest(amplitudes=np.abs(preparation.amplitudes) * np.exp(1j * phases))
    return QuantumRequest(theta=np.array(preparation.theta, dtype=np.float64), phi=phases)


def pulled(phases: np.ndarray, target: np.ndarray, weight: float) -> np.ndarray:
    """wrap(phi + weight * wrap(target - phi)), elementwise (module docstring)."""
    return wrap(phases + weight * wrap(np.asarray(target, dtype=np.float64) - phases))


@final
class FederationRule(ControlRule):
    """Pulls a node's next preparation towards each round's consensus (module docstring)."""

    name = "federation"

    def __init__(self, config: FederationConfig) -> None:
        self.pull = config.pull
        self.round = -1
        self.coupling = 1.0
        self.before: np.ndarray | None = None  # the phases before round ``round``'s pull

    def apply(self, reading: TickReading, proposal: NextTick) -> RuleOutcome:
        return RuleOutcome(proposal, {"federation_coupling": self.coupling})

    def receive(self, delivery: Delivery, next_tick: NextTick) -> tuple[NextTick, dict[str, Any]]:
        """The next tick after round ``delivery.round``'s pull, and what to record of it."""
        before = phase_vector(next_tick.preparation)
        weight = 0.0
        if delivery.consensus is not None:
            weight = self.pull * delivery.coupling
        after = before if weight == 0.0 else pulled(before, np.array(delivery.consensus), weight)
        self.round, self.coupling = delivery.round, delivery.coupling
        self.before = np.array(before, dtype=np.float64, copy=True)
        fields = {
            "round": delivery.round,
            "consensus": None if delivery.consensus is None else list(delivery.consensus),
            "decoupled": delivery.decoupled,
            "reason": delivery.reason,
            "federation_coupling": delivery.coupling,
            "pull_weight": weight,
            "phases_before": before,
            "phases_after": after,
        }
        if weight == 0.0:  # exactly as it was (no rounding through the wrap)
            return next_tick, fields
        preparation = with_phases(next_tick.preparation, after)
        return replace(next_tick, preparation=preparation), fields

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays = {} if self.before is None else {"before": self.before}
        return {"round": self.round, "coupling": self.coupling}, arrays

    def restore(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        self.round = int(meta.get("round", -1))
        self.coupling = float(meta.get("coupling", 1.0))
        before = arrays.get("before")
        self.before = None if before is None else np.array(before, dtype=np.float64, copy=True)
