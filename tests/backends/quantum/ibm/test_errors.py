"""Which service failures are retried: real exception types of qiskit-ibm-runtime, as raised."""

from __future__ import annotations

import random

import pytest
import requests
from qiskit_ibm_runtime.accounts.exceptions import InvalidAccountError
from qiskit_ibm_runtime.api.exceptions import RequestsApiError
from qiskit_ibm_runtime.exceptions import (
    IBMInputValueError,
    IBMNotAuthorizedError,
    IBMRuntimeError,
    RuntimeJobFailureError,
    RuntimeJobMaxTimeoutError,
    RuntimeJobTimeoutError,
)

from backends.quantum.ibm.errors import RETRYABLE_CODES, backoff_seconds, classify


def _wrapped(inner: BaseException, outer: BaseException) -> BaseException:
    try:
        try:
            raise inner
        except BaseException as exc:
            raise outer from exc
    except BaseException as exc:
        return exc


TRANSIENT = [
    RequestsApiError("503 Server Error: Service Unavailable for url: https://x", 503),
    RequestsApiError("429 Client Error: Too Many Requests for url: https://x", 429),
    # the runtime re-raises submission errors without their cause: read from the text
    IBMRuntimeError("Failed to run program: '502 Server Error: Bad Gateway for url: https://x'"),
    RuntimeJobFailureError("Unable to retrieve job result. Error code 1010; backend error"),
    RuntimeJobFailureError("Unable to retrieve job result. Error code 5203; Failed to run job"),
    RuntimeJobTimeoutError("Timed out waiting for job to complete after 1800 secs."),
    requests.ConnectionError("Max retries exceeded with url: /jobs"),
    _wrapped(requests.Timeout("read timed out"), IBMRuntimeError("Failed to get job")),
    ConnectionResetError("connection reset by peer"),
]

PERMANENT = [
    RuntimeJobFailureError("Unable to retrieve job result. Error code 1002; invalid job"),
    RuntimeJobFailureError("Unable to retrieve job result. Error code 4001; session closed"),
    RuntimeJobMaxTimeoutError("Error code 1305; job exceeded its maximum execution time"),
    IBMNotAuthorizedError("401 Client Error: Unauthorized"),
    RequestsApiError("403 Client Error: Forbidden for url: https://x", 403),
    InvalidAccountError("Unable to retrieve instances. Please check your API token."),
    IBMInputValueError("rzz angle outside [0, pi/2]"),
]


@pytest.mark.parametrize("exc", TRANSIENT, ids=lambda e: f"{type(e).__name__}:{str(e)[:24]}")
def test_transient_failures_are_retryable(exc: BaseException) -> None:
    fault = classify(exc)
    assert fault is not None and fault.retryable, fault
    assert fault.error == type(exc).__name__ and fault.message


@pytest.mark.parametrize("exc", PERMANENT, ids=lambda e: f"{type(e).__name__}:{str(e)[:24]}")
def test_permanent_failures_are_not(exc: BaseException) -> None:
    fault = classify(exc)
    assert fault is not None and not fault.retryable, fault


def test_codes_are_read_from_the_message() -> None:
    fault = classify(RuntimeJobFailureError("Error code 1010; x"))
    assert fault is not None and fault.code == 1010 and 1010 in RETRYABLE_CODES
    fault = classify(RequestsApiError("502 Server Error: Bad Gateway", 502))
    assert fault is not None and fault.code == 502


def test_bugs_are_not_classified_as_service_faults() -> None:
    assert classify(TypeError("unsupported operand")) is None
    assert classify(KeyError("meas")) is None


def test_full_jitter_backoff_stays_within_its_exponential_cap() -> None:
    rng = random.Random(0)
    for attempt in range(1, 8):
        cap = min(60.0, 2.0 * 2 ** (attempt - 1))
        waits = [backoff_seconds(attempt, 2.0, 60.0, rng) for _ in range(200)]
        assert all(0.0 <= w <= cap for w in waits)
        assert max(waits) > 0.5 * cap  # it does spread over the whole window


def test_a_device_the_account_cannot_use_is_permanent() -> None:
    from qiskit.providers.exceptions import QiskitBackendNotFoundError

    fault = classify(QiskitBackendNotFoundError("No backend matches the criteria"))
    assert fault is not None and not fault.retryable
