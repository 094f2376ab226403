"""Two imports typer 0.29 makes on every start that the quick commands do not need.

Issue 25 item 1 (``qnf --help``, ``jobs``, ``status`` under 0.3 s; docs/design.md §25).
Neither changes what a command prints or accepts: ``tests/orchestrator/cli/test_lean_typer.py``
checks that against typer's own path, and ``test_startup_imports.py`` that the imports stay
away.

- **pydantic for parameters.** Typer coerces every parameter it processes through a pydantic
  ``TypeAdapter``, built on first use; building the first imports pydantic (~0.1 s). Most
  parameters of a quick command need none: an option left out arrives as ``None``, which
  typer's ``RuntimeParam.coerce`` turns into ``None`` (or ``()``) before it looks at the
  adapter, and a ``str`` parameter given a ``str`` comes back unchanged (typer's ``str``
  adapter returns ``str(value)``; pydantic's lax ``str`` returns a ``str`` as it is), and a
  ``Path`` parameter given a ``str`` is ``Path(value)`` (pydantic's lax ``Path``) then typer's
  own checks (``coerce_cli_path``, given that ``Path``: it builds no adapter for one); only for a
  value ``Path`` writes back unchanged (``str(Path(value)) == value``, not ``""`` or ``"-"``),
  so every message typer prints names the same text. So each parameter gets a
  ``RuntimeParam`` that builds typer's own one only for any other value.
- **rich.markdown and rich.traceback for help.** Typer renders help through
  ``typer.rich_utils``, which imports ``rich.markdown`` (markdown-it, pygments) and
  ``rich.traceback`` (pygments, attrs) at its top (~0.1 s) but uses their classes only for
  Markdown help text (``rich_markup_mode="markdown"``, not ours) and for pretty tracebacks.
  Help is rendered with ``typer.rich_utils`` imported against stand-ins for those two classes
  that import the real class on first use (a call or any attribute); the stand-in modules
  leave ``sys.modules`` at once, so any later ``import rich.markdown`` gets the real module.

If typer's internals change shape, ``install`` leaves typer as it is (slower, same output).
"""

from __future__ import annotations

import importlib
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["install"]

_DEFERRED = {"rich.markdown": "Markdown", "rich.traceback": "Traceback"}


class _Deferred(type):
    """Metaclass of a stand-in class: calls and attributes go to the real class."""

    def _real(cls) -> Any:
        return getattr(importlib.import_module(cls._qnf_module), cls.__name__)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        return cls._real()(*args, **kwargs)

    def __getattr__(cls, name: str) -> Any:
        if name.startswith("_qnf_"):
            raise AttributeError(name)
        return getattr(cls._real(), name)


def _import_rich_utils() -> None:
    """Import ``typer.rich_utils`` with stand-ins for the classes it imports but rarely uses."""
    if "typer.rich_utils" in sys.modules or any(name in sys.modules for name in _DEFERRED):
        return
    import rich

    stand_ins = {}
    for module_name, class_name in _DEFERRED.items():
        module = types.ModuleType(module_name)
        setattr(module, class_name, _Deferred(class_name, (), {"_qnf_module": module_name}))
        stand_ins[module_name] = module
    sys.modules.update(stand_ins)
    try:
        importlib.import_module("typer.rich_utils")
    finally:
        for module_name, module in stand_ins.items():
            if sys.modules.get(module_name) is module:
                del sys.modules[module_name]
            child = module_name.rpartition(".")[2]
            if getattr(rich, child, None) is module:
                delattr(rich, child)


def _lean_help(cls: type) -> None:
    original = cls.format_help  # type: ignore[attr-defined]

    def format_help(self: Any, ctx: Any, formatter: Any) -> Any:
        _import_rich_utils()
        return original(self, ctx, formatter)

    cls.format_help = format_help  # type: ignore[attr-defined]


def _lean_coercion() -> None:
    import typer.core
    from typer._coercion import RuntimeParam, TypeDescriptor, build_runtime_param
    from typer._param_types import coerce_cli_path

    @dataclass(frozen=True)
    class _OnDemand(RuntimeParam):
        """Typer's ``RuntimeParam`` for a parameter, built for a value that needs it."""

        descriptor: TypeDescriptor = field(default=None)  # type: ignore[assignment]
        _built: list[RuntimeParam] = field(default_factory=list)

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:
            info = self.descriptor.parameter_info
            if (
                self.descriptor.annotation is str
                and type(value) is str
                and info.parser is None
                and self.descriptor.file_annotation is None
            ):
                return value
            if (
                self.descriptor.annotation is Path
                and type(value) is str
                and info.parser is None
                and info.path_type is None
                and self.descriptor.file_annotation is None
                and value not in ("", "-")
                and str(Path(value)) == value
            ):  # typer's checks of the Path its adapter would make, without the adapter
                return coerce_cli_path(Path(value), info, path_type=Path, param=param, ctx=ctx)
            if not self._built:
                self._built.append(build_runtime_param(self.descriptor))
            return self._built[0]._coerce_value(value, param=param, ctx=ctx)

    def on_demand(descriptor: TypeDescriptor) -> RuntimeParam:
        return _OnDemand(
            parameter_info=descriptor.parameter_info,
            annotation=descriptor.annotation,
            descriptor=descriptor,
        )

    _ = typer.core.build_runtime_param  # AttributeError where typer no longer looks it up here
    typer.core.build_runtime_param = on_demand


def install() -> None:
    """Make typer skip the two imports above (once per process; idempotent)."""
    import typer.core

    if getattr(typer.core, "_qnf_lean", False):
        return
    try:
        _lean_coercion()
        for cls in (typer.core.TyperCommand, typer.core.TyperGroup):
            _lean_help(cls)
    except (ImportError, AttributeError, TypeError):  # another typer: leave it as it is
        return
    typer.core._qnf_lean = True  # type: ignore[attr-defined]
