"""Stochastic meta-evolution of the shared parameters (spec §8, issue 12).

After each epoch's optimiser step (``orchestrator.control.learning``):

    Theta <- Theta + eta_Q eps_Q - eta_N grad_Theta L_N,      eps_Q ~ N(0, Sigma_Q),

exploratory mutations from the quantum side, stabilising selection along the neural loss
(grad_Theta L_N is the rule's surrogate gradient, ``orchestrator.physics.neural_surrogate``).
With eta_Q = 0 this is one gradient-descent step on L_N with step eta_N; with eta_N = 0 the
change of Theta is eta_Q eps_Q, whose covariance is eta_Q^2 Sigma_Q.

eps_Q = C z with C the Cholesky factor of Sigma_Q (C C^T = Sigma_Q) and z ~ N(0, I) drawn
from a ``numpy.random.Generator``. C and C z are computed in a fixed order
(``orchestrator.physics.fixed_linalg``, ``fixed_order``), not by LAPACK and BLAS, whose
roundings depend on the machine's kernel: Theta is in the FusionEvent (issue 26).


- ``noise: seeded``: the generator is ``default_rng(derive_seed(run.seed, Stream.MUTATION,
  epoch))``, reproducible from the config;
- ``noise: quantum``: the generator is seeded by SHA-256 over the measured bits of the epoch's
  unshifted circuit (every basis, in the order the backend returned them) and the epoch
  number. Honestly: the bits of a state are NOT fair coins (their distribution is the state's)
  and a backend may group shots by outcome, so the bits are not used as z directly; the hash
  extracts a seed from the multinomial fluctuation of the counts. On a simulator those counts
  come from the simulator's own seeded pseudo-random generator, so this "quantum" noise is
  pseudo-random too (and reproducible, which resume needs); only on a device do the counts
  carry physical randomness, and then a replay cannot reproduce it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

import numpy as np

from orchestrator.physics import fixed_linalg, fixed_order

__all__ = ["cholesky_factor", "meta_step", "mutation", "quantum_generator"]


def cholesky_factor(covariance: np.ndarray) -> np.ndarray:
    """C with C C^T = Sigma_Q; a zero diagonal Sigma_Q (sigma 0) gives C = 0."""
    covariance = np.asarray(covariance, dtype=float)
    if np.allclose(covariance, np.diag(np.diag(covariance))):
        return np.diag(np.sqrt(np.diag(covariance)))
    return fixed_linalg.cholesky(covariance)


def mutation(factor: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """eps_Q = C z, z ~ N(0, I) from ``rng``; shape (len(C),)."""
    return fixed_order.matvec(factor, rng.standard_normal(factor.shape[0]))


def quantum_generator(samples: Sequence[np.ndarray], epoch: int) -> np.random.Generator:
    """A generator seeded by SHA-256 of measured bits and the epoch (see the docstring)."""
    digest = hashlib.sha256(f"qnfusion/meta-evolution/{epoch}\0".encode())
    for bits in samples:
        array = np.ascontiguousarray(bits, dtype=np.uint8)
        digest.update(np.array(array.shape, dtype="<i8").tobytes())
        digest.update(array.tobytes())
    return np.random.default_rng(int.from_bytes(digest.digest(), "little"))


def meta_step(
    theta: np.ndarray, eps: np.ndarray, grad_neural: np.ndarray, eta_q: float, eta_n: float
) -> np.ndarray:
    """Theta + eta_Q eps_Q - eta_N grad_Theta L_N."""
    return theta + eta_q * eps - eta_n * grad_neural
