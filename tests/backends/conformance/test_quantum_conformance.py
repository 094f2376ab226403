"""Every registered quantum backend against the importable contract suite.

The suite (``orchestrator.testing.quantum``) is the one a third-party plugin runs; here it runs
once per conformance case each registered plugin declares (``BackendPlugin.conformance``). A
backend is skipped only when its SDK is missing.
"""

from __future__ import annotations

from orchestrator.contract.registry import BackendPlugin, plugins
from orchestrator.testing import QuantumBackendSuite


class TestRegisteredQuantumBackends(QuantumBackendSuite):
    def plugins_under_test(self) -> list[BackendPlugin]:
        return list(plugins("quantum").values())
