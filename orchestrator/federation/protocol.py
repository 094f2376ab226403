"""One round of the federation protocol (spec §12), as the nodes see it.

Every ``rounds_every_ticks`` ticks, for round r = 0, 1, ...:

    coordinator -> node   advance(r, until_tick)   the node runs its fusion loop up to
                                                    until_tick = (r + 1) rounds_every_ticks
                                                    ticks done, then answers with its phase
                                                    vector signed (``signing.Contribution``)
    coordinator           intake (signatures, replays), consensus over the nodes in good
                          standing, decoupling, the coupling ramp; the round's block
    coordinator -> node   receive(delivery)         the node's control rule pulls its next
                                                    preparation's phases towards the
                                                    consensus with weight pull * coupling,
                                                    and the node records that in its ledger
    ... after the last round:   finish(True)        the node runs its remaining ticks

A node's phase vector is the phase of each PCI channel in the preparation its next tick
starts from: the azimuths phi_q of the qubits (``pci.mapping: qubit``) or the arguments of
the amplitudes (``amplitude``). Calls carry plain picklable values, so any engine
(``orchestrator.contract.federation``) can carry them between processes or hosts.
"""

from __future__ import annotations

import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, final

from orchestrator.federation.signing import Contribution

__all__ = ["Delivery", "FederatedNode"]


@final
@dataclass(frozen=True)
class Delivery:
    """What the coordinator sends a node after a round.

    round: the round. consensus: the consensus phases (radians, one per channel), None when
    no consensus formed. coupling: the weight of the pull towards it, in [0, 1] (0 in the
    round a node is decoupled, then ramping back up by 1 / ramp_rounds per round; see
    ``orchestrator.federation.coordinator``). decoupled: the node is not a member of this
    round's consensus. reason: why, else None.
    """

    round: int
    consensus: tuple[float, ...] | None
    coupling: float
    decoupled: bool
    reason: str | None


class FederatedNode(ABC):
    """A node as the coordinator calls it (through an engine). Subclasses are final."""

    node_id: str

    @abstractmethod
    def advance(self, round: int, until_tick: int) -> Contribution:
        """Run until ``until_tick`` ticks are done; return the signed phase vector."""

    @abstractmethod
    def receive(self, delivery: Delivery) -> dict[str, Any]:
        """Act on a round's outcome (at most once per round); return what was done, once
        it is durable (the coordinator commits the round's block after every answer)."""

    @abstractmethod
    def finish(self, complete: bool) -> dict[str, Any]:
        """Run the remaining ticks (``complete``; else stop now, "cancelled") and close;
        return status, ticks, final_root."""

    @abstractmethod
    def abandon(self) -> None:
        """Drop the node as a crash would (what is durable stays); idempotent."""

    def pid(self) -> int:
        """The id of the process hosting the node."""
        return os.getpid()
