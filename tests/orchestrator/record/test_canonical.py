"""record.canonical against the reference RFC 8785 implementation (the rfc8785 package)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.record.canonical import canonical

# Floats that cross every branch of the ECMAScript number format: zero and -0, subnormals,
# the 1e-7 / 1e-6 / 1e-4 / 1e16 / 1e21 boundaries, integral values, the largest finite double.
_EDGES = [
    0.0, -0.0, 5e-324, -5e-324, 1e-7, 9.999999999999999e-7, 1e-6, 1.5e-6, 9.99e-5, 1e-4,
    0.1, 1.0, -1.0, 2.5, 123456789.0, 9007199254740992.0, 1e16, 1.2345678901234567e19,
    1e20, 1e21, 1.7976931348623157e308, -1e-5, 333.3333333333333,
]  # fmt: skip

floats = st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(_EDGES)
scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**53) + 1, max_value=2**53 - 1)
    | floats
    | st.text()
)
documents = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=30,
)


@settings(max_examples=400, deadline=None)
@given(documents)
def test_same_bytes_as_the_rfc8785_package(doc) -> None:
    assert canonical(doc) == rfc8785.dumps(doc)


@settings(max_examples=200, deadline=None)
@given(st.lists(floats, max_size=20), st.lists(st.integers(-(2**31), 2**31), max_size=6))
def test_numpy_values_encode_as_the_python_values_they_hold(values, ints) -> None:
    doc = {
        "array": np.asarray(values, dtype=np.float64),
        "matrix": np.asarray(values[: len(values) // 2 * 2], dtype=np.float64).reshape(-1, 2),
        "ints": np.asarray(ints, dtype=np.int64),
        "scalars": [np.float64(v) for v in values[:3]] + [np.int32(7), np.bool_(True)],
        "float32": np.float32(0.25),
    }
    plain = {
        "array": [float(v) for v in values],
        "matrix": [[float(a), float(b)] for a, b in zip(values[0::2], values[1::2])],
        "ints": [int(i) for i in ints],
        "scalars": [float(v) for v in values[:3]] + [7, True],
        "float32": 0.25,
    }
    assert canonical(doc) == rfc8785.dumps(plain)


def test_keys_are_ordered_by_utf16_code_units() -> None:
    # By code point U+FF61 comes before U+1F600; in UTF-16 the emoji is the surrogate pair
    # D83D DE00, which comes before FF61, and RFC 8785 orders by UTF-16.
    doc = {"\uff61": 1, "\U0001f600": 2, "a": 3}
    assert canonical(doc) == rfc8785.dumps(doc)
    assert canonical(doc).decode().index("\U0001f600") < canonical(doc).decode().index("\uff61")


def test_non_string_keys_become_strings() -> None:
    assert canonical({1: "a", "b": 2}) == b'{"1":"a","b":2}'


@pytest.mark.parametrize(
    "bad",
    [
        math.nan,
        math.inf,
        -math.inf,
        np.array([1.0, np.nan]),
        np.float32("inf"),
        2**53,
        -(2**53),
        "\ud800",
        {"k": object()},
        {1, 2},
    ],
)
def test_what_json_cannot_hold_is_refused(bad) -> None:
    with pytest.raises(ValueError):
        canonical({"field": bad})
