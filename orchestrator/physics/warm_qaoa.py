"""Depth-1 QAOA for weighted MaxCut, from |+>^n or warm-started (issue 22, experiment B;
design §28; Egger, Marecek & Woerner, Quantum 5, 479 (2021)).

Conventions: qubit q is bit q of a basis-state index (Qiskit's order); x_q = 1 is |1>
(Z_q = -1); the cut of x is C(x) = sum_{(i,j)} w_ij [x_i != x_j]; an edge's expected cut is
w_ij (1 - <Z_i Z_j>) / 2.

**Warm-start values.** Values c_i in [0, 1] (a relaxed solution, or the bits of a string) are
regularised to c_i = min(max(c_i, eps), 1 - eps) with eps in [0, 1/2] (``warm_values``;
default 0.25, the default of qiskit-optimization's ``WarmStartQAOAOptimizer``, the authors'
reference implementation). eps = 1/2 makes every c_i = 1/2: standard QAOA.

**Preparation.** theta_i = 2 arcsin(sqrt(c_i)) (``tilt_angles``) and

    |phi> = (x)_i ( cos(theta_i / 2) |0> + sin(theta_i / 2) |1> ) = (x)_i RY(theta_i) |0>,

so P(x_i = 1) = sin^2(theta_i / 2) = c_i. theta_i = pi/2 for every i is |+>^n.

**One layer.** |psi(gamma, beta)> = U_M(beta) U_C(gamma) |phi> with the phase separator
U_C = exp(-i gamma C) and the mixer U_M = (x)_i RY(theta_i) RZ(-2 beta) RY(-theta_i)
(RY(-theta_i) acts first; RZ(a) = diag(e^{-ia/2}, e^{ia/2})). Per qubit
RY(theta) RZ(-2 beta) RY(-theta) = exp(-i beta H_i) with H_i = -(sin theta_i X + cos theta_i Z),
whose ground state is the qubit's factor of |phi>: the mixer's Hamiltonian H_M = sum_i H_i has
|phi> as its ground state, so at beta = gamma = 0 the layer returns |phi>. At theta_i = pi/2,
H_i = -X_i and the layer is standard QAOA (|+>^n, mixer exp(i beta sum X)). Period: beta -> beta
+ pi multiplies the state by (-1)^n (a global phase).

**Expected cut by light cones** (``expected_cut``). For an edge (i, j),
<Z_i Z_j> = <phi| U_C^+ U_M^+ Z_i Z_j U_M U_C |phi>: the mixer factors of the other qubits
commute with Z_i Z_j and cancel, then every phase term not touching i or j commutes with
M_i^+ M_j^+ Z_i Z_j M_i M_j and cancels. What remains acts on L = {i, j} and their neighbours
(|L| <= 6 on a 3-regular graph): a 2^|L| state vector per edge, exact. No 2^n array: it serves
the angle search at any n (|L| <= ``MAX_LIGHT_CONE``). ``statevector`` (n <= ``MAX_QUBITS``)
is the whole state, for sampling shots and for the tests.

**Angles** (``optimal_angles``): the maximum of the exact expected cut over a grid
(gamma in [0, 2 pi) by ``grid`` points: the weights are not integers, so gamma has no period;
beta in [0, pi) by ``grid // 2``), refined by Nelder-Mead from the best grid point.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from orchestrator.physics import fixed_math

__all__ = [
    "DEFAULT_EPSILON",
    "MAX_LIGHT_CONE",
    "MAX_QUBITS",
    "Angles",
    "expected_cut",
    "mixer_matrices",
    "optimal_angles",
    "product_state",
    "sample_bits",
    "statevector",
    "tilt_angles",
    "warm_values",
]

DEFAULT_EPSILON = 0.25
MAX_QUBITS = 24  # 2^24 complex128 = 256 MiB: the state vector ``statevector`` may build
MAX_LIGHT_CONE = 16

Edges = Sequence[tuple[int, int, float]]


def warm_values(values: object, epsilon: float = DEFAULT_EPSILON) -> np.ndarray:
    """c = values clipped to [eps, 1 - eps] (float64). ``ValueError`` unless eps is in
    [0, 1/2] and every value is finite in [0, 1]."""
    if not 0.0 <= float(epsilon) <= 0.5:
        raise ValueError(f"epsilon: must be in [0, 0.5], got {epsilon}")
    c = np.asarray(values, dtype=np.float64)
    if c.ndim != 1 or not np.all(np.isfinite(c)) or np.any((c < 0.0) | (c > 1.0)):
        raise ValueError("warm-start values: need a 1-D array of numbers in [0, 1]")
    return np.clip(c, epsilon, 1.0 - epsilon)


def tilt_angles(c: np.ndarray) -> np.ndarray:
    """theta_i = 2 arcsin(sqrt(c_i)), radians."""
    return 2.0 * fixed_math.arcsin(np.sqrt(np.asarray(c, dtype=np.float64)))


def _check_size(n: int) -> None:
    if n > MAX_QUBITS:
        raise ValueError(
            f"a {n}-qubit state vector needs {16 * 2**n / 2**30:.3g} GiB; at most {MAX_QUBITS} "
            "qubits here (the expected cut needs none: light cones)"
        )


def product_state(theta: np.ndarray) -> np.ndarray:
    """|phi> as 2^n amplitudes (complex128, qubit q = bit q of the index)."""
    theta = np.asarray(theta, dtype=np.float64)
    _check_size(theta.size)
    psi = np.ones(1, dtype=np.complex128)
    for t in theta:  # the new qubit is the most significant bit so far
        psi = np.concatenate([math.cos(t / 2) * psi, math.sin(t / 2) * psi])
    return psi


def mixer_matrices(theta: np.ndarray, beta: np.ndarray) -> np.ndarray:
    """RY(theta) RZ(-2 beta) RY(-theta) for every beta (axis 0) and theta (axis 1): shape
    (len(beta), len(theta), 2, 2)."""
    theta = np.asarray(theta, dtype=np.float64)[None, :]
    beta = np.atleast_1d(np.asarray(beta, dtype=np.float64))[:, None]
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    ry = np.stack([np.stack([c, -s], -1), np.stack([s, c], -1)], -2)  # (1, n, 2, 2)
    ry_inv = np.swapaxes(ry, -1, -2)
    rz = np.zeros((beta.shape[0], theta.shape[1], 2, 2), dtype=np.complex128)
    rz[..., 0, 0] = np.exp(1j * beta)  # RZ(-2 beta) = diag(e^{i beta}, e^{-i beta})
    rz[..., 1, 1] = np.exp(-1j * beta)
    return ry @ rz @ ry_inv


def _apply_one(psi: np.ndarray, gate: np.ndarray, q: int, n: int) -> np.ndarray:
    """gate (G, 2, 2) on qubit q of psi (G, 2^n)."""
    g = psi.shape[0]
    view = psi.reshape(g, 2 ** (n - q - 1), 2, 2**q)
    return np.einsum("gab,gibj->giaj", gate, view).reshape(g, 2**n)


def _cuts_of_all(edges: Edges, n: int) -> np.ndarray:
    idx = np.arange(2**n, dtype=np.int64)
    cut = np.zeros(2**n)
    for i, j, w in edges:
        cut += w * (((idx >> i) ^ (idx >> j)) & 1)
    return cut


def statevector(edges: Edges, n: int, theta: np.ndarray, gamma: float,
                beta: float) -> np.ndarray:
    """U_M(beta) U_C(gamma) |phi(theta)>: 2^n amplitudes (n <= MAX_QUBITS)."""
    _check_size(n)
    psi = product_state(theta) * np.exp(-1j * gamma * _cuts_of_all(edges, n))
    mixers = mixer_matrices(theta, np.array([beta]))  # (1, n, 2, 2)
    psi = psi[None, :]
    for q in range(n):
        psi = _apply_one(psi, mixers[:, q], q, n)
    return psi[0]


def expected_cut(edges: Edges, n: int, theta: np.ndarray, gammas: np.ndarray,
                 betas: np.ndarray) -> np.ndarray:
    """<C> at each (gammas[g], betas[g]) (arrays of one shape G), exact, by light cones."""
    theta = np.asarray(theta, dtype=np.float64)
    gammas = np.atleast_1d(np.asarray(gammas, dtype=np.float64))
    betas = np.atleast_1d(np.asarray(betas, dtype=np.float64))
    neighbours: list[set[int]] = [set() for _ in range(n)]
    for i, j, _ in edges:
        neighbours[i].add(j)
        neighbours[j].add(i)
    mixers = mixer_matrices(theta, betas)  # (G, n, 2, 2)
    total = np.zeros(gammas.shape)
    for i, j, w in edges:
        cone = sorted({i, j} | neighbours[i] | neighbours[j])
        m = len(cone)
        if m > MAX_LIGHT_CONE:
            raise ValueError(f"edge ({i}, {j}): its light cone holds {m} > {MAX_LIGHT_CONE} "
                             "qubits (too dense for the exact depth-1 expectation)")
        at = {q: k for k, q in enumerate(cone)}
        local = np.arange(2**m, dtype=np.int64)
        phase = np.zeros(2**m)
        for a, b, wab in edges:
            if a in (i, j) or b in (i, j):
                phase += wab * (((local >> at[a]) ^ (local >> at[b])) & 1)
        psi = product_state(theta[cone]) * np.exp(-1j * np.multiply.outer(gammas, phase))
        psi = _apply_one(psi, mixers[:, i], at[i], m)
        psi = _apply_one(psi, mixers[:, j], at[j], m)
        zz = 1.0 - 2.0 * (((local >> at[i]) ^ (local >> at[j])) & 1)
        total += w * (1.0 - (np.abs(psi) ** 2) @ zz) / 2.0
    return total


@dataclass(frozen=True)
class Angles:
    """The chosen layer: gamma, beta (radians) and its exact expected cut."""

    gamma: float
    beta: float
    expected_cut: float


def optimal_angles(edges: Edges, n: int, theta: np.ndarray, grid: int = 48) -> Angles:
    """The (gamma, beta) of the largest exact <C>: a grid, then Nelder-Mead from its best."""
    from scipy.optimize import minimize

    gs = np.linspace(0.0, 2 * np.pi, grid, endpoint=False)
    bs = np.linspace(0.0, np.pi, max(2, grid // 2), endpoint=False)
    gg, bb = np.meshgrid(gs, bs, indexing="ij")
    values = expected_cut(edges, n, theta, gg.ravel(), bb.ravel())
    k = int(np.argmax(values))
    start = np.array([gg.ravel()[k], bb.ravel()[k]])
    best = minimize(lambda v: -expected_cut(edges, n, theta, v[:1], v[1:])[0], start,
                    method="Nelder-Mead", options={"xatol": 1e-6, "fatol": 1e-10})
    if -best.fun >= values[k]:
        return Angles(float(best.x[0]), float(best.x[1]), float(-best.fun))
    return Angles(float(start[0]), float(start[1]), float(values[k]))


def sample_bits(psi: np.ndarray, n: int, shots: int, rng: np.random.Generator) -> np.ndarray:
    """``shots`` measurements in Z of psi: (shots, n) uint8, bit q of the drawn index."""
    p = np.abs(psi) ** 2
    p /= p.sum()
    idx = rng.choice(p.size, size=int(shots), p=p)
    return ((idx[:, None] >> np.arange(n)) & 1).astype(np.uint8)
