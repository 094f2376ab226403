"""The example spiking backend, written from the docs alone, passes the importable suite."""

from __future__ import annotations

from orchestrator.testing import SpikingBackendSuite
from tests.examples.numpy_lif.config import NUMPY_LIF_PLUGIN


class TestNumpyLifBackend(SpikingBackendSuite):
    plugin = NUMPY_LIF_PLUGIN
