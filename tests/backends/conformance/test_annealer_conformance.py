"""Every registered spiking backend that runs annealer networks, against the annealer suite.

The suite (``orchestrator.testing.annealer``) is the one a third-party plugin runs; here it
runs once per conformance case of each registered plugin that names an annealer
implementation (Brian2, Lava: its fixed-point case must refuse one, asserted).
"""

from __future__ import annotations

from orchestrator.contract.registry import BackendPlugin, plugins
from orchestrator.testing import AnnealerBackendSuite


class TestRegisteredAnnealers(AnnealerBackendSuite):
    def plugins_under_test(self) -> list[BackendPlugin]:
        return [p for p in plugins("spiking").values() if p.annealer is not None]
