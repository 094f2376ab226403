"""A job's lease: its length and the statements that renew, end and beat it.

Shared by the job store (``orchestrator.jobs.store``) and the lease keeper process
(``orchestrator.jobs.keeper``), which runs this module without importing the rest of the
orchestrator: standard library only. Each function returns ``(sql, parameters)`` for one
statement; the caller runs it in its own IMMEDIATE transaction.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

__all__ = ["expire", "heartbeat", "lease_seconds", "renew"]

Statement = tuple[str, tuple[Any, ...]]


def lease_seconds() -> float:
    """Lease length: ``$QNF_LEASE_SECONDS`` or 30 s (renewed every third of it)."""
    return float(os.environ.get("QNF_LEASE_SECONDS", "30"))


def renew(
    job_id: str,
    worker_id: str,
    ticks_done: int,
    last_metrics: dict[str, Any] | None,
    lease_s: float | None = None,
) -> Statement:
    """Extend the lease from now and record progress; one row changed if the worker holds it."""
    now = time.time()
    lease_s = lease_seconds() if lease_s is None else lease_s
    return (
        "UPDATE jobs SET lease_expires = ?, updated_at = ?, ticks_done = ?, "
        "last_metrics = COALESCE(?, last_metrics) "
        "WHERE id = ? AND worker_id = ? AND state = 'running'",
        (
            now + lease_s,
            now,
            ticks_done,
            None if last_metrics is None else json.dumps(last_metrics),
            job_id,
            worker_id,
        ),
    )


def expire(job_id: str, worker_id: str) -> Statement:
    """End the lease now (its worker is gone: the job reads ``interrupted`` everywhere)."""
    return (
        "UPDATE jobs SET lease_expires = ? WHERE id = ? AND worker_id = ? AND state = 'running'",
        (time.time() - 1e-3, job_id, worker_id),
    )


def heartbeat(worker_id: str) -> Statement:
    """The worker is alive (``qnf worker`` liveness, ``workers`` table)."""
    return "UPDATE workers SET heartbeat = ? WHERE id = ?", (time.time(), worker_id)
