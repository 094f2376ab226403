"""fixed_math (design §6): the C library's bits whatever numpy dispatches, numpy's semantics.

Independent answers: Python's ``math`` module (the C library, called one value at a time, no
numpy on the way) for the bits; numpy's own functions for the special values and, within
4 ulps, for the values (on an AVX512 CPU numpy's are another implementation: Intel's SVML or
numpy's AVX512 code; SVML's tan is 3 ulps off here). ``test_fixed_order.py`` runs the battery
with numpy's dispatch switched off in a child; here a child with only AVX512 switched off
checks the claim that keeps the golden roots: numpy without AVX512 computes exactly
fixed_math's values.
"""

from __future__ import annotations

import ast
import json
import math
import os
import subprocess
import sys

import numpy as np
import pytest

from orchestrator.physics import fixed_math
from tests.paths import ROOT

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 1e-300, -1e-300, 5e-324, 700.0, 709.78, 710.0,
           -745.2, -746.0, 1e308, -1e308, math.inf, -math.inf, math.nan, 1.5, -1.5, 3.0]

UNARY = {  # name: (fixed_math function, numpy function, what Python's math computes where defined)
    "exp": (fixed_math.exp, np.exp, math.exp),
    "log": (fixed_math.log, np.log, math.log),
    "log1p": (fixed_math.log1p, np.log1p, math.log1p),
    "arcsin": (fixed_math.arcsin, np.arcsin, math.asin),
    "tan": (fixed_math.tan, np.tan, math.tan),
}


def _inputs(name: str) -> np.ndarray:
    rng = np.random.default_rng(7)
    spread = {
        "exp": rng.uniform(-740.0, 705.0, 20_000),
        "log": np.exp(rng.uniform(-700.0, 700.0, 20_000)),
        "log1p": rng.uniform(-0.999, 1e3, 20_000),
        "arcsin": rng.uniform(-1.0, 1.0, 20_000),
        "tan": rng.uniform(-100.0, 100.0, 20_000),
    }[name]
    return np.concatenate([spread, rng.uniform(-3.0, 3.0, 5_000), SPECIAL])


def _bits(a: np.ndarray) -> np.ndarray:
    """The float64 bits, every NaN as one NaN (payloads and signs of NaN are not compared)."""
    b = np.array(a, dtype=np.float64)
    b[np.isnan(b)] = math.nan
    return b.view(np.uint64)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_value_is_the_c_librarys(name: str) -> None:
    ours, _, reference = UNARY[name]
    x = _inputs(name)
    got = ours(x)
    for value, result in zip(x.tolist(), got.tolist()):
        try:
            expected = reference(value)
        except (ValueError, OverflowError):
            continue  # outside math's domain: numpy's semantics, checked below
        if math.isnan(expected):
            assert math.isnan(result), (name, value)
        else:
            assert _bits(result) == _bits(expected), (name, value, result, expected)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_numpys_semantics_and_values_within_four_ulps(name: str) -> None:
    ours, theirs, _ = UNARY[name]
    x = _inputs(name)
    with np.errstate(all="ignore"):
        expected = theirs(x)
    got = ours(x)
    assert got.shape == x.shape and got.dtype == np.float64
    np.testing.assert_array_equal(np.isnan(got), np.isnan(expected))
    np.testing.assert_array_equal(np.isinf(got), np.isinf(expected))
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(got[np.isinf(got)], expected[np.isinf(got)])
    np.testing.assert_array_max_ulp(got[finite], expected[finite], maxulp=4)


def test_arctan2_and_angle() -> None:
    rng = np.random.default_rng(3)
    y = np.concatenate([rng.normal(size=5000) * 10, SPECIAL, SPECIAL[::-1]])
    x = np.concatenate([rng.normal(size=5000) * 10, SPECIAL[::-1], SPECIAL])
    got = fixed_math.arctan2(y, x)
    expected = [math.atan2(b, a) for b, a in zip(y.tolist(), x.tolist())]
    np.testing.assert_array_equal(_bits(got), _bits(np.array(expected)))
    np.testing.assert_allclose(got, np.arctan2(y, x), rtol=3e-16, atol=0)
    z = np.empty(x.shape, dtype=np.complex128)
    z.real, z.imag = x, y  # (x + 1j * y would turn 1j * inf into nan + inf j)
    np.testing.assert_array_equal(_bits(fixed_math.angle(z)), _bits(got))
    assert fixed_math.angle(np.array([-2.0, 0.0, 3.0])).tolist() == [math.pi, 0.0, 0.0]
    assert fixed_math.arctan2(np.ones((2, 1)), np.ones(3)).shape == (2, 3)  # broadcasts


