"""Brian2's numpy target with the C library's exp, log, log1p, arcsin and tan (design §6).

Brian2's numpy code calls ``numpy.exp`` and friends by name (the exact integration's
``exp(-dt/tau_m)``, event-driven STDP's ``exp(-(t - lastupdate)/tau)``), and numpy picks those
loops by CPU: an AVX512 machine and an AVX2 one round them differently, and the spike trains,
weights and roots follow. ``FixedMathNumpyCodeObject`` is Brian2's ``NumpyCodeObject`` under
its own name, with ``orchestrator.physics.fixed_math``'s functions registered for it alone:
the same code, the C library's bits. Other Brian2 users in the process (and the cython target,
which calls the C library already) are untouched. Other functions (sqrt, clip, floor...) keep
numpy's loops, exact per element.
"""

from __future__ import annotations

from brian2.codegen.runtime.numpy_rt import NumpyCodeObject
from brian2.core.functions import DEFAULT_FUNCTIONS

from orchestrator.physics import fixed_math

__all__ = ["FIXED", "FixedMathNumpyCodeObject"]

FIXED = ("exp", "log", "log1p", "arcsin", "tan")


class FixedMathNumpyCodeObject(NumpyCodeObject):
    """Brian2's numpy code object; the functions of ``FIXED`` are fixed_math's."""

    class_name = "numpy_fixed_math"  # Brian2 finds a function's implementation by this name


for _name in FIXED:
    DEFAULT_FUNCTIONS[_name].implementations.add_implementation(
        FixedMathNumpyCodeObject, code=getattr(fixed_math, _name)
    )
