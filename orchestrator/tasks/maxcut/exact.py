"""The exact MaxCut optimum by enumeration (issue 15's reference for approximation ratios).

Flipping every side leaves every cut unchanged (cut(x) = cut(1 - x)), so vertex 0 is fixed on
side 0 and the other n - 1 vertices run over all 2^(n-1) assignments: the assignment with
index t is the basis state b = 2 t (bit k of b is x_k, x_0 = 0), and

    cut(b) = sum_{(i,j,w)} w ((b >> i) XOR (b >> j)) & 1,

accumulated edge by edge over a chunk of indices at once (numpy, int64 and float64: about 24
bytes per assignment in a chunk of 2^20, some 25 MiB at most). Cost: E 2^(n-1) operations; at
n = 16 that is 2^15 assignments, milliseconds.

Ties: with integer weights every sum is exact; with general float weights two optimal
assignments can differ in the last bits, so an assignment counts as optimal when its cut is
within 1e-9 * max(1, sum |w|) of the maximum. The count is over all 2^n assignments (both
members of each flipped pair), found in a second pass once the maximum is known.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import final

import numpy as np

from orchestrator.tasks.maxcut.instances import MaxCutInstance

__all__ = ["MAX_BRUTE_FORCE_N", "ExactSolution", "brute_force"]

MAX_BRUTE_FORCE_N = 24  # 2^23 assignments: seconds; n = 16 (issue 15's largest) is 2^15
_CHUNK = 1 << 20


@final
@dataclass(frozen=True)
class ExactSolution:
    """The maximum cut of an instance.

    ``value``: the maximum cut (same units as the weights). ``assignment``: one optimal
    assignment, ``n`` sides in {0, 1} with vertex 0 on side 0 (the lowest such index b).
    ``n_optimal``: how many of the 2^n assignments reach ``value`` (even, >= 2, as x and 1 - x
    both count). ``wall_seconds``: time spent enumerating.
    """

    value: float
    assignment: tuple[int, ...]
    n_optimal: int
    wall_seconds: float


def _chunk_cuts(edges: np.ndarray, weights: np.ndarray, start: int, stop: int) -> np.ndarray:
    b = np.arange(start, stop, dtype=np.int64) << 1  # vertex 0 on side 0
    cuts = np.zeros(stop - start, dtype=np.float64)
    for (i, j), w in zip(edges, weights):
        cuts += w * (((b >> i) ^ (b >> j)) & 1)
    return cuts


def brute_force(instance: MaxCutInstance) -> ExactSolution:
    """Enumerate every assignment of ``instance`` and return the maximum cut.

    Raises ``ValueError`` when ``n > MAX_BRUTE_FORCE_N``.
    """
    n = instance.n
    if n > MAX_BRUTE_FORCE_N:
        raise ValueError(f"{instance.name}: brute force is for n <= {MAX_BRUTE_FORCE_N}, got {n}")
    started = time.perf_counter()
    edges = np.array([(i, j) for i, j, _ in instance.edges], dtype=np.int64).reshape(-1, 2)
    weights = np.array([w for _, _, w in instance.edges], dtype=np.float64)
    total = 1 << (n - 1)
    bounds = [(s, min(s + _CHUNK, total)) for s in range(0, total, _CHUNK)]

    def chunks() -> Iterator[tuple[int, np.ndarray]]:
        for start, stop in bounds:
            yield start, _chunk_cuts(edges, weights, start, stop)

    cached = list(chunks()) if len(bounds) == 1 else None  # one chunk: evaluate once
    best = max(float(cuts.max()) for _, cuts in (cached or chunks()))
    tol = 1e-9 * max(1.0, float(np.abs(weights).sum()))
    count, first = 0, -1
    for start, cuts in cached or chunks():
        hits = np.flatnonzero(cuts >= best - tol)
        if first < 0 and hits.size:
            first = start + int(hits[0])
        count += int(hits.size)
    b = first << 1
    assignment = tuple((b >> k) & 1 for k in range(n))
    return ExactSolution(
        value=best,
        assignment=assignment,
        n_optimal=2 * count,
        wall_seconds=time.perf_counter() - started,
    )
