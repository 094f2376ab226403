"""Sweep points as Ray tasks (``qnf sweep --pool ray``; ``config.py`` says how to connect).

Each point is one task of ``fn`` with ``num_cpus=1`` and ``max_retries=0`` (a point that
died is reported, and the next run of the same command resumes it from its checkpoint,
rather than Ray re-running it behind the sweep's back). At most ``workers`` tasks are in
flight when ``workers`` is given; otherwise every point is submitted and Ray schedules them
on the CPUs it has. Results come back to the driver as each task ends. On
KeyboardInterrupt the tasks in flight are cancelled (Ray raises KeyboardInterrupt in them:
the run stops where it is, its committed ticks kept) and the interrupt is re-raised.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from typing import Any, final

import ray
from ray.exceptions import RayError

from orchestrator.contract.sweep_pool import Done, PointTask, RunTask, SweepPool

__all__ = ["RayPool"]


@final
class RayPool(SweepPool):
    """Points as Ray tasks (module docstring)."""

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        super().__init__(workers, address)
        self.owned = not ray.is_initialized()
        if self.owned:
            options: dict[str, Any] = {}
            if address is None:  # a private Ray on this host, sized by --workers
                options["num_cpus"] = workers or os.cpu_count() or 1
            ray.init(
                address=address,
                namespace="qnfusion-sweep",
                logging_level="WARNING",
                log_to_driver=False,
                include_dashboard=False,
                **options,
            )

    def run(self, fn: RunTask, tasks: Sequence[PointTask], done: Done) -> None:
        remote = ray.remote(num_cpus=1, max_retries=0)(fn)
        waiting = list(tasks)
        limit = self.workers or len(waiting) or 1
        flying: dict[Any, PointTask] = {}
        try:
            while waiting or flying:
                while waiting and len(flying) < limit:
                    task = waiting.pop(0)
                    flying[remote.remote(task)] = task
                ready, _ = ray.wait(list(flying), num_returns=1)
                for ref in ready:
                    task = flying.pop(ref)
                    try:
                        summary = ray.get(ref)
                    except RayError as exc:  # the worker died or the task could not run
                        text = str(exc).strip().splitlines()
                        first = text[0] if text else ""
                        summary = {"status": "error", "error": f"{type(exc).__name__}: {first}"}
                    done(task.index, summary)
        except KeyboardInterrupt:
            for ref in flying:
                with contextlib.suppress(Exception):
                    ray.cancel(ref)
            raise

    def close(self) -> None:
        if self.owned and ray.is_initialized():
            ray.shutdown()
            self.owned = False
