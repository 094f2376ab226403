"""The MaxCut semidefinite relaxation (Goemans-Williamson) and a certified upper bound.

Relax each side z_i in {+1, -1} to a unit vector v_i and z_i z_j to X_ij = v_i . v_j:

    SDP = max  sum_{(i,j,w)} w (1 - X_ij) / 2 = <L, X> / 4
          s.t. X PSD, X_ii = 1,

with L the weighted Laplacian (L_ii = sum of the weights at i, L_ij = -w_ij); the two
objectives agree whenever diag X = 1. Every assignment gives a feasible X = z z^T, so
SDP >= MaxCut. Its dual is

    min sum_i y_i   s.t.   Diag(y) - L / 4 PSD,

and any y with Diag(y) - L/4 PSD proves MaxCut <= SDP <= sum y (weak duality). The solver's y
(the multipliers of diag X = 1) is feasible only up to its tolerance, so the bound reported is

    bound = sum_i y_i + n (max(0, -lambda_min(S)) + n eps ||S||_2),     S = Diag(y) - L/4,

the sum for y shifted by the most negative eigenvalue (Diag(y + s 1) - L/4 = S + s I) plus a
margin for the rounding of that one eigenvalue computation: an upper bound whatever the
solver's accuracy, and as close to SDP as the solver is.

Solver: CLARABEL (an interior-point conic solver that cvxpy installs with itself), chosen over
SCS (first-order, ~1e-4 accuracy) so that ``sdp_value`` and ``bound`` agree to ~1e-8.
cvxpy is imported inside ``solve_sdp``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import final

import numpy as np

from orchestrator.tasks.maxcut.instances import MaxCutInstance

__all__ = ["DEFAULT_SOLVER", "SdpSolution", "certified_bound", "laplacian", "solve_sdp"]

DEFAULT_SOLVER = "CLARABEL"


@final
@dataclass(frozen=True)
class SdpSolution:
    """The relaxation's optimum on one instance.

    ``gram``: X, ``(n, n)`` float64, symmetric, diag ~ 1, PSD up to solver tolerance.
    ``value``: the solver's primal objective <L, X>/4. ``bound``: the certified dual bound above
    (>= MaxCut). ``solver``: the cvxpy solver name. ``wall_seconds``: building and solving.
    """

    gram: np.ndarray
    value: float
    bound: float
    solver: str
    wall_seconds: float


def laplacian(instance: MaxCutInstance) -> np.ndarray:
    """The weighted Laplacian L, ``(n, n)`` float64: x^T L x = sum w (x_i - x_j)^2."""
    lap = np.zeros((instance.n, instance.n))
    for i, j, w in instance.edges:
        lap[i, i] += w
        lap[j, j] += w
        lap[i, j] -= w
        lap[j, i] -= w
    return lap


def certified_bound(lap: np.ndarray, y: np.ndarray) -> float:
    """An upper bound on MaxCut from any multipliers ``y`` (shape ``(n,)``), formula above."""
    slack = np.diag(y) - lap / 4.0
    eigenvalues = np.linalg.eigvalsh(slack)
    n = lap.shape[0]
    margin = n * np.finfo(np.float64).eps * float(np.abs(eigenvalues).max(initial=0.0))
    return float(y.sum() + n * (max(0.0, -float(eigenvalues[0])) + margin))


def solve_sdp(instance: MaxCutInstance, solver: str = DEFAULT_SOLVER) -> SdpSolution:
    """Solve the relaxation with cvxpy's ``solver``.

    Raises ``RuntimeError`` when the solver does not report an optimal (or optimal-inaccurate)
    solution; cvxpy's own errors (unknown or missing solver) pass through.
    """
    import cvxpy as cp

    started = time.perf_counter()
    n = instance.n
    lap = laplacian(instance)
    gram = cp.Variable((n, n), PSD=True)
    unit_diagonal = cp.diag(gram) == 1
    problem = cp.Problem(cp.Maximize(cp.trace(lap @ gram) / 4), [unit_diagonal])
    problem.solve(solver=solver)
    if problem.status not in (cp.OPTIMAL, cp.OPTIMAL_INACCURATE):
        raise RuntimeError(f"{instance.name}: {solver} ended with status {problem.status}")
    x = np.asarray(gram.value, dtype=np.float64)
    y = np.asarray(unit_diagonal.dual_value, dtype=np.float64).reshape(n)
    return SdpSolution(
        gram=(x + x.T) / 2,
        value=float(problem.value),
        bound=certified_bound(lap, y),
        solver=solver,
        wall_seconds=time.perf_counter() - started,
    )
