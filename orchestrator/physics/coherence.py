"""Coherence measures and the ACE rule (spec §5, §6, §14; design §2b).

Coherence entropy (§6), over the measured Z-basis distribution p:

    H_coh = -sum_i p_i ln p_i                       (plug-in, nats)
    H_MM  = H_coh + (K - 1) / (2 M)                 (Miller-Madow; K observed outcomes, M shots)
    normalised: H / (n ln 2), in [0, 1] up to the correction

With fewer shots than 2^n outcomes the plug-in value is biased low; the ACE rule uses the
estimator named in ``ace.estimator`` (default Miller-Madow). An exact distribution (statevector)
has no bias: both values are the exact entropy.

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

__all__ = [
    "PhaseReport",
    "coherence_energy",
    "entropy",
    "phase_report",
    "wrap",
]

PHASE_EPS = 1e-12  # |z| below this has no defined phase


def entropy(p: np.ndarray, shots: int | None) -> tuple[float, float]:
    """(plug-in, Miller-Madow) entropy in nats of distribution ``p``.

    ``shots`` is the sample size behind ``p``; None means ``p`` is exact (no correction).
    """
    p = p[p > 0]
    plug = float(-(p * np.log(p)).sum())
    if shots is None:
        return plug, plug
    return plug, plug + (len(p) - 1) / (2.0 * shots)


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
    diffs = wrap(np.angle(psi[both]) - np.angle(f[both]))
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
    phase = float(np.mean(1.0 - np.cos(np.angle(psi[both]) - np.angle(f[both]))))
    return distance + lambda_c * phase
