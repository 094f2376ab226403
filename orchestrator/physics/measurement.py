"""Estimators from one tick's measurements (design §2b): Bloch vectors, <H>, Z distribution.

A tick measures every qubit in a few bases (``QuantumProgram.bases``). The first three are
always the uniform bases Z^n, X^n, Y^n: they give each qubit's Bloch vector

    r_q = (<X_q>, <Y_q>, <Z_q>),   <P_q> = mean over shots of (1 - 2 b_q)

and the expectation of every Pauli string made of one letter only. A Hamiltonian term that
mixes letters (e.g. X_0 Z_1) needs its own basis: terms are grouped greedily into
qubit-wise-commuting groups, one extra circuit each, all run in the same batched call.

    <H> = sum_t c_t <P_t>,   <P_t> = mean over shots of prod_{q in supp P_t} (1 - 2 b_q)

measured in any basis that agrees with P_t on its support. The means are numpy's einsum loop
over the shots (no BLAS kernel decides their roundings: issue 26, design §6). With an exact
state vector the same quantities are computed exactly, without any 2^n x 2^n operator, by
``orchestrator.physics.statevector`` (``bloch_exact`` here is its Bloch part).

Bit convention: samples[s, q] is the bit of qubit q in shot s; basis index i has bit q = qubit q.

Readout-error mitigation (tensored, per qubit). If qubit q's readout flips 0 -> 1 with
probability e0_q and 1 -> 0 with probability e1_q, independently of the other qubits, then given
the true sign t_q the read sign s_q has  E[s_q | t_q] = a_q t_q + b_q  with  a_q = 1 - e0_q - e1_q,
b_q = e1_q - e0_q. So  c_q = (s_q - b_q) / a_q  has E[c_q | t_q] = t_q, and, readout errors being
independent given the true bits,

    E[ prod_{q in S} c_q ] = E[ prod_{q in S} t_q ]    for every set S of qubits,

i.e. the mean over shots of prod c_q is an unbiased estimate of every Pauli expectation the
samples cover (Bloch components, <H> terms): the inverse of the tensor product of the per-qubit
assignment matrices, applied term by term. It corrects readout only (not gate noise), widens
the statistical error by 1/a_q, and can leave an estimate outside [-1, 1]. A Bloch vector
estimated from shots, mitigated or not, that is longer than 1 is scaled back onto the unit
sphere (the nearest physical state along its direction): its three components come from three
independent sets of shots, so even raw estimates reach |r| = sqrt(3) (issue 10; the PCI's
|psi_q| = |r_xy| / 2 <= 1/2 relies on it). The rates come from the backend
(``QuantumResult.readout``). Distributions (H_coh) are not corrected: the corrected histogram
is a quasi-distribution with no entropy.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from orchestrator.physics.bases import measurement_bases
from orchestrator.physics.fixed_order import sum_of_products
from orchestrator.physics.hamiltonian import PauliHamiltonian, PauliTerm
from orchestrator.physics.statevector import StatevectorEstimator

__all__ = [
    "bloch_exact",
    "bloch_from_samples",
    "covers",
    "energy_from_samples",
    "measurement_bases",
    "readout_signs",
    "z_probabilities_from_samples",
]


def covers(basis: str, term: PauliTerm) -> bool:
    """Whether measuring in ``basis`` (one letter per qubit) reads ``term``."""
    return all(basis[q] == p for p, q in zip(term.paulis, term.qubits))


def _signs(samples: np.ndarray) -> np.ndarray:
    return 1.0 - 2.0 * samples.astype(np.float64)


def readout_signs(samples: np.ndarray, rates: np.ndarray | None) -> np.ndarray:
    """Per-shot signs (1 - 2 bit), readout-corrected as c_q = (s_q - b_q) / a_q when ``rates``
    (shape (n, 2): P(1|0), P(0|1) per qubit) is given; see the module docstring."""
    signs = _signs(samples)
    if rates is None:
        return signs
    rates = np.asarray(rates, dtype=np.float64)
    a = 1.0 - rates[:, 0] - rates[:, 1]
    if rates.shape != (samples.shape[1], 2) or np.any(a <= 0):
        raise ValueError("readout rates must have shape (n, 2) with P(1|0) + P(0|1) < 1")
    return (signs - (rates[:, 1] - rates[:, 0])) / a


def _means(signs: np.ndarray) -> np.ndarray:
    """Column means of a (shots, n) array (einsum: several times faster than .mean(axis=0);
    ``optimize=False``: numpy's own loop, never BLAS, so no BLAS kernel rounds it)."""
    return np.einsum("si->i", signs, optimize=False) / signs.shape[0]


def _rates(readout: Sequence[np.ndarray] | None, k: int) -> np.ndarray | None:
    return None if readout is None else readout[k]


def bloch_from_samples(
    samples: Sequence[np.ndarray], readout: Sequence[np.ndarray] | None = None
) -> np.ndarray:
    """Bloch vectors, shape (n, 3) as (<X>, <Y>, <Z>), from the Z, X, Y samples (in that order).

    With ``readout`` (one (n, 2) rate array per basis) the components are readout-corrected.
    A vector longer than 1 is scaled onto the unit sphere (see the module), so |r_q| <= 1.
    """
    z, x, y = (_means(readout_signs(s, _rates(readout, k))) for k, s in enumerate(samples[:3]))
    bloch = np.stack([x, y, z], axis=1)
    bloch /= np.maximum(1.0, np.linalg.norm(bloch, axis=1))[:, None]
    return bloch


def energy_from_samples(
    h: PauliHamiltonian,
    bases: Sequence[str],
    samples: Sequence[np.ndarray],
    readout: Sequence[np.ndarray] | None = None,
) -> float:
    """<H> estimated from the tick's samples; every term must be covered by some basis.

    With ``readout`` each term is the mean of the product of corrected signs (unbiased).
    """
    signs = [readout_signs(s, _rates(readout, k)) for k, s in enumerate(samples)]
    means: dict[int, np.ndarray] = {}  # per basis: mean over shots of c_i, every qubit at once
    columns: dict[int, np.ndarray] = {}  # per basis: the signs as (n, shots) rows
    total = 0.0
    for term in h.terms:
        if not term.paulis:
            total += term.coeff
            continue
        k = next(i for i, b in enumerate(bases) if covers(b, term))
        if len(term.qubits) == 1:
            if k not in means:
                means[k] = _means(signs[k])
            value = float(means[k][term.qubits[0]])
        elif len(term.qubits) == 2:  # not a Gram matrix signs.T @ signs: BLAS (issue 26)
            if k not in columns:
                columns[k] = np.ascontiguousarray(signs[k].T)
            i, j = term.qubits
            value = sum_of_products(columns[k][i], columns[k][j]) / signs[k].shape[0]
        else:
            value = float(np.prod(signs[k][:, list(term.qubits)], axis=1).mean())
        total += term.coeff * value
    return total


def z_probabilities_from_samples(z_samples: np.ndarray) -> np.ndarray:
    """Observed frequencies of the distinct Z-basis outcomes (zero counts left out), in the
    order of the outcomes' indices (bit q = qubit q). O(shots log shots) whatever n is: the
    2^n possible outcomes are never enumerated."""
    n = z_samples.shape[1]
    if n <= 62:
        # integers: numpy's own exact loop (BLAS only takes floats)
        index = z_samples.astype(np.int64) @ (1 << np.arange(n, dtype=np.int64))
        counts = np.unique(index, return_counts=True)[1]
    else:  # indices past int64: distinct rows (lexicographic order; the entropy ignores order)
        counts = np.unique(z_samples, axis=0, return_counts=True)[1]
    return counts / counts.sum()


def bloch_exact(statevector: np.ndarray, n: int) -> np.ndarray:
    """Exact Bloch vectors, shape (n, 3), of each qubit's reduced state."""
    psi = np.asarray(statevector, dtype=np.complex128)
    return StatevectorEstimator(PauliHamiltonian(n, ())).estimate(psi).bloch
