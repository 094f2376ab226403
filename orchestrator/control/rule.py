"""How a per-tick rule joins the fusion tick: the control stage's contract.

A tick runs measure -> forward PCI -> spiking -> backward PCI -> control -> record
(``orchestrator.run.loop``). The backward PCI proposes what the next tick starts from
(``NextTick``: the next preparation and the coupling constants); then every ``ControlRule`` of
the loop, in order, reads the tick (``TickReading``) and the proposal so far and returns its
``RuleOutcome``: the proposal, changed or not, the fields it adds to the tick's FusionEvent,
and, for a rule that judges stability, a ``Verdict``. The last verdict given is the tick's.

A rule that carries state from tick to tick declares it through ``state``/``restore``: it is
written into every checkpoint (under the rule's ``name``) and restored on resume and rollback,
so a resumed run reaches the root of the uninterrupted one. A rule must be deterministic given
its state, the reading and the proposal (randomness: derive a seed from the run's, see
``orchestrator.run.seeds.derive_seed``).

Rules join the loop in ``orchestrator.run.rules.control_rules`` (the one place that orders
them); nothing else about the loop changes when a rule is added.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from orchestrator.physics.budget import TickBudget
from orchestrator.physics.pci import AceState
from orchestrator.physics.readings import TickReading
from orchestrator.physics.tick_io import QuantumRequest

__all__ = ["ControlRule", "NextTick", "RuleOutcome", "Verdict"]


@dataclass(frozen=True)
class NextTick:
    """What the next tick starts from: its preparation and its coupling constants.

    reference_omega_per_ms: the spike phasor's reference angular frequency for that tick,
        rad/ms (the PSN's feedback, §9); None: the run's own (``pci.reference_hz``).
    """

    preparation: QuantumRequest
    coupling: AceState
    reference_omega_per_ms: float | None = None


@dataclass(frozen=True)
class Verdict:
    """A stability judgement of one tick (spec §13, §14).

    stable: the tick may become a rollback target (if it is checkpointed).
    trigger: why a rollback should happen now (a criterion's name), or None.
    """

    stable: bool
    trigger: str | None


@dataclass(frozen=True)
class RuleOutcome:
    """What a rule decided: the next tick (changed or not), event fields, a verdict or None.

    fields: JSON-able values added to the tick's FusionEvent; names must not collide with the
        event's own keys or another rule's (the event builder refuses a collision).
    """

    next: NextTick
    fields: Mapping[str, Any] = field(default_factory=dict)
    verdict: Verdict | None = None


class ControlRule(ABC):
    """One rule of the control stage. Subclasses are final.

    name: the key of its state in a checkpoint's loop state (and its arrays' prefix); unique
        among the loop's rules.
    """

    name: ClassVar[str]

    @abstractmethod
    def apply(self, reading: TickReading, proposal: NextTick) -> RuleOutcome:
        """Read the tick; return the next tick (``proposal`` or a changed copy) and fields."""

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The rule's state between ticks: (JSON-able meta, named arrays); default none."""
        return {}, {}

    def restore(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:  # noqa: B027
        """Continue from a ``state()`` (meta and arrays as returned, arrays by their names)."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the rule holds (a backend of its own) when the loop closes."""

    def spent(self) -> TickBudget | None:
        """What the rule's last ``apply`` spent (circuits and shots it executed, candidates it
        evaluated: ``orchestrator.physics.budget``); default None (nothing)."""
        return None
