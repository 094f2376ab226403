"""qnfusion's orchestrator: closed-loop fusion of a quantum backend and a spiking network.

The public API, re-exported here. Nothing in this package imports a hardware SDK; backends
come from entry points (see ``orchestrator.registry``).
"""

from orchestrator.backend_api import (
    NetworkSpec,
    QuantumBackend,
    QuantumProgram,
    QuantumRequest,
    QuantumResult,
    SpikeWindow,
    SpikingBackend,
)
from orchestrator.coherence import AceState
from orchestrator.config import ConfigError, RunConfig, load_config, validate_config
from orchestrator.hamiltonian import PauliHamiltonian, PauliTerm
from orchestrator.ledger import Ledger, verify
from orchestrator.loop import FusionLoop, TickRecord
from orchestrator.registry import BackendPlugin, BackendUnavailable, plugins

__all__ = [
    "AceState",
    "BackendPlugin",
    "BackendUnavailable",
    "ConfigError",
    "FusionLoop",
    "Ledger",
    "NetworkSpec",
    "PauliHamiltonian",
    "PauliTerm",
    "QuantumBackend",
    "QuantumProgram",
    "QuantumRequest",
    "QuantumResult",
    "RunConfig",
    "SpikeWindow",
    "SpikingBackend",
    "TickRecord",
    "load_config",
    "plugins",
    "validate_config",
    "verify",
]
