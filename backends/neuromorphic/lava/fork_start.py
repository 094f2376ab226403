"""Lava's import in a process whose multiprocessing start method is already fixed.

Lava 0.10 calls ``multiprocessing.set_start_method('fork')`` (no ``force``) when its message
infrastructure (``lava.magma.runtime.message_infrastructure.multiprocessing``) is first
imported, and that raises "context has already been set" in a process where anything fixed the
default context before (``multiprocessing.get_start_method()``, a default ``Queue``, a
``ProcessPoolExecutor`` without ``mp_context``, an earlier test in the same pytest process).
Importing this module imports that Lava module once, before any other module of ours imports
Lava:

- start method not fixed yet: Lava fixes it to ``fork``, as it always did;
- already ``fork``: Lava's call is skipped (the state already is what Lava asks for);
- another method: ``ImportError`` in one line (Lava's workers must be forked; we do not change
  a start method some other code chose).

**Choice:** ``multiprocessing.set_start_method`` is replaced only for the duration of that one
import and restored after it; nothing else in the process changes.
"""

from __future__ import annotations

import importlib
import multiprocessing
import sys

__all__ = ["LAVA_MULTIPROCESSING"]

LAVA_MULTIPROCESSING = "lava.magma.runtime.message_infrastructure.multiprocessing"


def _import_lava_multiprocessing() -> None:
    if LAVA_MULTIPROCESSING in sys.modules:
        return
    fixed = multiprocessing.get_start_method(allow_none=True)
    if fixed is None:
        importlib.import_module(LAVA_MULTIPROCESSING)
        return
    if fixed != "fork":
        raise ImportError(
            f"Lava needs multiprocessing's start method 'fork', but this process already fixed "
            f"it to {fixed!r}: import the Lava backend before that, or run it in its own process"
        )
    original = multiprocessing.set_start_method

    def already_fork(method: str | None, force: bool = False) -> None:
        if method == "fork" and not force:
            return
        original(method, force)  # what Lava never asks: multiprocessing answers

    multiprocessing.set_start_method = already_fork  # type: ignore[assignment]
    try:
        importlib.import_module(LAVA_MULTIPROCESSING)
    finally:
        multiprocessing.set_start_method = original  # type: ignore[assignment]


_import_lava_multiprocessing()
