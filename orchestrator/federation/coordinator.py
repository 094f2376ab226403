"""The coordinator's side of a round (spec §12; design §12): intake, consensus, decoupling.

Per round r, with the answers of every node to ``advance`` (a signed contribution, or the
engine's ``NodeDown``), in sorted node order:

    missing     nodes that did not answer (their process died, they failed, timed out)
    rejected    contributions the intake refused (forged, unknown key, replayed round, ...);
                each answer is bound to the node it was asked of and to this round: another
                node's message given as a node's answer is "relayed" (recorded with whose it
                was and for which round) and uses up nothing of that other node's round
    rejoining   nodes back after missing a round or a delivery: left out of this round's
                consensus whatever their phases (they resumed from a checkpoint and may lag)
    consensus   ``consensus.consensus`` over the accepted phases of the other nodes, radius
                eps_phi; its members are the nodes within eps_phi of the robust centre, the
                others are decoupled for the round ("outside eps_phi")
    coupling    k_i in [0, 1], 1 at the start, the weight of the consensus pull on node i
                (the node's next preparation moves pull * k_i of the way to the consensus):
                  missing, rejected, rejoining             k = 0
                  outside eps_phi while fully coupled      k = 0      (decoupled)
                  a member, or outside while k < 1         k = min(1, k + 1 / ramp_rounds)
                  no consensus formed                      k unchanged
                so a decoupled node is not pulled in the round it leaves, then pulled back
                with a weight that rises over the next ramp_rounds rounds (the ACE's ramp,
                spec §12 "temporary decoupling and resynchronization via the ACE"), and is
                decoupled again if it is still outside once fully coupled. A member whose
                coupling reaches 1 again is recorded as ``resynchronised`` (its return).

Every node that answered gets a ``Delivery`` (consensus, coupling, decoupled and why); a node
whose delivery fails is treated as missing from then on (it rejoins decoupled). The round's
outcome is one block of the federation ledger (``orchestrator.record.ledger_events``).

The coordinator's state between rounds (each node's coupling, who was absent, the last round
accepted from each node) is a function of the round events it produced, so a resumed
federation rebuilds it from its ledger (``replay``) and decides the next round exactly as the
uninterrupted coordinator would.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, final

import numpy as np

from orchestrator.contract.federation import NodeDown
from orchestrator.federation.consensus import consensus
from orchestrator.federation.protocol import Delivery
from orchestrator.federation.signing import Contribution, Intake, Rejection
from orchestrator.record.ledger_events import round_event

__all__ = ["Coordinator", "RoundOutcome"]

OUTSIDE = "outside eps_phi"
REJOINING = "rejoining after an absence"
NO_CONSENSUS = "no consensus formed"


@dataclass
class RoundOutcome:
    """What one round decided (``event()`` is its ledger form; ``signatures`` go to meta)."""

    round: int
    tick: int
    consensus: tuple[float, ...] | None
    members: list[str] = field(default_factory=list)
    decoupled: dict[str, str] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)
    rejoining: list[str] = field(default_factory=list)
    coupling: dict[str, float] = field(default_factory=dict)
    resynchronised: list[str] = field(default_factory=list)
    undelivered: dict[str, str] = field(default_factory=dict)
    deliveries: dict[str, Delivery] = field(default_factory=dict)
    signatures: dict[str, str] = field(default_factory=dict)

    def event(self, timestamp_us: int) -> dict[str, Any]:
        """The round's federation-ledger event (without the ledger's block fields);
        ``timestamp_us``: network time of the round's last tick, microseconds."""
        return round_event(
            round=self.round,
            tick=self.tick,
            timestamp_us=timestamp_us,
            consensus=None if self.consensus is None else list(self.consensus),
            members=self.members,
            decoupled=self.decoupled,
            rejected=self.rejected,
            missing=self.missing,
            rejoining=self.rejoining,
            coupling=self.coupling,
            resynchronised=self.resynchronised,
            undelivered=self.undelivered,
        )


