"""Numbers every config field must keep, whatever the field and however it was written.

A run writes its config into the genesis block as RFC 8785 JSON, whose numbers are IEEE
doubles: an integer past 2^53 - 1 cannot be stored exactly and the canonical encoder refuses
it (a seed of 2^53 + 1 used to pass validation and fail at the genesis block). A float past
``MAX_FLOAT`` in magnitude can overflow the products of one tick (coefficient x time x drive).
Fields add their own, tighter ranges on top (``ge``/``le`` on the models).

Two checks, the same bounds:

- ``number_problems`` walks the loaded data once before the models see it, so every number
  of the file (an integer key too) is checked with its dotted path. Its size is bounded by the
  YAML reader (``orchestrator.config.yaml_input``), so this is bounded work too.
- ``number_checker(annotation)`` is what every config model runs on each field before pydantic
  coerces it (``StrictModel``), wherever the value came from (the file, a CLI override, a NIR
  graph): at a position the annotation types as ``int`` or ``float`` it refuses a string
  (pydantic would parse ``'1e308'`` or ``'9007199254740993'`` past every bound; issue 27, F3)
  and a boolean, refuses a non-finite or out-of-range number, and turns ``-0.0`` into ``0.0``.
  RFC 8785 writes both zeros as ``0``, so the config hash could not tell them apart while the
  run could (``pci.initial_phi: -0.0`` ended at another root: F8); the hashed config must
  determine the run, so the boundary keeps one zero.
"""

from __future__ import annotations

import math
import types
import typing
from collections.abc import Callable, Mapping
from functools import cache
from typing import Any

from pydantic import BaseModel

__all__ = ["MAX_FLOAT", "MAX_INT", "NumberRefused", "number_checker", "number_problems"]

MAX_INT = 2**53 - 1
MAX_FLOAT = 1e9

Checker = Callable[[Any], Any]


def _problem(value: Any) -> str | None:
    kind = type(value)
    if kind is int and -MAX_INT <= value <= MAX_INT:
        return None
    if kind is float:
        if -MAX_FLOAT <= value <= MAX_FLOAT:
            return None
        if math.isnan(value) or math.isinf(value):
            return f"must be a finite number (got {value})"
        return f"must be at most {MAX_FLOAT:g} in magnitude (got {value:g})"
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if isinstance(value, int):
        if abs(value) > MAX_INT:
            return f"must be at most 2^53 - 1 = {MAX_INT} in magnitude (got {value})"
        return None
    return _problem(float(value))


def _plain_row(row: list[Any]) -> bool:
    """Whether every item of ``row`` is a scalar within bounds (checked inline, no stack)."""
    for x in row:
        kind = type(x)
        if kind is float:
            if not -MAX_FLOAT <= x <= MAX_FLOAT:
                return False
        elif kind is int:
            if not -MAX_INT <= x <= MAX_INT:
                return False
        elif kind is not str and kind is not bool and x is not None:
            return False
    return True


def number_problems(raw: Any, where: str = "") -> list[str]:
    """One ``dotted.field: message`` line per number (or integer key) out of range."""
    problems: list[str] = []
    stack: list[tuple[str, Any]] = [(where, raw)]
    seen: set[int] = set()  # aliased containers are walked once
    while stack:
        path, value = stack.pop()
        if isinstance(value, Mapping):
            if id(value) in seen:
                continue
            seen.add(id(value))
            for key, child in value.items():
                line = _problem(key)
                name = f"{path}.{key}" if path else str(key)
                if line is not None:
                    problems.append(f"{name}: key {line}")
                stack.append((name, child))
        elif isinstance(value, list | tuple):
            if id(value) in seen:
                continue
            seen.add(id(value))
            for k, child in enumerate(value):
                if type(child) in (int, float, str, bool) or child is None:
                    line = _problem(child)  # the common case, without a trip through the stack
                    if line is not None:
                        problems.append(f"{path}[{k}]: {line}")
                elif not (type(child) is list and _plain_row(child)):  # an edge [i, j, w]
                    stack.append((f"{path}[{k}]", child))
        else:
            line = _problem(value)
            if line is not None:
                problems.append(f"{path or 'config'}: {line}")
    return sorted(problems)


class NumberRefused(ValueError):
    """A number position holds what it may not: ``loc`` (inside the field), ``value``,
    ``message`` (one line, without the location)."""

    def __init__(self, loc: tuple[int | str, ...], value: Any, message: str) -> None:
        super().__init__(message)
        self.loc, self.value, self.message = loc, value, message


