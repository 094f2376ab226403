"""Config models of the built-in quantum backends. Imports no SDK (validation stays offline)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Literal

from pydantic import Field, ValidationInfo, field_validator

from backends.quantum.common.fake_devices import FAKE_DEVICES, describe_unknown
from orchestrator.contract.backend_config import QuantumBackendConfig, QuantumCapabilities
from orchestrator.contract.registry import BackendPlugin, ConformanceCase
from orchestrator.contract.strict import StrictModel

__all__ = [
    "AER_MAX_QUBITS",
    "AER_PLUGIN",
    "GPU_MAX_QUBITS",
    "MPS_MAX_QUBITS",
    "AerConfig",
    "AerOptions",
]

AER_MAX_QUBITS = 30  # a 2^30 complex128 statevector is 16 GiB; beyond that Aer cannot help here
GPU_MAX_QUBITS = 33  # 2^33 complex128 = 128 GiB: the largest state one 141 GB H200 can hold
MPS_MAX_QUBITS = 63  # AerSimulator(method="matrix_product_state").num_qubits (its target's width)


class AerOptions(StrictModel):
    """Options only Aer understands (``quantum.aer``; all defaulted).

    Until issue 24 they sat at the top of the ``quantum`` section (``AerConfig.moved``): a
    config that still puts them there is refused naming the new place; a run directory
    written then is read with them moved here (``orchestrator.config.stored``)."""

    method: Literal["automatic", "statevector", "matrix_product_state"] = Field(
        "automatic",
        description=(
            "automatic: sample `shots` shots per basis; statevector: also return the exact "
            "final amplitudes, so estimates are exact (needed by `pci.mapping: amplitude`); "
            "matrix_product_state: sample shots from Aer's MPS simulator, whose cost grows with "
            "the entanglement, not with 2^n (registers past 30 qubits, weakly entangling runs)."
        ),
    )
    max_parallel_threads: int = Field(
        1,
        ge=0,
        description="Aer's thread cap; 0 = all cores (measured slower than 1 on 2 busy cores).",
    )
    noise_from: str | None = Field(
        None,
        description=(
            "Simulate with the noise of this device snapshot (e.g. `fake_sherbrooke`; "
            "`qnf backends` lists them): circuits are transpiled for the snapshot and run with "
            "its noise model cut to the qubits they use. Needs `method: automatic`."
        ),
    )

    device: Literal["CPU", "GPU"] = Field(
        "CPU",
        description=(
            "Where Aer simulates: CPU, or GPU (needs Aer's GPU build, qiskit-aer-gpu, and a "
            "CUDA GPU; checked when the backend opens, before any circuit runs or anything is "
            "written: refused in one line where Aer has no GPU device). With GPU and exact "
            "amplitudes the per-tick estimators run on the GPU too (needs cupy); the numbers "
            "equal the CPU's to ~1e-15 relative, not bit for bit (design §30). Not with "
            "matrix_product_state (Aer's MPS simulator has no GPU device)."
        ),
    )

    @field_validator("device")
    @classmethod
    def _gpu_method(cls, device: str, info: ValidationInfo) -> str:
        if device == "GPU" and info.data.get("method") == "matrix_product_state":
            raise ValueError(
                "GPU needs method automatic or statevector (Aer's matrix_product_state "
                "simulator has no GPU device)"
            )
        return device

    OMITTED_AT: ClassVar[Mapping[str, Any]] = {"device": "CPU"}

    @field_validator("noise_from")
    @classmethod
    def _known_snapshot(cls, name: str | None, info: ValidationInfo) -> str | None:
        if name is not None and name not in FAKE_DEVICES:
            raise ValueError(describe_unknown(name))
        if name is not None and info.data.get("method") != "automatic":
            raise ValueError(
                "needs method: automatic (shots); statevector and matrix_product_state run "
                "noiseless here"
            )
        return name


class AerConfig(QuantumBackendConfig):
    """Qiskit Aer on this machine: shot sampling, or the exact statevector."""

    moved: ClassVar[Mapping[str, str]] = {
        name: f"aer.{name}" for name in ("method", "max_parallel_threads", "noise_from")
    }

    kind: Literal["aer"] = Field(description="Qiskit Aer simulator.")
    aer: AerOptions = Field(default_factory=AerOptions, description="Aer-only options.")

    def state_bytes(self, n_qubits: int) -> int:
        """Statevector mode: the default (3 x 16 2^n B); shots: Aer's own simulation holds one
        16 2^n B statevector (its automatic method on these circuits). On the GPU the host
        holds the one copy Aer returns (the estimators copy it to the card)."""
        if self.aer.method == "automatic" or self.aer.device == "GPU":
            return 16 * 2**n_qubits
        return super().state_bytes(n_qubits)

    def capabilities(self) -> QuantumCapabilities:
        method, noise_from = self.aer.method, self.aer.noise_from
        max_qubits = MPS_MAX_QUBITS if method == "matrix_product_state" else AER_MAX_QUBITS
        if self.aer.device == "GPU":  # the state is on the card; the host holds one copy
            max_qubits = GPU_MAX_QUBITS
        if noise_from is not None:
            max_qubits = min(max_qubits, FAKE_DEVICES[noise_from][0])
        return QuantumCapabilities(
            statevector=method == "statevector",
            max_qubits=max_qubits,
            noisy=noise_from is not None,
            trainable=True,
        )


AER_PLUGIN = BackendPlugin(
    layer="quantum",
    kind="aer",
    config=AerConfig,
    implementation="backends.quantum.aer.backend:AerBackend",
    requires=("qiskit", "qiskit_aer"),
    install="uv sync (qiskit-aer is a core dependency of qnfusion)",
    distribution="qiskit-aer",
    summary="Qiskit Aer simulator: shots or exact statevector, transpiled once, one call a tick",
    conformance={
        "shots": ConformanceCase(),
        "statevector": ConformanceCase({"aer": {"method": "statevector"}}),
        "matrix_product_state": ConformanceCase({"aer": {"method": "matrix_product_state"}}),
    },
)
