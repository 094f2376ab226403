"""The example backend, written from the docs alone, passes the importable contract suite."""

from __future__ import annotations

from orchestrator.testing import QuantumBackendSuite
from tests.examples.numpy_backend.config import NUMPY_SV_PLUGIN


class TestNumpyStatevectorBackend(QuantumBackendSuite):
    plugin = NUMPY_SV_PLUGIN
