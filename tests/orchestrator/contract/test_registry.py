"""Backends register through entry points, exactly as a third-party plugin would."""

from __future__ import annotations

import importlib.metadata

import pytest

from orchestrator.contract import registry
from orchestrator.contract.registry import GROUPS, BackendPlugin, BackendUnavailable, plugins


def test_builtin_backends_come_from_entry_points() -> None:
    for layer, kind in (("quantum", "aer"), ("spiking", "brian2"), ("spiking", "lava")):
        names = {ep.name for ep in importlib.metadata.entry_points(group=GROUPS[layer])}
        assert kind in names
        plugin = plugins(layer)[kind]
        assert plugin.layer == layer and plugin.kind == kind
        assert plugin.missing() == []
        assert plugin.version() == importlib.metadata.version(plugin.distribution)


def test_builtin_implementations_load_and_match_their_layer() -> None:
    from orchestrator.contract.quantum import QuantumBackend
    from orchestrator.contract.spiking import SpikingBackend

    assert issubclass(plugins("quantum")["aer"].load(), QuantumBackend)
    assert issubclass(plugins("spiking")["brian2"].load(), SpikingBackend)
    assert issubclass(plugins("spiking")["lava"].load(), SpikingBackend)


def test_a_missing_sdk_names_what_to_install() -> None:
    base = plugins("quantum")["aer"]
    ghost = BackendPlugin(
        layer="quantum",
        kind="ghost",
        config=base.config,
        implementation="ghost_sdk.backend:Ghost",
        requires=("ghost_sdk_that_is_not_installed",),
        install="pip install qnfusion-ghost",
        distribution="qnfusion-ghost",
        summary="a plugin whose SDK is absent",
    )
    assert ghost.missing() == ["ghost_sdk_that_is_not_installed"]
    assert ghost.version() is None
    with pytest.raises(BackendUnavailable, match="pip install qnfusion-ghost"):
        ghost.load()


def test_one_lookup_serves_every_group() -> None:
    from orchestrator.contract.federation import EnginePlugin
    from orchestrator.contract.memory import MemoryPlugin
    from orchestrator.contract.sweep_pool import PoolPlugin

    expected = {"memory": MemoryPlugin, "federation": EnginePlugin, "sweep": PoolPlugin}
    for group, entry_group in GROUPS.items():
        names = sorted(ep.name for ep in importlib.metadata.entry_points(group=entry_group))
        found = plugins(group)  # type: ignore[call-overload]
        assert list(found) == names and names
        cls = expected.get(group, BackendPlugin)
        assert all(isinstance(p, cls) and p.group == group for p in found.values())
    assert {"exact", "sampled"} <= set(plugins("memory")) and "local" in plugins("sweep")


def test_an_entry_of_another_group_is_refused(monkeypatch) -> None:
    """A memory engine's plugin registered as a spiking backend is a TypeError naming it."""
    engine = plugins("memory")["exact"]

    class Entry:
        name, value = "exact", "backends.quantum.memory_exact.config:EXACT_MEMORY_PLUGIN"

        def load(self):
            return engine

    plugins.cache_clear()
    monkeypatch.setattr(registry, "_entries", lambda: {"spiking": {"exact": Entry()}})
    try:
        with pytest.raises(TypeError, match=r"in qnfusion\.spiking is not a spiking plugin"):
            plugins("spiking")
    finally:
        monkeypatch.undo()
        plugins.cache_clear()
