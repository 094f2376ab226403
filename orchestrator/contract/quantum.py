"""The quantum backend interface: what the orchestrator asks of a quantum processor (spec §3.1).

One required method, in the habit of Qiskit's primitives (a batch of PUBs in one call):

    QuantumBackend.execute(requests, seed) -> QuantumResult

A ``QuantumProgram`` (the Hamiltonian, the product formula, the measurement bases) is compiled
once, in the constructor; each ``QuantumRequest`` of a batch gives one preparation of that
program, and the backend runs every request in every basis as ONE job (one simulator call,
one device job). A fusion tick is a batch of one request; the parameter-shift gradients of
the learning rule send every shifted preparation of an epoch in one batch.

Everything expensive (circuit synthesis and transpilation) happens once, in the constructor; a
call only binds numbers. A constructor receives its own validated config model and the
program. Capabilities are data declared by the config (``QuantumBackendConfig.capabilities()``),
answered before any backend is built, so validation never touches an SDK.

What a backend adds to its identity in the ledger: ``identity()`` returns the details only the
backend knows (device, method, physical qubits, ...); the kind, package and version come from
its registered plugin (``orchestrator.contract.registry``).

Failures. A backend that cannot go on (a device fault that retries did not cure, a spent QPU
budget) raises ``QuantumBackendFailure`` from ``execute``; the runner stops the run at that
tick boundary (the tick is not recorded as done), records why, and exits resumable. A
constructor that cannot run the program raises ``ValueError`` with a one-line reason. Any
other exception is a bug or a broken environment and fails the run.

Conventions:
- qubit q is bit q of a basis-state index (Qiskit's little-endian order);
- a measurement basis is a string of length n whose character q ('X', 'Y' or 'Z') is the basis
  qubit q is read in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

import numpy as np

from orchestrator.contract.backend_config import QuantumBackendConfig
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.tick_io import QuantumRequest

if TYPE_CHECKING:
    from orchestrator.physics.statevector import ExactEstimates

__all__ = [
    "AmplitudeEstimator",
    "QuantumBackend",
    "QuantumBackendFailure",
    "QuantumProgram",
    "QuantumResult",
    "RequestResult",
]


@dataclass(frozen=True)
class QuantumProgram:
    """The per-run circuit family a quantum backend compiles once.

    Each request runs   prep -> exp(-i H time) (Trotterized) -> measurement in every basis.

    hamiltonian: the task Hamiltonian H.
    time: evolution time per tick (``trotter.dt``).
    order, reps, preserve_order: product formula; order 1 is Lie-Trotter, even orders Suzuki.
    bases: measurement bases, one circuit each, all in the same call.
    preparation: ``product`` prepares qubit q as RZ(phi_q) RY(theta_q) |0> (a request gives
        theta, phi); ``amplitudes`` prepares the exact state vector a request gives.
    want_statevector: also return the exact final amplitudes (before measurement).
    ticks: how many ticks the run plans (0: unknown); a device backend sizes its QPU-time
        estimate by it. Calls past it must still work.
    layers: 0 (default): the evolution is the product formula above. L > 0: the evolution is
        L layers of free angles instead (the trainable form of issue 12, design §16):

            U(x) = prod_{l = L-1 .. 0} prod_{k over layer_terms, in order} exp(-i x[l, k] P_k)

        (layer 0 and the first term of ``layer_terms`` act first), P_k the Pauli string of
        term ``layer_terms[k]`` of H WITHOUT its coefficient: a request gives the angles
        x (``QuantumRequest.evolution``, shape (L, len(layer_terms))); ``time``, ``order``,
        ``reps`` and ``preserve_order`` are then unused. Backends that declare the
        ``trainable`` capability build it (circuits compiled once, angles bound per call).
    layer_terms: the term indices of H applied in each layer, in order (with ``layers`` > 0).
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
    layers: int = 0
    layer_terms: tuple[int, ...] = ()

    @property
    def n_qubits(self) -> int:
        return self.hamiltonian.n_qubits


