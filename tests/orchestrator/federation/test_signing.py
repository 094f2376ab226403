"""Signed contributions (§12): what the coordinator's intake accepts, and why it refuses."""

from __future__ import annotations

import dataclasses
import json
import math
import struct

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.federation.signing import (
    CONTRIBUTION_TAG,
    Contribution,
    Intake,
    Rejection,
    generate_private_key,
    load_private_key,
    load_public_key,
    private_key_hex,
    public_key_hex,
    sign,
)

RUN = "run-7f3a"
PHASES = (0.1, 2.5, 6.2, 1e-7)
KEYS = {node: generate_private_key() for node in ("alpha", "beta", "gamma")}


@pytest.fixture
def intake() -> Intake:
    return Intake(RUN, {node: public_key_hex(k) for node, k in KEYS.items()}, channels=4)


def test_a_valid_contribution_is_accepted_once(intake):
    c = sign(KEYS["alpha"], RUN, 0, "alpha", PHASES)
    assert intake.admit(c, current_round=0) is None
    assert intake.last_round("alpha") == 0
    assert intake.admit(c, current_round=0) is Rejection.REPLAYED_ROUND


def test_forged_phases_are_a_bad_signature(intake):
    c = sign(KEYS["alpha"], RUN, 0, "alpha", PHASES)
    forged = dataclasses.replace(c, phases=(0.1, 2.5, 6.2, 2e-7))
    assert intake.admit(forged, 0) is Rejection.BAD_SIGNATURE
    assert intake.admit(c, 0) is None  # the refusal left no trace


def test_another_nodes_key_under_a_listed_identity_is_a_bad_signature(intake):
    c = sign(KEYS["beta"], RUN, 0, "alpha", PHASES)
    impostor = dataclasses.replace(c, public_key=public_key_hex(KEYS["alpha"]))
    assert intake.admit(impostor, 0) is Rejection.BAD_SIGNATURE


def test_an_unlisted_key_is_unknown(intake):
    stranger = generate_private_key()
    assert intake.admit(sign(stranger, RUN, 0, "alpha", PHASES), 0) is Rejection.UNKNOWN_KEY
    # a listed key speaking for another node is not that node's key either
    assert intake.admit(sign(KEYS["beta"], RUN, 0, "alpha", PHASES), 0) is Rejection.UNKNOWN_KEY


def test_an_unlisted_node_is_unknown(intake):
    c = sign(generate_private_key(), RUN, 0, "delta", PHASES)
    assert intake.admit(c, 0) is Rejection.UNKNOWN_NODE


def test_another_runs_contribution_is_refused(intake):
    c = sign(KEYS["gamma"], "run-other", 0, "gamma", PHASES)
    assert intake.admit(c, 0) is Rejection.WRONG_RUN
    assert intake.last_round("gamma") is None


def test_replayed_and_stale_rounds(intake):
    key = KEYS["beta"]
    r0, r1 = (sign(key, RUN, r, "beta", PHASES) for r in (0, 1))
    assert intake.admit(r0, 0) is None
    assert intake.admit(r1, 1) is None
    assert intake.admit(r1, 1) is Rejection.REPLAYED_ROUND
    assert intake.admit(r0, 1) is Rejection.STALE_ROUND
    other = sign(key, RUN, 1, "beta", (0.0, 0.0, 0.0, 0.0))  # a second, different round 1
    assert intake.admit(other, 1) is Rejection.REPLAYED_ROUND


def test_only_the_current_round_and_channel_count(intake):
    ahead = sign(KEYS["alpha"], RUN, 5, "alpha", PHASES)
    assert intake.admit(ahead, 1) is Rejection.WRONG_ROUND
    short = sign(KEYS["alpha"], RUN, 1, "alpha", PHASES[:3])
    assert intake.admit(short, 1) is Rejection.WRONG_CHANNELS
    assert intake.admit(sign(KEYS["alpha"], RUN, 1, "alpha", PHASES), 1) is None


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_phases_are_refused(intake, bad):
    with pytest.raises(ValueError):
        sign(KEYS["alpha"], RUN, 0, "alpha", (0.0, bad, 0.0, 0.0))
    good = sign(KEYS["alpha"], RUN, 0, "alpha", PHASES)
    assert intake.admit(dataclasses.replace(good, phases=(0.0, bad, 0.0, 0.0)), 0) is (
        Rejection.NON_FINITE
    )


@pytest.mark.parametrize(
    "change",
    [
        {"signature": "zz" * 64},
        {"signature": "ab" * 63},
        {"public_key": "0" * 63 + " "},
        {"round": True},
        {"round": -1},
        {"round": 2**60},
        {"phases": [0.1, 2.5, 6.2, 1e-7]},
        {"phases": (0.1, "2.5", 6.2, 1e-7)},
        {"phases": (0.1, True, 6.2, 1e-7)},
        {"phases": (0.1, 10**400, 6.2, 1e-7)},
        {"node_id": None},
    ],
)
def test_malformed_contributions_are_refused(intake, change):
    good = sign(KEYS["alpha"], RUN, 0, "alpha", PHASES)
    assert intake.admit(dataclasses.replace(good, **change), 0) is Rejection.MALFORMED


