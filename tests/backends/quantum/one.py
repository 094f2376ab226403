"""Calling a quantum backend with one request, as most backend tests do."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from orchestrator.contract.quantum import QuantumBackend
from orchestrator.physics.tick_io import QuantumRequest

__all__ = ["One", "one"]


@dataclass(frozen=True)
class One:
    """The result of a one-request call: the request's results and the call's job fields."""

    samples: tuple[np.ndarray, ...]
    statevector: np.ndarray | None
    readout: tuple[np.ndarray, ...] | None
    job_ids: tuple[str, ...]
    attempts: tuple[Mapping[str, Any], ...]
    usage_seconds: float | None


def one(backend: QuantumBackend, seed: int, request: QuantumRequest) -> One:
    result = backend.execute([request], seed)
    (measured,) = result.results
    return One(
        measured.samples,
        measured.statevector,
        measured.readout,
        result.job_ids,
        result.attempts,
        result.usage_seconds,
    )
