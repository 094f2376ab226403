"""The Brian2 backend's numpy code calls the C library's exp and log (design §6), and only its
own code objects do: another Brian2 network in the same process keeps numpy's functions."""

from __future__ import annotations

import numpy as np

from backends.neuromorphic.brian2.fixed_math_code import FixedMathNumpyCodeObject
from backends.neuromorphic.brian2.sdk import b2
from backends.neuromorphic.brian2.ticking import code_object_class
from orchestrator.physics import fixed_math


def _one_step(codeobj: type, start: np.ndarray) -> tuple[np.ndarray, dict]:
    b2.start_scope()
    group = b2.NeuronGroup(len(start), "x : 1\ny : 1", codeobj_class=codeobj)
    group.x = start
    op = group.run_regularly("y = exp(x) + log(1 + abs(x))", codeobj_class=codeobj)
    net = b2.Network(group, op)
    net.run(b2.defaultclock.dt, namespace={})
    return np.asarray(group.y[:]), op.codeobj.namespace


def test_the_numpy_target_is_fixed_maths() -> None:
    assert code_object_class("numpy") is FixedMathNumpyCodeObject
    start = np.random.default_rng(4).uniform(-30.0, 30.0, 500)
    y, namespace = _one_step(FixedMathNumpyCodeObject, start)
    assert namespace["exp"] is fixed_math.exp and namespace["log"] is fixed_math.log
    expected = fixed_math.exp(start) + fixed_math.log(1 + np.abs(start))
    np.testing.assert_array_equal(y.view(np.uint64), expected.view(np.uint64))


def test_other_brian2_code_keeps_numpys_functions() -> None:
    from brian2.codegen.runtime.numpy_rt import NumpyCodeObject

    start = np.linspace(-3.0, 3.0, 7)
    y, namespace = _one_step(NumpyCodeObject, start)
    assert namespace["exp"] is np.exp and namespace["log"] is np.log
    np.testing.assert_allclose(y, np.exp(start) + np.log(1 + np.abs(start)), rtol=1e-15)