def test_scalars_shapes_and_complex_refused() -> None:
    assert isinstance(fixed_math.exp(1.0), np.float64) and fixed_math.exp(1.0) == math.exp(1.0)
    assert isinstance(fixed_math.angle(1j), np.float64) and fixed_math.angle(1j) == math.pi / 2
    assert fixed_math.log(np.ones((3, 0))).shape == (3, 0)
    assert fixed_math.tan(np.zeros((2, 3, 4))).shape == (2, 3, 4)
    for fn in (fixed_math.exp, fixed_math.log, fixed_math.arcsin):
        with pytest.raises(TypeError, match="real numbers"):
            fn(np.array([1j]))


def _without_avx512() -> dict[str, object]:
    """This process's numpy when it has no AVX512 loops; else a child's with them switched off
    (``NPY_DISABLE_CPU_FEATURES``): numpy's own exp, log... and fixed_math's, as bit lists."""
    from tests.orchestrator.run.golden import avx512_loops

    avx512 = avx512_loops()
    code = "from tests.orchestrator.physics.test_fixed_math import _compare; _compare()"
    env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=" ".join(avx512))
    if not avx512:
        env.pop("NPY_DISABLE_CPU_FEATURES", None)
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _compare() -> None:
    """(in the child) how many of numpy's values differ from fixed_math's, per function."""
    out = {}
    for name, (ours, theirs, _) in UNARY.items():
        x = _inputs(name)
        with np.errstate(all="ignore"):
            out[name] = int(np.sum(_bits(ours(x)) != _bits(theirs(x))))
    y, x = np.random.default_rng(1).normal(size=(2, 20_000))
    out["arctan2"] = int(np.sum(_bits(fixed_math.arctan2(y, x)) != _bits(np.arctan2(y, x))))
    out["angle"] = int(np.sum(_bits(fixed_math.angle(x + 1j * y)) != _bits(np.angle(x + 1j * y))))
    print(json.dumps(out))


def test_numpy_without_avx512_computes_exactly_these_values() -> None:
    """Why the golden roots (recorded on an AVX2 CPU with numpy's own functions) did not move."""
    differ = _without_avx512()
    assert differ == {name: 0 for name in differ}, differ


def _calls(tree: ast.AST) -> list[tuple[int, str, ast.Call]]:
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == "np"
        ):
            found.append((node.lineno, node.func.attr, node))
    return found


DISPATCHED = {"exp", "log", "log1p", "expm1", "log2", "log10", "exp2", "arctan2", "angle",
              "arcsin", "arccos", "arctan", "tan", "tanh", "sinh", "cosh", "power", "cbrt",
              "float_power", "arcsinh", "arccosh", "arctanh"}
NOT_ON_A_ROOT = {  # file: why its numpy calls may round by CPU
    "orchestrator/testing/spiking.py": "analytic references the conformance suite compares with",
    "orchestrator/record/federation_report.py": "a report's summary, not hashed",
}


def _complex_argument(call: ast.Call) -> bool:
    """np.exp(1j * ...): numpy's complex exp, the C library's exp, cos and sin (§6)."""
    return any(
        isinstance(n, ast.Constant) and isinstance(n.value, complex)
        for arg in call.args
        for n in ast.walk(arg)
    )


def test_no_numpy_function_that_rounds_by_cpu_on_a_root_path() -> None:
    offenders = []
    for folder in ("orchestrator", "backends"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            rel = path.relative_to(ROOT).as_posix()
            if rel in NOT_ON_A_ROOT:
                continue
            for line, name, call in _calls(ast.parse(path.read_text())):
                if name in DISPATCHED and not (name == "exp" and _complex_argument(call)):
                    offenders.append(f"{rel}:{line}: np.{name}")
    assert not offenders, "use orchestrator.physics.fixed_math:\n" + "\n".join(offenders)
