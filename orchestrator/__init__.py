"""qnfusion's orchestrator: closed-loop fusion of a quantum backend and a spiking network.

The public API, re-exported here. Nothing in this package imports a hardware SDK; backends
come from entry points (see ``orchestrator.contract.registry``).
"""

from __future__ import annotations

import importlib
from typing import Any

# The public names and the module each lives in. They are imported on first use (PEP 562), so
# that ``import orchestrator.cli`` (every ``qnf`` command) does not pay for numpy, scipy and the
# whole loop before it knows what it was asked (issue 25 item 1; tests/orchestrator/test_imports).
_EXPORTS = {
    "ConfigError": "orchestrator.config",
    "RunConfig": "orchestrator.config",
    "load_config": "orchestrator.config",
    "validate_config": "orchestrator.config",
    "QuantumBackend": "orchestrator.contract.quantum",
    "QuantumProgram": "orchestrator.contract.quantum",
    "QuantumRequest": "orchestrator.physics.tick_io",
    "QuantumResult": "orchestrator.contract.quantum",
    "BackendPlugin": "orchestrator.contract.registry",
    "BackendUnavailable": "orchestrator.contract.registry",
    "plugins": "orchestrator.contract.registry",
    "NetworkSpec": "orchestrator.contract.spiking",
    "SpikeWindow": "orchestrator.physics.tick_io",
    "SpikingBackend": "orchestrator.contract.spiking",
    "PauliHamiltonian": "orchestrator.physics.hamiltonian",
    "PauliTerm": "orchestrator.physics.hamiltonian",
    "AceState": "orchestrator.physics.pci",
    "Ledger": "orchestrator.record.ledger",
    "verify": "orchestrator.record.verify",
    "FusionLoop": "orchestrator.run.loop",
    "TickRecord": "orchestrator.run.loop",
}


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'orchestrator' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_EXPORTS])


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
