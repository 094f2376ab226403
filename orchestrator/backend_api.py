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

Conventions used throughout:
- qubit q is bit q of a basis-state index (Qiskit's little-endian order);
- a measurement basis is a string of length n whose character q ('X', 'Y' or 'Z') is the
  basis qubit q is read in;
- neuron voltages and drives are in mV, times in ms, rest potential 0 mV.
"""

from __future__ import annotations

import importlib.metadata
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np

from orchestrator.config.base import (
    QuantumBackendConfig,
    SpikingBackendConfig,
    StdpConfig,
)
from orchestrator.hamiltonian import PauliHamiltonian

__all__ = [
    "NetworkSpec",
    "QuantumBackend",
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
    """

    hamiltonian: PauliHamiltonian
    time: float
    order: int
    reps: int
    preserve_order: bool
    bases: tuple[str, ...]
    preparation: Literal["product", "amplitudes"] = "product"
    want_statevector: bool = False

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
        qubit q gave in shot s (0 -> eigenvalue +1). Empty tuple if the backend ran no shots.
    statevector: shape (2^n,), complex, when the program asked for it; else None.
    job_ids: identifiers of the backend jobs that produced this (recorded in the ledger meta).
    """

    samples: tuple[np.ndarray, ...]
    statevector: np.ndarray | None = None
    job_ids: tuple[str, ...] = ()


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
class NetworkSpec:
    """The spiking network of spec §3.2, resolved to numbers every backend builds alike.

    Connectivity is drawn by the orchestrator (``pre``, ``post``, ``weight_mv`` arrays of equal
    length), so every backend simulates the same network for the same seed.
    drive_mode: ``current`` (drive_mv is the constant R*I over the tick) or ``kick`` (drive_mv
        is added to V once at tick start, capped at ``kick_cap_mv``; never lifts V to v_th).
    ticks: how many ticks the run plans (a backend may size one continuous run by it;
        ``advance`` past it must still work).
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

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Stop the simulation and release worker threads or processes. Idempotent."""