@dataclass(frozen=True)
class RequestResult:
    """What one request of a batch measured.

    samples: one uint8 array per basis of the program, shape (shots, n), entry [s, q] the bit
        qubit q gave in shot s (0 -> eigenvalue +1); shots in no particular order (a backend
        may group them by outcome). Empty tuple if the backend ran no shots.
    statevector: shape (2^n,), complex, when the program asked for it; else None.
    readout: readout-error rates to correct the samples with, or None (no mitigation): one
        float array per basis, shape (n, 2), row q = (P(read 1 | 0), P(read 0 | 1)) of the
        qubit that measured logical qubit q in that basis's circuit, measured by the backend
        (calibration circuits). The orchestrator applies the correction to expectation values
        (``orchestrator.physics.measurement``); samples stay raw.
    """

    samples: tuple[np.ndarray, ...]
    statevector: np.ndarray | None = None
    readout: tuple[np.ndarray, ...] | None = None


@dataclass(frozen=True)
class QuantumResult:
    """What one ``execute`` call measured: a result per request, in request order.

    results: one ``RequestResult`` per request of the batch.
    job_ids: identifiers of the backend jobs that produced this (recorded in the ledger meta).
    attempts: every submission this call took, in order, including the one that succeeded:
        mappings with ``attempt`` (1-based), ``job_id`` (None if submission itself failed),
        ``error`` (exception class, None on success), ``code`` (service error code or HTTP
        status, or None), ``retryable`` (bool or None), ``message`` (one line, credentials
        removed, or None), ``backoff_seconds`` (wait before the next attempt).
        Ledger meta only: attempts do not repeat between runs.
    usage_seconds: QPU time this call was charged, as the service measured it (None when
        the backend does not bill, e.g. simulators and device snapshots). Ledger meta only.
    """

    results: tuple[RequestResult, ...]
    job_ids: tuple[str, ...] = ()
    attempts: tuple[Mapping[str, Any], ...] = ()
    usage_seconds: float | None = None


class QuantumBackendFailure(RuntimeError):
    """``execute`` cannot produce this call; the run stops cleanly at the tick boundary.

    permanent: True when trying again cannot help as things stand (the service refused the
        job as invalid, an account or budget problem); False when the fault was transient but
        outlasted the retry limit (resuming later may simply work).
    reason: ``fault`` (the device or service failed) or ``budget`` (the QPU-time limit would
        be passed by this call; nothing was submitted for it).
    attempts: the submissions made for this call (see ``QuantumResult.attempts``), so that
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


class AmplitudeEstimator(Protocol):
    """Exact estimates of one state vector (``orchestrator.physics.statevector``'s numbers)."""

    def estimate(self, statevector: np.ndarray) -> ExactEstimates:
        """<H>, Bloch vectors, H_coh of a (2^n,) complex128 host state vector."""
        ...


class QuantumBackend(ABC):
    """Runs batches of a ``QuantumProgram``'s requests, call after call. Subclasses are final.

    Construction compiles the program (raise ``ValueError`` with a one-line reason if the
    backend cannot run it); ``execute`` must not rebuild or re-transpile anything.
    """

    def __init__(self, config: QuantumBackendConfig, program: QuantumProgram) -> None:
        self.config = config
        self.program = program

    @abstractmethod
    def execute(self, requests: Sequence[QuantumRequest], seed: int) -> QuantumResult:
        """Run every request in every basis of the program as one job; sample at ``seed``.

        requests: at least one; each is bound into the compiled circuits (no transpiling).
        seed: the sampling seed of this call. A simulator must be reproducible given the
            requests and the seed; a batch of one request at seed s samples exactly as that
            request alone at seed s, whatever ran before (nothing carries over between calls).
        Returns one ``RequestResult`` per request, in order.
        """

    def identity(self) -> dict[str, str]:
        """Details only this backend knows, for the ledger (strings); default none.

        The run records ``{kind, package, version}`` of the registered plugin plus these.
        """
        return {}

    def statevector_estimator(self, hamiltonian: PauliHamiltonian) -> AmplitudeEstimator | None:
        """An estimator of this backend's amplitudes that runs where the backend runs (Aer on
        a GPU: on the card; design §30), or None (default): the loop's own CPU estimator."""
        return None

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Release sessions and worker threads. Idempotent."""
