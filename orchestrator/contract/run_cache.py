"""The disk cache a backend may keep across runs (issue 25 item 1; design §25).

Derived data a backend can always compute again (transpiled circuits, Brian2's exact
integration) kept so that the next process reads it back. One root for all of it:
``$QNF_CACHE``, default ``$XDG_CACHE_HOME/qnfusion`` (``~/.cache/qnfusion``); ``QNF_CACHE=off``
turns every cache off. Each cache has its own folder under the root. An entry is written to a
temporary file in its folder, then renamed over (atomic: readers see a whole file or none).
Cache trouble never fails a run: a write the disk refuses (read-only, full) stores nothing.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

__all__ = ["cache_folder", "store"]


def cache_folder(name: str) -> Path | None:
    """The folder of cache ``name`` under the root (not created), or None where
    ``QNF_CACHE=off``."""
    root = os.environ.get("QNF_CACHE", "")
    if root.lower() == "off":
        return None
    if not root:
        xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
        root = str(Path(xdg) / "qnfusion")
    return Path(root) / name


def store(path: Path, write: Callable[[BinaryIO], None]) -> None:
    """Write the entry ``path`` atomically with ``write(binary file)``; an ``OSError`` (the
    disk refusing) leaves no entry and no temporary file, and is not raised."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=path.suffix, dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as f:
                write(f)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError:
        return
