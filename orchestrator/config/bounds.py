"""Numbers every config field must keep, whatever the field: checked on the raw data first.

A run writes its config into the genesis block as RFC 8785 JSON, whose numbers are IEEE
doubles: an integer past 2^53 - 1 cannot be stored exactly and the canonical encoder refuses
it (a seed of 2^53 + 1 used to pass validation and fail at the genesis block). A float past
``MAX_FLOAT`` in magnitude can overflow the products of one tick (coefficient x time x drive).
Fields add their own, tighter ranges on top (``ge``/``le`` on the models).

The walk visits the loaded data once; its size is bounded by the YAML reader
(``orchestrator.config.yaml_input``), so this is bounded work too.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

__all__ = ["MAX_FLOAT", "MAX_INT", "number_problems"]

MAX_INT = 2**53 - 1
MAX_FLOAT = 1e9


def _problem(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int) and abs(value) > MAX_INT:
        return f"must be at most 2^53 - 1 = {MAX_INT} in magnitude (got {value})"
    if isinstance(value, float) and math.isfinite(value) and abs(value) > MAX_FLOAT:
        return f"must be at most {MAX_FLOAT:g} in magnitude (got {value:g})"
    return None


def number_problems(raw: Any, where: str = "") -> list[str]:
    """One ``dotted.field: message`` line per number (or integer key) out of range."""
    problems: list[str] = []
    stack: list[tuple[str, Any]] = [(where, raw)]
    seen: set[int] = set()  # aliased containers are walked once
    while stack:
        path, value = stack.pop()
        if isinstance(value, Mapping | list | tuple):
            if id(value) in seen:
                continue
            seen.add(id(value))
        if isinstance(value, Mapping):
            for key, child in value.items():
                line = _problem(key)
                name = f"{path}.{key}" if path else str(key)
                if line is not None:
                    problems.append(f"{name}: key {line}")
                stack.append((name, child))
        elif isinstance(value, list | tuple):
            stack.extend((f"{path}[{k}]", child) for k, child in enumerate(value))
        else:
            line = _problem(value)
            if line is not None:
                problems.append(f"{path or 'config'}: {line}")
    return sorted(problems)
