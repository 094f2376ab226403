"""Reading cuts out of one fusion tick: candidate assignments from shots, amplitudes and spikes.

Quantum side (vertex k = qubit k, side x_k = the bit measured on qubit k):
- a shot run gives the Z-basis samples (shots, n): every distinct row is a candidate;
- a statevector run gives p(x) = |<x|psi>|^2: the ``top_k`` most probable basis states are the
  candidates. Ties go to the lower index, and probabilities within a relative ``TIE`` (1e-9)
  of each other count as tied: symmetric states (x and its complement under a field-free H)
  have equal probabilities that rounding can split either way, and rounding must not decide
  which of them is a candidate (issue 26).

Spiking side (neuron a belongs to vertex a mod n, the qubit the PCI couples it to), two
candidates from the tick's spikes, each a rule of the issue's "which group fired more":
- ``rate``: r_v = the fraction of vertex v's neurons that spiked in the tick; x_v = 1 when
  r_v > median(r) (the groups firing more than the typical group form one side; with graph
  inhibition along the edges a firing group silences its neighbours);
- ``phase``: F_v = the vertex's spike phasor (the backward PCI's per-channel F_c, qubit
  mapping); x_v = 1 when Im(F_v conj(F_mean)) < 0 with F_mean the mean phasor over vertices,
  i.e. when v's spike phase lags the population's mean phase (a silent group, F_v = 0, is on
  side 0).
The tick's spiking cut is the better of the two. Every cut is ``cut.cut_values``' sum in a fixed
order; the best candidate is the first whose cut is within ``TIE`` x the total |weight| of the
largest (with integer weights: the first of the exact maxima).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

import numpy as np

from orchestrator.tasks.maxcut.cut import bits_from_indices, cut_values
from orchestrator.tasks.maxcut.instances import MaxCutInstance
from orchestrator.tasks.maxcut.result import canonical_assignment

__all__ = [
    "TIE",
    "Best",
    "best_of",
    "descending_with_ties",
    "phase_assignment",
    "rate_assignment",
    "sample_candidates",
    "statevector_candidates",
]


TIE = 1e-9
"""Relative tolerance under which two probabilities, or two cuts (relative to the total
|weight|), count as equal; the lower index, or the earlier candidate, is then taken."""


@final
@dataclass(frozen=True)
class Best:
    """The best of some candidates: its cut and assignment (vertex 0 on side 0), or none.

    ``value`` is -inf and ``assignment`` empty when there was no candidate.
    """

    value: float
    assignment: tuple[int, ...]


def sample_candidates(z_samples: np.ndarray) -> np.ndarray:
    """The distinct rows of the (shots, n) Z-basis samples, in lexicographic order."""
    x = np.asarray(z_samples, dtype=np.uint8)
    if x.ndim != 2:
        raise ValueError(f"samples have shape (shots, n), got {x.shape}")
    return np.unique(x, axis=0) if x.shape[0] else x


def statevector_candidates(statevector: np.ndarray, n: int, top_k: int) -> np.ndarray:
    """Bits (k, n) of the ``top_k`` most probable basis states (ties: lower index first)."""
    psi = np.asarray(statevector, dtype=np.complex128)
    if psi.shape != (1 << n,):
        raise ValueError(f"a statevector of {n} qubits has {1 << n} amplitudes, got {psi.shape}")
    p = psi.real * psi.real + psi.imag * psi.imag
    return bits_from_indices(descending_with_ties(p, max(1, int(top_k))), n)


def descending_with_ties(values: np.ndarray, count: int) -> np.ndarray:
    """Indices of the ``count`` largest ``values`` (>= 0), largest first, where values within a
    relative ``TIE`` of the first of their run count as equal and go in index order.

    Runs are formed greedily down the sorted values: a run starts at the largest value not yet
    placed, v, and holds every value >= v (1 - TIE). Deterministic for given values, and a
    change of a few ulps moves an index only if it sits ~TIE from a run's start."""
    v = np.asarray(values, dtype=np.float64)
    order = np.lexsort((np.arange(v.size), -v))  # descending, ties by index
    out: list[np.ndarray] = []
    taken, start = 0, 0
    while taken < count and start < order.size:
        floor = v[order[start]] * (1.0 - TIE)
        stop = start + int(np.searchsorted(-v[order[start:]], -floor, side="right"))
        out.append(np.sort(order[start:stop]))
        taken += stop - start
        start = stop
    return np.concatenate(out)[:count] if out else order[:0]


def rate_assignment(neurons: np.ndarray, n_neurons: int, n: int) -> np.ndarray:
    """x_v = [r_v > median(r)], r_v the fraction of group v (a mod n = v) that spiked."""
    fired = np.zeros(n_neurons, dtype=bool)
    fired[np.asarray(neurons, dtype=np.int64)] = True
    vertex = np.arange(n_neurons) % n
    members = np.bincount(vertex, minlength=n)
    spiking = np.bincount(vertex, weights=fired, minlength=n)
    rates = np.divide(spiking, members, out=np.zeros(n), where=members > 0)
    return (rates > np.median(rates)).astype(np.uint8)


def phase_assignment(phasors: np.ndarray) -> np.ndarray:
    """x_v = [Im(F_v conj(F_mean)) < 0] over the per-vertex spike phasors F (shape (n,))."""
    f = np.asarray(phasors, dtype=np.complex128)
    mean = f.mean() if f.size else 0.0
    if abs(mean) == 0.0:  # no common phase to compare with: use the real axis
        mean = 1.0
    return (np.imag(f * np.conj(mean)) < 0).astype(np.uint8)


def best_of(instance: MaxCutInstance, bits: np.ndarray) -> Best:
    """The candidate (row of ``bits``, shape (B, n)) with the largest cut; on ties (within
    ``TIE`` x the total |weight|) the first of them."""
    x = np.asarray(bits, dtype=np.uint8).reshape(-1, instance.n)
    if x.shape[0] == 0:
        return Best(float("-inf"), ())
    cuts = cut_values(instance, x)
    scale = max(1.0, sum(abs(w) for _, _, w in instance.edges))
    k = int(np.argmax(cuts >= cuts.max() - TIE * scale))
    return Best(float(cuts[k]), canonical_assignment(x[k]))
