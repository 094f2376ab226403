"""Sweep points as Ray tasks (``qnf sweep --pool ray``; ``config.py`` says how to connect).

Each point is one task of ``fn`` with ``num_cpus=1`` and ``max_retries=0`` (a point that
died is reported, and the next run of the same command resumes it from its checkpoint,
rather than Ray re-running it behind the sweep's back). At most ``workers`` tasks are in
flight when ``workers`` is given; otherwise every point is submitted and Ray schedules them
on the CPUs it has. Results come back to the driver as each task ends. On
KeyboardInterrupt the tasks in flight are cancelled (Ray raises KeyboardInterrupt in them:
the run stops where it is, its committed ticks kept) and the interrupt is re-raised; a signal
to ``qnf sweep`` does not get here (the driver relays it through the sweep's stop file).

Nothing of the user's directory is shipped: Ray 2.60, when its driver runs under ``uv run``
(``.ci/uv run qnf sweep ...``), sets a ``working_dir`` runtime environment of the current
directory on its own (``RAY_ENABLE_UV_RUN_RUNTIME_ENV``), which uploads the whole directory
(private keys, earlier sweeps) into Ray's session and runs every task in that copy, where a
relative sweep directory then lands. The pool turns that off and passes an empty runtime
environment: a worker runs the interpreter Ray started it with, which imports qnfusion as
installed (the private head's workers use this interpreter; a cluster's hosts need qnfusion
installed, as the Docker image has it), and reads relative config paths from the driver's
directory (``orchestrator.run.sweep.run_task``). Sweep paths are absolute before dispatch.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from typing import Any, final

import ray
from ray._private import ray_constants
from ray.exceptions import RayError

from orchestrator.contract.sweep_pool import Done, PointTask, RunTask, SweepPool

__all__ = ["RayPool"]


@final
class RayPool(SweepPool):
    """Points as Ray tasks (module docstring)."""

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        super().__init__(workers, address)
        self.owned = not ray.is_initialized()
        ray_constants.RAY_ENABLE_UV_RUN_RUNTIME_ENV = False  # read by ray.init (docstring)
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
                runtime_env={},  # ship nothing (module docstring)
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
