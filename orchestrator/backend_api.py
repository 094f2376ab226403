"""A plugin author's import: everything a backend, engine or pool implements, in one module.

    from orchestrator.backend_api import QuantumBackend, QuantumBackendConfig, BackendPlugin

Quantum backends: subclass ``QuantumBackendConfig`` (the SDK-free config model with
``kind: Literal[...]`` and ``capabilities()`` -> ``QuantumCapabilities``) and ``QuantumBackend``
(one required method, ``execute``); register a ``BackendPlugin`` under entry-point group
``qnfusion.quantum``. Spiking backends: ``SpikingBackendConfig`` (``capabilities()`` ->
``SpikingCapabilities``, ``substitute()`` -> ``Substitution``, ``problems()``) and
``SpikingBackend`` (``advance``), group ``qnfusion.spiking``. Memory engines
(``QuantumMemory``, ``MemoryPlugin``, ``qnfusion.memory``), federation engines
(``FederationEngine``, ``EnginePlugin``, ``qnfusion.federation``) and sweep pools
(``SweepPool``, ``PoolPlugin``, ``qnfusion.sweep``) register the same way. The interfaces'
docstrings are the contract (units, shapes, errors); the conformance suites check it:
``python -m orchestrator.testing.conformance KIND`` (``orchestrator.testing``).

Each name is defined where the orchestrator uses it (``orchestrator.contract.*``: the config
bases in ``contract/backend_config.py``, the sections they hold beside them;
``orchestrator.physics``: the records of one tick and the Hamiltonian); this module only
gathers them, so a plugin imports nothing else of the orchestrator.
"""

from __future__ import annotations

from orchestrator.contract.backend_config import (
    QuantumBackendConfig,
    QuantumCapabilities,
    SpikingBackendConfig,
    SpikingCapabilities,
    Substitution,
)
from orchestrator.contract.federation import EnginePlugin, FederationEngine, NodeDown, NodeSpec
from orchestrator.contract.memory import (
    MemoryPlugin,
    MemoryReading,
    OpenQuantum,
    QuantumMemory,
    Recall,
)
from orchestrator.contract.network_config import StdpConfig
from orchestrator.contract.quantum import (
    QuantumBackend,
    QuantumBackendFailure,
    QuantumProgram,
    QuantumResult,
    RequestResult,
)
from orchestrator.contract.registry import (
    BackendPlugin,
    BackendUnavailable,
    ConformanceCase,
    plugins,
)
from orchestrator.contract.spiking import (
    AnnealerSpec,
    NetworkSpec,
    NetworkState,
    NeuronNoise,
    SpikingBackend,
)
from orchestrator.contract.sweep_pool import PointTask, PoolPlugin, SweepPool
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.tick_io import QuantumRequest, SpikeWindow

__all__ = [
    "AnnealerSpec",
    "BackendPlugin",
    "BackendUnavailable",
    "ConformanceCase",
    "EnginePlugin",
    "FederationEngine",
    "MemoryPlugin",
    "MemoryReading",
    "NetworkSpec",
    "NetworkState",
    "NeuronNoise",
    "NodeDown",
    "NodeSpec",
    "OpenQuantum",
    "PauliHamiltonian",
    "PointTask",
    "PoolPlugin",
    "QuantumBackend",
    "QuantumBackendConfig",
    "QuantumBackendFailure",
    "QuantumCapabilities",
    "QuantumMemory",
    "QuantumProgram",
    "QuantumRequest",
    "QuantumResult",
    "Recall",
    "RequestResult",
    "SpikeWindow",
    "SpikingBackend",
    "SpikingBackendConfig",
    "SpikingCapabilities",
    "StdpConfig",
    "Substitution",
    "SweepPool",
    "plugins",
]
