"""Phase consensus of federated nodes (spec §12; design §3 "§12").

The spec writes, for nodes i = 1..N with phases phi_i,

    phi_global = (1/N) sum_i phi_i,   if |phi_i - phi_global| < eps_phi

which cannot be computed as written, for two reasons. (1) An arithmetic mean of angles is wrong
on a circle: 0.1 and 2 pi - 0.1 are 0.2 rad apart, yet their mean is pi, the opposite
direction; every wrap-around of a phase moves the mean by 2 pi / N. (2) The condition selects
the averaged nodes by their distance to the very mean they produce. Design §3 makes it
computable, per channel k of the m channels (node i sends phi_i in R^m, radians):

    d(a, b)  = |wrap(a - b)|  in [0, pi]                       (wrapped, i.e. arc, distance)
    c_k      = argmin_{x in {phi_1k..phi_Nk}} sum_j d(x, phi_jk)  (circular median: the centre)
    members  = { i : max_k d(phi_ik, c_k) < eps_phi }
    psi_k    = atan2(sum_{i in members} sin phi_ik, sum_{i in members} cos phi_ik)

and every node outside ``members`` is decoupled for the round (§12: "temporary decoupling and
resynchronization via the ACE").

The centre. sum_j d(x, phi_j) is piecewise linear in x with kinks at the phi_j (convex) and
at their antipodes (concave), so a global minimiser over the whole circle is always one of the
nodes' own phases: searching the N candidates is exact. Candidates whose cost is within
8 N pi eps_machine of the least (ties up to rounding) go to the lowest node index; the caller
lists nodes in a fixed order (sorted node ids), so a round is reproducible.

Membership is per node, with the maximum over channels (the §12 condition read with the sup
norm): a node is averaged on every channel or on none, and ``members`` is exactly the set that
produced ``phases``, which is what the round records and what ACE decouples. Per-channel
membership would leave no single member set to record. The mean distance over channels would
let a node agree on most channels and put anything (up to pi away) on a few while its mean
stays under eps_phi, which voids the bound below on exactly those channels. The price: an
honest node with one channel out of bounds is decoupled for the round.

Degenerate cases. N = 1: the node is its own centre and sole member. N = 2 farther apart than
eps_phi on some channel: nothing tells which is right; the lower index is the centre and the
only member. If no node is within eps_phi of the centre on every channel, ``members`` is
empty and ``phases`` is the centre. If the members' unit vectors sum to a resultant shorter
than 1e-12 per member (possible only when eps_phi > pi/2), the mean direction is undefined
and that channel's consensus is the centre.

Byzantine bound (one channel; it holds on each). N = h + f nodes, f of them Byzantine with any
phases, f < h (f < N/2). The honest phases are within delta of some theta*:
d(phi_i, theta*) <= delta. mu_H = honest circular mean, psi = consensus. If

    (A) (3h - f) delta <= (h - f) pi     (true for every f < N/2 when delta <= pi / (N + 2)),
    (B) 2 delta < eps_phi,               (C) rho := eps_phi + 2 delta <= pi/2,

then every honest node is a member, d(c, theta*) <= delta, and

    |wrap(psi - mu_H)| <= arctan( f sin rho / (h cos delta + f cos rho) )    (= ``shift_bound``)

which for delta = 0 is arctan(f sin eps / (h + f cos eps)) ~ (f/N) eps_phi, and is approached
by f nodes just inside eps_phi of the honest value on one side. Derivation. Centre: put
theta* = 0, honest phases in [-delta, delta]. For delta < |x| <= pi - delta, moving x towards
0 shortens every honest distance at rate 1 and lengthens a Byzantine one at rate <= 1, so the
cost falls at rate >= h - f > 0: x is no minimiser. For |x| = s > pi - delta, the triangle
inequality gives cost(0) - cost(x) <= 2 sum_H d(phi_i, 0) - (h - f) s
<= 2 h delta - (h - f)(pi - delta) <= 0 by (A), strictly since s > pi - delta: x is no
minimiser. So |c| <= delta. Members: an honest node is within 2 delta < eps_phi of c (B).
A Byzantine member b is within eps_phi of c, and c, mu_H both lie in the honest arc, so
|beta_b| = d(phi_b, mu_H) < rho. In the frame mu_H = 0, the honest resultant is a real
A >= h cos delta, and tan|psi| <= sum_b sin|beta_b| / (A + sum_b cos beta_b); this rises with
each |beta_b| up to pi/2 (C), with their number, and as A falls; all f at rho with
A = h cos delta gives the bound. The spec's arithmetic mean over all nodes has no such bound:
one Byzantine node moves it by up to 2 pi / N whatever eps_phi is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import final

import numpy as np

from orchestrator.physics import fixed_math

__all__ = ["Consensus", "circular_median", "consensus", "shift_bound", "wrapped_distance"]

TWO_PI = 2.0 * math.pi
RESULTANT_EPS = 1e-12  # resultant length per member below which a channel has no mean direction


@final
@dataclass(frozen=True, eq=False)
class Consensus:
    """Outcome of one consensus round over N nodes and m channels.

    phases: (m,) consensus phase per channel, radians in [0, 2 pi); read-only.
    members: row indices of the nodes averaged on every channel, ascending.
    decoupled: the other row indices, ascending.
    centre: (m,) circular median per channel (always one node's phase), radians in [0, 2 pi);
        read-only.
    """

    phases: np.ndarray
    members: tuple[int, ...]
    decoupled: tuple[int, ...]
    centre: np.ndarray


def wrapped_distance(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray:
    """|wrap(a - b)| in [0, pi] elementwise, with broadcasting; radians in and out."""
    d = np.remainder(np.subtract(a, b), TWO_PI)
    return np.minimum(d, TWO_PI - d)


def circular_median(phases: np.ndarray) -> np.ndarray:
    """(m,) circular median of each column of ``phases`` (N, m), picked among the N phases.

    The minimiser of the summed wrapped distance, ties to the lowest row. O(N^2 m) time,
    O(N m) memory: one pass per node, all candidates and channels at once.
    """
    n, m = phases.shape
    p = np.remainder(phases, TWO_PI)  # in [0, 2 pi], so |p_i - p_j| < 2 pi + rounding
    cost = np.zeros((n, m))
    for j in range(n):
        d = np.abs(p - p[j])
        np.minimum(d, TWO_PI - d, out=d)
        cost += d
    tol = 8.0 * n * math.pi * np.finfo(np.float64).eps
    best = np.argmax(cost <= cost.min(axis=0) + tol, axis=0)
    return p[best, np.arange(m)]


def consensus(phases: np.ndarray, eps_phi: float) -> Consensus:
    """Phase consensus of one round (module docstring).

    phases: (N, m) array-like, row i = node i's phase vector, radians, any real values
        (only their value mod 2 pi matters); N >= 1, m >= 1, finite.
    eps_phi: membership radius, radians, 0 < eps_phi <= pi.
    Raises ValueError for any other shape, a non-finite phase, or eps_phi out of range.
    """
    phi = np.asarray(phases, dtype=np.float64)
    if phi.ndim != 2 or phi.shape[0] < 1 or phi.shape[1] < 1:
        raise ValueError(f"phases must be (nodes, channels) with both >= 1, got {phi.shape}")
    if not np.isfinite(phi).all():
        raise ValueError("phases must be finite")
    if not 0.0 < eps_phi <= math.pi:
        raise ValueError(f"eps_phi must be in (0, pi], got {eps_phi}")
    centre = circular_median(phi)
    inside = wrapped_distance(phi, centre[None, :]).max(axis=1) < eps_phi
    members = tuple(int(i) for i in np.flatnonzero(inside))
    decoupled = tuple(int(i) for i in np.flatnonzero(~inside))
    if members:
        chosen = phi[inside]
        s, c = np.sin(chosen).sum(axis=0), np.cos(chosen).sum(axis=0)
        out = fixed_math.arctan2(s, c)
        flat = np.hypot(s, c) < RESULTANT_EPS * len(members)
        out[flat] = centre[flat]
    else:
        out = centre.copy()
    return Consensus(_frozen(out), members, decoupled, _frozen(centre))


def shift_bound(nodes: int, byzantine: int, delta: float, eps_phi: float) -> float:
    """Bound on |wrap(consensus - honest circular mean)| per channel, radians (docstring).

    nodes: N; byzantine: f, 0 <= f < N/2; delta: honest spread around the honest value;
    eps_phi: the membership radius. ValueError when hypotheses (A), (B) or (C) fail.
    """
    h, f = nodes - byzantine, byzantine
    if not 0 <= f < h:
        raise ValueError(f"need 0 <= byzantine < nodes / 2, got {f} of {nodes}")
    rho = eps_phi + 2.0 * delta
    if delta < 0 or (3 * h - f) * delta > (h - f) * math.pi:
        raise ValueError(f"(A) fails: honest spread {delta} too wide for {f} of {nodes}")
    if not 2.0 * delta < eps_phi or rho > math.pi / 2:
        raise ValueError(f"(B) or (C) fails for delta={delta}, eps_phi={eps_phi}")
    return math.atan(f * math.sin(rho) / (h * math.cos(delta) + f * math.cos(rho)))


def _frozen(angles: np.ndarray) -> np.ndarray:
    out = np.remainder(angles, TWO_PI)
    out[out >= TWO_PI] = 0.0  # remainder of a tiny negative rounds up to 2 pi
    out.setflags(write=False)
    return out
