"""The federation rule's pull (§12) against a rotation on the unit circle computed directly."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import example, given, settings
from hypothesis import strategies as st

from orchestrator.contract.federation_config import FederationConfig
from orchestrator.control.federation import FederationRule, phase_vector, pulled
from orchestrator.control.rule import NextTick
from orchestrator.federation.protocol import Delivery
from orchestrator.physics.pci import AceState
from orchestrator.physics.tick_io import QuantumRequest

NODE = {"id": "a", "public_key": "ab" * 32, "key_file": "a.key"}
COUPLING = AceState(40.0, 40.0, 0.5)


def rule(pull: float) -> FederationRule:
    return FederationRule(FederationConfig(nodes=[NODE], pull=pull))


def rotated(phi: float, target: float, weight: float) -> float:
    """Turn e^{i phi} by weight times the angle to e^{i target}, the short way round.

    The principal power of t/z turns the short way; exact antipodes are left to the caller (a
    special case here once disagreed with the caller's cutoff: phi = pi, target = 1.2e-7).
    """
    z, t = complex(math.cos(phi), math.sin(phi)), complex(math.cos(target), math.sin(target))
    return float(np.angle(z * (t / z) ** weight))


angle = st.floats(-math.pi, math.pi, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(phi=angle, target=angle, weight=st.floats(0, 1))
@example(phi=math.pi, target=1.1920928955078125e-07, weight=1.0)
def test_pull_turns_the_short_way_by_the_fraction(phi, target, weight):
    (got,) = pulled(np.array([phi]), np.array([target]), weight)
    assert -math.pi < got <= math.pi
    gap = abs(np.angle(np.exp(1j * (target - phi))))
    if abs(gap - math.pi) < 1e-9:  # antipodes: both ways are short
        return
    assert abs(np.angle(np.exp(1j * (got - rotated(phi, target, weight))))) < 1e-9


def test_across_zero_and_full_weight():
    got = pulled(np.array([0.1, -3.0, 2.0]), np.array([-0.1, 3.0, 2.5]), 1.0)
    assert np.allclose(got, [-0.1, 3.0, 2.5])
    half = pulled(np.array([3.0]), np.array([-3.0]), 0.5)  # across pi, not through 0
    assert abs(abs(half[0]) - math.pi) < 1e-12


def test_qubit_preparation_keeps_theta_and_moves_phi():
    prep = NextTick(QuantumRequest(theta=np.array([0.4, 1.2]), phi=np.array([0.2, -2.0])), COUPLING)
    r = rule(pull=0.5)
    delivery = Delivery(3, (0.6, -2.4), coupling=0.5, decoupled=False, reason=None)
    after, fields = r.receive(delivery, prep)
    assert np.array_equal(after.preparation.theta, [0.4, 1.2])
    assert np.allclose(after.preparation.phi, [0.2 + 0.25 * 0.4, -2.0 - 0.25 * 0.4])
    assert fields["pull_weight"] == 0.25 and fields["round"] == 3
    assert after.coupling == COUPLING
    meta, arrays = r.state()
    # the phases before the pull, bit for bit: the node's contribution to round 3, which a
    # resumed coordinator may ask for again after the pull (issue 26 part 3)
    assert meta == {"round": 3, "coupling": 0.5} and list(arrays) == ["before"]
    assert arrays["before"].tobytes() == phase_vector(prep.preparation).tobytes()
    restored = rule(pull=0.5)
    restored.restore(meta, arrays)
    assert restored.round == 3 and restored.before.tobytes() == arrays["before"].tobytes()


def test_amplitude_preparation_keeps_moduli():
    amps = np.array([0.6, 0.8j, 0.0, 0.0])
    prep = NextTick(QuantumRequest(amplitudes=amps), COUPLING)
    delivery = Delivery(0, (1.0, 1.0, 0.0, 0.0), coupling=1.0, decoupled=False, reason=None)
    after, _ = rule(pull=1.0).receive(delivery, prep)
    out = after.preparation.amplitudes
    assert np.allclose(np.abs(out), np.abs(amps))
    assert np.allclose(np.angle(out[:2]), [1.0, 1.0])


def test_decoupled_or_no_consensus_leaves_the_preparation():
    prep = NextTick(QuantumRequest(theta=np.array([0.4]), phi=np.array([0.2])), COUPLING)
    for delivery in (
        Delivery(1, (2.0,), coupling=0.0, decoupled=True, reason="outside eps_phi"),
        Delivery(2, None, coupling=1.0, decoupled=True, reason="no consensus formed"),
    ):
        r = rule(pull=1.0)
        after, fields = r.receive(delivery, prep)
        assert np.array_equal(after.preparation.phi, [0.2]) and fields["pull_weight"] == 0.0
    restored = rule(pull=1.0)
    restored.restore(*r.state())
    assert restored.state() == r.state()


def test_a_decoupled_node_being_ramped_back_is_pulled_by_its_coupling():
    prep = NextTick(QuantumRequest(theta=np.array([0.4]), phi=np.array([0.2])), COUPLING)
    delivery = Delivery(5, (1.2,), coupling=0.5, decoupled=True, reason="outside eps_phi")
    after, fields = rule(pull=0.8).receive(delivery, prep)
    assert fields["pull_weight"] == 0.4 and fields["decoupled"]
    assert np.allclose(after.preparation.phi, [0.2 + 0.4 * 1.0])
