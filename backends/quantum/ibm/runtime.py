"""The one place that talks to qiskit-ibm-runtime: service, Session/Batch, Sampler, results.

Everything the ``ibm`` backend needs from the runtime goes through a ``RuntimeClient``:

    client = connect(config)            # a snapshot, or a device reached through the service
    client.device                       # its BackendV2 (target of the ISA transpilation)
    client.open(isa_circuits, twirl)    # the execution mode, once per run
    job = client.submit(pubs, shots, seed)
    job.job_id(); job.result(timeout) -> PrimitiveResult; job.usage() -> QPU seconds or None
    bits(result, i)                     # uint8 (shots, n) of pub i, column q = clbit q

so that a change of the runtime's API (the deprecated ``SamplerV2`` -> the client-side
``executor_sampler.Sampler`` of 0.50+, which is what 0.51 wants and what ``_sampler`` builds)
is a change of this file only, and so that tests can put a stand-in for the IBM cloud behind
the same interface (the cloud cannot be reached from a test).

Two clients:

- ``LocalClient`` (``fake_*`` snapshots): the runtime's local testing mode. ``open`` builds a
  mirror of the snapshot (``device_noise.device_simulator``: its target, its noise model cut to
  the qubits the ISA circuits touch) and opens a ``Session`` on it; in local mode a Session is
  accepted and does nothing (``QiskitRuntimeLocalService``; installed source: ``Executor.run``
  goes straight to the local service). Jobs run in-process with ``seed_simulator`` = the
  tick's seed, so a run on a snapshot is reproducible. The runtime's own local path with the
  snapshot object itself rebuilds the 127-qubit noise model for every job (~7 s a tick against
  ~0.15 s, same counts; see ``device_noise``). Usage is None: snapshots cost nothing.
- ``CloudClient`` (device names): ``QiskitRuntimeService(channel, instance, name=account)``,
  which reads the credentials itself (``QISKIT_IBM_TOKEN``/``_CHANNEL``/``_INSTANCE`` or the saved
  account); this module never holds a token. ``open`` starts a ``Session`` (``session: true``);
  if the plan has no sessions, or with ``session: false``, a ``Batch``. Usage is what the
  service reports: the session's (wall-clock) usage, else the sum of job usages.

Secrets never leave: every message that crosses this module's boundary goes through
``redact``, which blanks the token of the environment and of every saved account.
"""

from __future__ import annotations

import os
import warnings
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, final

import numpy as np
from qiskit import QuantumCircuit
from qiskit.primitives import PrimitiveResult
from qiskit.providers import BackendV2
from qiskit_ibm_runtime import Batch, QiskitRuntimeService, Session
from qiskit_ibm_runtime.executor_sampler import Sampler

from backends.quantum.common import device_noise, trotter
from backends.quantum.common.fake_devices import is_fake, load_fake
from backends.quantum.ibm.config import IbmConfig

__all__ = [
    "CloudClient",
    "LocalClient",
    "RuntimeClient",
    "RuntimeJob",
    "bits",
    "connect",
    "redact",
    "saved_account_names",
]


def _secrets() -> list[str]:
    found = [os.environ.get("QISKIT_IBM_TOKEN", "")]
    try:
        accounts = QiskitRuntimeService.saved_accounts()
    except Exception:  # an unreadable account file has no secrets we could leak
        accounts = {}
    found += [str(a.get("token", "")) for a in accounts.values() if isinstance(a, dict)]
    return [s for s in found if len(s) >= 4]


def redact(text: str) -> str:
    """``text`` with every known credential replaced by ``***``."""
    for secret in _secrets():
        text = text.replace(secret, "***")
    return text


def saved_account_names() -> list[str]:
    """Names of the accounts saved on this machine (no secrets)."""
    try:
        return sorted(QiskitRuntimeService.saved_accounts())
    except Exception:
        return []


def bits(result: PrimitiveResult, index: int) -> np.ndarray:
    """Pub ``index``'s shots as uint8 (shots, n); column q is clbit q (= logical qubit q)."""
    array = getattr(result[index].data, trotter.MEAS_NAME)
    return array.to_bool_array(order="little").astype(np.uint8)


def _sampler(mode: Any, twirl_readout: bool) -> Sampler:
    """The runtime's Sampler primitive on ``mode`` (a Session, Batch or backend)."""
    sampler = Sampler(mode=mode)
    sampler.options.twirling.enable_measure = twirl_readout
    return sampler


class RuntimeJob(ABC):
    """One submitted Sampler job."""

    @abstractmethod
    def job_id(self) -> str:
        """The service's job id."""

    @abstractmethod
    def result(self, timeout: float | None) -> PrimitiveResult:
        """Wait (at most ``timeout`` s; ``RuntimeJobTimeoutError`` past it) and return it."""

    @abstractmethod
    def usage(self) -> float | None:
        """QPU seconds the job was charged (None: not billed)."""

    def cancel(self) -> None:  # noqa: B027 - optional: a local job cannot be cancelled
        """Cancel it (best effort)."""


