"""Coherence measures and the ACE rule (spec §5, §6, §14; design §2b).

Coherence entropy (§6), over the measured Z-basis distribution p:

    H_coh = -sum_i p_i ln p_i                       (plug-in, nats)
    H_MM  = H_coh + (K - 1) / (2 M)                 (Miller-Madow; K observed outcomes, M shots)
    normalised: H / (n ln 2), in [0, 1] up to the correction

With fewer shots than 2^n outcomes the plug-in value is biased low; the ACE rule uses the
estimator named in ``ace.estimator`` (default Miller-Madow). An exact distribution (statevector)
has no bias: both values are the exact entropy.

What H_coh measures: the Shannon entropy of the Z-basis POPULATIONS |psi_i|^2, not coherence in
the quantum sense. It is maximal (n ln 2) for the maximally coherent product state |+>^n, and
equally maximal for the maximally mixed state; a computational basis state (no coherence at all
in that basis) gives 0. ``ace.measure: von_neumann`` offers a measure that falls when the qubits
decohere or entangle, from each qubit's Bloch vector r_q (its reduced state is (I + r.sigma)/2,
eigenvalues (1 +- |r|)/2):

    S_q = h((1 + |r_q|) / 2),   h(p) = -p ln p - (1 - p) ln(1 - p)     (nats),
    S_vN = mean_q S_q / ln 2  in [0, 1]:  0 for pure single-qubit states (any product state,
           |+>^n included), 1 when every qubit is maximally mixed.

|r_q| is clipped to [0, 1] first (a shot estimate can exceed 1).

Coherence energy (§5), with psi the loop's per-channel amplitudes and F the spike phasors:

    E_coh = ||psi - F||^2 + lambda_c * mean_k (1 - cos(phi_psi_k - phi_S_k))

the mean running over channels where both phases exist (|psi_k| > 0 and the neuron(s) spiked).

Phase differences (§14): d_k = wrap(phi_psi_k - phi_S_k) into (-pi, pi];
avg_phase_diff = circular mean of |d_k|; a resonance violation is |d_k| >= resonance_bound.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from orchestrator.physics import fixed_math

__all__ = [
    "PhaseReport",
    "bloch_entropies",
    "coherence_energy",
    "entropy",
    "mean_bloch_entropy",
    "phase_report",
    "wrap",
]

PHASE_EPS = 1e-12  # |z| below this has no defined phase


def entropy(p: np.ndarray, shots: int | None) -> tuple[float, float]:
    """(plug-in, Miller-Madow) entropy in nats of distribution ``p``.

    ``shots`` is the sample size behind ``p``; None means ``p`` is exact (no correction).
    """
    p = p[p > 0]
    plug = float(-(p * fixed_math.log(p)).sum())
    if shots is None:
        return plug, plug
    return plug, plug + (len(p) - 1) / (2.0 * shots)


def bloch_entropies(bloch: np.ndarray) -> np.ndarray:
    """S_q = h((1 + |r_q|)/2) in nats for each row r_q of ``bloch`` (shape (n, 3))."""
    r = np.clip(np.linalg.norm(np.asarray(bloch, dtype=float), axis=1), 0.0, 1.0)
    out = np.zeros(r.shape)
    for p in ((1.0 + r) / 2.0, (1.0 - r) / 2.0):
        safe = np.where(p > 0, p, 1.0)
        out -= np.where(p > 0, p * fixed_math.log(safe), 0.0)
    return out


def mean_bloch_entropy(bloch: np.ndarray) -> float:
    """S_vN = mean_q S_q / ln 2, in [0, 1] (see the module docstring)."""
    return float(bloch_entropies(bloch).mean() / math.log(2))


def wrap(angle: np.ndarray) -> np.ndarray:
    """Map angles into (-pi, pi]."""
    out = np.mod(angle + np.pi, 2 * np.pi) - np.pi
    return np.where(out == -np.pi, np.pi, out)


@dataclass(frozen=True)
class PhaseReport:
    """Phase comparison of one tick.

    diffs: wrap(phi_psi - phi_S) for the channels that have both phases, radians.
    avg_phase_diff: circular mean of |diffs| (None when no channel has both phases).
    violations: how many |diffs| >= the resonance bound.
    silent: channels left out because their spike phasor is zero.
    """

    diffs: np.ndarray
    avg_phase_diff: float | None
    violations: int
    silent: int


def _paired(psi: np.ndarray, f: np.ndarray) -> np.ndarray:
    return (np.abs(psi) > PHASE_EPS) & (np.abs(f) > PHASE_EPS)


def phase_report(psi: np.ndarray, f: np.ndarray, resonance_bound: float) -> PhaseReport:
    """Compare the phases of ``psi`` and ``f`` (equal shapes, complex)."""
    both = _paired(psi, f)
    diffs = wrap(fixed_math.angle(psi[both]) - fixed_math.angle(f[both]))
    avg = None
    if diffs.size:
        mags = np.abs(diffs)
        avg = float(math.atan2(np.sin(mags).mean(), np.cos(mags).mean()))
    return PhaseReport(
        diffs=diffs,
        avg_phase_diff=avg,
        violations=int((np.abs(diffs) >= resonance_bound).sum()),
        silent=int((np.abs(f) <= PHASE_EPS).sum()),
    )


def coherence_energy(psi: np.ndarray, f: np.ndarray, lambda_c: float) -> float:
    """E_coh of §5 (see the module docstring)."""
    distance = float(np.sum(np.abs(psi - f) ** 2))
    both = _paired(psi, f)
    if not both.any():
        return distance
    phase = float(np.mean(1.0 - np.cos(fixed_math.angle(psi[both]) - fixed_math.angle(f[both]))))
    return distance + lambda_c * phase
