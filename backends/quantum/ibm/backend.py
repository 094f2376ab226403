"""IBM Quantum backend: ISA circuits transpiled once, one Sampler job a tick in one Session.

Construction (once): connect (``ibm_runtime.connect``: a snapshot locally, or the service with
the credentials it finds itself), transpile the program's measured circuits for the device
(``trotter.transpile_for_device``: preset pass manager at ``optimization_level``, fixed seed,
clbits in logical order), add the readout-calibration circuits when mitigation is on, check
the whole run's QPU time against ``max_qpu_seconds`` with the service's estimate of one tick
where it gives one (else the config's formula), and open the Session (or Batch).

A tick: bind the angles into the ISA templates (no transpiling), check the budget, submit ONE
job with every basis (plus the calibration pair on calibration ticks) at the tick's seed,
wait, decode each pub's bits (column q = logical qubit q), and return them with the readout
rates in force, every attempt, every job id and the usage the service measured.

Faults (``ibm_errors.classify``): a transient one is retried with full-jitter exponential
backoff up to ``retry.max_attempts`` (the same circuits, values and seed, so a retried tick on
a snapshot gives exactly the samples of an unbroken run); a job that outlives
``retry.job_timeout_seconds`` is cancelled and counts as transient. A permanent fault, or a
transient one past the limit, raises ``QuantumBackendFailure`` with every attempt, and the run
stops at the tick boundary. Messages are one line and redacted (no credential ever).

Budget (devices only; snapshots cost nothing): before submitting a tick, if the QPU seconds
spent so far plus the last tick's usage (the estimate before the first) would pass
``max_qpu_seconds``, nothing is submitted and the run stops (``reason: budget``). Spent
seconds are the sum of job usages (a job whose usage is not reported yet counts at the
estimate), or the Session's usage as the service reports it where that is larger (a Session
bills its wall time, the loop's classical work between jobs included).
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Sequence
from typing import Any, final

import numpy as np
import qiskit
from qiskit import QuantumCircuit
from qiskit_ibm_runtime.exceptions import RuntimeJobTimeoutError

from backends.quantum.common import trotter
from backends.quantum.ibm import readout
from backends.quantum.ibm import runtime as ibm_runtime
from backends.quantum.ibm.config import IbmConfig
from backends.quantum.ibm.errors import Fault, backoff_seconds, classify
from backends.quantum.ibm.runtime import redact
from orchestrator.contract.quantum import (
    QuantumBackend,
    QuantumBackendFailure,
    QuantumProgram,
    QuantumResult,
    RequestResult,
)
from orchestrator.physics.tick_io import QuantumRequest

__all__ = ["IbmBackend"]


def _failure_at_open(config: IbmConfig, fault: Fault) -> QuantumBackendFailure:
    if fault.retryable:
        hint = "the service could not be reached; try again later"
    elif fault.error == "QiskitBackendNotFoundError":
        hint = "`qnf backends` lists the devices of your account"
    else:
        hint = (
            "credentials come from QISKIT_IBM_TOKEN (and QISKIT_IBM_CHANNEL, QISKIT_IBM_INSTANCE) "
            "or an account saved with QiskitRuntimeService.save_account"
        )
    return QuantumBackendFailure(
        f"ibm: cannot open device {config.device}: {fault.error}: {redact(fault.message)} ({hint})",
        permanent=not fault.retryable,
    )


@final
class IbmBackend(QuantumBackend):
    """IBM Quantum device or snapshot; see the module docstring."""

    def __init__(self, config: IbmConfig, program: QuantumProgram) -> None:
        super().__init__(config, program)
        if program.preparation != "product":
            raise ValueError("ibm: a device prepares product states only (pci.mapping: qubit)")
        n = program.n_qubits
        layout = config.initial_layout
        if layout is not None and len(layout) != n:  # validation refuses it already
            raise ValueError(f"ibm: initial_layout names {len(layout)} qubits, not {n}")
        try:
            self._client = ibm_runtime.connect(config)
        except Exception as exc:
            fault = classify(exc)
            if fault is None:
                raise
            raise _failure_at_open(config, fault) from None
        device = self._client.device
        if n > device.num_qubits:
            raise ValueError(f"ibm: {n} qubits exceed the {device.num_qubits} of {config.device}")
        self._measured = trotter.transpile_for_device(
            trotter.measured_circuits(program),
            device,
            config.optimization_level,
            config.initial_layout,
        )
        self._columns = tuple(trotter.parameter_columns(c, n) for c in self._measured)
        self._physical = tuple(trotter.measured_qubits(c, n) for c in self._measured)
        self._calibrated = sorted(set().union(*self._physical))
        mitigation = config.resilience.readout
        self._calibration: tuple[QuantumCircuit, ...] = ()
        if mitigation != "none":
            self._calibration = readout.calibration_circuits(device, self._calibrated)
        self._rates: tuple[np.ndarray, ...] | None = None
        self._ticks = 0
        self._spent = 0.0
        self._last_usage: float | None = None
        self._last_requests = 1
        self._jitter = random.Random()
        self._hardware = config.capabilities().hardware
        try:
            self._client.open(self._measured + self._calibration, mitigation == "twirled")
            self._tick_estimate, self._estimate_source = self._estimate_tick()
        except Exception as exc:
            fault = classify(exc)
            self._client.close()
            if fault is None:
                raise
            raise _failure_at_open(config, fault) from None
        self._refuse_over_budget()

    # ------------------------------------------------------------------ budget

    def _estimate_tick(self) -> tuple[float, str]:
        """QPU seconds of one tick: the service's estimate where it gives one, else the formula."""
        config = self._config
        circuits = len(self._measured)
        per_tick = config.seconds_per_job + circuits * config.shots * config.seconds_per_shot
        if not self._hardware:
            return per_tick, "formula"
        zeros = np.zeros(2 * self.program.n_qubits)
        pubs = [(c, zeros[cols]) for c, cols in zip(self._measured, self._columns)]
        service = self._client.estimate_seconds(pubs, config.shots)
        return (per_tick, "formula") if service is None else (service, "service")

    def _run_estimate(self) -> float:
        config = self._config
        ticks = max(self.program.ticks, 1)
        calibration = config.calibrations(ticks) * config.shots * config.seconds_per_shot
        return ticks * self._tick_estimate + calibration

    def _refuse_over_budget(self) -> None:
        limit = self._config.max_qpu_seconds
        if not self._hardware or limit is None:
            return
        estimate = self._run_estimate()
        if estimate > limit:
            self._client.close()
            raise QuantumBackendFailure(
                f"ibm: the run is estimated at {estimate:.0f} s of QPU time on "
                f"{self._config.device} ({self._estimate_source} estimate of "
                f"{self._tick_estimate:.1f} s a tick x {self.program.ticks} ticks), over "
                f"quantum.max_qpu_seconds = {limit:g}; nothing was submitted",
                permanent=True,
                reason="budget",
            )

    def _guard_budget(self, requests: int) -> None:
        """Refuse a call whose expected cost would pass the limit.

        Expected: the last call's usage (the estimate before the first), per request, times
        the requests of this call -- conservative for a batch, which shares one job's overhead.
        """
        limit = self._config.max_qpu_seconds
        if not self._hardware or limit is None:
            return
        last = self._last_usage if self._last_usage is not None else self._tick_estimate
        expected = last / self._last_requests * requests
        if self._spent + expected > limit:
            raise QuantumBackendFailure(
                f"ibm: QPU budget reached: {self._spent:.1f} s used of quantum.max_qpu_seconds "
                f"= {limit:g}, and the next tick (~{expected:.1f} s) would pass it; nothing was "
                "submitted for it (raise the limit to go on)",
                permanent=True,
                reason="budget",
            )

    def _account(self, job_usage: float | None) -> float | None:
        """Count a finished tick's QPU seconds; return them as the service measured them."""
        before = self._spent
        measured = job_usage if job_usage else None
        counted = before + (measured if measured is not None else self._tick_estimate)
        total = self._client.total_usage()
        if total is not None:  # a Session bills its wall time; it may lag behind the jobs
            counted = max(total, counted)
        self._spent = counted
        self._last_usage = counted - before
        if measured is None and total is None:
            return None
        return counted - before

    # ------------------------------------------------------------------ per tick

    @property
    def _config(self) -> IbmConfig:
        config = self.config
        assert isinstance(config, IbmConfig)
        return config

    def execute(self, requests: Sequence[QuantumRequest], seed: int) -> QuantumResult:
        pubs: list[Any] = []
        for request in requests:
            values = trotter.prep_values(request.theta, request.phi, self.program.n_qubits)
            pubs += [(c, values[cols]) for c, cols in zip(self._measured, self._columns)]
        calibrate = bool(self._calibration) and (
            self._ticks % self._config.resilience.calibrate_every == 0
        )
        if calibrate:
            pubs += list(self._calibration)
        self._guard_budget(len(requests))
        result, job_usage, attempts = self._submit(pubs, seed)
        n_bases = len(self._measured)
        n_circuits = n_bases * len(requests)
        if calibrate:
            rates = readout.flip_rates(
                ibm_runtime.bits(result, n_circuits), ibm_runtime.bits(result, n_circuits + 1)
            )
            self._check_rates(rates, attempts)
            self._rates = readout.rates_per_basis(rates, self._calibrated, self._physical)
        results = tuple(
            RequestResult(
                samples=tuple(ibm_runtime.bits(result, r * n_bases + b) for b in range(n_bases)),
                readout=self._rates,
            )
            for r in range(len(requests))
        )
        usage = self._account(job_usage)
        self._last_requests = len(requests)
        self._ticks += 1
        return QuantumResult(
            results=results,
            job_ids=tuple(a["job_id"] for a in attempts if a["job_id"]),
            attempts=attempts,
            usage_seconds=usage,
        )

    def _check_rates(self, rates: np.ndarray, attempts: tuple[dict[str, Any], ...]) -> None:
        bad = [p for p, (e0, e1) in zip(self._calibrated, rates) if e0 + e1 >= 0.9]
        if bad:
            raise QuantumBackendFailure(
                f"ibm: readout of physical qubit(s) {bad} on {self._config.device} is no "
                "better than a coin (P(1|0) + P(0|1) >= 0.9); choose other qubits with "
                "quantum.initial_layout",
                permanent=True,
                attempts=attempts,
            )

    def _submit(
        self, pubs: list[Any], seed: int
    ) -> tuple[Any, float | None, tuple[dict[str, Any], ...]]:
        """One job, retried on transient faults; (result, job usage, attempts)."""
        retry = self._config.retry
        attempts: list[dict[str, Any]] = []
        for attempt in range(1, retry.max_attempts + 1):
            job = None
            try:
                job = self._client.submit(pubs, self._config.shots, seed)
                result = job.result(retry.job_timeout_seconds)
                usage = job.usage()
            except Exception as exc:
                fault = classify(exc)
                if fault is None:
                    raise
                job_id = None if job is None else job.job_id()
                if isinstance(exc, RuntimeJobTimeoutError) and job is not None:
                    self._cancel(job)
                last = not fault.retryable or attempt == retry.max_attempts
                wait = (
                    0.0
                    if last
                    else backoff_seconds(
                        attempt, retry.backoff_seconds, retry.max_backoff_seconds, self._jitter
                    )
                )
                attempts.append(_attempt(attempt, job_id, fault, wait))
                if last:
                    raise self._give_up(fault, attempt, tuple(attempts)) from None
                time.sleep(wait)
                continue
            attempts.append(_attempt(attempt, job.job_id(), None, 0.0))
            return result, usage, tuple(attempts)
        raise AssertionError("unreachable: the loop returns or raises")

    @staticmethod
    def _cancel(job: ibm_runtime.RuntimeJob) -> None:
        with contextlib.suppress(Exception):  # best effort: it may have finished meanwhile
            job.cancel()

    def _give_up(
        self, fault: Fault, attempt: int, attempts: tuple[dict[str, Any], ...]
    ) -> QuantumBackendFailure:
        code = "" if fault.code is None else f" (code {fault.code})"
        what = (
            f"a transient fault persisted through {attempt} attempts"
            if fault.retryable
            else "a permanent fault (retrying cannot help until it is fixed)"
        )
        return QuantumBackendFailure(
            f"ibm: tick {self._ticks} on {self._config.device} failed: {what}: "
            f"{fault.error}{code}: {redact(fault.message)}",
            permanent=not fault.retryable,
            attempts=attempts,
        )

    # ------------------------------------------------------------------ identity

    def identity(self) -> dict[str, str]:
        config = self._config
        identity = {
            "device": config.device,
            "mode": self._client.mode_name,
            "physical_qubits": ",".join(map(str, self._physical[0])),
            "optimization_level": str(config.optimization_level),
            "readout_mitigation": config.resilience.readout,
            "qiskit": qiskit.__version__,
        }
        version = self._client.device.backend_version  # BackendV2 declares it (may be None)
        if version is not None:
            identity["device_version"] = str(version)
        return identity

    def close(self) -> None:
        self._client.close()


def _attempt(attempt: int, job_id: str | None, fault: Fault | None, wait: float) -> dict[str, Any]:
    return {
        "attempt": attempt,
        "job_id": job_id,
        "error": None if fault is None else fault.error,
        "code": None if fault is None else fault.code,
        "retryable": None if fault is None else fault.retryable,
        "message": None if fault is None else redact(fault.message),
        "backoff_seconds": wait,
    }
