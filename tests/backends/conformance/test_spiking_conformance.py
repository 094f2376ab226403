"""Every registered spiking backend against the importable contract suite.

The suite (``orchestrator.testing.spiking``) is the one a third-party plugin runs; here it runs
once per conformance case each registered plugin declares (``BackendPlugin.conformance``: e.g.
Brian2 under both timings, Lava in floating and fixed point). A backend is skipped only when
its SDK is missing.
"""

from __future__ import annotations

from orchestrator.contract.registry import BackendPlugin, plugins
from orchestrator.testing import SpikingBackendSuite


class TestRegisteredSpikingBackends(SpikingBackendSuite):
    def plugins_under_test(self) -> list[BackendPlugin]:
        return list(plugins("spiking").values())
