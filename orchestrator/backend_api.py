"""The two backend interfaces: what the orchestrator asks of a quantum and a spiking backend.

The orchestrator declares, backends implement, config selects (PennyLane's device API, Lava's
Process/ProcessModel split). Each interface has ONE required method:

- ``QuantumBackend.execute(request) -> QuantumResult``: one fusion tick's circuits.
- ``SpikingBackend.advance(drive_mv) -> SpikeWindow``: one fusion tick of the network.

Everything expensive (circuit synthesis and transpilation, building the network, compiling
code) happens once, in the constructor; a tick only binds numbers and continues. A constructor
receives its own validated config model and a fully resolved, SDK-free description of the work
(``QuantumProgram`` / ``NetworkSpec``). Capabilities are data: ``QuantumBackendConfig
.capabilities()`` answers before any backend is built, so validation never touches an SDK.

Failures. A backend that cannot go on (a device fault that retries did not cure, a spent QPU
budget) raises ``QuantumBackendFailure`` from ``execute``; the runner then stops the run at
that tick boundary (the tick is not recorded as done), records why, and exits resumable.
Any other exception is a bug or a broken environment and fails the run.

Conventions used throughout:
- qubit q is bit q of a basis-state index (Qiskit's little-endian order);
- a measurement basis is a string of length n whose character q ('X', 'Y' or 'Z') is the
  basis qubit q is read in;
- neuron voltages and drives are in mV, times in ms, rest potential 0 mV.
"""

from __future__ import annotations

import importlib.metadata
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal

import numpy as np

from orchestrator.config.base import (
    QuantumBackendConfig,
    SpikingBackendConfig,
    StdpConfig,
)
from orchestrator.hamiltonian import PauliHamiltonian

__all__ = [
    "NetworkSpec",
    "NetworkState",
    "QuantumBackend",
    "QuantumBackendFailure",
    "QuantumProgram",
    "QuantumRequest",
    "QuantumResult",
    "SpikeWindow",
    "SpikingBackend",
]


# --------------------------------------------------------------------------- quantum


@dataclass(frozen=True)
class QuantumProgram:
    """The per-run circuit family a quantum backend compiles once.

    Each tick runs   prep -> exp(-i H time) (Trotterized) -> measurement in every basis.

    hamiltonian: the task Hamiltonian H.
    time: evolution time per tick (``trotter.dt``).
    order, reps, preserve_order: product formula; order 1 is Lie-Trotter, even orders Suzuki.
    bases: measurement bases, one circuit each, all in one batched call per tick.
    preparation: ``product`` prepares qubit q as RZ(phi_q) RY(theta_q) |0> (a request gives
        theta, phi); ``amplitudes`` prepares the exact state vector a request gives.
    want_statevector: also return the exact final amplitudes (before measurement).
    ticks: how many ticks the run plans (0: unknown); a device backend sizes its QPU-time
        estimate by it. ``execute`` past it must still work.
    """

    hamiltonian: PauliHamiltonian
    time: float
    order: int
    reps: int
    preserve_order: bool
    bases: tuple[str, ...]
    preparation: Literal["product", "amplitudes"] = "product"
    want_statevector: bool = False
    ticks: int = 0

    @property
    def n_qubits(self) -> int:
        return self.hamiltonian.n_qubits


@dataclass(frozen=True)
class QuantumRequest:
    """One tick's numbers for a compiled ``QuantumProgram``.

    theta, phi: shape (n,), radians; used when ``preparation == "product"``.
    amplitudes: shape (2^n,), complex, unit norm; used when ``preparation == "amplitudes"``.
    seed: sampling seed of this tick (a simulator must be reproducible given it).
    """

    seed: int
    theta: np.ndarray | None = None
    phi: np.ndarray | None = None
    amplitudes: np.ndarray | None = None


@dataclass(frozen=True)
class QuantumResult:
    """What one tick measured.

    samples: one uint8 array per basis of the program, shape (shots, n), entry [s, q] the bit
        qubit q gave in shot s (0 -> eigenvalue +1); shots in no particular order (a backend
        may group them by outcome). Empty tuple if the backend ran no shots.
    statevector: shape (2^n,), complex, when the program asked for it; else None.
    job_ids: identifiers of the backend jobs that produced this (recorded in the ledger meta).
    readout: readout-error rates to correct the samples with, or None (no mitigation): one
        float array per basis, shape (n, 2), row q = (P(read 1 | 0), P(read 0 | 1)) of the
        qubit that measured logical qubit q in that basis's circuit, measured by the backend
        (calibration circuits). The orchestrator applies the correction to expectation values
        (``orchestrator.measurement``); samples stay raw.
    attempts: every submission this tick took, in order, including the one that succeeded:
        mappings with ``attempt`` (1-based), ``job_id`` (None if submission itself failed),
        ``error`` (exception class, None on success), ``code`` (service error code or HTTP
        status, or None), ``retryable`` (bool or None), ``message`` (one line, credentials
        removed, or None), ``backoff_seconds`` (wait before the next attempt).
        Ledger meta only: attempts do not repeat between runs.
    usage_seconds: QPU time this tick was charged, as the service measured it (None when
        the backend does not bill, e.g. simulators and device snapshots). Ledger meta only.
    """

    samples: tuple[np.ndarray, ...]
    statevector: np.ndarray | None = None
    job_ids: tuple[str, ...] = ()
    readout: tuple[np.ndarray, ...] | None = None
    attempts: tuple[Mapping[str, Any], ...] = ()
    usage_seconds: float | None = None


