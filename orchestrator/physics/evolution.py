"""exp(-i H t) applied to states, in an order of operations no machine chooses (issue 26).

The truncated Taylor series with scaling of Al-Mohy and Higham (SIAM J. Sci. Comput. 33, 488
(2011), algorithm 3.2), as in ``scipy.sparse.linalg.expm_multiply``, for A = -i t H shifted by
its mean diagonal mu = tr(A) / N:

    e^A B = e^{mu} (T_m(A' / s))^s B,   A' = A - mu I,   T_m the Taylor polynomial of degree m,

each of the s steps adding the m terms B_j = A' B_{j-1} / (s j), j = 1..m. (m, s) minimise
m s subject to ||A'||_1 / s <= theta_m, the bounds of the paper's table 3.1 for double
precision (backward error <= 2^-53): the paper's choice when ||A'||_1 is small. scipy
estimates norms of powers of A' for larger ones, with a randomised estimator drawing from
numpy's unseeded global generator, so its (m, s), and the bits of its result, could change
from one process to the next; and it stops a step early once two terms are negligible, a
test on rounded norms. Here (m, s) depend on ||A'||_1 only and every step adds all m terms
(measured faster than testing: the test costs more than the terms it saves at these sizes).

Every operation has the same result on every x86-64 machine: the sparse products are scipy's
CSR loop (its own C++, compiled for the baseline instruction set: no BLAS, no FMA, no CPU
dispatch), complex scalars are applied through real products, and ||A'||_1 is summed from
moduli sqrt(re^2 + im^2) (numpy's complex ``abs`` fuses multiply-adds on FMA3 CPUs only).
``scipy.linalg.expm`` and ``U @ states`` (LAPACK and BLAS, whose kernels round by CPU) were
used before issue 26. Cost: m s sparse products of the columns (about 35 at 8 qubits and
t = 0.25 for a transverse-field ring).
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

__all__ = ["Evolution", "taylor_evolution"]

Evolution = Callable[[np.ndarray], np.ndarray]
"""U applied to the columns of a (2^n, k) complex array (a (2^n,) vector also works)."""

# Al-Mohy and Higham (2011), table 3.1, tol = 2^-53: theta_m for the degrees used
_THETA = {
    1: 2.29e-16, 2: 2.58e-8, 3: 1.39e-5, 4: 3.40e-4, 5: 2.40e-3, 6: 9.07e-3, 7: 2.38e-2,
    8: 5.00e-2, 9: 8.96e-2, 10: 1.44e-1, 11: 2.14e-1, 12: 3.00e-1, 13: 4.00e-1, 14: 5.14e-1,
    15: 6.41e-1, 16: 7.81e-1, 17: 9.31e-1, 18: 1.09, 19: 1.26, 20: 1.44, 21: 1.62, 22: 1.82,
    23: 2.01, 24: 2.22, 25: 2.43, 26: 2.64, 27: 2.86, 28: 3.08, 29: 3.31, 30: 3.54, 35: 4.7,
    40: 6.0, 45: 7.2, 50: 8.5, 55: 9.9,
}  # fmt: skip


def _degree_and_steps(norm_1: float) -> tuple[int, int]:
    """(m, s) minimising m s with norm_1 / s <= theta_m; (0, 1) for a zero operator."""
    if norm_1 == 0.0:
        return 0, 1
    best: tuple[int, int] | None = None
    for m, theta in _THETA.items():
        s = max(1, math.ceil(norm_1 / theta))
        if best is None or m * s < best[0] * best[1]:
            best = (m, s)
    assert best is not None
    return best


def _scaled(x: np.ndarray, factor: complex) -> np.ndarray:
    """factor * x through real products (no fused multiply-add on any CPU)."""
    out = np.empty_like(x)
    out.real = factor.real * x.real - factor.imag * x.imag
    out.imag = factor.real * x.imag + factor.imag * x.real
    return out


def taylor_evolution(hamiltonian: sp.spmatrix, time: float) -> Evolution:
    """U = exp(-i H time) for a sparse Hermitian H (2^n x 2^n, qubit 0 least significant;
    ``PauliHamiltonian.to_sparse()``), applied by the truncated Taylor series of the module
    docstring. No 2^n x 2^n dense matrix is ever formed; the plan is made once."""
    h = sp.csr_matrix(hamiltonian, dtype=complex)
    n = h.shape[0]
    a = (-1j * float(time)) * h
    mu = complex(a.diagonal().sum()) / n if n else 0j
    shifted = sp.csr_matrix(a - mu * sp.identity(n, dtype=complex, format="csr"))
    moduli = shifted.copy()  # |entries| by real operations (numpy's complex abs: FMA by CPU)
    moduli.data = np.sqrt(shifted.data.real**2 + shifted.data.imag**2).astype(complex)
    norm_1 = float(moduli.real.sum(axis=0).max()) if n else 0.0
    m, s = _degree_and_steps(norm_1)
    eta = cmath.exp(mu / s)
    coefficients = [1.0 / (s * (j + 1)) for j in range(m)]

    def evolve(states: np.ndarray) -> np.ndarray:
        f = np.array(states, dtype=complex, order="C")  # a copy: the caller's is never touched
        for _ in range(s):
            b = f
            for c in coefficients:
                b = shifted @ b
                b *= c
                f += b
            f = _scaled(f, eta)
        return f

    return evolve
