"""The quantum-neuromorphic memory of spec §10: registers, memory Hamiltonian, read-outs.

A stored spike pattern S in {0,1}^n is the projector P_S = |S><S| on an n-qubit *system*
register (qubit i holds bit i). Recall evolves the system together with an n-qubit
*environment* register that holds the cue, and traces the environment out:

    rho_memory = Tr_env(U rho_0 U^dagger),     U = exp(-i t H_mem),
    rho_0 = |+><+|^(x n)  (x)  rho_cue,        rho_cue = (x)_j |c_j><c_j|,
    |c_j> = sqrt(1 - r_j) |0> + sqrt(r_j) |1>  (r_j in [0, 1]: a spike pattern, or rates).

Qubits 0..n-1 are the system, n..2n-1 the environment (qubit n + j holds cue bit j).

The memory Hamiltonian, from couplings J (Hebbian, ``orchestrator.physics.hopfield``, or given):

    H_mem = -(1 / ||J||) sum_{i != j} J_ij  Y_i Z_{n+j},    ||J|| = max_i sum_j |J_ij|.

Z_{n+j} has eigenvalue 1 - 2 c_j = -s_j on a cue bit, so on a cue basis state H_mem acts on the
system as sum_i h_i Y_i with the normalised Hopfield field h_i = (J s)_i / ||J|| in [-1, 1],
and U rotates system qubit i about y by 2 t h_i: <Z_i> = -sin(2 t h_i), so

    P(system bit i = 1 | cue c) = (1 + sin(2 t h_i(c))) / 2,

one synchronous, soft Hopfield update of the cue written into the system (t = pi/4, the default,
maps the full field range onto [-pi/2, pi/2], where the response is monotone). The terms
commute (Y on the system, Z on the environment), so a Trotterized U is exact at any step count.
A cue that is a basis state leaves rho_memory pure (a product state); a cue in superposition
(rates strictly between 0 and 1) entangles the registers, and rho_memory is the mixture
sum_c P(c) |psi_c><psi_c|: its purity Tr(rho_memory^2) < 1 measures the cue's uncertainty.

Read-outs: overlaps o_S = Tr(P_S rho_memory) for every stored S, the recalled pattern
argmax_S o_S (ties: the first stored, overlaps within ``RECALL_TIE`` = 1e-9 of the
largest counting as tied), the purity. Exactly from the density matrix, or from
shots: o_S is the fraction of Z-basis shots whose system bits read S; the purity from shots in
random Pauli bases (Brydges et al., Science 364, 260 (2019); Elben et al. 2019): for one basis
with M shots over the n system qubits,

    P_hat = sum_{a != b} prod_q f(x_aq, x_bq) / (M (M - 1)),   f = 2 if equal, -1 if not,

whose average over uniformly random bases in {X, Y, Z}^n is unbiased for Tr(rho^2) (the
single-qubit Pauli measurements form a 2-design; 2^n (-2)^(-D) = prod_q f with D the Hamming
distance). Its variance grows with n; ``purity_bases`` sets how many bases are drawn.
"""

from __future__ import annotations

import math

import numpy as np

from orchestrator.physics import fixed_math, fixed_order
from orchestrator.physics.hamiltonian import PauliHamiltonian

__all__ = [
    "DEFAULT_TIME",
    "analytic_overlaps",
    "coupling_norm",
    "cue_angles",
    "exact_readings",
    "memory_hamiltonian",
    "overlaps_from_samples",
    "purity_from_samples",
    "random_pauli_bases",
]

DEFAULT_TIME = math.pi / 4


def coupling_norm(couplings: np.ndarray) -> float:
    """||J|| = max row sum of |J_ij| (1 for a zero J, so an empty memory has H = 0)."""
    norm = float(np.abs(couplings).sum(axis=1).max()) if couplings.size else 0.0
    return norm if norm > 0 else 1.0


def memory_hamiltonian(couplings: np.ndarray) -> PauliHamiltonian:
    """H_mem on 2n qubits (system 0..n-1, environment n..2n-1) from symmetric couplings J."""
    j = np.asarray(couplings, dtype=float)
    n = j.shape[0]
    scale = coupling_norm(j)
    terms = [
        ("YZ", (i, n + k), -float(j[i, k]) / scale)
        for i in range(n)
        for k in range(n)
        if i != k and j[i, k] != 0.0
    ]
    return PauliHamiltonian.from_terms(2 * n, terms)


