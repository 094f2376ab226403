"""The MaxCut SDP at sizes cvxpy cannot hold: a low-rank (Burer-Monteiro) factor, its
hyperplane roundings, and an upper bound certified from it (issue 21's benchmark).

Low-rank factor. Maximise sum w (1 - v_i . v_j)/2 over unit vectors v_i in R^r (r =
ceil(sqrt(2n)) + 1, where every local optimum of the SDP's factorisation is generically
global, Boumal, Voroninski & Bandeira 2016) by the mixing method (Wang, Chang & Kolter 2017):
v_i <- -g_i / |g_i|, g_i = sum_j w_ij v_j, the exact maximiser in v_i with the others held.
Vertices of one colour class (``physics.annealing.colouring``: no edge inside a class) update
at once. Its value is a HEURISTIC LOWER BOUND on the SDP value (a feasible X = V V^T), never an
upper bound; the roundings are cuts like Goemans-Williamson's.

Certified upper bound. Weak duality (``sdp``): for any y with S = Diag(y) - L/4 PSD, MaxCut <=
SDP <= sum y. From the factor, y_i = ((L/4) V V^T)_ii (the multipliers at a stationary point;
S V = 0 there), and S + s I is PSD for s = max(0, -lambda_min(S)). The bound reported is
sum y + n s', s' >= s proved: up to ``DENSE_LIMIT`` vertices lambda_min comes from a dense
eigendecomposition (plus n eps |S| for its rounding, as ``sdp.certified_bound``); above it,
from ARPACK's estimate, confirmed by a dense Cholesky factorisation of S + s' I (it exists iff
S + s' I is positive definite; s' includes the same rounding margin). So the bound is an upper
bound on MaxCut whatever the factor's accuracy; it approaches the SDP value as the factor
converges. O(E r) per sweep; the certificate holds S densely once (8 n^2 bytes).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import final

import numpy as np
import scipy.linalg as la
import scipy.sparse as sp
import scipy.sparse.linalg as spla

from orchestrator.physics.annealing import colouring
from orchestrator.tasks.maxcut.cut import cut_values
from orchestrator.tasks.maxcut.instances import MaxCutInstance
from orchestrator.tasks.maxcut.result import canonical_assignment

__all__ = ["DENSE_LIMIT", "LowRankSdp", "certified_bound_sparse", "low_rank_sdp", "mixing_factor"]

DENSE_LIMIT = 3000  # vertices up to which lambda_min comes from a dense eigendecomposition


@final
@dataclass(frozen=True)
class LowRankSdp:
    """A low-rank factor of the MaxCut SDP and what follows from it (module docstring).

    value: sum w (1 - v_i . v_j)/2, a heuristic lower bound on the SDP value. bound: the
    certified upper bound on MaxCut. cut, assignment: the best of ``roundings`` hyperplane
    roundings (vertex 0 on side 0). seconds: (factor, certificate, roundings) wall times.
    """

    value: float
    bound: float
    cut: float
    assignment: tuple[int, ...]
    rank: int
    sweeps: int
    seconds: tuple[float, float, float]


def _adjacency(instance: MaxCutInstance) -> sp.csr_matrix:
    e = np.array(instance.edges, dtype=np.float64).reshape(-1, 3)
    i, j = e[:, 0].astype(np.int64), e[:, 1].astype(np.int64)
    n = instance.n
    return sp.csr_matrix(
        (np.concatenate([e[:, 2], e[:, 2]]), (np.concatenate([i, j]), np.concatenate([j, i]))),
        shape=(n, n),
    )


def certified_bound_sparse(adjacency: sp.csr_matrix, y: np.ndarray) -> float:
    """sum y + n s' with S + s' I proved PSD, S = Diag(y) - L/4 (module docstring)."""
    n = adjacency.shape[0]
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    s_mat = sp.diags(y - degree / 4.0) + adjacency / 4.0  # Diag(y) - (Diag(deg) - A)/4
    norm = float(np.abs(s_mat).sum(axis=1).max())  # >= |S|_2 (Gershgorin)
    margin = n * np.finfo(np.float64).eps * norm
    if n <= DENSE_LIMIT:
        low = float(la.eigvalsh(s_mat.toarray(), subset_by_index=[0, 0])[0])
        return float(y.sum() + n * (max(0.0, -low) + margin))
    estimate = float(spla.eigsh(s_mat, k=1, which="SA", tol=1e-6, return_eigenvectors=False)[0])
    shift = max(0.0, -estimate) + margin + 1e-6 * norm
    dense = s_mat.toarray()
    while True:
        dense[np.diag_indices(n)] += shift
        try:
            la.cholesky(dense, lower=True, overwrite_a=False, check_finite=False)
            return float(y.sum() + n * (shift + margin))
        except la.LinAlgError:
            dense[np.diag_indices(n)] -= shift
            shift = 2.0 * shift + margin


def mixing_factor(
    adjacency: sp.csr_matrix, rng: np.random.Generator, sweeps: int = 300
) -> tuple[np.ndarray, int, float]:
    """The low-rank factor V (n x r, unit rows, r = ceil(sqrt(2n)) + 1) by the mixing method
    from rows drawn from ``rng``: ``sweeps`` sweeps or until the value moves < 1e-9 relative.
    Returns (V, sweeps done, value sum w (1 - v_i . v_j)/2)."""
    n = adjacency.shape[0]
    rank = math.ceil(math.sqrt(2 * n)) + 1
    v = rng.standard_normal((n, rank))
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    colours = colouring(n, adjacency.tocoo().row, adjacency.tocoo().col)
    classes = [np.flatnonzero(colours == c) for c in range(int(colours.max(initial=0)) + 1)]
    total = float(adjacency.sum()) / 2.0

    def value() -> float:
        return 0.5 * (total - 0.5 * float(np.sum(v * (adjacency @ v))))

    previous, done = value(), 0
    while done < sweeps:
        for members in classes:
            g = adjacency[members] @ v
            norms = np.linalg.norm(g, axis=1, keepdims=True)
            keep = norms[:, 0] > 0
            v[members[keep]] = -g[keep] / norms[keep]
        done += 1
        current = value()
        converged = abs(current - previous) <= 1e-9 * max(abs(current), 1.0)
        previous = current
        if converged:
            break
    return v, done, previous


def low_rank_sdp(
    instance: MaxCutInstance, seed: int, sweeps: int = 300, roundings: int = 100
) -> LowRankSdp:
    """The factor (mixing method, ``sweeps`` sweeps or until the value moves < 1e-9 relative),
    its certified bound and the best of ``roundings`` roundings (``numpy`` rng ``seed``)."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    adjacency = _adjacency(instance)
    v, done, previous = mixing_factor(adjacency, rng, sweeps)
    rank = v.shape[1]
    factored = time.perf_counter()
    degree = np.asarray(adjacency.sum(axis=1)).ravel()
    y = 0.25 * (degree - np.sum(v * (adjacency @ v), axis=1))  # ((L/4) V V^T)_ii
    bound = certified_bound_sparse(adjacency, y)
    certified = time.perf_counter()
    normals = rng.standard_normal((rank, roundings))
    bits = (v @ normals < 0).T.astype(np.uint8)
    cuts = cut_values(instance, bits)
    k = int(np.argmax(cuts))
    return LowRankSdp(
        value=previous,
        bound=bound,
        cut=float(cuts[k]),
        assignment=canonical_assignment(bits[k]),
        rank=rank,
        sweeps=done,
        seconds=(factored - started, certified - factored, time.perf_counter() - certified),
    )
