"""Exponentials, logarithms and inverse trigonometric functions whose bits no SIMD dispatch
decides (design §6, "The same root on another machine"; the sixth session).

numpy 1.26 picks the float64 loops of ``exp``, ``log``, ``log1p``, ``arctan2`` (so ``angle``),
``arcsin``, ``tan``, ``power``... when it is imported, from the CPU: on a CPU with AVX512F /
AVX512_SKX it runs its own AVX512 code or Intel's SVML, elsewhere the C library's functions.
Their last bits differ: on 200,000 random inputs, 24-40 % of the results of each function
above differed between an AVX512 CPU and the same process with numpy's AVX512 dispatch
switched off (``NPY_DISABLE_CPU_FEATURES``), and every golden root moved with them. The
functions here compute the C library's function element by element (Python's ``math``
module calls it for every finite argument), so their results are the same whatever numpy
found in the CPU, and equal to what numpy gives on every CPU without AVX512 (numpy's AVX2
and baseline loops call the same C functions: equal on those 200,000 inputs).

What stays machine-dependent: the C library itself (glibc chooses FMA variants of ``exp``,
``log``, ``atan2``... on CPUs with FMA and AVX2, i.e. x86-64 since 2013; another libm or an
older CPU may round otherwise) and its version (recorded in every genesis block).

``np.sin`` and ``np.cos`` of float64 are the C library's on AVX512, AVX2 and baseline alike in
numpy 1.26 (measured equal) and stay numpy's, as do complex ``np.exp`` (numpy's own ``cexp``
over the C library's ``exp``, ``cos``, ``sin``) and ``+ - * / sqrt`` (exact per element).
``tests/orchestrator/physics/test_fixed_math.py`` checks each of these claims under numpy's
dispatch switched down, in child processes, so a numpy that changes them fails there.

Semantics are numpy's for real float64 input (no exceptions, no warnings): ``exp`` overflows
to ``inf``; ``log`` of 0 is ``-inf`` and of a negative number ``nan``; ``log1p(-1)`` is
``-inf``; ``arcsin`` outside [-1, 1] is ``nan``; ``nan`` gives ``nan``. A scalar argument
gives a numpy float64 scalar, an array a new float64 array of its shape (arguments of
``arctan2`` broadcast). Complex input is refused (``TypeError``): use numpy's complex loops,
or ``angle`` for the argument of complex numbers.

How: ``exp`` and ``log`` call the C library from scipy's compiled ufuncs (``inv_boxcox(x, 0)``
is ``exp(x)``, ``xlogy(1, y)`` is ``1 * log(y)``: scipy.special runs no SIMD dispatch), ~11 ns
a value (numpy's own: ~2 ns), so the statevector estimator's entropy over 2^n probabilities
stays cheap; the others go through Python's ``math`` a value at a time (~0.1-0.3 us a value:
they see n qubits or one value per neuron). Both routes are checked bit for bit against
Python's ``math`` in the tests.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

__all__ = ["angle", "arcsin", "arctan2", "exp", "log", "log1p", "tan"]


def _real(x: object, name: str) -> np.ndarray:
    a = np.asarray(x)
    if np.iscomplexobj(a):
        raise TypeError(f"fixed_math.{name} takes real numbers; got {a.dtype}")
    return a.astype(np.float64, copy=False)


def _out(a: np.ndarray) -> np.ndarray | np.float64:
    return np.float64(a) if a.ndim == 0 else a


def _each(fn: Callable[[float], float], a: np.ndarray) -> np.ndarray | np.float64:
    if a.ndim == 0:
        return np.float64(fn(float(a)))
    flat = np.fromiter(map(fn, a.ravel().tolist()), dtype=np.float64, count=a.size)
    return flat.reshape(a.shape)


def _log1p(v: float) -> float:
    if v > -1.0:
        return math.log1p(v)
    if v == -1.0:
        return -math.inf
    return math.nan


def _arcsin(v: float) -> float:
    if -1.0 <= v <= 1.0:
        return math.asin(v)
    return math.nan


def _tan(v: float) -> float:
    if math.isinf(v):
        return math.nan
    return math.tan(v)


def exp(x: object) -> np.ndarray | np.float64:
    """e^x of real ``x`` (any shape), the C library's rounding."""
    from scipy.special import inv_boxcox  # exp(x) itself for lambda = 0: the C library's exp

    return _out(inv_boxcox(_real(x, "exp"), 0.0))


def log(x: object) -> np.ndarray | np.float64:
    """Natural logarithm of real ``x`` (any shape)."""
    from scipy.special import xlogy  # 1 * log(y) for x = 1: the C library's log, exactly

    return _out(xlogy(1.0, _real(x, "log")))


def log1p(x: object) -> np.ndarray | np.float64:
    """log(1 + x) of real ``x`` (any shape), accurate for small x."""
    a = _real(x, "log1p")
    return _each(math.log1p if bool(np.all(a > -1.0)) else _log1p, a)


def arcsin(x: object) -> np.ndarray | np.float64:
    """arcsin of real ``x`` (any shape), radians in [-pi/2, pi/2]."""
    a = _real(x, "arcsin")
    return _each(math.asin if bool(np.all(np.abs(a) <= 1.0)) else _arcsin, a)


def tan(x: object) -> np.ndarray | np.float64:
    """tan of real ``x`` (radians, any shape)."""
    a = _real(x, "tan")
    return _each(math.tan if bool(np.all(np.isfinite(a))) else _tan, a)


def arctan2(y: object, x: object) -> np.ndarray | np.float64:
    """The angle of the point (x, y), radians in [-pi, pi]; ``y`` and ``x`` broadcast."""
    b, a = np.broadcast_arrays(_real(y, "arctan2"), _real(x, "arctan2"))
    if b.ndim == 0:
        return np.float64(math.atan2(float(b), float(a)))
    ys, xs = b.ravel().tolist(), a.ravel().tolist()
    flat = np.fromiter(map(math.atan2, ys, xs), dtype=np.float64, count=len(ys))
    return flat.reshape(b.shape)


def angle(z: object) -> np.ndarray | np.float64:
    """The argument of ``z`` (complex or real, any shape), radians in [-pi, pi]: numpy's
    ``np.angle`` (``arctan2(z.imag, z.real)``) with the C library's ``atan2``."""
    a = np.asarray(z)
    if np.iscomplexobj(a):
        return arctan2(a.imag, a.real)
    return arctan2(np.zeros(a.shape), a)
