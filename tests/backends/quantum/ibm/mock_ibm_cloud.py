"""A stand-in for the IBM Quantum cloud, failing on schedule: the project's only mock.

The cloud cannot be reached from a test, so the service's behaviour is played by this
``RuntimeClient``: it runs the jobs for real on a device snapshot (the runtime's local testing
mode, exactly as ``LocalClient``), but answers like the cloud does — job ids of its own, QPU
usage per job, an optional usage estimate, a Session — and raises, at the submissions named in
``faults``, the exceptions qiskit-ibm-runtime raises for those failures (same classes, same
message formats). Put it in place with ``install(monkeypatch, cloud)``; the ``ibm`` backend
then takes it for any device name that is not a snapshot.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, final

import pytest
from qiskit import QuantumCircuit
from qiskit.primitives import PrimitiveResult
from qiskit_ibm_runtime.api.exceptions import RequestsApiError
from qiskit_ibm_runtime.exceptions import (
    IBMRuntimeError,
    RuntimeJobFailureError,
    RuntimeJobTimeoutError,
)

from backends.quantum.common.fake_devices import is_fake
from backends.quantum.ibm import runtime as ibm_runtime
from backends.quantum.ibm.config import IbmConfig
from backends.quantum.ibm.runtime import LocalClient, RuntimeClient, RuntimeJob

__all__ = ["Fault", "MockIbmCloud", "install"]


def network_503() -> BaseException:
    """What the runtime raises when a submission meets a 503 (maintenance or overload)."""
    inner = RequestsApiError("503 Server Error: Service Unavailable for url: https://q/jobs", 503)
    return IBMRuntimeError(f"Failed to run program: {inner}")


def job_error(code: int, text: str) -> Callable[[], BaseException]:
    """A job that ended in ERROR with a registry code, as ``RuntimeJobV2.result`` reports it."""
    return lambda: RuntimeJobFailureError(
        f"Unable to retrieve job result. Error code {code}; {text}"
    )


def timeout() -> BaseException:
    return RuntimeJobTimeoutError("Timed out waiting for job to complete after 1800 secs.")


@dataclass(frozen=True)
class Fault:
    """At submission number ``at`` (0-based, counting every attempt), raise ``make()``, either
    at submission (``when="submit"``) or when the result is asked for (``when="result"``)."""

    make: Callable[[], BaseException]
    when: str = "result"


@final
class _Job(RuntimeJob):
    def __init__(self, inner: RuntimeJob, job_id: str, fault: Fault | None, usage: float | None):
        self._inner, self._id, self._fault, self._usage = inner, job_id, fault, usage
        self.cancelled = False

    def job_id(self) -> str:
        return self._id

    def result(self, timeout: float | None) -> PrimitiveResult:
        if self._fault is not None:
            raise self._fault.make()
        return self._inner.result(timeout)

    @property
    def failed(self) -> bool:
        return self._fault is not None

    def usage(self) -> float | None:
        return self._usage

    def cancel(self) -> None:
        self.cancelled = True


@final
class MockIbmCloud(RuntimeClient):
    """See the module docstring. ``submitted`` counts every submission, failed ones included."""

    mode_name = "session"

    def __init__(
        self,
        snapshot: str = "fake_sherbrooke",
        faults: dict[int, Fault] | None = None,
        usage_per_job: float | None = 1.0,
        estimate_per_job: float | None = None,
        session_seconds_per_job: float | None = None,
        echo: str = "",
    ) -> None:
        self._local = LocalClient(snapshot)
        self.device = self._local.device
        self.faults = dict(faults or {})
        self.usage_per_job = usage_per_job
        self.estimate_per_job = estimate_per_job
        self.session_seconds_per_job = session_seconds_per_job  # a Session bills wall time
        self.echo = echo  # a service that echoes a credential back in its error messages
        self.submitted = 0
        self.jobs: list[_Job] = []
        self.closed = False

    def open(self, circuits: Sequence[QuantumCircuit], twirl_readout: bool) -> None:
        self._local.open(circuits, twirl_readout)

    def submit(self, pubs: Sequence[Any], shots: int, seed: int) -> RuntimeJob:
        number = self.submitted
        self.submitted += 1
        fault = self.faults.get(number)
        if fault is not None and self.echo:
            fault = Fault(_echoing(fault.make, self.echo), fault.when)
        if fault is not None and fault.when == "submit":
            raise fault.make()
        job = _Job(
            self._local.submit(pubs, shots, seed),
            f"cloud-job-{number:04d}",
            fault,
            self.usage_per_job,
        )
        self.jobs.append(job)
        return job

    def estimate_seconds(self, pubs: Sequence[Any], shots: int) -> float | None:
        return self.estimate_per_job

    def total_usage(self) -> float | None:
        if self.session_seconds_per_job is None:
            return None
        return self.session_seconds_per_job * sum(not j.failed for j in self.jobs)

    def close(self) -> None:
        self.closed = True
        self._local.close()


def _echoing(make: Callable[[], BaseException], secret: str) -> Callable[[], BaseException]:
    def again() -> BaseException:
        exc = make()
        return type(exc)(f"{exc} (request was authorised with {secret})")

    return again


@dataclass
class Installed:
    """The stand-ins the backend has connected to, in order."""

    clouds: list[MockIbmCloud] = field(default_factory=list)


def install(monkeypatch: pytest.MonkeyPatch, make: Callable[[], MockIbmCloud]) -> Installed:
    """Route every non-snapshot device of the ``ibm`` backend to a new ``make()``."""
    installed = Installed()
    real_connect = ibm_runtime.connect

    def connect(config: IbmConfig) -> RuntimeClient:
        if is_fake(config.device):
            return real_connect(config)
        cloud = make()
        installed.clouds.append(cloud)
        return cloud

    monkeypatch.setattr(ibm_runtime, "connect", connect)
    return installed
