"""The coordinator's round (§12): intake refusals recorded, consensus, decoupling, the ramp."""

from __future__ import annotations

import dataclasses
import json
import math

import numpy as np
import pytest

from orchestrator.contract.federation import NodeDown
from orchestrator.federation.coordinator import NO_CONSENSUS, OUTSIDE, REJOINING, Coordinator
from orchestrator.federation.signing import generate_private_key, public_key_hex, sign

RUN = "run-c0ffee"
IDS = ("a", "b", "c", "d")
KEYS = {node: generate_private_key() for node in IDS}


def coordinator(ramp_rounds: int = 3, eps_phi: float = 0.5) -> Coordinator:
    keys = {n: public_key_hex(k) for n, k in KEYS.items()}
    return Coordinator(RUN, keys, channels=2, eps_phi=eps_phi, ramp_rounds=ramp_rounds)


def signed(round: int, phases: dict[str, tuple[float, float]]):
    return {n: sign(KEYS[n], RUN, round, n, p) for n, p in phases.items()}


CLOSE = {"a": (0.10, 3.0), "b": (0.12, 3.1), "c": (6.25, 3.05), "d": (0.05, 2.95)}


def test_consensus_is_the_circular_mean_of_the_members():
    out = coordinator().collect(0, 10, signed(0, CLOSE))
    assert out.members == list(IDS) and out.decoupled == {} and out.rejected == {}
    for k in range(2):
        z = sum(complex(math.cos(p[k]), math.sin(p[k])) for p in CLOSE.values())
        assert abs(np.angle(np.exp(1j * out.consensus[k]) / z * abs(z))) < 1e-12
    assert all(d.coupling == 1.0 and not d.decoupled for d in out.deliveries.values())
    assert out.event(0)["consensus"] == list(out.consensus)


def test_a_far_node_is_decoupled_and_its_coupling_ramps_back():
    c = coordinator(ramp_rounds=3)
    far = dict(CLOSE, d=(2.0, 3.0))
    out = c.collect(0, 10, signed(0, far))
    assert out.decoupled == {"d": OUTSIDE} and out.deliveries["d"].decoupled
    assert out.coupling["d"] == 0.0 and out.deliveries["d"].coupling == 0.0
    seen = []
    for r in (1, 2, 3, 4):
        out = c.collect(r, 10 * (r + 1), signed(r, CLOSE))
        seen.append((out.coupling["d"], out.resynchronised))
    assert seen == [(pytest.approx(1 / 3), []), (pytest.approx(2 / 3), []), (1.0, ["d"]), (1.0, [])]


@pytest.mark.parametrize("attack", ["forged", "unknown key", "replayed round"])
def test_refused_contributions_are_recorded_and_decoupled(attack):
    c = coordinator()
    first = c.collect(0, 10, signed(0, CLOSE))
    answers = signed(1, CLOSE)
    if attack == "forged":
        answers["b"] = dataclasses.replace(answers["b"], phases=(1.0, 1.0))
        reason = "bad signature"
    elif attack == "unknown key":
        answers["b"] = sign(generate_private_key(), RUN, 1, "b", CLOSE["b"])
        reason = "unknown key"
    else:
        answers["b"] = sign(KEYS["b"], RUN, 0, "b", CLOSE["b"])  # round 0 again
        reason = "replayed round"
    out = c.collect(1, 20, answers)
    assert out.rejected == {"b": reason}
    assert out.event(0)["rejected"] == {"b": reason}
    assert "b" not in out.members and out.coupling["b"] == 0.0
    delivery = out.deliveries["b"]
    assert delivery.decoupled and delivery.reason == f"rejected: {reason}"
    # the consensus is the other three's
    z = np.exp(1j * np.array([CLOSE[n] for n in ("a", "c", "d")])).sum(axis=0)
    assert np.allclose(np.exp(1j * np.array(out.consensus)), z / abs(z))
    assert first.consensus != out.consensus
    assert "b" not in out.signatures


def test_a_missing_node_rejoins_decoupled_then_resynchronises():
    c = coordinator(ramp_rounds=2)
    c.collect(0, 10, signed(0, CLOSE))
    answers = dict(signed(1, CLOSE), c=NodeDown("c", "process died", restarted=True))
    out = c.collect(1, 20, answers)
    assert out.missing == {"c": "process died"} and "c" not in out.deliveries
    out = c.collect(2, 30, signed(2, CLOSE))
    assert out.rejoining == ["c"] and out.decoupled == {"c": REJOINING}
    assert "c" not in out.members and out.deliveries["c"].decoupled
    out = c.collect(3, 40, signed(3, CLOSE))
    assert out.rejoining == [] and out.coupling["c"] == 0.5 and "c" in out.members
    out = c.collect(4, 50, signed(4, CLOSE))
    assert out.resynchronised == ["c"]


def test_a_failed_delivery_makes_the_node_rejoin():
    c = coordinator()
    out = c.collect(0, 10, signed(0, CLOSE))
    receipts = {n: {} for n in IDS} | {"a": NodeDown("a", "timeout", restarted=True)}
    c.delivered(out, receipts)
    assert out.undelivered == {"a": "timeout"}
    assert c.collect(1, 20, signed(1, CLOSE)).rejoining == ["a"]


