"""Goemans-Williamson: the SDP relaxation (``sdp``) rounded by random hyperplanes.

Factor the SDP's Gram matrix X = V V^T (row v_i for vertex i, from its eigendecomposition with
negative eigenvalues clipped to 0), draw r ~ N(0, I_n) and put vertex i on side 1 when
v_i . r < 0. An edge is then cut with probability arccos(X_ij) / pi (the hyperplane separates
v_i and v_j), so one rounding cuts on average

    E[cut] = sum_{(i,j,w)} w arccos(X_ij) / pi  >=  0.878 SDP  >=  0.878 MaxCut

for non-negative weights (arccos(t)/pi >= 0.878 (1 - t)/2 on [-1, 1]). This is a guarantee in
expectation only: one rounding, on one instance, can fall below it. The method keeps the best
of K roundings (``DEFAULT_ROUNDINGS`` = 100, drawn from ``numpy.random.default_rng(seed)``)
and reports their mean as well.
"""

from __future__ import annotations

import time

import numpy as np

from orchestrator.tasks.maxcut.cut import cut_value, cut_values
from orchestrator.tasks.maxcut.instances import MaxCutInstance
from orchestrator.tasks.maxcut.result import CutResult, canonical_assignment
from orchestrator.tasks.maxcut.sdp import DEFAULT_SOLVER, solve_sdp

__all__ = ["DEFAULT_ROUNDINGS", "goemans_williamson", "hyperplane_roundings"]

DEFAULT_ROUNDINGS = 100


def hyperplane_roundings(gram: np.ndarray, rng: np.random.Generator, count: int) -> np.ndarray:
    """``count`` random-hyperplane roundings of the Gram matrix ``gram`` (``(n, n)``, PSD).

    Returns bits ``(count, n)`` uint8: row k puts vertex i on side 1 when v_i . r_k < 0.
    Raises ``ValueError`` when ``count < 1`` or ``gram`` is not square.
    """
    if count < 1:
        raise ValueError(f"need at least one rounding, got {count}")
    x = np.asarray(gram, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] != x.shape[1]:
        raise ValueError(f"a Gram matrix is square, got shape {x.shape}")
    eigenvalues, eigenvectors = np.linalg.eigh((x + x.T) / 2)
    vectors = eigenvectors * np.sqrt(np.clip(eigenvalues, 0.0, None))  # row i is v_i
    normals = rng.standard_normal((x.shape[0], count))
    return (vectors @ normals < 0).T.astype(np.uint8)


def goemans_williamson(
    instance: MaxCutInstance,
    seed: int,
    roundings: int = DEFAULT_ROUNDINGS,
    solver: str = DEFAULT_SOLVER,
) -> CutResult:
    """Solve the SDP with ``solver``, round it ``roundings`` times, keep the best cut.

    ``bound`` is the SDP's certified upper bound; ``wall_seconds`` covers the SDP and the
    roundings (not the first import of cvxpy). Errors: those of ``solve_sdp`` and
    ``hyperplane_roundings``.
    """
    sdp = solve_sdp(instance, solver)
    started = time.perf_counter()
    bits = hyperplane_roundings(sdp.gram, np.random.default_rng(seed), roundings)
    cuts = cut_values(instance, bits)
    assignment = canonical_assignment(bits[int(np.argmax(cuts))])
    return CutResult(
        method="goemans_williamson",
        value=cut_value(instance, np.array(assignment)),
        assignment=assignment,
        bound=sdp.bound,
        wall_seconds=sdp.wall_seconds + time.perf_counter() - started,
        mean_rounding_value=float(cuts.mean()),
        sdp_value=sdp.value,
    )
