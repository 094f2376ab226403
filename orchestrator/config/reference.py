"""Render the config reference (docs/configuration.md) from the models themselves.

    python -m orchestrator.config.reference > docs/configuration.md

A test regenerates it and compares, so the document cannot drift from the code.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from orchestrator.config.root import run_config_model

__all__ = ["render"]


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return " \\| ".join(repr(a) for a in typing.get_args(annotation))
    if origin is typing.Annotated:
        return _type_name(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return " \\| ".join(_type_name(a) for a in typing.get_args(annotation))
    if origin is not None:
        args = ", ".join(_type_name(a) for a in typing.get_args(annotation))
        return f"{getattr(origin, '__name__', str(origin))}[{args}]"
    if annotation is type(None):
        return "null"
    return getattr(annotation, "__name__", str(annotation))


def _models(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _models(a)]


def _default(field: Any) -> str:
    if field.default_factory is not None:
        value = field.default_factory()
        return "(see below)" if isinstance(value, BaseModel) else f"`{value!r}`"
    if field.default is PydanticUndefined:
        return "**required**"
    return f"`{field.default!r}`"


def _section(title: str, model: type[BaseModel], out: list[str], seen: set[type]) -> None:
    if model in seen:
        return
    seen.add(model)
    doc = (model.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")
    out += [f"### `{title}` — {model.__name__}", "", doc, ""]
    out += ["| key | type | default | meaning |", "|---|---|---|---|"]
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        desc = (field.description or "").replace("|", "\\|")
        out.append(f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | {desc} |")
        nested += [(f"{title}.{name}", m) for m in _models(field.annotation)]
    out.append("")
    for sub_title, sub in nested:
        _section(sub_title, sub, out, seen)


def render() -> str:
    """The whole reference as Markdown."""
    root = run_config_model()
    out = [
        "# Configuration reference",
        "",
        "Generated from the config models by `python -m orchestrator.config.reference`; a test",
        "keeps it current. Units are in the key names (`_ms`, `_mv`, `_hz`). Sections with a",
        "`kind` are chosen by it; each kind's table lists the keys it accepts.",
        "",
    ]
    seen: set[type] = set()
    for name, field in root.model_fields.items():
        out += [f"## `{name}`", "", field.description or "", ""]
        for model in _models(field.annotation):
            _section(name, model, out, seen)
    return "\n".join(out).rstrip() + "\n"


if __name__ == "__main__":
    print(render(), end="")
