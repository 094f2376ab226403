"""Building a run's memory (spec §10) from its config: the engine through its plugin.

Called by the composition root (``run/assemble.open_backends``). The engine gets
``open_quantum`` (``run/assemble.quantum_factory``), which builds a quantum backend of the
run's ``quantum`` section (a second instance, beside the loop's) for the memory's program.
"""

from __future__ import annotations

import numpy as np

from orchestrator.config.root import RunConfig
from orchestrator.contract.memory import OpenQuantum, QuantumMemory
from orchestrator.contract.registry import plugins

__all__ = ["open_memory"]


def open_memory(config: RunConfig, open_quantum: OpenQuantum) -> QuantumMemory:
    """The configured memory with ``memory.patterns`` stored (``config.memory`` must be set)."""
    mem = config.memory
    if mem is None:
        raise ValueError("the config has no memory section")
    n = mem.width(config.build_hamiltonian().n_qubits)
    memory = plugins("memory")[mem.engine].load()(mem, n, open_quantum)
    if mem.patterns:
        memory.load(np.array([[int(b) for b in p] for p in mem.patterns], dtype=np.uint8))
    return memory
