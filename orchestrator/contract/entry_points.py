"""The installed distributions' entry points, read from their ``entry_points.txt`` directly.

``importlib.metadata.entry_points()`` builds a ``pathlib`` object and a parsed ``EntryPoints``
list for every one of the ~125 distributions of the environment on each call (~6 ms; ``qnf
validate`` paid it twice: the registry, then pydantic looking for its plugins). ``scan`` reads the
same files the same way, once per process (~1 ms): the directories of ``sys.path`` in order, in
each the ``*.dist-info`` and ``*.egg-info`` folders grouped by name as ``importlib.metadata``
groups them, the first distribution of a name winning, each file's ``[group]`` sections and
``name = value`` lines as ``importlib.metadata`` splits them (stripped lines, ``#`` comments).

Where it cannot promise ``importlib.metadata``'s answer it returns None and the caller asks
``importlib.metadata``: a finder on ``sys.meta_path`` other than the path finder that may list
distributions, a ``sys.path`` entry that is not a string or is a file (a zip) or an ``.egg``, a
metadata folder whose name ``importlib.metadata`` would read from its METADATA (an extension
not spelled in lower case), a line it would refuse, a file it cannot read for a reason
``importlib.metadata`` does not skip. ``tests/orchestrator/contract/test_entry_points.py``
compares the two on this environment and on crafted ``sys.path`` folders. docs/design.md §25.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from functools import cache, reduce
from importlib import import_module
from typing import Any

__all__ = ["EntryPoint", "scan", "spare_pydantic_scan"]

_SKIPPED = (FileNotFoundError, IsADirectoryError, KeyError, NotADirectoryError, PermissionError)
# importlib.metadata.EntryPoint.pattern
_PATTERN = re.compile(
    r"(?P<module>[\w.]+)\s*"
    r"(:\s*(?P<attr>[\w.]+)\s*)?"
    r"((?P<extras>\[.*\])\s*)?$"
)


@dataclass(frozen=True)
class EntryPoint:
    """One entry point: ``name = value`` in ``[group]`` (``importlib.metadata.EntryPoint``'s
    fields and ``load``)."""

    name: str
    value: str
    group: str

    def load(self) -> Any:
        """Import the module of ``value`` and return its object, as
        ``importlib.metadata.EntryPoint.load`` does."""
        match = _PATTERN.match(self.value)
        if match is None:  # importlib.metadata fails here too (on None.group)
            raise ValueError(f"entry point {self.name} = {self.value}: not module:object")
        module = import_module(match.group("module"))
        attrs = filter(None, (match.group("attr") or "").split("."))
        return reduce(getattr, attrs, module)


def _normalize(name: str) -> str:  # importlib.metadata.Prepared.normalize
    return re.sub(r"[-_.]+", "-", name).lower().replace("-", "_")


def _folders(root: str) -> list[str] | None:
    """The metadata folders of one ``sys.path`` entry in ``importlib.metadata``'s order, or
    None where this reader would answer differently."""
    if os.path.basename(root).lower().endswith(".egg"):
        return None
    try:
        children = os.listdir(root or ".")
    except OSError:
        if os.path.exists(root or "."):
            return None if not os.path.isdir(root or ".") else []
        return []
    grouped: dict[str, list[str]] = {}
    for child in children:
        low = child.lower()
        if low.endswith((".dist-info", ".egg-info")):
            if not child.endswith((".dist-info", ".egg-info")):
                return None  # importlib.metadata reads this one's name from its METADATA
            name = _normalize(low.rpartition(".")[0].partition("-")[0])
            grouped.setdefault(name, []).append(child)
    return [os.path.join(root, child) for names in grouped.values() for child in names]


def _parse(text: str, into: list[EntryPoint]) -> bool:
    """Append the entry points of one ``entry_points.txt``; False for a line
    ``importlib.metadata`` would refuse (no ``=``)."""
    group = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            group = line.strip("[]")
            continue
        if group is None:
            continue
        if "=" not in line:
            return False
        name, value = map(str.strip, line.split("=", 1))
        into.append(EntryPoint(name, value, group))
    return True


@cache
def scan() -> tuple[EntryPoint, ...] | None:
    """Every entry point of the distributions on ``sys.path``, in the order
    ``importlib.metadata.entry_points()`` lists them within a group; None: ask it instead."""
    from importlib.machinery import PathFinder

    for finder in sys.meta_path:
        if finder is not PathFinder and getattr(finder, "find_distributions", None) is not None:
            return None
    found: list[EntryPoint] = []
    seen: set[str] = set()
    for root in sys.path:
        if not isinstance(root, str):
            return None
        folders = _folders(root)
        if folders is None:
            return None
        for folder in folders:
            stem = os.path.splitext(os.path.basename(folder))[0]
            name = _normalize(stem.partition("-")[0])
            if name in seen:
                continue  # importlib.metadata keeps the first distribution of a name
            seen.add(name)
            try:
                with open(os.path.join(folder, "entry_points.txt"), encoding="utf-8") as f:
                    text = f.read()
            except _SKIPPED:
                continue
            except (OSError, ValueError):
                return None
            if not _parse(text, found):
                return None
    found.sort(key=lambda ep: ep.group)  # stable: a group keeps the order of its entries
    return tuple(found)


def spare_pydantic_scan() -> None:
    """Tell pydantic that no pydantic plugin is installed, where ``scan`` finds none, before it
    runs its own ``importlib.metadata`` scan for them (on its first validator of the process):
    ``pydantic.plugin._loader`` then returns what that scan would have found, nothing. Where a
    plugin is installed, where pydantic scanned already, or where its loader keeps its cache
    elsewhere (another pydantic), pydantic scans as it always does.

    Its loader imports ``importlib.metadata`` at its top for that scan alone (~0.015 s with the
    ``email`` package it imports); it is imported here, if it was not yet, against a stand-in
    whose ``entry_points`` imports the real module and calls its ``entry_points`` (so a later
    scan gives the same answer), the way ``cli.lean_typer`` imports typer's help."""
    found = scan()
    if found is None or any(ep.group == "pydantic" for ep in found):
        return
    _import_pydantic_loader()
    from pydantic.plugin import _loader

    cached = getattr(_loader, "_plugins", False)
    if cached is None and getattr(_loader, "_loading_plugins", True) is False:
        _loader._plugins = {}


def _entry_points(**params: Any) -> Any:
    """``importlib.metadata.entry_points``, imported on the first call."""
    import importlib.metadata

    return importlib.metadata.entry_points(**params)


def _import_pydantic_loader() -> None:
    name, loader = "importlib.metadata", "pydantic.plugin._loader"
    if loader in sys.modules or name in sys.modules:
        return
    import importlib
    import types

    stand_in = types.ModuleType(name)
    stand_in.entry_points = _entry_points  # type: ignore[attr-defined]
    sys.modules[name] = stand_in
    try:
        importlib.import_module(loader)
    except ImportError:  # another pydantic wants more of it: the real module, as it is
        sys.modules.pop(loader, None)
    finally:
        if sys.modules.get(name) is stand_in:
            del sys.modules[name]
        if getattr(importlib, "metadata", None) is stand_in:
            del importlib.metadata  # type: ignore[attr-defined]
