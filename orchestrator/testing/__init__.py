"""Conformance suites for backend authors: the contracts of ``orchestrator.contract`` as tests.

A backend plugin (see ``orchestrator.contract.registry``) runs the suite of its layer from its
own test tree::

    # my_pkg/tests/test_conformance.py
    from orchestrator.testing import QuantumBackendSuite
    from my_pkg.config import MY_PLUGIN

    class TestMyBackend(QuantumBackendSuite):
        plugin = MY_PLUGIN

pytest then runs every test of the suite once per conformance case the plugin declares
(``BackendPlugin.conformance``: the config options a case needs to run offline, and for spiking
backends the rate tolerance and the features a case must refuse). A backend whose SDK is not
installed is skipped with its install hint. The built-in backends run the same suites
(``tests/backends/conformance/``). A spiking plugin that declares an annealer implementation
(``BackendPlugin.annealer``) also runs ``AnnealerBackendSuite``. Needs pytest (imported here,
not by ``orchestrator``).

Without a test tree: ``python -m orchestrator.testing.conformance KIND`` runs the suites of
the registered backend ``KIND`` and prints one line per failed check (exit 0 or 1;
``orchestrator.testing.conformance``).
"""

from orchestrator.testing.annealer import AnnealerBackendSuite
from orchestrator.testing.quantum import QuantumBackendSuite
from orchestrator.testing.spiking import SpikingBackendSuite

__all__ = ["AnnealerBackendSuite", "QuantumBackendSuite", "SpikingBackendSuite"]