def _leaf(word: str) -> Checker:
    """The check of one ``int`` (word "an integer") or ``float`` ("a number") position."""

    def check(value: Any, where: tuple[int | str, ...] = ()) -> Any:
        kind = type(value)
        if kind is float:
            if value == 0.0 and math.copysign(1.0, value) < 0:
                return 0.0
            line = _problem(value)
        elif kind is int:  # at a float position it becomes a float: the float bound holds
            line = _problem(value if word == "an integer" else min(abs(value), 2**1023) * 1.0)
        elif kind is str:
            try:
                float(value.replace("_", ""))
                looks = True
            except ValueError:
                looks = False
            hint = ", not the string " if looks else " (got "
            tail = " (write it without quotes)" if looks else ")"
            raise NumberRefused(where, value, f"must be {word}{hint}{value[:40]!r}{tail}")
        elif kind is bool:
            raise NumberRefused(where, value, f"must be {word}, not true or false (got {value})")
        else:
            return value  # pydantic says what else is wrong
        if line is not None:
            raise NumberRefused(where, value, line)
        return value

    return check


def _sequence(item: Callable[[int], Checker | None]) -> Checker:
    """Checks every item of a list or tuple; ``item(k)`` is the check of position k."""

    def check(value: Any, where: tuple[int | str, ...] = ()) -> Any:
        if not isinstance(value, list | tuple):
            return value
        out, changed = list(value), False
        for k, element in enumerate(value):
            inner = item(k)
            if inner is None:
                continue
            new = inner(element, (*where, k))
            if new is not element:
                out[k], changed = new, True
        return type(value)(out) if changed else value

    return check


def _mapping(key: Checker | None, value_check: Checker | None) -> Checker:
    def check(value: Any, where: tuple[int | str, ...] = ()) -> Any:
        if not isinstance(value, Mapping):
            return value
        out, changed = {}, False
        for k, v in value.items():
            nk = k if key is None else key(k, (*where, f"{k} (key)"))
            nv = v if value_check is None else value_check(v, (*where, k))
            changed = changed or nk is not k or nv is not v
            out[nk] = nv
        return out if changed else value

    return check


def _union(members: list[Checker], scalar: Checker | None) -> Checker:
    def check(value: Any, where: tuple[int | str, ...] = ()) -> Any:
        if isinstance(value, list | tuple | Mapping):
            for member in members:
                value = member(value, where)
            return value
        return value if scalar is None else scalar(value, where)

    return check


def _takes_scalar(annotation: Any) -> bool:
    """Whether a value that is not a container or a mapping may validate as ``annotation``."""
    origin = typing.get_origin(annotation)
    if origin in (list, tuple, set, frozenset, dict, Mapping):
        return False
    return not (isinstance(annotation, type) and issubclass(annotation, BaseModel))


@cache
def _build(annotation: Any) -> Checker | None:
    if annotation is int:
        return _leaf("an integer")
    if annotation is float:
        return _leaf("a number")
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Annotated:
        return _build(args[0])
    if origin in (list, set, frozenset) or (origin is tuple and len(args) == 2 and args[1] is ...):
        inner = _build(args[0])
        return None if inner is None else _sequence(lambda k: inner)
    if origin is tuple:
        inners = tuple(_build(a) for a in args)
        if all(c is None for c in inners):
            return None
        return _sequence(lambda k: inners[k] if k < len(inners) else None)
    if origin in (dict, Mapping) and len(args) == 2:
        key, value = _build(args[0]), _build(args[1])
        return None if key is None and value is None else _mapping(key, value)
    if origin in (typing.Union, types.UnionType):
        members = [a for a in args if a is not type(None)]
        scalars = [m for m in members if m in (int, float)]
        textual = [m for m in members if m not in (int, float) and _takes_scalar(m)]
        containers = [c for m in members if not _takes_scalar(m) if (c := _build(m))]
        # a number position only where no other member takes a scalar (str, bool, a Literal)
        scalar = _build(float if float in scalars else int) if scalars and not textual else None
        if scalar is None and not containers:
            return None
        return _union(containers, scalar)
    return None


def number_checker(annotation: Any) -> Callable[[Any], Any] | None:
    """The check of a field typed ``annotation`` (module docstring), or None when it has no
    ``int``/``float`` position. ``check(value)`` returns the value (``-0.0`` made ``0.0``) or
    raises ``NumberRefused`` (one line: ``must be a number, not the string '1e3' ...``)."""
    try:
        return _build(annotation)
    except TypeError:  # an unhashable annotation: nothing of ours
        return None
