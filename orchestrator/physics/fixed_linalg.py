"""Determinant, Cholesky factor and eigenvalues of small dense matrices in a fixed order of
operations (design §6; issue 26).

LAPACK (``np.linalg.slogdet``, ``cholesky``, ``eigvals``, ``eigh``) calls BLAS kernels that
OpenBLAS picks per CPU (``orchestrator.physics.fixed_order`` says why that changes the last
bits). The matrices that reach a hashed value through these routines are small (the 2n x 2n
Jacobian of §13, the covariance of §8's mutations), so they are computed here in plain Python
floats: every operation is one IEEE 754 double operation in the order written, the same on
every machine. Cost O(n^3) Python operations: ~1 ms at n = 8, ~0.1 s at n = 32.

- ``slogdet``: Gaussian elimination with partial pivoting (the pivot is the first entry of
  largest magnitude in its column), sign and sum of log |u_kk| in row order.
- ``cholesky``: the Cholesky-Banachiewicz order (row by row, each sum in index order).
- ``eigenvalues``: the real unsymmetric eigenvalue problem as in EISPACK (Wilkinson and
  Reinsch, Handbook for Automatic Computation II, 1971): balancing by powers of 2 (exact),
  reduction to upper Hessenberg form by stabilised elementary similarity transformations, then
  the Francis double-shift QR iteration with exceptional shifts at iterations 10 and 20 of an
  eigenvalue (the ``balanc``/``elmhes``/``hqr`` sequence of Numerical Recipes §11.5-11.6).
  Agrees with LAPACK's ``dgeev`` to ~1e-13 relative on well-conditioned spectra.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

__all__ = ["cholesky", "eigenvalues", "slogdet", "spectral_radius"]

_MAX_ITERATIONS = 60  # QR iterations per eigenvalue before giving up (EISPACK: 30)


def _rows(matrix: np.ndarray | Sequence[Sequence[float]]) -> list[list[float]]:
    a = np.asarray(matrix, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != a.shape[1]:
        raise ValueError(f"need a square matrix, got shape {a.shape}")
    if not np.all(np.isfinite(a)):
        raise ValueError("the matrix has a non-finite entry")
    return [[float(v) for v in row] for row in a]


def slogdet(matrix: np.ndarray) -> tuple[float, float]:
    """(sign, log |det|) of a square real matrix; (0.0, -inf) when it is singular."""
    a = _rows(matrix)
    n = len(a)
    sign, logdet = 1.0, 0.0
    for k in range(n):
        pivot, row = 0.0, k
        for i in range(k, n):
            if abs(a[i][k]) > abs(pivot):
                pivot, row = a[i][k], i
        if pivot == 0.0:
            return 0.0, -math.inf
        if row != k:
            a[k], a[row] = a[row], a[k]
            sign = -sign
        if pivot < 0:
            sign = -sign
        logdet += math.log(abs(pivot))
        top = a[k]
        for i in range(k + 1, n):
            factor = a[i][k] / pivot
            if factor != 0.0:
                r = a[i]
                for j in range(k + 1, n):
                    r[j] -= factor * top[j]
    return sign, logdet


def cholesky(matrix: np.ndarray) -> np.ndarray:
    """Lower-triangular L with L L^T = A for a symmetric positive definite A (only its lower
    triangle is read); ``ValueError`` when A is not positive definite."""
    a = _rows(matrix)
    n = len(a)
    low = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for j in range(i + 1):
            s = a[i][j]
            for k in range(j):
                s -= low[i][k] * low[j][k]
            if i == j:
                if not s > 0.0:
                    raise ValueError("the matrix is not positive definite")
                low[i][i] = math.sqrt(s)
            else:
                low[i][j] = s / low[j][j]
    return np.array(low, dtype=np.float64).reshape(n, n)


def eigenvalues(matrix: np.ndarray) -> list[complex]:
    """The eigenvalues of a square real matrix (order unspecified; complex pairs adjacent).

    ``ArithmeticError`` if the QR iteration does not converge (not seen on any matrix of the
    tests; EISPACK gives up at 30 iterations, this at 60)."""
    a = _rows(matrix)
    n = len(a)
    if n == 0:
        return []
    _balance(a)
    _hessenberg(a)
    re, im = _hqr(a)
    return [complex(x, y) for x, y in zip(re, im)]


def spectral_radius(matrix: np.ndarray) -> float:
    """max |lambda| over the eigenvalues (0.0 for an empty matrix); |lambda| as
    sqrt(re^2 + im^2), correctly rounded from the rounded squares."""
    values = eigenvalues(matrix)
    return max((math.sqrt(v.real * v.real + v.imag * v.imag) for v in values), default=0.0)


def _balance(a: list[list[float]]) -> None:
    """Scale rows and columns by powers of 2 (exact) so their off-diagonal norms are close."""
    n = len(a)
    radix, sqrdx = 2.0, 4.0
    done = False
    while not done:
        done = True
        for i in range(n):
            c = r = 0.0
            for j in range(n):
                if j != i:
                    c += abs(a[j][i])
                    r += abs(a[i][j])
            if c != 0.0 and r != 0.0:
                g, f, s = r / radix, 1.0, c + r
                while c < g:
                    f *= radix
                    c *= sqrdx
                g = r * radix
                while c > g:
                    f /= radix
                    c /= sqrdx
                if (c + r) / f < 0.95 * s:
                    done = False
                    g = 1.0 / f
                    for j in range(n):
                        a[i][j] *= g
                    for j in range(n):
                        a[j][i] *= f


def _hessenberg(a: list[list[float]]) -> None:
    """Upper Hessenberg form by elimination with pivoting (similarity transforms); the
    multipliers are cleared below the subdiagonal afterwards."""
    n = len(a)
    for m in range(1, n - 1):
        x, i = 0.0, m
        for j in range(m, n):
            if abs(a[j][m - 1]) > abs(x):
                x, i = a[j][m - 1], j
        if i != m:
            for j in range(m - 1, n):
                a[i][j], a[m][j] = a[m][j], a[i][j]
            for j in range(n):
                a[j][i], a[j][m] = a[j][m], a[j][i]
        if x != 0.0:
            for i in range(m + 1, n):
                y = a[i][m - 1]
                if y != 0.0:
                    y /= x
                    a[i][m - 1] = y
                    row_i, row_m = a[i], a[m]
                    for j in range(m, n):
                        row_i[j] -= y * row_m[j]
                    for row in a:
                        row[m] += y * row[i]
    for i in range(2, n):
        for j in range(i - 1):
            a[i][j] = 0.0


def _hqr(a: list[list[float]]) -> tuple[list[float], list[float]]:
    """Eigenvalues (real parts, imaginary parts) of an upper Hessenberg matrix (destroyed)."""
    n = len(a)
    wr, wi = [0.0] * n, [0.0] * n
    anorm = 0.0
    for i in range(n):
        for j in range(max(i - 1, 0), n):
            anorm += abs(a[i][j])
    nn, t = n - 1, 0.0
    while nn >= 0:
        its = 0
        while True:
            el = nn  # look for a single small subdiagonal element
            while el >= 1:
                s = abs(a[el - 1][el - 1]) + abs(a[el][el])
                if s == 0.0:
                    s = anorm
                if abs(a[el][el - 1]) + s == s:
                    a[el][el - 1] = 0.0
                    break
                el -= 1
            x = a[nn][nn]
            if el == nn:  # one root
                wr[nn], wi[nn] = x + t, 0.0
                nn -= 1
                break
            y = a[nn - 1][nn - 1]
            w = a[nn][nn - 1] * a[nn - 1][nn]
            if el == nn - 1:  # two roots
                p = 0.5 * (y - x)
                q = p * p + w
                z = math.sqrt(abs(q))
                x += t
                if q >= 0.0:
                    z = p + math.copysign(z, p)
                    wr[nn - 1] = wr[nn] = x + z
                    if z != 0.0:
                        wr[nn] = x - w / z
                    wi[nn - 1] = wi[nn] = 0.0
                else:
                    wr[nn - 1] = wr[nn] = x + p
                    wi[nn - 1], wi[nn] = -z, z
                nn -= 2
                break
            if its == _MAX_ITERATIONS:
                raise ArithmeticError("the QR iteration for the eigenvalues did not converge")
            if its % 10 == 0 and its > 0:  # exceptional shift
                t += x
                for i in range(nn + 1):
                    a[i][i] -= x
                s = abs(a[nn][nn - 1]) + abs(a[nn - 1][nn - 2])
                x = y = 0.75 * s
                w = -0.4375 * s * s
            its += 1
            m = nn - 2  # form the shift; look for two consecutive small subdiagonal elements
            while True:
                z = a[m][m]
                r = x - z
                s = y - z
                p = (r * s - w) / a[m + 1][m] + a[m][m + 1]
                q = a[m + 1][m + 1] - z - r - s
                r = a[m + 2][m + 1]
                s = abs(p) + abs(q) + abs(r)
                p, q, r = p / s, q / s, r / s
                if m == el:
                    break
                u = abs(a[m][m - 1]) * (abs(q) + abs(r))
                v = abs(p) * (abs(a[m - 1][m - 1]) + abs(z) + abs(a[m + 1][m + 1]))
                if u + v == v:
                    break
                m -= 1
            for i in range(m + 2, nn + 1):
                a[i][i - 2] = 0.0
                if i != m + 2:
                    a[i][i - 3] = 0.0
            for k in range(m, nn):  # the double QR step on rows el..nn, columns m..nn
                if k != m:
                    p = a[k][k - 1]
                    q = a[k + 1][k - 1]
                    r = a[k + 2][k - 1] if k != nn - 1 else 0.0
                    x = abs(p) + abs(q) + abs(r)
                    if x != 0.0:
                        p, q, r = p / x, q / x, r / x
                s = math.copysign(math.sqrt(p * p + q * q + r * r), p)
                if s == 0.0:
                    continue
                if k == m:
                    if el != m:
                        a[k][k - 1] = -a[k][k - 1]
                else:
                    a[k][k - 1] = -s * x
                p += s
                x, y, z = p / s, q / s, r / s
                q, r = q / p, r / p
                row0, row1 = a[k], a[k + 1]
                if k != nn - 1:  # rows k, k+1, k+2 over columns k..nn
                    row2 = a[k + 2]
                    for j in range(k, nn + 1):
                        p = row0[j] + q * row1[j]
                        p += r * row2[j]
                        row2[j] -= p * z
                        row1[j] -= p * y
                        row0[j] -= p * x
                else:
                    for j in range(k, nn + 1):
                        p = row0[j] + q * row1[j]
                        row1[j] -= p * y
                        row0[j] -= p * x
                k1, k2 = k + 1, k + 2
                for i in range(el, min(nn, k + 3) + 1):  # columns k, k+1, k+2
                    row = a[i]
                    p = x * row[k] + y * row[k1]
                    if k != nn - 1:
                        p += z * row[k2]
                        row[k2] -= p * r
                    row[k1] -= p * q
                    row[k] -= p
    return wr, wi
