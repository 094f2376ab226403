"""Backends register through entry points, exactly as a third-party plugin would."""

from __future__ import annotations

import importlib.metadata

import pytest

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