class RuntimeClient(ABC):
    """A device that runs Sampler jobs; see the module docstring."""

    device: BackendV2
    mode_name: str = "none"
    local: bool = False

    @abstractmethod
    def open(self, circuits: Sequence[QuantumCircuit], twirl_readout: bool) -> None:
        """Start the execution mode for these ISA circuits (once per run)."""

    @abstractmethod
    def submit(self, pubs: Sequence[Any], shots: int, seed: int) -> RuntimeJob:
        """Submit one job of ``pubs`` ((circuit, values) pairs)."""

    def estimate_seconds(self, pubs: Sequence[Any], shots: int) -> float | None:
        """The service's QPU-time estimate of one such job, or None where it has none."""
        return None

    def total_usage(self) -> float | None:
        """QPU seconds the execution mode has been charged so far (None: not known)."""
        return None

    def close(self) -> None:  # noqa: B027 - nothing to release by default
        """Close the execution mode. Idempotent."""


@final
class _LocalJob(RuntimeJob):
    def __init__(self, job: Any) -> None:
        self._job = job

    def job_id(self) -> str:
        return str(self._job.job_id())

    def result(self, timeout: float | None) -> PrimitiveResult:
        return self._job.result()

    def usage(self) -> float | None:
        return None


@final
class LocalClient(RuntimeClient):
    """A ``fake_*`` snapshot in the runtime's local testing mode."""

    local = True
    mode_name = "local"

    def __init__(self, device: str, max_parallel_threads: int = 1) -> None:
        self.device = load_fake(device)
        self._threads = max_parallel_threads
        self._session: Session | None = None
        self._sampler: Sampler | None = None

    def open(self, circuits: Sequence[QuantumCircuit], twirl_readout: bool) -> None:
        used = device_noise.active_qubits(circuits)
        mirror = device_noise.device_simulator(self.device, used, self._threads)
        self._session = Session(backend=mirror)
        self._sampler = _sampler(self._session, twirl_readout)

    def submit(self, pubs: Sequence[Any], shots: int, seed: int) -> RuntimeJob:
        if self._sampler is None:
            raise RuntimeError("open() first")
        self._sampler.options.simulator.seed_simulator = seed
        return _LocalJob(self._sampler.run(list(pubs), shots=shots))

    def close(self) -> None:
        self._sampler = None  # a submit after close is refused, not run on a closed session
        if self._session is not None:
            self._session.close()
            self._session = None


@final
class _CloudJob(RuntimeJob):
    def __init__(self, job: Any) -> None:
        self._job = job

    def job_id(self) -> str:
        return str(self._job.job_id())

    def result(self, timeout: float | None) -> PrimitiveResult:
        return self._job.result(timeout=timeout)

    def usage(self) -> float | None:
        used = self._job.usage()
        return None if used is None else float(used)

    def cancel(self) -> None:
        self._job.cancel()


@final
class CloudClient(RuntimeClient):
    """A device reached through IBM Quantum (credentials from the environment or saved)."""

    def __init__(self, config: IbmConfig) -> None:
        self._config = config
        self._service = QiskitRuntimeService(
            channel=config.channel, instance=config.instance, name=config.account
        )
        self.device = self._service.backend(config.device)
        self._mode: Session | Batch | None = None
        self._sampler: Sampler | None = None

    def open(self, circuits: Sequence[QuantumCircuit], twirl_readout: bool) -> None:
        if self._config.session:
            try:
                self._mode, self.mode_name = Session(backend=self.device), "session"
            except Exception as exc:  # e.g. the Open Plan has no sessions
                warnings.warn(
                    f"no Session on {self._config.device} ({redact(str(exc))}); using a Batch",
                    stacklevel=2,
                )
        if self._mode is None:
            self._mode, self.mode_name = Batch(backend=self.device), "batch"
        self._sampler = _sampler(self._mode, twirl_readout)

    def submit(self, pubs: Sequence[Any], shots: int, seed: int) -> RuntimeJob:
        if self._sampler is None:
            raise RuntimeError("open() first")
        return _CloudJob(self._sampler.run(list(pubs), shots=shots))

    def estimate_seconds(self, pubs: Sequence[Any], shots: int) -> float | None:
        if self._sampler is None:
            return None
        try:
            job = self._sampler.run(list(pubs), shots=shots, dry_run=True)
            value = job.usage_estimation.get("quantum_seconds")
        except Exception:  # an estimate is optional; the formula stands in
            return None
        return None if value is None else float(value)

    def total_usage(self) -> float | None:
        if self.mode_name != "session" or self._mode is None:
            return None
        used = self._mode.usage()
        return None if used is None else float(used)

    def close(self) -> None:
        if self._mode is not None:
            self._mode.close()
            self._mode = None


def connect(config: IbmConfig) -> RuntimeClient:
    """The client for ``config.device``: local for snapshots, the service otherwise.

    Raises whatever the service raises (account, network); the backend classifies and redacts.
    """
    if is_fake(config.device):
        return LocalClient(config.device)
    return CloudClient(config)