class QuantumBackendFailure(RuntimeError):
    """``execute`` cannot produce this tick; the run stops cleanly at the tick boundary.

    permanent: True when trying again cannot help as things stand (the service refused the
        job as invalid, an account or budget problem); False when the fault was transient but
        outlasted the retry limit (resuming later may simply work).
    reason: ``fault`` (the device or service failed) or ``budget`` (the QPU-time limit would
        be passed by this tick; nothing was submitted for it).
    attempts: the submissions made for this tick (see ``QuantumResult.attempts``), so that
        the record of the failed tick is not lost.
    The message is one line, free of credentials, and says what to do next.
    """

    def __init__(
        self,
        message: str,
        *,
        permanent: bool,
        reason: Literal["fault", "budget"] = "fault",
        attempts: tuple[Mapping[str, Any], ...] = (),
    ) -> None:
        super().__init__(message)
        self.permanent = permanent
        self.reason = reason
        self.attempts = attempts


class QuantumBackend(ABC):
    """Runs a ``QuantumProgram`` tick after tick. Subclasses are final.

    Construction compiles the program (raise ``ValueError`` with a one-line reason if the
    backend cannot run it); ``execute`` must not rebuild or re-transpile anything.
    """

    distribution: ClassVar[str]
    """PyPI distribution whose version identifies this backend in the ledger."""

    def __init__(self, config: QuantumBackendConfig, program: QuantumProgram) -> None:
        self.config = config
        self.program = program

    @abstractmethod
    def execute(self, request: QuantumRequest) -> QuantumResult:
        """Run one tick: bind ``request`` into the compiled circuits, sample every basis."""

    def identity(self) -> dict[str, str]:
        """What ran, for the ledger: kind, package, version and backend-specific details."""
        return {
            "kind": self.config.kind,
            "package": self.distribution,
            "version": importlib.metadata.version(self.distribution),
        }

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release sessions and worker threads. Idempotent."""


# --------------------------------------------------------------------------- spiking


@dataclass(frozen=True)
class NetworkState:
    """A spiking backend's complete dynamical state after ``tick`` ticks (a checkpoint's part).

    Restoring it (``NetworkSpec.start``) and continuing must give exactly, bit for bit, what the
    uninterrupted network would have given. ``arrays`` holds what the backend needs for that,
    under names it chooses, plus what every backend provides: ``voltages_mv`` (N,) and, when
    plasticity is on, ``weights_mv`` (S,), the recurrent weights in ``NetworkSpec.pre``/``post``
    order after STDP (static weights are the spec's own and are not repeated in every
    checkpoint). ``kind`` is the backend kind that captured it; another kind refuses it.
    """

    kind: str
    tick: int
    arrays: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class NetworkSpec:
    """The spiking network of spec §3.2, resolved to numbers every backend builds alike.

    Connectivity is drawn by the orchestrator (``pre``, ``post``, ``weight_mv`` arrays of equal
    length), so every backend simulates the same network for the same seed.
    drive_mode: ``current`` (drive_mv is the constant R*I over the tick) or ``kick`` (drive_mv
        is added to V once at tick start, capped at ``kick_cap_mv``; never lifts V to v_th).
    ticks: how many ticks the run plans (a backend may size one continuous run by it;
        ``advance`` past it must still work).
    start: continue from this state (a resumed or rolled-back run) instead of rest; the
        network time then starts at ``start.tick * tick_ms``.
    """

    n_neurons: int
    tau_m_ms: float
    v_th_mv: float
    v_reset_mv: float
    refractory_ms: float
    dt_ms: float
    steps_per_tick: int
    ticks: int
    drive_mode: Literal["current", "kick"]
    kick_cap_mv: float
    pre: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    post: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weight_mv: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stdp: StdpConfig | None = None
    start: NetworkState | None = None

    @property
    def tick_ms(self) -> float:
        return self.steps_per_tick * self.dt_ms


@dataclass(frozen=True)
class SpikeWindow:
    """The spikes of one tick window [t0_ms, t0_ms + tick_ms).

    neurons, times_ms: equal-length arrays, one entry per spike, times relative to t0_ms and
        on the dt grid, sorted by time.
    voltages_mv: shape (N,), membrane potentials at the end of the window.
    """

    t0_ms: float
    neurons: np.ndarray
    times_ms: np.ndarray
    voltages_mv: np.ndarray


class SpikingBackend(ABC):
    """Runs a ``NetworkSpec`` tick after tick, as one persistent network. Subclasses are final.

    Splitting a run into ticks must not change the spikes: ``k`` calls of ``advance`` with the
    same drive give the spike trains of one uninterrupted run of ``k`` ticks.
    """

    distribution: ClassVar[str]
    """PyPI distribution whose version identifies this backend in the ledger."""

    def __init__(self, config: SpikingBackendConfig, network: NetworkSpec) -> None:
        self.config = config
        self.network = network

    @abstractmethod
    def advance(self, drive_mv: np.ndarray) -> SpikeWindow:
        """Simulate one tick with drive ``drive_mv`` (shape (N,), mV; see ``NetworkSpec``)."""

    def identity(self) -> dict[str, str]:
        """What ran, for the ledger: kind, package, version and backend-specific details.

        Recorded in ``summary.json`` and in every event. A ``notice`` entry (e.g. that a
        fallback runs instead of the configured hardware) is also printed when the run starts.
        """
        return {
            "kind": self.config.kind,
            "package": self.distribution,
            "version": importlib.metadata.version(self.distribution),
        }

    def snapshot(self) -> NetworkState:
        """The state after the last ``advance`` (between ticks), for checkpoints.

        A backend that cannot capture its state raises ``NotImplementedError``; runs on it then
        cannot be resumed or rolled back, and say so.
        """
        raise NotImplementedError(f"spiking backend '{self.config.kind}' cannot snapshot")

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Stop the simulation and release worker threads or processes. Idempotent."""
