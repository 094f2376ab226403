"""Registered implementations by name: the plugin record every entry-point group uses
(quantum and spiking backends: ``registry.BackendPlugin``, which adds the config model and
conformance cases; memory engines, federation engines, sweep pools).

A package registers a plugin object (defined in an SDK-free module) under an entry-point
group, named after its ``kind``; the built-ins use the same entry points (``pyproject.toml``).
Loading a plugin imports nothing heavy; ``missing()`` says beforehand whether the modules the
implementation needs are importable, so a command can refuse with "install X" before it
starts anything.
"""

from __future__ import annotations

import importlib
import importlib.util
from dataclasses import dataclass
from typing import ClassVar

__all__ = ["BackendUnavailable", "ImplementationPlugin"]


class BackendUnavailable(RuntimeError):
    """A configured backend cannot be used here; the message says what to install."""


@dataclass(frozen=True)
class ImplementationPlugin:
    """A registered implementation of one interface.

    kind: its name in configs and on the command line; equals the entry-point name.
    implementation: ``"module:Class"`` of the implementation.
    requires: top-level modules it needs; install: what to run when they are missing;
    distribution: the PyPI distribution whose version identifies it; summary: one line.
    """

    role: ClassVar[str] = "plugin"  # what it is, for messages ("federation engine", ...)
    group: ClassVar[str] = ""  # its entry-point group without "qnfusion." ("memory", ...)

    kind: str
    implementation: str
    requires: tuple[str, ...]
    install: str
    distribution: str
    summary: str

    def missing(self) -> list[str]:
        """Required modules that cannot be imported here (empty when usable)."""
        return [m for m in self.requires if importlib.util.find_spec(m) is None]

    def version(self) -> str | None:
        import importlib.metadata  # here: validation reads no version (docs/design.md §25)

        try:
            return importlib.metadata.version(self.distribution)
        except importlib.metadata.PackageNotFoundError:
            return None

    def load(self) -> type:
        """Import the implementation; ``BackendUnavailable`` names what to install."""
        return self.load_object(self.implementation)

    def load_object(self, path: str) -> type:
        """Import ``"module:Name"`` of this plugin (its implementation, or another class it
        declares) once its required modules are there; ``BackendUnavailable`` otherwise."""
        gone = self.missing()
        if gone:
            raise BackendUnavailable(
                f"{self.role} '{self.kind}' needs {', '.join(gone)}: {self.install}"
            )
        module, _, name = path.partition(":")
        return getattr(importlib.import_module(module), name)