def test_no_voter_means_no_consensus():
    c = coordinator()
    c.collect(0, 10, {n: NodeDown(n, "down", True) for n in IDS})
    out = c.collect(1, 20, signed(1, {"a": CLOSE["a"]}))
    assert out.consensus is None and out.decoupled == {"a": REJOINING}
    out = c.collect(2, 30, signed(2, {"a": CLOSE["a"]}))
    assert out.consensus is not None and out.members == ["a"]
    c2 = coordinator()
    c2.collect(0, 10, signed(0, CLOSE))
    out = c2.collect(1, 20, {"a": sign(KEYS["a"], RUN, 0, "a", CLOSE["a"])})  # only a replay
    assert out.consensus is None and out.rejected == {"a": "replayed round"}
    assert out.deliveries["a"].consensus is None and out.deliveries["a"].decoupled
    assert NO_CONSENSUS not in out.decoupled.values()


def test_a_node_that_stays_outside_is_pulled_back_then_decoupled_again():
    c = coordinator(ramp_rounds=2)
    far = dict(CLOSE, d=(2.0, 3.0))
    seen = []
    for r in range(5):
        out = c.collect(r, 10 * (r + 1), signed(r, far))
        assert out.decoupled == {"d": OUTSIDE} and "d" not in out.members
        seen.append((out.coupling["d"], out.deliveries["d"].coupling, out.resynchronised))
    # decoupled (0), ramped back while outside (1/2, 1), decoupled again once fully coupled
    assert seen == [(0.0, 0.0, []), (0.5, 0.5, []), (1.0, 1.0, []), (0.0, 0.0, []), (0.5, 0.5, [])]
    assert all(out.coupling[n] == 1.0 for n in "abc")


def test_a_relayed_contribution_is_refused_and_the_honest_node_keeps_its_place():
    """F2: node a answers with b's authentic message of this round (no key stolen)."""
    c = coordinator()
    c.collect(0, 10, signed(0, CLOSE))
    answers = signed(1, CLOSE)
    answers["a"] = answers["b"]  # a relays b's current-round message
    out = c.collect(1, 20, answers)
    assert out.rejected == {"a": "relayed: carries node b's contribution to round 1"}
    assert out.members == ["b", "c", "d"] and out.decoupled == {}
    assert out.coupling["b"] == 1.0 and not out.deliveries["b"].decoupled
    assert out.coupling["a"] == 0.0 and out.deliveries["a"].decoupled
    assert set(out.signatures) == {"b", "c", "d"}
    # the relayer's own next message is still accepted: nothing of its round was used up
    out = c.collect(2, 30, signed(2, CLOSE))
    assert out.rejected == {} and out.members == list(IDS)


def test_a_contribution_for_another_round_on_its_own_channel_is_refused():
    c = coordinator()
    c.collect(0, 10, signed(0, CLOSE))
    answers = signed(1, CLOSE)
    answers["c"] = sign(KEYS["c"], RUN, 2, "c", CLOSE["c"])  # signed ahead, for round 2
    out = c.collect(1, 20, answers)
    assert out.rejected == {"c": "not the current round"}
    out = c.collect(2, 30, signed(2, CLOSE))
    assert out.rejected == {} and "c" in out.members


def test_a_coordinator_rebuilt_from_its_round_events_decides_the_next_round_identically():
    """A resumed coordinator replays the round blocks of its ledger (issue 26 part 3): its
    next round must equal the uninterrupted coordinator's, whatever the history held."""
    far = dict(CLOSE, d=(2.0, 3.0))
    history = [  # (answers, failed deliveries) per round: every path of collect and delivered
        (signed(0, far), {}),
        (dict(signed(1, CLOSE), c=NodeDown("c", "process died", restarted=True)), {}),
        (dict(signed(2, CLOSE), b=sign(KEYS["b"], RUN, 1, "b", CLOSE["b"])), {"a": "timeout"}),
        (dict(signed(3, CLOSE), d=signed(3, CLOSE)["a"]), {}),  # d relays a
        (signed(4, far), {}),
        (signed(5, CLOSE), {}),
        (signed(6, CLOSE), {}),
    ]
    live = coordinator(ramp_rounds=2)
    events = []
    for r, (answers, failed) in enumerate(history):
        rebuilt = coordinator(ramp_rounds=2)
        for event in events:
            rebuilt.replay(event)
        assert rebuilt.coupling == live.coupling and rebuilt.absent == live.absent
        assert {n: rebuilt.intake.last_round(n) for n in IDS} == {
            n: live.intake.last_round(n) for n in IDS
        }
        out = live.collect(r, 10 * (r + 1), answers)
        again = rebuilt.collect(r, 10 * (r + 1), answers)
        receipts = {n: {} for n in out.deliveries} | {
            n: NodeDown(n, why, restarted=True) for n, why in failed.items()
        }
        live.delivered(out, receipts)
        rebuilt.delivered(again, receipts)
        assert again.event(0) == out.event(0) and again.deliveries == out.deliveries
        events.append(json.loads(json.dumps(out.event(0))))  # as the ledger gives it back
    kinds = {k for e in events for k in ("missing", "rejected", "rejoining", "undelivered",
                                         "resynchronised") if e[k]}  # fmt: skip
    assert kinds == {"missing", "rejected", "rejoining", "undelivered", "resynchronised"}
