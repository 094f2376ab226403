"""Fixed-order numerics (issue 26): right to a few ulps against exact sums and LAPACK, and the
same bits whatever BLAS kernel or SIMD dispatch the process runs with.

The invariance is checked in child processes (the suite's own process changes nothing): one
with ``OPENBLAS_CORETYPE=Prescott`` (an SSE3 kernel, not the one an AVX2 CPU picks), one with
numpy's run-time SIMD dispatch switched off (``NPY_DISABLE_CPU_FEATURES`` naming every
extension above numpy's baseline that this CPU has). Each runs ``numeric_battery`` and must
give this process's hashes; the battery's controls (a BLAS dot/gemv/gemm; numpy's complex
multiply and abs) must differ, or the child did not run on anything else.
"""

from __future__ import annotations

import json
import math
import os
import platform
import subprocess
import sys

import numpy as np
import pytest

from orchestrator.physics import fixed_order
from tests.orchestrator.physics.numeric_battery import battery
from tests.paths import ROOT


def _ulps(a: float, b: float) -> float:
    return abs(a - b) / math.ulp(max(abs(a), abs(b), 1e-300))


def test_dot_norm_and_matvec_agree_with_exact_sums() -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=5000), rng.normal(size=5000)
    exact = math.fsum(float(a) * float(b) for a, b in zip(x, y))
    assert abs(fixed_order.dot(x, y) - exact) <= 1e-12 * math.fsum(abs(x * y))
    z = x + 1j * y
    assert fixed_order.norm(z) == pytest.approx(math.sqrt(math.fsum(x * x) + math.fsum(y * y)))
    m = rng.normal(size=(7, 5000))
    rows = [math.fsum(r * x) for r in m]
    np.testing.assert_allclose(fixed_order.matvec(m, x), rows, rtol=0, atol=1e-11)
    v = fixed_order.vdot(z, z[::-1])
    assert v == pytest.approx(np.vdot(z, z[::-1]), rel=1e-13)
    assert fixed_order.vdot(x, y) == pytest.approx(complex(exact, 0.0), rel=1e-13)


def test_shapes_are_checked() -> None:
    with pytest.raises(ValueError, match="one shape"):
        fixed_order.sum_of_products(np.ones(3), np.ones(4))
    with pytest.raises(ValueError, match="vectors"):
        fixed_order.dot(np.ones((2, 2)), np.ones((2, 2)))
    with pytest.raises(ValueError, match="matvec"):
        fixed_order.matvec(np.ones((2, 3)), np.ones(2))


def _child(env_changes: dict[str, str]) -> dict:
    env = dict(os.environ, **env_changes)
    proc = subprocess.run(
        [sys.executable, "-m", "tests.orchestrator.physics.numeric_battery"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


x86 = pytest.mark.skipif(
    platform.machine().lower() not in ("x86_64", "amd64"), reason="x86-64 kernels and features"
)


@x86
def test_the_same_bits_under_another_blas_kernel() -> None:
    here = battery()
    there = _child({"OPENBLAS_CORETYPE": "Prescott"})
    assert there["controls"]["blas"] != here["controls"]["blas"], "the child ran the same kernel"
    assert {k: v for k, v in there.items() if k != "controls"} == {
        k: v for k, v in here.items() if k != "controls"
    }


@x86
def test_the_same_bits_with_numpys_simd_dispatch_off() -> None:
    from numpy.core._multiarray_umath import __cpu_baseline__, __cpu_features__

    extra = sorted(k for k, on in __cpu_features__.items() if on and k not in __cpu_baseline__)
    if not any(k in extra for k in ("FMA3", "AVX512F")):
        pytest.skip("this CPU has no FMA: numpy's dispatch has nothing to switch off that matters")
    here = battery()
    there = _child({"NPY_DISABLE_CPU_FEATURES": " ".join(extra)})
    assert there["controls"]["simd"] != here["controls"]["simd"], "the dispatch did not change"
    assert {k: v for k, v in there.items() if k != "controls"} == {
        k: v for k, v in here.items() if k != "controls"
    }
