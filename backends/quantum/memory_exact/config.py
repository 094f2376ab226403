"""The exact memory engine's plugin. Imports no SDK."""

from __future__ import annotations

from orchestrator.contract.memory import MemoryPlugin

__all__ = ["EXACT_MEMORY_PLUGIN"]

EXACT_MEMORY_PLUGIN = MemoryPlugin(
    kind="exact",
    implementation="backends.quantum.memory_exact.backend:DensityMatrixMemory",
    requires=("qiskit", "scipy"),
    install="uv sync (qiskit is a core dependency of qnfusion)",
    distribution="qiskit",
    summary="rho_memory as an exact density matrix: qiskit.quantum_info partial_trace, n <= 12",
)
