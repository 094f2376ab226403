"""Issue 27: the one-pass YAML reader (documents built from libyaml's events) reads every
document as the composer and constructor do: same data, same node count, same refusal line."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from orchestrator.config import yaml_input
from orchestrator.config.errors import ConfigError
from tests.orchestrator.config.test_config_fuzz import hostile_texts


def _read(text: str, composed: bool) -> tuple[str, Any]:
    """(repr of the data, nodes) or ("refused", the lines), by one path or the other."""
    patch = mock.patch.object(yaml_input, "_one_pass", side_effect=yaml_input._Fallback)
    try:
        if composed:
            with patch:
                parsed = yaml_input.parse_yaml(text, "t.yaml")
        else:
            parsed = yaml_input.parse_yaml(text, "t.yaml")
    except ConfigError as exc:
        return "refused", exc.problems
    return repr(parsed.data), parsed.nodes


ODD = [
    "a: &x [1, 2]\nb: *x\nc: *x\n",
    "a: &x {k: 1}\nb: {<<: *x, j: 2}\n",
    "a: !!set {x, y}\n",
    "a: !!omap [{x: 1}]\n",
    "a: &x 1\nb: &x 2\n",
    "a: *nope\n",
    "--- 1\n--- 2\n",
    "",
    "---\n",
    "? [1, 2]\n: x\n",
    "a: 1\na: 2\n",
    "a: {b: 1, b: 2}\nc: " + "[" * 70 + "]" * 70 + "\n",
    "a: 0x" + "f" * 50 + "\n",
    "a: !foo 1\n",
    "a: [.inf, -.inf, .nan, 1e10, 0o17, 017, 1_000, '1e3', 2001-12-14, ~, yes]\n",
    "a: &a [*a]\n",
    "=: 1\n",
    "a: !!binary aGVsbG8=\n",
    "a: [1, 2\n",
]


@pytest.mark.parametrize("text", ODD)
def test_odd_documents_read_the_same_both_ways(text: str) -> None:
    assert _read(text, composed=False) == _read(text, composed=True)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(hostile_texts() | st.sampled_from(ODD))
def test_hostile_documents_read_the_same_both_ways(text: str) -> None:
    assert _read(text, composed=False) == _read(text, composed=True)