def _signed_by_hand(body: bytes, node: str, round: int, phases: tuple[float, ...]) -> Contribution:
    signature = KEYS[node].sign(CONTRIBUTION_TAG + body).hex()
    return Contribution(RUN, round, node, phases, public_key_hex(KEYS[node]), signature)


def _doubles(phases) -> bytes:
    """float64 little-endian, written with struct rather than numpy."""
    return struct.pack(f"<{len(phases)}d", *phases)


def test_signature_is_over_the_canonical_envelope_and_the_raw_doubles(intake):
    # the envelope built by the reference RFC 8785 encoder from a dict in another key order
    body = {"round": 0, "phases": len(PHASES), "node_id": "alpha", "run_id": RUN}
    signed = rfc8785.dumps(body) + _doubles(PHASES)
    assert intake.admit(_signed_by_hand(signed, "alpha", 0, PHASES), 0) is None
    # plain json.dumps of the same envelope is not canonical (spacing, key order): refused
    body = {"round": 0, "phases": len(PHASES), "node_id": "beta", "run_id": RUN}
    loose = json.dumps(body).encode()
    assert loose != rfc8785.dumps(body)
    bad = _signed_by_hand(loose + _doubles(PHASES), "beta", 0, PHASES)
    assert intake.admit(bad, 0) is Rejection.BAD_SIGNATURE
    # big-endian doubles, or the phases as JSON numbers (the v1 encoding): refused
    big = struct.pack(f">{len(PHASES)}d", *PHASES)
    bad = _signed_by_hand(rfc8785.dumps(body) + big, "beta", 0, PHASES)
    assert intake.admit(bad, 0) is Rejection.BAD_SIGNATURE
    v1 = rfc8785.dumps(dict(body, phases=list(PHASES)))
    assert intake.admit(_signed_by_hand(v1, "beta", 0, PHASES), 0) is Rejection.BAD_SIGNATURE
    good = _signed_by_hand(rfc8785.dumps(body) + _doubles(PHASES), "beta", 0, PHASES)
    assert intake.admit(good, 0) is None


def test_a_change_in_the_last_bit_of_one_phase_is_a_bad_signature(intake):
    c = sign(KEYS["gamma"], RUN, 0, "gamma", PHASES)
    nudged = list(PHASES)
    nudged[2] = math.nextafter(nudged[2], math.inf)
    assert intake.admit(dataclasses.replace(c, phases=tuple(nudged)), 0) is Rejection.BAD_SIGNATURE
    zero = sign(KEYS["gamma"], RUN, 0, "gamma", (0.0, 1.0, 2.0, 3.0))
    negative_zero = dataclasses.replace(zero, phases=(-0.0, 1.0, 2.0, 3.0))
    assert intake.admit(negative_zero, 0) is Rejection.BAD_SIGNATURE


@settings(max_examples=50, deadline=None)
@given(
    phases=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=4, max_size=4),
    round=st.integers(0, 2**53 - 1),
)
def test_any_finite_vector_round_trips_through_the_reference_encoder(phases, round):
    intake = Intake(RUN, {"gamma": public_key_hex(KEYS["gamma"])}, channels=4)
    body = {"node_id": "gamma", "phases": 4, "round": round, "run_id": RUN}
    c = _signed_by_hand(rfc8785.dumps(body) + _doubles(phases), "gamma", round, tuple(phases))
    assert intake.admit(c, round) is None


def test_keys_round_trip_as_hex():
    key = generate_private_key()
    again = load_private_key(private_key_hex(key))
    assert public_key_hex(again) == public_key_hex(key)
    assert len(public_key_hex(key)) == 64
    assert public_key_hex(load_public_key(public_key_hex(key))) == public_key_hex(key)


@pytest.mark.parametrize("text", ["", "00" * 31, "g" * 64, "00" * 33, "00 " * 21 + "0"])
def test_malformed_key_text_is_refused(text):
    with pytest.raises(ValueError):
        load_public_key(text)


def test_config_with_a_key_listed_twice_is_refused():
    shared = public_key_hex(KEYS["alpha"])
    with pytest.raises(ValueError):
        Intake(RUN, {"alpha": shared, "beta": shared.upper()}, channels=4)


def test_a_contribution_is_bound_to_the_channel_it_came_from(intake):
    """F2: alpha's authentic message arriving on beta's channel is refused, alpha unharmed."""
    c = sign(KEYS["alpha"], RUN, 0, "alpha", PHASES)
    assert intake.admit(c, current_round=0, channel="beta") is Rejection.RELAYED
    assert intake.last_round("alpha") is None and intake.last_round("beta") is None
    assert intake.admit(c, current_round=0, channel="alpha") is None
    forged = dataclasses.replace(c, phases=(0.2, 2.5, 6.2, 1e-7))
    # authentication comes first: a forgery on another channel is a bad signature
    assert intake.admit(forged, current_round=1, channel="beta") is Rejection.BAD_SIGNATURE
