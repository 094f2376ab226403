"""Config of the ``ibm`` quantum backend: IBM Quantum devices and their offline snapshots.

Imports no SDK, so a config is checked offline: the device name against the snapshot table,
the register against the snapshot's size, and the whole run's QPU time against
``max_qpu_seconds`` (``check_run``), all before any backend is imported or any job exists.

Moving a run from Aer: ``quantum: {kind: aer, shots: 1024}`` becomes
``quantum: {kind: ibm, device: fake_sherbrooke, shots: 1024}`` (or ``device: ibm_torino``).
Only the fields every quantum backend shares (``shots``, ``seed``) carry over; Aer's own options
(``method``, ``max_parallel_threads``, ``noise_from``) mean nothing to a device and are refused
like any unknown key.

Credentials are never part of a config (a ``token`` key is an unknown key): the runtime reads
them from ``QISKIT_IBM_TOKEN`` (with ``QISKIT_IBM_CHANNEL``, ``QISKIT_IBM_INSTANCE``) or from the
account saved with ``QiskitRuntimeService.save_account`` (``account`` picks one by name).

QPU-time estimate (used before the first job when the service gives none):

    seconds(run) = ticks * seconds_per_job + shots * seconds_per_shot * circuits(run),
    circuits(run) = ticks * bases + 2 * ceil(ticks / calibrate_every)   (calibration, if on)

with ``seconds_per_shot`` = 3e-4 s (the default repetition delay of 250 us of IBM's Eagle and
Heron QPUs plus ~50 us for a shallow circuit and its readout) and ``seconds_per_job`` = 3 s of
fixed cost per job (IBM's own usage example, a 1-circuit 4096-shot Sampler job, was estimated at
4.1 s). In a Session the service bills the session's wall time, which also counts the loop's
classical work between jobs; the in-run guard therefore uses the usage the service reports.
"""

from __future__ import annotations

import math
import re
from typing import Literal

from pydantic import Field, ValidationInfo, field_validator

from backends.quantum.common.fake_devices import FAKE_DEVICES, describe_unknown, is_fake
from orchestrator.contract.backend_config import QuantumBackendConfig, QuantumCapabilities
from orchestrator.contract.registry import BackendPlugin, ConformanceCase
from orchestrator.contract.strict import StrictModel

__all__ = ["IBM_PLUGIN", "IbmConfig", "ResilienceConfig", "RetryConfig"]

_DEVICE_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


class RetryConfig(StrictModel):
    """How transient failures (network errors, retryable job errors, timeouts) are retried.

    Attempt k (1-based) that fails with a transient fault waits a random time, uniform in
    [0, min(max_backoff_seconds, backoff_seconds * 2^(k-1))] ("full jitter"), then resubmits the
    same tick (same circuits, values and seed). After ``max_attempts`` the run stops cleanly.
    """

    max_attempts: int = Field(
        5, ge=1, le=100, description="Submissions per tick, the first one included."
    )
    backoff_seconds: float = Field(
        2.0, ge=0, description="Base of the exponential backoff, seconds."
    )
    max_backoff_seconds: float = Field(120.0, ge=0, description="Cap of one backoff wait, seconds.")
    job_timeout_seconds: float = Field(
        1800.0,
        gt=0,
        description=(
            "Longest wait for one job's result; a job past it is cancelled and retried "
            "(a transient fault)."
        ),
    )


class ResilienceConfig(StrictModel):
    """Readout-error mitigation of the Bloch vectors and <H> (not of the Z distribution).

    ``calibrated``: every ``calibrate_every`` ticks (and on the first), two calibration circuits
    ride in the tick's job: all measured qubits prepared in |0>, then all in |1>. They give each
    physical qubit's flip rates P(1|0), P(0|1), and the orchestrator inverts them per qubit
    (tensored mitigation, ``orchestrator.physics.measurement``). ``twirled``: the same, with the
    runtime's measurement twirling on for every circuit, which makes the readout error
    symmetric (bit-flip) whatever the device does.
    """

    readout: Literal["none", "calibrated", "twirled"] = Field(
        "none", description="Readout-error mitigation: none, calibrated, or twirled."
    )
    calibrate_every: int = Field(
        10, ge=1, description="Ticks between readout calibrations (the first tick has one)."
    )