def cue_angles(cue: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Product-preparation angles (theta, phi) of the 2n qubits for cue rates ``r`` in [0, 1].

    System qubits: |+> (theta pi/2); environment qubit n + j: theta = 2 arcsin(sqrt(r_j)).
    """
    r = np.asarray(cue, dtype=float)
    if r.ndim != 1 or not np.all((r >= 0) & (r <= 1)):
        raise ValueError("a cue is a vector of spike rates in [0, 1] (a 0/1 pattern or rates)")
    theta = np.concatenate([np.full(r.size, math.pi / 2), 2 * fixed_math.arcsin(np.sqrt(r))])
    return theta, np.zeros(2 * r.size)


def analytic_overlaps(
    couplings: np.ndarray, patterns: np.ndarray, cue: np.ndarray, time: float = DEFAULT_TIME
) -> np.ndarray:
    """Tr(P_S rho_memory) for each pattern, by the closed form of the module docstring,
    summed over the cue's basis states (2^n of them: small n only; a reference for tests)."""
    j = np.asarray(couplings, dtype=float)
    n = j.shape[0]
    r = np.asarray(cue, dtype=float)
    scale = coupling_norm(j)
    out = np.zeros(len(patterns))
    sigma = 2.0 * np.asarray(patterns, dtype=float) - 1.0
    for index in range(2**n):
        bits = (index >> np.arange(n)) & 1
        weight = float(np.prod(np.where(bits == 1, r, 1 - r)))
        if weight == 0.0:
            continue
        h = j @ (2.0 * bits - 1.0) / scale
        out += weight * np.prod((1 + sigma * np.sin(2 * time * h)) / 2, axis=1)
    return out


def exact_readings(
    statevector: np.ndarray, n_system: int, pattern_indices: np.ndarray
) -> tuple[np.ndarray, float]:
    """(o_S for each pattern index S, Tr(rho_memory^2)) from the state of the 2n qubits
    (system = the low n bits of an index), in a fixed order of operations (see
    backends/quantum/memory_exact): o_S = sum_e |psi[e, S]|^2, and the purity from the Gram
    matrix of the environment rows that are not exactly zero, by real products in numpy's
    einsum loop (never BLAS: issue 26). O(4^n) plus O(K^2 2^n) for K such rows."""
    psi = np.asarray(statevector, dtype=np.complex128).reshape(-1, 1 << n_system)  # (env, sys)
    re, im = psi.real, psi.imag
    p = re * re + im * im
    overlaps = np.einsum("es->s", p, optimize=False)[np.asarray(pattern_indices, dtype=np.int64)]
    live = np.flatnonzero(np.einsum("es->e", p, optimize=False) > 0)
    rows_re = np.ascontiguousarray(re[live])
    rows_im = np.ascontiguousarray(im[live])
    g_re = np.einsum("ks,ls->kl", rows_re, rows_re, optimize=False)
    g_re += np.einsum("ks,ls->kl", rows_im, rows_im, optimize=False)
    g_im = np.einsum("ks,ls->kl", rows_im, rows_re, optimize=False)
    g_im -= np.einsum("ks,ls->kl", rows_re, rows_im, optimize=False)
    purity = np.einsum("kl,kl->", g_re, g_re, optimize=False)
    purity += np.einsum("kl,kl->", g_im, g_im, optimize=False)
    return np.asarray(overlaps, dtype=np.float64), float(purity)


def overlaps_from_samples(samples: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """Fraction of Z-basis shots (rows of ``samples``, shape (M, 2n)) whose system bits
    (columns 0..n-1) equal each pattern."""
    n = patterns.shape[1]
    system = np.asarray(samples[:, :n], dtype=np.uint8)
    return np.array([float(np.all(system == p, axis=1).mean()) for p in patterns])


def random_pauli_bases(n_system: int, n_total: int, count: int, seed: int) -> tuple[str, ...]:
    """``count`` basis strings of length ``n_total``: uniformly random X/Y/Z on the first
    ``n_system`` qubits, Z elsewhere."""
    rng = np.random.default_rng(seed)
    letters = np.array(list("XYZ"))
    rest = "Z" * (n_total - n_system)
    return tuple("".join(letters[rng.integers(0, 3, n_system)]) + rest for _ in range(count))


def purity_from_samples(per_basis: list[np.ndarray], n_system: int) -> float:
    """Randomized-measurement estimate of Tr(rho^2) of the first ``n_system`` qubits.

    per_basis: one (M, >= n_system) 0/1 array per random basis, M >= 2 shots each.
    """
    estimates = []
    for samples in per_basis:
        bits = np.asarray(samples[:, :n_system], dtype=np.int64)
        m = bits.shape[0]
        if m < 2:
            raise ValueError("the purity estimate needs at least two shots a basis")
        codes, counts = np.unique(bits @ (1 << np.arange(n_system)), return_counts=True)
        diff = codes[:, None] ^ codes[None, :]
        distance = np.zeros(diff.shape, dtype=np.int64)
        for q in range(n_system):
            distance += (diff >> q) & 1
        f = (2.0 ** (n_system - distance)) * np.where(distance % 2, -1.0, 1.0)
        # sum_ab counts_a f_ab counts_b in a fixed order (not counts @ f @ counts: BLAS)
        total = fixed_order.dot(counts, fixed_order.matvec(f, counts)) - m * 2.0**n_system
        estimates.append(total / (m * (m - 1)))
    return float(np.mean(estimates))
