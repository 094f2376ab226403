"""Which IBM Quantum failures are worth retrying, and how long to wait before the next try.

A failure is TRANSIENT (retried with backoff) when it is

- a network fault: ``requests`` connection errors and timeouts, ``ConnectionError``,
  ``TimeoutError`` (the runtime's HTTP layer has already retried these a few times);
- an HTTP status that means "later": 408, 429, 500, 502, 503 (planned maintenance), 504;
- our own wait for a result running out (``RuntimeJobTimeoutError``): the job is cancelled and
  the tick resubmitted;
- a job error whose code IBM's error registry answers with "retry the action" / "try to run the
  job again" / "wait": ``RETRYABLE_CODES`` (registry of docs/errors in qiskit-ibm-runtime).

Everything else the service says is PERMANENT (retrying the same request cannot help): invalid
input or circuits (1002, 1003, 7xxx, 8xxx...), unknown backend, authentication and account
errors (401, 403, ``IBMNotAuthorizedError``, ``AccountNotFoundError``), a device the account
cannot use (``QiskitBackendNotFoundError``), a job past its maximum
execution time (``RuntimeJobMaxTimeoutError``, 1305), a cancelled job, a closed session (4001).
An exception that is not from the service or the network at all (``TypeError``...) is a bug
and is not classified (``classify`` returns None; the caller lets it propagate).

The runtime often re-raises an HTTP error as ``IBMRuntimeError("Failed to run program: ...")``
without its cause, so status and code are also read from the message text (``Error code NNNN``,
``NNN Server Error``), as the runtime formats them.

Backoff ("full jitter"): attempt k (1-based) waits U(0, min(cap, base * 2^(k-1))) seconds.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

import requests
from qiskit.providers import JobError
from qiskit.providers.exceptions import QiskitBackendNotFoundError
from qiskit_ibm_runtime.accounts.exceptions import AccountsError
from qiskit_ibm_runtime.api.exceptions import RequestsApiError
from qiskit_ibm_runtime.exceptions import (
    IBMError,
    IBMNotAuthorizedError,
    RuntimeJobMaxTimeoutError,
    RuntimeJobTimeoutError,
)

__all__ = ["RETRYABLE_CODES", "RETRYABLE_HTTP", "Fault", "backoff_seconds", "classify"]

RETRYABLE_CODES = frozenset(
    {1000, 1006, 1008, 1010, 1011, 1012, 1999}  # API internal, converter, queue, concurrency
    | {3204, 3233, 3234, 3235, 3251, 3253, 3300, 3301, 3458, 3704}  # job store and queue
    | {5203, 5204}  # "failed to run job", "execution failed": try to run the job again
)
"""IBM error codes whose registry solution is to retry (or wait and retry)."""

RETRYABLE_HTTP = frozenset({408, 429, 500, 502, 503, 504})

_CODE = re.compile(r"Error code:?\s*(\d{4})")
_HTTP = re.compile(r"\b([45]\d\d) (?:Client|Server) Error\b")


@dataclass(frozen=True)
class Fault:
    """A classified failure: exception class, service code (or HTTP status), retryable."""

    error: str
    code: int | None
    retryable: bool
    message: str


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _codes(exc: BaseException) -> tuple[int | None, int | None]:
    """(IBM error code, HTTP status) found in the exception or its message."""
    text = str(exc)
    code = _CODE.search(text)
    status = exc.status_code if isinstance(exc, RequestsApiError) else None
    if status is None or status < 0:
        match = _HTTP.search(text)
        status = int(match.group(1)) if match else None
    return (int(code.group(1)) if code else None), status


def _chain(exc: BaseException) -> list[BaseException]:
    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    return seen


def classify(exc: BaseException) -> Fault | None:
    """The fault ``exc`` stands for, or None when it is not a service or network failure."""
    chain = _chain(exc)
    families = (
        QiskitBackendNotFoundError,
        IBMError,
        JobError,
        AccountsError,
        requests.RequestException,
        ConnectionError,
        TimeoutError,
    )
    service = any(isinstance(e, families) for e in chain)
    if not service:
        return None
    name = type(exc).__name__
    message = _first_line(exc)
    code, status = _codes(exc)
    permanent = (
        IBMNotAuthorizedError,
        AccountsError,
        RuntimeJobMaxTimeoutError,
        QiskitBackendNotFoundError,
    )
    if any(isinstance(e, permanent) for e in chain) or status in (401, 403):
        return Fault(name, code if code is not None else status, False, message)
    if code is not None:
        return Fault(name, code, code in RETRYABLE_CODES, message)
    if status is not None:
        return Fault(name, status, status in RETRYABLE_HTTP, message)
    network = (
        requests.ConnectionError,
        requests.Timeout,
        ConnectionError,
        TimeoutError,
        RuntimeJobTimeoutError,
    )
    return Fault(name, None, any(isinstance(e, network) for e in chain), message)


def backoff_seconds(attempt: int, base: float, cap: float, rng: random.Random) -> float:
    """Full-jitter exponential backoff after failed attempt ``attempt`` (1-based)."""
    return rng.uniform(0.0, min(cap, base * 2.0 ** (attempt - 1)))
