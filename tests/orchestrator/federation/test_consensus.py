"""Phase consensus of §12 against brute force, hand-worked cases and the Byzantine bound."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from orchestrator.federation.consensus import consensus, shift_bound

TAU = 2 * math.pi
TIE = 1e-15  # per node: sums of n arcs that are equal in exact arithmetic differ by less


def arc(a: float, b: float) -> float:
    """Arc distance written independently of the module: fold |a - b| mod 2 pi."""
    d = math.fmod(abs(a - b), TAU)
    return min(d, TAU - d)


def apart(a: float, b: float) -> float:
    """Arc distance between two angles via the complex plane."""
    return abs(np.angle(np.exp(1j * (a - b))))


def brute_force(phi: list[list[float]], eps: float):
    """Centre by scanning every candidate, members by scanning every node, complex mean."""
    n, m = len(phi), len(phi[0])
    costs = [[sum(arc(phi[c][k], phi[j][k]) for j in range(n)) for c in range(n)] for k in range(m)]
    # the lowest index among the least costs, equal up to rounding (TIE)
    best = [next(c for c in range(n) if costs[k][c] <= min(costs[k]) + TIE * n) for k in range(m)]
    centre = [phi[best[k]][k] for k in range(m)]
    members = [i for i in range(n) if all(arc(phi[i][k], centre[k]) < eps for k in range(m))]
    z = np.exp(1j * np.array(phi)[members]).sum(axis=0) if members else None
    return costs, centre, members, z


def honest_mean(phases: np.ndarray) -> float:
    return float(np.angle(np.exp(1j * phases).sum()))


def test_wrap_around_pair_averages_across_zero():
    out = consensus([[0.1], [TAU - 0.1]], eps_phi=0.5)
    assert out.members == (0, 1) and out.decoupled == ()
    assert apart(out.phases[0], 0.0) < 1e-12  # the arithmetic mean would say pi
    assert 0.0 <= out.phases[0] < TAU


def test_wrap_around_cluster_with_an_outlier():
    near_zero = [0.05, TAU - 0.05, 0.02, TAU - 0.03, 0.01]
    near_pi = [math.pi - 0.02, math.pi + 0.04, -math.pi + 0.01, math.pi, math.pi + 0.02]
    phi = np.array([near_zero, near_pi]).T
    phi = np.vstack([phi, [3.0, 0.5]])  # node 5 is far on both channels
    out = consensus(phi, eps_phi=0.3)
    assert out.members == (0, 1, 2, 3, 4) and out.decoupled == (5,)
    for k, values in enumerate((near_zero, near_pi)):
        expect = math.atan2(sum(map(math.sin, values)), sum(map(math.cos, values)))
        assert apart(out.phases[k], expect) < 1e-12


def test_one_node_is_its_own_consensus():
    out = consensus([[0.3, TAU + 1.0, -0.5]], eps_phi=0.1)
    assert out.members == (0,) and out.decoupled == ()
    assert np.allclose(out.phases, [0.3, 1.0, TAU - 0.5])
    assert np.allclose(out.centre, out.phases)


def test_two_nodes_farther_than_eps_keep_the_lower_index():
    out = consensus([[1.0, 2.0], [2.0, 1.0]], eps_phi=0.5)
    assert out.members == (0,) and out.decoupled == (1,)
    assert np.allclose(out.phases, [1.0, 2.0])


def test_membership_is_per_node_over_every_channel():
    honest = np.full((4, 8), 0.2)
    sly = np.full((1, 8), 0.2)
    sly[0, 5] = 0.2 + math.pi  # mean distance pi / 8 < eps, one channel opposite
    out = consensus(np.vstack([honest, sly]), eps_phi=0.5)
    assert out.decoupled == (4,)
    assert np.allclose(out.phases, 0.2)


def test_no_node_within_eps_everywhere_returns_the_centre():
    # each node is off the majority on one channel
    phi = np.array([[0.0, 3.0, 0.0], [0.0, 0.0, 3.0], [3.0, 0.0, 0.0]])
    out = consensus(phi, eps_phi=1.0)
    assert out.members == () and out.decoupled == (0, 1, 2)
    assert np.allclose(out.centre, 0.0) and np.allclose(out.phases, out.centre)


def test_vanishing_resultant_returns_the_centre():
    phi = [[0.0], [TAU / 3], [2 * TAU / 3]]
    out = consensus(phi, eps_phi=math.pi)
    assert out.members == (0, 1, 2)
    assert out.phases[0] == out.centre[0] == 0.0


@pytest.mark.parametrize(
    ("phases", "eps"),
    [([[0.0]], 0.0), ([[0.0]], 4.0), ([[math.nan]], 0.1), ([0.0, 1.0], 0.1), ([[]], 0.1)],
)
def test_bad_input_is_refused(phases, eps):
    with pytest.raises(ValueError):
        consensus(phases, eps)


angles = st.floats(-4 * math.pi, 4 * math.pi, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    phi=st.integers(1, 9).flatmap(
        lambda n: st.lists(st.lists(angles, min_size=3, max_size=3), min_size=n, max_size=n)
    ),
    eps=st.floats(0.05, math.pi),
)
def test_matches_brute_force(phi, eps):
    costs, centre, members, z = brute_force(phi, eps)
    # stay off knife edges, where rounding alone may decide: a near-tie between two different
    # candidates, a node at eps from the centre, a resultant of almost nothing
    for k in range(3):
        low = min(costs[k])
        assume(all(c - low <= TIE * len(phi) or c - low > 1e-9 for c in costs[k]))
    assume(all(abs(arc(p[k], centre[k]) - eps) > 1e-9 for p in phi for k in range(3)))
    assume(z is None or np.all(np.abs(z) > 1e-6))
    out = consensus(phi, eps)
    assert all(apart(a, b) < 1e-12 for a, b in zip(out.centre, centre))
    assert list(out.members) == members
    assert sorted(out.members + out.decoupled) == list(range(len(phi)))
    expect = centre if z is None else np.angle(z)
    assert all(apart(a, b) < 1e-9 for a, b in zip(out.phases, expect))
    assert np.all((out.phases >= 0) & (out.phases < TAU))


@settings(max_examples=200, deadline=None)
@given(
    column=st.lists(angles, min_size=1, max_size=12),
)
def test_centre_minimises_over_the_whole_circle(column):
    out = consensus([[x] for x in column], eps_phi=math.pi)
    grid = np.concatenate([np.linspace(0, TAU, 3601), np.array(column), np.array(column) + math.pi])

    def cost(x: float) -> float:
        return sum(arc(x, p) for p in column)

    assert cost(out.centre[0]) <= min(cost(x) for x in grid) + 1e-9


@pytest.mark.parametrize(("n", "f"), [(3, 1), (4, 1), (7, 3), (16, 7), (16, 1)])
@pytest.mark.parametrize("side", [1.0, -1.0])
def test_byzantine_just_inside_eps_reach_the_bound(n, f, side):
    theta, eps = TAU - 0.01, 0.3  # the honest value sits next to the wrap
    beta = eps * (1 - 1e-9)
    phi = np.array([[theta]] * (n - f) + [[theta + side * beta]] * f)
    out = consensus(phi, eps)
    assert out.members == tuple(range(n))
    # f unit vectors at beta beside n - f at 0: the shift in closed form
    shift = math.atan2(f * math.sin(beta), (n - f) + f * math.cos(beta))
    assert apart(out.phases[0], theta + side * shift) < 1e-12
    assert shift <= shift_bound(n, f, 0.0, eps) < shift + 1e-9


@pytest.mark.parametrize(("n", "f"), [(3, 1), (4, 1), (7, 3), (16, 7)])
def test_byzantine_just_outside_eps_are_decoupled(n, f):
    theta, eps = 0.005, 0.3
    phi = np.array([[theta, 1.0]] * (n - f) + [[theta - eps * (1 + 1e-9), 1.0]] * f)
    out = consensus(phi, eps)
    assert out.members == tuple(range(n - f)) and out.decoupled == tuple(range(n - f, n))
    assert apart(out.phases[0], theta) < 1e-12 and apart(out.phases[1], 1.0) < 1e-12


@st.composite
def byzantine_rounds(draw):
    n = draw(st.integers(3, 20))
    f = draw(st.integers(0, (n - 1) // 2))
    delta = draw(st.floats(0.0, min(math.pi / (n + 2), 0.35)))
    eps = draw(st.floats(2 * delta + 1e-6, math.pi / 2 - 2 * delta))
    assume(2 * delta < eps <= math.pi / 2 - 2 * delta)
    theta = draw(st.floats(0.0, TAU))
    spread = st.lists(st.floats(-delta, delta), min_size=n - f, max_size=n - f)
    honest = theta + np.array(draw(spread))
    mu = honest_mean(honest)
    # the attacker sees the honest phases; it may sit just inside the reach of a centre anywhere
    # in the honest arc, at the antipode, or anywhere at all
    targets = [theta + delta + eps, theta - delta - eps, mu + eps + 2 * delta, theta + math.pi]
    byz = [
        draw(st.sampled_from(targets)) + draw(st.floats(-1e-6, 1e-6))
        if draw(st.booleans())
        else draw(st.floats(0.0, TAU))
        for _ in range(f)
    ]
    return n, f, delta, eps, honest, np.array(byz)


@settings(max_examples=400, deadline=None)
@given(byzantine_rounds())
def test_byzantine_minority_stays_within_the_bound(case):
    n, f, delta, eps, honest, byz = case
    out = consensus(np.concatenate([honest, byz])[:, None], eps)
    assert set(range(n - f)) <= set(out.members)  # every honest node is kept
    assert apart(out.phases[0], honest_mean(honest)) <= shift_bound(n, f, delta, eps) + 1e-9


def test_bound_refuses_its_hypotheses_failing():
    with pytest.raises(ValueError):
        shift_bound(4, 2, 0.0, 0.3)  # no honest majority
    with pytest.raises(ValueError):
        shift_bound(5, 1, 0.2, 0.3)  # 2 delta >= eps
    with pytest.raises(ValueError):
        shift_bound(5, 1, 0.1, 1.5)  # rho > pi / 2
