"""qnfusion's orchestrator: closed-loop fusion of a quantum backend and a spiking network.

The public API, re-exported here. Nothing in this package imports a hardware SDK; backends
come from entry points (see ``orchestrator.contract.registry``).
"""

from orchestrator.config import ConfigError, RunConfig, load_config, validate_config
from orchestrator.contract.quantum import (
    QuantumBackend,
    QuantumProgram,
    QuantumRequest,
    QuantumResult,
)
from orchestrator.contract.registry import BackendPlugin, BackendUnavailable, plugins
from orchestrator.contract.spiking import NetworkSpec, SpikeWindow, SpikingBackend
from orchestrator.physics.hamiltonian import PauliHamiltonian, PauliTerm
from orchestrator.physics.pci import AceState
from orchestrator.record.ledger import Ledger
from orchestrator.record.verify import verify
from orchestrator.run.loop import FusionLoop, TickRecord

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
