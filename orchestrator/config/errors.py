"""Turning validation failures into one line per problem: ``dotted.field: what is wrong``.

Pydantic's messages are rephrased into the project's voice (``quantum.shots: must be > 0``),
the discriminator tag pydantic puts into a union member's location is dropped (the user wrote
``quantum.shots``, not ``quantum.aer.shots``), and an unknown key names the nearest valid one.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping, Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

__all__ = ["ConfigError", "format_validation_error"]

TAGGED_SECTIONS = ("hamiltonian", "quantum", "spiking")


class ConfigError(ValueError):
    """A config that cannot run. ``problems`` holds one ``field: message`` line per problem."""

    def __init__(self, problems: Sequence[str]) -> None:
        # one line each, even when a key of the input holds a line break
        self.problems = [p.replace("\r", "\\r").replace("\n", "\\n") for p in problems]
        super().__init__("\n".join(self.problems))


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any) -> Any:
    """0.0 -> 0 (a bound written as an integer reads as one)."""
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _message(err: Mapping[str, Any], hint: str | None) -> str:
    kind = err["type"]
    ctx = err.get("ctx") or {}
    got = err.get("input")
    simple = {
        "missing": "required",
        "greater_than": "must be > {gt}",
        "greater_than_equal": "must be >= {ge}",
        "less_than": "must be < {lt}",
        "less_than_equal": "must be <= {le}",
        "too_short": "must have at least {min_length} item(s)",
        "too_long": "must have at most {max_length} item(s)",
        "string_pattern_mismatch": "must match the pattern {pattern}",
    }
    if kind in simple:
        return simple[kind].format(**{k: _number(v) for k, v in ctx.items()})
    if kind == "extra_forbidden":
        return "unknown key" + (f" (did you mean '{hint}'?)" if hint else "")
    if kind == "finite_number":
        return f"must be a finite number (got {_show(got)})"
    if kind in ("int_type", "int_parsing"):
        return f"must be an integer (got {_show(got)})"
    if kind == "int_from_float":
        return f"must be a whole number (got {_show(got)})"
    if kind in ("float_type", "float_parsing"):
        return f"must be a number (got {_show(got)})"
    if kind in ("bool_type", "bool_parsing"):
        return f"must be true or false (got {_show(got)})"
    if kind == "string_type":
        return f"must be a string (got {_show(got)})"
    if kind == "literal_error":
        return f"must be {ctx.get('expected')} (got {_show(got)})"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"must be a mapping of keys (got {_show(got)})"
    if kind in ("list_type", "tuple_type"):
        return f"must be a list (got {_show(got)})"
    if kind == "union_tag_invalid":
        return f"unknown kind {_show(ctx.get('tag'))}; known: {ctx.get('expected_tags')}"
    if kind == "union_tag_not_found":
        return "needs a `kind` key saying which one"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    return str(err["msg"])


def _model_at(model: type[BaseModel] | None, loc: Sequence[Any]) -> type[BaseModel] | None:
    """The model class the location points into, following fields and containers."""
    for part in loc:
        if model is None:
            return None
        if isinstance(part, int):
            continue
        if part not in model.model_fields:
            return None
        model = _first_model(model.model_fields[part].annotation)
    return model


def _first_model(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _first_model(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType, list, tuple, dict):
        members = [_first_model(a) for a in typing.get_args(annotation)]
        found = [m for m in members if m is not None]
        return found[0] if len(found) == 1 else None
    return None


def _union_members(root: type[BaseModel], section: str) -> tuple[Any, ...]:
    annotation = root.model_fields[section].annotation
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return typing.get_args(annotation) or (annotation,)


def _tagged_model(root: type[BaseModel], section: str, tag: Any) -> type[BaseModel] | None:
    for member in _union_members(root, section):
        field = getattr(member, "model_fields", {}).get("kind")
        if field is not None and tag in typing.get_args(field.annotation):
            return member
    return None


def format_validation_error(
    exc: ValidationError, raw: Mapping[str, Any], root: type[BaseModel]
) -> list[str]:
    """One ``field: message`` line per error of ``exc`` (raised validating ``raw`` as ``root``)."""
    lines: list[str] = []
    for err in exc.errors():
        loc = list(err["loc"])
        model: type[BaseModel] | None = root
        if loc and loc[0] in TAGGED_SECTIONS and isinstance(raw.get(loc[0]), Mapping):
            tag = raw[loc[0]].get("kind")
            # a discriminated union puts the tag into the location; a lone member does not
            if len(loc) > 1 and loc[1] == tag and len(_union_members(root, loc[0])) > 1:
                del loc[1]
                tagged = _tagged_model(root, loc[0], tag)
                model = None if tagged is None else _model_at(tagged, loc[1:-1])
            else:
                model = _model_at(root, loc[:-1])
        else:
            model = _model_at(root, loc[:-1])
        hint = None
        if err["type"] == "extra_forbidden" and model is not None and loc:
            import difflib  # here: a valid config needs no hint (docs/design.md §25)

            close = difflib.get_close_matches(str(loc[-1]), list(model.model_fields), n=1)
            hint = close[0] if close else None
        path = ""
        for part in loc:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        if err["type"] == "union_tag_invalid" and loc and loc[-1] in ("quantum", "spiking"):
            path += ".kind"
        lines.append(f"{path or 'config'}: {_message(err, hint)}")
    return lines