@final
class Coordinator:
    """Rounds of one federation run (not thread-safe).

    run_id: the run's id (signed by every contribution). keys: node id -> public key hex.
    channels: phases per contribution. eps_phi: consensus radius, rad. ramp_rounds: rounds
    for a decoupled node's coupling to return to 1.
    """

    def __init__(
        self,
        run_id: str,
        keys: Mapping[str, str],
        channels: int,
        eps_phi: float,
        ramp_rounds: int,
    ) -> None:
        self.nodes = sorted(keys)
        self.intake = Intake(run_id, keys, channels)
        self.eps_phi = eps_phi
        self.ramp = 1.0 / ramp_rounds
        self.coupling = dict.fromkeys(self.nodes, 1.0)
        self.absent: set[str] = set()

    def collect(self, round: int, tick: int, answers: Mapping[str, Any]) -> RoundOutcome:
        """Decide round ``round`` from each node's answer to ``advance`` (module docstring).

        answers: node id -> ``Contribution`` or ``NodeDown``; a node not in it is missing.
        """
        out = RoundOutcome(round, tick, None)
        accepted: dict[str, Contribution] = {}
        for node in self.nodes:
            answer = answers.get(node)
            if not isinstance(answer, Contribution):
                why = answer.reason if isinstance(answer, NodeDown) else "no answer"
                out.missing[node] = why if isinstance(why, str) else str(why)
                continue
            refused = self.intake.admit(answer, round, channel=node)
            if refused is Rejection.RELAYED:
                out.rejected[node] = (
                    f"relayed: carries node {answer.node_id}'s contribution to round "
                    f"{answer.round}"
                )
            elif refused is not None:
                out.rejected[node] = refused.value
            elif node in self.absent:
                out.rejoining.append(node)
                accepted[node] = answer
            else:
                accepted[node] = answer
        for node in out.rejoining:
            self.absent.discard(node)
        voters = [n for n in accepted if n not in out.rejoining]
        if voters:
            phases = np.array([accepted[n].phases for n in voters], dtype=np.float64)
            result = consensus(phases, self.eps_phi)
            out.consensus = tuple(float(x) for x in result.phases)
            out.members = [voters[i] for i in result.members]
            out.decoupled = {voters[i]: OUTSIDE for i in result.decoupled}
        out.decoupled.update(dict.fromkeys(out.rejoining, REJOINING))
        for node, contribution in accepted.items():
            out.signatures[node] = contribution.signature
            if out.consensus is None and node not in out.decoupled:
                out.decoupled[node] = NO_CONSENSUS
        for node in self.nodes:
            self._couple(out, node)
        for node in (*accepted, *out.rejected):
            decoupled = node in out.decoupled or node in out.rejected
            reason = out.decoupled.get(node) or (
                f"rejected: {out.rejected[node]}" if node in out.rejected else None
            )
            out.deliveries[node] = Delivery(
                round, out.consensus, out.coupling[node], decoupled, reason
            )
        out.decoupled = dict(sorted(out.decoupled.items()))
        return out

    def replay(self, event: Mapping[str, Any]) -> None:
        """Take the state after a round from its committed ``round`` event (``event()`` plus
        ``undelivered``), as ``collect`` and ``delivered`` left it."""
        round, missing, rejected = event["round"], event["missing"], event["rejected"]
        for node in event["rejoining"]:
            self.absent.discard(node)
        for node in self.nodes:
            if node not in missing and node not in rejected:
                self.intake.note(node, round)
        self.absent.update(missing)
        self.coupling.update({n: float(k) for n, k in event["coupling"].items()})
        for node in event["undelivered"]:
            self.absent.add(node)
            self.coupling[node] = 0.0

    def _couple(self, out: RoundOutcome, node: str) -> None:
        before = self.coupling[node]
        reason = out.decoupled.get(node)
        if node in out.missing or node in out.rejected or reason == REJOINING:
            after = 0.0
        elif reason == NO_CONSENSUS:
            after = before
        elif reason == OUTSIDE and before >= 1.0:
            after = 0.0
        else:  # a member, or a decoupled node being ramped back
            after = min(1.0, before + self.ramp)
            if after > 1.0 - 1e-12:
                after = 1.0
            if node in out.members and before < 1.0 and after == 1.0:
                out.resynchronised.append(node)
        if node in out.missing:
            self.absent.add(node)
        self.coupling[node] = after
        out.coupling[node] = after

    def delivered(self, out: RoundOutcome, receipts: Mapping[str, Any]) -> None:
        """Note which deliveries failed: those nodes rejoin decoupled next time."""
        for node in out.deliveries:
            receipt = receipts.get(node)
            if isinstance(receipt, NodeDown) or node not in receipts:
                out.undelivered[node] = receipt.reason if isinstance(receipt, NodeDown) else "?"
                self.absent.add(node)
                self.coupling[node] = 0.0
