"""Import and build what ``quantum.qiskit`` names: a BackendV2, and optionally a SamplerV2 on it.

Called once, when a run builds the backend (never by validation). Every failure is a
``ValueError`` of one line naming the ``quantum.qiskit.`` field and what to do: a module that
does not import (what to install), an attribute it lacks, an object that is not a BackendV2 or
SamplerV2, or the provider's own error when building it (credentials, an unknown device).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any

from qiskit.primitives import BaseSamplerV2
from qiskit.providers import BackendV2

from backends.quantum.qiskit.config import QiskitOptions, missing_module

__all__ = ["Provider", "open_provider"]

_MISSING = object()


@dataclass(frozen=True)
class Provider:
    """The device the circuits are transpiled for, and the sampler that runs them (or None:
    ``backend.run``)."""

    backend: BackendV2
    sampler: BaseSamplerV2 | None


def _resolve(field: str, path: str) -> Any:
    module, _, attribute = path.partition(":")
    gone = missing_module(path)
    if gone is not None:
        raise ValueError(f"quantum.qiskit.{field}: {gone}")
    try:
        found: Any = importlib.import_module(module)
    except ImportError as exc:
        raise ValueError(f"quantum.qiskit.{field}: cannot import {module}: {exc}") from None
    for name in attribute.split("."):
        found = getattr(found, name, _MISSING)
        if found is _MISSING:
            raise ValueError(f"quantum.qiskit.{field}: {module} has no attribute {attribute}")
    return found


def _call(field: str, what: str, factory: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return factory(*args, **kwargs)
    except Exception as exc:
        message = str(exc).splitlines()[0] if str(exc) else ""
        raise ValueError(
            f"quantum.qiskit.{field}: {what} failed: {type(exc).__name__}: {message}"
        ) from None


def open_provider(options: QiskitOptions) -> Provider:
    """Build the configured backend (and sampler); see the module docstring."""
    made = _resolve("backend", options.backend)
    if not isinstance(made, BackendV2) and callable(made):
        made = _call("backend", f"{options.backend}(...)", made, **options.args)
    if options.get_backend is not None:
        get = getattr(made, "get_backend", _MISSING)
        if get is _MISSING:
            raise ValueError(f"quantum.qiskit.get_backend: {options.backend} has no get_backend")
        name = options.get_backend
        made = _call("get_backend", f"get_backend({name!r})", get, *([name] if name else []))
    if not isinstance(made, BackendV2):
        raise ValueError(
            f"quantum.qiskit.backend: {options.backend} gave a {type(made).__name__}, not a "
            "qiskit BackendV2 (a provider needs quantum.qiskit.get_backend)"
        )
    sampler = None
    if options.sampler is not None:
        cls = _resolve("sampler", options.sampler)
        sampler = _call("sampler", f"{options.sampler}(backend=...)", cls, backend=made)
        if not isinstance(sampler, BaseSamplerV2):
            raise ValueError(
                f"quantum.qiskit.sampler: {options.sampler} gave a {type(sampler).__name__}, "
                "not a qiskit SamplerV2"
            )
    return Provider(made, sampler)
