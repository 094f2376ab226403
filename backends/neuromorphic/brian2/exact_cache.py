"""Brian2's exact integration of linear equations, kept across runs (issue 25 item 1).

Brian2's ``exact`` state updater (``LinearStateUpdater``) solves a linear system symbolically
(sympy's matrix exponential, Jordan form, simplification) every time a process builds a
network: the STDP traces of the demo's synapses cost ~0.6 s of CPU, most of building the
Brian2 backend. Brian2 keeps the answer, a few lines of abstract code, in memory for the rest of
the process under a key of the equations, the variables and the method options (its
``cached``: what Brian2 itself holds sufficient for the answer to be the same). Here that key
is written as text (sets sorted) and the answer kept on disk under the SHA-256 of the text, the
versions of brian2, sympy and numpy and this format's tag: the next process reads it back.
Any change of the equations, of any variable's identity (dimensions, dtype, constness, a
constant's value, sizes), of the options or of the versions misses. A key whose text holds an
object that prints its address (a ``Function``) is never stored: such keys differ between
processes anyway. The code read back is the string Brian2 computed (a hit returns it
unchanged), so runs compute the same bits (``tests/backends/neuromorphic/brian2/
test_exact_cache.py``; the golden roots).

Store: ``$QNF_CACHE/brian2-exact/<key>.txt`` (``orchestrator.contract.run_cache``: default
``~/.cache/qnfusion``, ``off`` to turn it off; atomic writes); an unreadable or unwritable
cache is a miss, never an error.
"""

from __future__ import annotations

import functools
import hashlib
import importlib
from pathlib import Path
from typing import Any

import numpy as np
import sympy

from backends.neuromorphic.brian2.sdk import b2
from orchestrator.contract.run_cache import cache_folder, store

__all__ = ["install", "key_text"]

FORMAT = "qnfusion brian2 exact cache 1"


def _text(value: Any) -> str:
    if isinstance(value, frozenset):
        return "{" + ",".join(sorted(_text(v) for v in value)) + "}"
    if isinstance(value, tuple):
        return "(" + ",".join(_text(v) for v in value) + ")"
    return f"{type(value).__name__}:{value!r}"


def key_text(equations: Any, variables: Any, method_options: Any) -> str | None:
    """Brian2's own cache key of one call as text, or None where it cannot leave the process."""
    from brian2.utils.caching import _hashable

    try:
        text = _text(_hashable((equations, variables, method_options)))
    except TypeError:  # Brian2 does not cache such a call either
        return None
    if " at 0x" in text:
        return None
    versions = f"{FORMAT}\0{b2.__version__}\0{sympy.__version__}\0{np.__version__}\0"
    return versions + text


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def install() -> None:
    """Wrap ``LinearStateUpdater.__call__`` with the disk cache (once per process)."""
    exact = importlib.import_module("brian2.stateupdaters.exact")
    cls = exact.LinearStateUpdater
    if getattr(cls.__call__, "_qnf_disk_cache", False):
        return
    computed = cls.__call__

    @functools.wraps(computed)
    def call(self: Any, equations: Any, variables: Any = None, method_options: Any = None) -> Any:
        folder = cache_folder("brian2-exact")
        text = None if folder is None else key_text(equations, variables, method_options)
        if folder is None or text is None:
            return computed(self, equations, variables, method_options)
        path = folder / f"{hashlib.sha256(text.encode()).hexdigest()}.txt"
        code = _read(path)
        if code is None:
            code = computed(self, equations, variables, method_options)
            if isinstance(code, str):
                store(path, lambda f: f.write(code.encode("utf-8")))
        return code

    call._qnf_disk_cache = True  # type: ignore[attr-defined]
    cls.__call__ = call
