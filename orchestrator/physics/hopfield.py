"""Hopfield couplings of stored spike patterns and the classical Hopfield recall (spec §10).

Patterns are spike patterns S in {0,1}^n; their spins are s = 2 S - 1 in {-1, +1}^n. The
Hebbian couplings of p patterns are

    J = sum_p s_p s_p^T,   J_ii = 0,

and the classical network's energy is E(s) = -1/2 s^T J s. Asynchronous recall from a cue
updates one unit at a time, s_i <- sign(h_i) with the local field h_i = sum_j J_ij s_j (a unit
whose field is 0 keeps its state), in a random order each sweep, until a sweep changes nothing
(a fixed point: E never rises, so this ends) or ``max_sweeps`` pass. Its capacity is about
0.14 n random patterns (Amit, Gutfreund and Sompolinsky 1985); the quantum memory is compared
with it in docs/design.md.
"""

from __future__ import annotations

import numpy as np

from orchestrator.physics import fixed_order

__all__ = ["as_patterns", "hebbian_couplings", "hopfield_recall", "spins"]


def as_patterns(patterns: np.ndarray | list, n: int | None = None) -> np.ndarray:
    """Patterns as a (p, n) uint8 array of 0/1; ``ValueError`` for other values or widths."""
    arr = np.asarray(patterns)
    if arr.ndim == 1:
        arr = arr[None, :]
    if arr.ndim != 2 or (arr.size and not np.isin(arr, (0, 1)).all()):
        raise ValueError("a spike pattern is a sequence of 0/1 values")
    if n is not None and arr.shape[1] != n:
        raise ValueError(f"a pattern has {n} bits (got {arr.shape[1]})")
    return arr.astype(np.uint8)


def spins(patterns: np.ndarray) -> np.ndarray:
    """s = 2 S - 1 as float (+1 for a spike, -1 for none)."""
    return 2.0 * np.asarray(patterns, dtype=float) - 1.0


def hebbian_couplings(patterns: np.ndarray) -> np.ndarray:
    """J = sum_p s_p s_p^T with a zero diagonal, shape (n, n)."""
    s = 2 * as_patterns(patterns).astype(np.int64) - 1
    j = (s.T @ s).astype(np.float64)  # integers: numpy's exact loop, not a BLAS kernel
    np.fill_diagonal(j, 0.0)
    return j


def hopfield_recall(
    couplings: np.ndarray, cue: np.ndarray, rng: np.random.Generator, max_sweeps: int = 100
) -> np.ndarray:
    """Asynchronous sign updates from ``cue`` (0/1 bits) to a fixed point; the 0/1 state."""
    s = spins(cue).copy()
    n = s.size
    for _ in range(max_sweeps):
        changed = False
        for i in rng.permutation(n):
            h = fixed_order.dot(couplings[i], s)
            if h != 0.0 and np.sign(h) != s[i]:
                s[i] = np.sign(h)
                changed = True
        if not changed:
            break
    return (s > 0).astype(np.uint8)
