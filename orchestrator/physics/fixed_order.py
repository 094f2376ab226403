"""Dot products, norms and matrix-vector products whose rounding no BLAS kernel decides
(design §6; issue 26).

numpy hands ``a @ b``, ``np.dot``, ``np.vdot``, ``np.inner``, ``np.tensordot``, ``np.cov``,
``np.linalg.norm`` of a whole array (no ``axis``) and ``np.einsum(..., optimize=True)`` to
OpenBLAS, and every LAPACK routine (det, solve, cholesky, eig) calls it too. OpenBLAS picks
its kernel when it loads, from the CPU or from ``OPENBLAS_CORETYPE``; kernels split and order
the partial sums differently (some fuse multiply-adds), and a multi-threaded call splits by
the thread count, so the last bits of a product depend on the machine. What reaches a hashed
value is computed here instead, from operations whose result is the same on every x86-64 CPU:

- ``np.einsum`` with ``optimize=False`` (what this module calls): numpy's own C loop, never
  BLAS; in numpy 1.26 it is compiled once for the baseline instruction set (no run-time CPU
  dispatch, no FMA), and its order of additions depends only on the operands' shapes and
  strides;
- elementwise ``+ - * /`` and ``sqrt`` of float64: IEEE 754 rounds each one exactly whatever
  the SIMD width, and no fused multiply-add forms across two ufunc calls.

Complex values are handled through their real and imaginary parts (numpy's complex
multiplication fuses a multiply-add on CPUs with FMA3 and not on older ones). The results
agree with BLAS's to a few ulps and with themselves bit for bit on any machine running the
same numpy (tests/orchestrator/physics/test_fixed_order.py runs them under other OpenBLAS
kernels and with numpy's SIMD dispatch switched off, in child processes).
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["dot", "matvec", "norm", "sum_of_products", "sum_squares", "vdot"]

_LETTERS = "abcdefghijklmnop"


def sum_of_products(a: np.ndarray, b: np.ndarray) -> float:
    """sum a_i b_i over every entry of two real arrays of one shape (numpy's einsum loop)."""
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape:
        raise ValueError(f"need two arrays of one shape, got {x.shape} and {y.shape}")
    axes = _LETTERS[: x.ndim]
    return float(np.einsum(f"{axes},{axes}->", x, y, optimize=False))


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """sum_i a_i b_i of two real vectors of one length."""
    if np.ndim(a) != 1:
        raise ValueError(f"dot needs vectors, got shape {np.shape(a)}")
    return sum_of_products(a, b)


def _parts(x: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """(real part, imaginary part or None) of ``x`` as float64 (views where possible)."""
    a = np.asarray(x)
    if np.iscomplexobj(a):
        a = a.astype(np.complex128, copy=False)
        return a.real, a.imag
    return a.astype(np.float64, copy=False), None


def vdot(a: np.ndarray, b: np.ndarray) -> complex:
    """sum_i conj(a_i) b_i of two vectors (real or complex) of one length:
    Re = sum(ar br) + sum(ai bi), Im = sum(ar bi) - sum(ai br)."""
    ar, ai = _parts(a)
    br, bi = _parts(b)
    if ar.ndim != 1:
        raise ValueError(f"vdot needs vectors, got shape {ar.shape}")
    re = sum_of_products(ar, br)
    im = 0.0
    if ai is not None and bi is not None:
        re += sum_of_products(ai, bi)
    if bi is not None:
        im += sum_of_products(ar, bi)
    if ai is not None:
        im -= sum_of_products(ai, br)
    return complex(re, im)


def sum_squares(x: np.ndarray) -> float:
    """sum_i |x_i|^2 over every entry of ``x`` (real or complex, any shape)."""
    re, im = _parts(x)
    total = sum_of_products(re, re)
    return total if im is None else total + sum_of_products(im, im)


def norm(x: np.ndarray) -> float:
    """The Euclidean (Frobenius) norm sqrt(sum |x_i|^2) over every entry of ``x``."""
    return math.sqrt(sum_squares(x))


def matvec(matrix: np.ndarray, vector: np.ndarray) -> np.ndarray:
    """M v for a real (k, n) matrix and a real (n,) vector: row i is sum_j M_ij v_j."""
    m, v = np.asarray(matrix, dtype=np.float64), np.asarray(vector, dtype=np.float64)
    if m.ndim != 2 or v.shape != (m.shape[1],):
        raise ValueError(f"matvec needs a (k, n) matrix and an (n,) vector: {m.shape}, {v.shape}")
    return np.einsum("ij,j->i", m, v, optimize=False)