class IbmConfig(QuantumBackendConfig):
    """An IBM Quantum device through qiskit-ibm-runtime, or one of its snapshots offline."""

    kind: Literal["ibm"] = Field(description="IBM Quantum device or device snapshot.")
    device: str = Field(
        description=(
            "Device name (e.g. `ibm_torino`), or a snapshot of `qiskit_ibm_runtime.fake_provider` "
            "(e.g. `fake_sherbrooke`), which runs the same code path offline with the device's "
            "noise (the runtime's local testing mode). `qnf backends` lists them."
        )
    )
    channel: Literal["ibm_quantum_platform", "ibm_cloud"] | None = Field(
        None,
        description="Service channel; default: QISKIT_IBM_CHANNEL or the saved account's.",
    )
    instance: str | None = Field(
        None,
        description="Instance (CRN or name); default: QISKIT_IBM_INSTANCE or the saved account's.",
    )
    account: str | None = Field(
        None,
        description=(
            "Name of a saved account (QiskitRuntimeService.save_account); default: the "
            "QISKIT_IBM_TOKEN environment variable, else the default saved account. Tokens "
            "never go into a config."
        ),
    )
    session: bool = Field(
        True,
        description=(
            "Run the ticks in one Session, so the loop keeps its place in the queue; where the "
            "plan has no sessions (or with false) a Batch is used."
        ),
    )
    optimization_level: int = Field(
        1, ge=0, le=3, description="Preset transpiler level for the device's ISA circuits."
    )
    initial_layout: list[int] | None = Field(
        None,
        description="Physical qubit of each logical qubit; default: the transpiler's choice.",
    )
    max_qpu_seconds: float | None = Field(
        600.0,
        gt=0,
        description=(
            "QPU-time limit of the run, seconds (600 s is the Open Plan's monthly allowance); "
            "a run estimated above it is refused before any job, and a run stops at the tick "
            "whose measured usage would pass it. null: no limit. Devices only."
        ),
    )
    seconds_per_shot: float = Field(
        3e-4, gt=0, description="QPU seconds per shot per circuit in the estimate (see docs)."
    )
    seconds_per_job: float = Field(
        3.0, ge=0, description="Fixed QPU seconds per job in the estimate (see docs)."
    )
    resilience: ResilienceConfig = Field(
        default_factory=ResilienceConfig, description="Readout-error mitigation."
    )
    retry: RetryConfig = Field(
        default_factory=RetryConfig, description="Retries of transient failures."
    )

    @field_validator("device")
    @classmethod
    def _known_device(cls, device: str) -> str:
        if is_fake(device):
            if device not in FAKE_DEVICES:
                raise ValueError(describe_unknown(device))
        elif not _DEVICE_NAME.match(device):
            raise ValueError(f"{device!r} is not a device name (e.g. ibm_torino, fake_sherbrooke)")
        return device

    @field_validator("initial_layout")
    @classmethod
    def _layout_fits(cls, layout: list[int] | None, info: ValidationInfo) -> list[int] | None:
        if layout is not None:
            if len(set(layout)) != len(layout) or min(layout, default=0) < 0:
                raise ValueError("physical qubits must be distinct and >= 0")
            device = info.data.get("device")
            if device in FAKE_DEVICES and max(layout, default=0) >= FAKE_DEVICES[device][0]:
                raise ValueError(f"{device} has qubits 0..{FAKE_DEVICES[device][0] - 1}")
        return layout

    def capabilities(self) -> QuantumCapabilities:
        fake = is_fake(self.device)
        return QuantumCapabilities(
            statevector=False,
            max_qubits=FAKE_DEVICES[self.device][0] if fake else None,
            hardware=not fake,
            noisy=True,
            seeded=fake,  # a device samples as it will; a snapshot runs at the tick's seed
        )

    def calibrations(self, ticks: int) -> int:
        """Calibration circuits a run of ``ticks`` ticks adds (2 per calibration)."""
        if self.resilience.readout == "none":
            return 0
        return 2 * math.ceil(ticks / self.resilience.calibrate_every)

    def estimate_seconds(self, n_circuits: int, ticks: int) -> float:
        """The formula of the module docstring."""
        circuits = ticks * n_circuits + self.calibrations(ticks)
        return ticks * self.seconds_per_job + self.shots * self.seconds_per_shot * circuits

    def check_run(self, n_qubits: int, n_circuits: int, ticks: int) -> list[str]:
        problems = []
        if self.initial_layout is not None and len(self.initial_layout) != n_qubits:
            problems.append(
                f"quantum.initial_layout: names {len(self.initial_layout)} physical qubits; "
                f"the Hamiltonian has {n_qubits}"
            )
        return problems + self._check_budget(n_circuits, ticks)

    def _check_budget(self, n_circuits: int, ticks: int) -> list[str]:
        if not self.capabilities().hardware or self.max_qpu_seconds is None:
            return []
        estimate = self.estimate_seconds(n_circuits, ticks)
        if estimate <= self.max_qpu_seconds:
            return []
        circuits = ticks * n_circuits + self.calibrations(ticks)
        return [
            f"quantum.max_qpu_seconds: the run is estimated at {estimate:.0f} s of QPU time "
            f"on {self.device} ({ticks} jobs, {circuits} circuits of {self.shots} shots; "
            "quantum.seconds_per_job and seconds_per_shot set the estimate), over the limit of "
            f"{self.max_qpu_seconds:g} s; lower run.ticks or quantum.shots, or raise "
            "quantum.max_qpu_seconds"
        ]


IBM_PLUGIN = BackendPlugin(
    layer="quantum",
    kind="ibm",
    config=IbmConfig,
    implementation="backends.quantum.ibm.backend:IbmBackend",
    requires=("qiskit", "qiskit_ibm_runtime", "qiskit_aer"),
    install="uv sync (qiskit-ibm-runtime is a core dependency of qnfusion)",
    distribution="qiskit-ibm-runtime",
    summary="IBM Quantum devices in a Session; fake_* snapshots offline with device noise",
    devices="backends.quantum.ibm.devices:list_devices",
    conformance={"fake_manila": ConformanceCase({"device": "fake_manila"})},
)
