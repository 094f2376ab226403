"""Config and plugin of ``gil_holding_aer_test``: Aer's shots, plus a long GIL-holding stretch.

A test-only plugin, for the lease-under-load test (``tests/orchestrator/jobs/
test_lease_under_load.py``): a 28-qubit statevector tick takes minutes and Aer does not release
the GIL while it simulates; this backend reproduces that in seconds. It is not registered in
the project's entry points: the test registers it for the processes it starts
(``register_for_subprocesses``), as a third-party distribution would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from orchestrator.contract.backend_config import QuantumBackendConfig, QuantumCapabilities
from orchestrator.contract.registry import BackendPlugin

__all__ = ["GIL_HOLDING_PLUGIN", "GilHoldingAerConfig", "register_for_subprocesses"]

KIND = "gil_holding_aer_test"


class GilHoldingAerConfig(QuantumBackendConfig):
    """Aer with shots, each ``execute`` first holding the GIL for ``hold_s`` seconds."""

    kind: Literal["gil_holding_aer_test"] = Field(description="Test-only GIL-holding Aer.")
    hold_s: float = Field(
        gt=0, le=600, description="Seconds each execute holds the GIL (one C call, no release)."
    )

    def capabilities(self) -> QuantumCapabilities:
        return QuantumCapabilities(statevector=False, max_qubits=30)


GIL_HOLDING_PLUGIN = BackendPlugin(
    layer="quantum",
    kind=KIND,
    config=GilHoldingAerConfig,
    implementation="tests.examples.gil_holding_backend.backend:GilHoldingAerBackend",
    requires=("qiskit", "qiskit_aer"),
    install="(test-only plugin)",
    distribution="qiskit-aer",
    summary="Test only: Aer shots after holding the GIL for hold_s seconds per call",
)


def register_for_subprocesses(site: Path) -> Path:
    """Write a distribution's metadata under ``site`` that registers the plugin; put ``site``
    on the PYTHONPATH of a process and its ``qnfusion.quantum`` entry points include it."""
    info = site / "qnf_gil_holding_test-0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: qnf-gil-holding-test\nVersion: 0\n"
    )
    target = "tests.examples.gil_holding_backend.config:GIL_HOLDING_PLUGIN"
    (info / "entry_points.txt").write_text(f"[qnfusion.quantum]\n{KIND} = {target}\n")
    return site
