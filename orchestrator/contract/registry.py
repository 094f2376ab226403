"""Registered implementations by name: ``plugins(group)``, the one entry-point lookup (and
``kinds``/``plugin``: the names alone, one plugin alone).

Groups: ``qnfusion.quantum`` and ``qnfusion.spiking`` (``BackendPlugin``, defined here),
``qnfusion.memory`` (``contract.memory.MemoryPlugin``), ``qnfusion.federation``
(``contract.federation.EnginePlugin``), ``qnfusion.sweep`` (``contract.sweep_pool.PoolPlugin``).
A backend package registers a ``BackendPlugin`` object (defined in an SDK-free module) under
the entry-point group of its layer, named after its ``kind``. The built-in backends use exactly
this mechanism (see ``pyproject.toml``), so they are the worked example for third parties::

    [project.entry-points."qnfusion.quantum"]
    mydevice = "my_pkg.config:MYDEVICE_PLUGIN"

Loading a plugin imports only its config model. The implementation (which imports the SDK) is
imported when a run builds it; ``missing()`` tells beforehand whether its SDK is importable, so
validation can refuse a run with "install X" before anything starts.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, overload

from orchestrator.contract import entry_points
from orchestrator.contract.plugin import BackendUnavailable, ImplementationPlugin

if TYPE_CHECKING:
    from importlib.metadata import EntryPoint

    from orchestrator.contract.backend_config import QuantumBackendConfig, SpikingBackendConfig
    from orchestrator.contract.federation import EnginePlugin
    from orchestrator.contract.memory import MemoryPlugin
    from orchestrator.contract.sweep_pool import PoolPlugin

__all__ = [
    "GROUPS",
    "BackendPlugin",
    "BackendUnavailable",
    "ConformanceCase",
    "kinds",
    "plugin",
    "plugins",
]

Layer = Literal["quantum", "spiking"]
Group = Literal["quantum", "spiking", "memory", "federation", "sweep"]
GROUPS: dict[str, str] = {
    group: f"qnfusion.{group}" for group in ("quantum", "spiking", "memory", "federation", "sweep")
}


@dataclass(frozen=True)
class ConformanceCase:
    """One configuration the conformance suites (``orchestrator.testing``) run a backend with.

    options: config keys besides ``kind`` that the backend needs to run offline here (a device
        snapshot instead of a device, a code-generation target, ...).
    rate_tolerance: spiking only; relative tolerance of the LIF firing-rate check against the
        analytic rate (3 % covers spikes on the dt grid; a fixed-point engine adds its
        quantisation: say why in the plugin's module).
    refuses: spiking only; features this case must refuse when the backend is built, each
        mapped to a regular expression its ``ValueError`` must match. Known features:
        ``stdp``, ``refractory``, ``noise``, ``annealer`` (its annealer implementation refuses
        the case's config). Asserted, never skipped.
    """

    options: Mapping[str, Any] = field(default_factory=dict)
    rate_tolerance: float = 0.03
    refuses: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class BackendPlugin(ImplementationPlugin):
    """A registered backend (the shared fields: ``ImplementationPlugin``).

    layer: ``quantum`` or ``spiking``.
    kind: the config's ``kind`` tag; equals the entry-point name.
    config: the pydantic model of its config section (``kind: Literal[kind]``).
    implementation: ``"module:Class"`` of the ``QuantumBackend`` / ``SpikingBackend`` subclass.
    requires: importable top-level modules the implementation needs.
    install: what to run when they are missing.
    distribution: PyPI distribution whose version identifies the backend.
    summary: one line for ``qnf backends``.
    devices: ``"module:function"`` listing the devices this backend can target, or None.
        The function takes no arguments and returns a list of mappings with at least ``name``,
        ``qubits`` and ``kind`` (e.g. ``snapshot`` or ``device``); it may import the SDK and
        may reach the network (``qnf backends`` calls it; validation never does). It must not
        raise for a missing account or an unreachable service: it returns what it can and says
        why in a row of kind ``note``.
    probe: optional ``"module:function"`` of an SDK-free callable returning one line about
        the hardware behind the backend (reachable or not, and why) for ``qnf backends``.
    conformance: the named cases the conformance suite runs this backend with; default one
        case with the config's defaults.
    annealer: spiking only; ``"module:Class"`` of the ``SpikingBackend`` that runs annealer
        networks (``spiking.annealer``, ``NetworkSpec.annealer``) on this backend's SDK, or
        None: the backend runs none (validation refuses the section). The annealer
        conformance suite (``orchestrator.testing.annealer``) runs it with ``conformance``'s
        cases.
    """

    layer: Layer
    config: type[QuantumBackendConfig] | type[SpikingBackendConfig]
    devices: str | None = None
    probe: str | None = None
    conformance: Mapping[str, ConformanceCase] = field(
        default_factory=lambda: {"default": ConformanceCase()}
    )
    annealer: str | None = None

    @property
    def role(self) -> str:  # type: ignore[override]
        return f"{self.layer} backend"

    @property
    def group(self) -> str:  # type: ignore[override]
        return self.layer

    def load_annealer(self) -> type:
        """Import the annealer implementation (``annealer``); ``BackendUnavailable`` names what
        to install; ``TypeError`` when the backend declares none."""
        if self.annealer is None:
            raise TypeError(f"{self.role} '{self.kind}' runs no annealer networks")
        return self.load_object(self.annealer)

    def identity(self) -> dict[str, str]:
        """What every event records of a backend of this plugin: kind, package, version."""
        return {"kind": self.kind, "package": self.distribution, "version": self.version() or ""}

    def list_devices(self) -> list[dict[str, Any]]:
        """The rows of ``devices`` (empty when the plugin declares none or its SDK is missing)."""
        if self.devices is None or self.missing():
            return []
        module, _, name = self.devices.partition(":")
        return list(getattr(importlib.import_module(module), name)())

    def hardware(self) -> str | None:
        """The probe's line, or None when the plugin declares no probe."""
        if self.probe is None:
            return None
        module, _, name = self.probe.partition(":")
        return str(getattr(importlib.import_module(module), name)())


@overload
def plugins(group: Layer) -> dict[str, BackendPlugin]: ...
@overload
def plugins(group: Literal["memory"]) -> dict[str, MemoryPlugin]: ...
@overload
def plugins(group: Literal["federation"]) -> dict[str, EnginePlugin]: ...
@overload
def plugins(group: Literal["sweep"]) -> dict[str, PoolPlugin]: ...


@cache
def plugins(group: Group) -> dict[str, Any]:
    """The plugins registered in entry-point group ``qnfusion.<group>``, by kind (sorted).

    Every entry must be a plugin of that group (``ImplementationPlugin.group``) named after its
    ``kind``; ``TypeError`` otherwise. Loading imports the plugins' SDK-free modules only.
    """
    return {name: _checked(group, ep) for name, ep in sorted(_entries()[group].items())}


def _checked(group: Group, ep: EntryPoint | entry_points.EntryPoint) -> Any:
    plugin = ep.load()
    if not isinstance(plugin, ImplementationPlugin) or (plugin.group, plugin.kind) != (
        group,
        ep.name,
    ):
        raise TypeError(
            f"entry point {ep.name} = {ep.value} in {GROUPS[group]} is not a {group} "
            f"plugin of kind '{ep.name}'"
        )
    return plugin


@cache
def _entries() -> dict[str, dict[str, Any]]:
    """Every qnfusion group's entry points by name, from one scan of the installed
    distributions (a later entry of a name wins, as in ``plugins``): ``entry_points.scan``, or
    ``importlib.metadata`` where that cannot promise its answer."""
    scanned = entry_points.scan()
    if scanned is None:
        import importlib.metadata

        found = importlib.metadata.entry_points()
        return {
            group: {ep.name: ep for ep in found.select(group=name)}
            for group, name in GROUPS.items()
        }
    return {
        group: {ep.name: ep for ep in scanned if ep.group == name} for group, name in GROUPS.items()
    }


def kinds(group: Group) -> tuple[str, ...]:
    """The kinds registered in ``qnfusion.<group>`` (sorted), without loading any plugin."""
    return tuple(sorted(_entries()[group]))


@overload
def plugin(group: Layer, kind: str) -> BackendPlugin: ...
@overload
def plugin(group: Literal["memory"], kind: str) -> MemoryPlugin: ...
@overload
def plugin(group: Literal["federation"], kind: str) -> EnginePlugin: ...
@overload
def plugin(group: Literal["sweep"], kind: str) -> PoolPlugin: ...


@cache
def plugin(group: Group, kind: str) -> Any:
    """``plugins(group)[kind]``, loading that plugin's module only (validation of a config
    loads the two backends it names, not every one installed: docs/design.md §25).
    ``KeyError`` for a kind not in ``kinds(group)``; ``TypeError`` as ``plugins``."""
    return _checked(group, _entries()[group][kind])
