"""Config models of the built-in quantum backends. Imports no SDK (validation stays offline)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from orchestrator.config.base import QuantumBackendConfig, QuantumCapabilities
from orchestrator.registry import BackendPlugin

__all__ = ["AER_PLUGIN", "AerConfig"]

AER_MAX_QUBITS = 30  # a 2^30 complex128 statevector is 16 GiB; beyond that Aer cannot help here


class AerConfig(QuantumBackendConfig):
    """Qiskit Aer on this machine: shot sampling, or the exact statevector."""

    kind: Literal["aer"] = Field(description="Qiskit Aer simulator.")
    method: Literal["automatic", "statevector"] = Field(
        "automatic",
        description=(
            "automatic: sample `shots` shots per basis; statevector: also return the exact "
            "final amplitudes, so estimates are exact (needed by `pci.mapping: amplitude`)."
        ),
    )
    max_parallel_threads: int = Field(
        1,
        ge=0,
        description="Aer's thread cap; 0 = all cores (measured slower than 1 on 2 busy cores).",
    )

    def capabilities(self) -> QuantumCapabilities:
        return QuantumCapabilities(
            statevector=self.method == "statevector", max_qubits=AER_MAX_QUBITS
        )


AER_PLUGIN = BackendPlugin(
    layer="quantum",
    kind="aer",
    config=AerConfig,
    implementation="backends.quantum.aer:AerBackend",
    requires=("qiskit", "qiskit_aer"),
    install="uv sync (qiskit-aer is a core dependency of qnfusion)",
    distribution="qiskit-aer",
    summary="Qiskit Aer simulator: shots or exact statevector, transpiled once, one call a tick",
)
