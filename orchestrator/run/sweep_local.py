"""The built-in sweep pool: a process pool on this host (``qnf sweep --pool local``).

Workers are started with ``spawn`` (each is a fresh interpreter: no simulator state or
fork-unsafe thread crosses over), one per core by default; with one worker the points run in
this process, one after the other. A worker's point ends at a tick boundary on
SIGINT/SIGTERM like ``qnf run`` does (``orchestrator.run.sweep.run_point``).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import final

from orchestrator.contract.sweep_pool import Done, PointTask, PoolPlugin, RunTask, SweepPool

__all__ = ["LOCAL_POOL", "LocalPool"]


@final
class LocalPool(SweepPool):
    """Points on a local spawn process pool (``address`` is not used)."""

    def run(self, fn: RunTask, tasks: Sequence[PointTask], done: Done) -> None:
        workers = self.workers or os.cpu_count() or 1
        if workers == 1:
            for task in tasks:
                done(task.index, fn(task))
            return
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            futures = {pool.submit(fn, task): task for task in tasks}
            try:
                for future in as_completed(futures):
                    task = futures[future]
                    try:
                        summary = future.result()
                    except BrokenProcessPool as exc:
                        summary = {"status": "error", "error": f"worker died: {exc}"}
                    done(task.index, summary)
            except KeyboardInterrupt:
                pool.shutdown(wait=True, cancel_futures=True)
                raise


LOCAL_POOL = PoolPlugin(
    kind="local",
    implementation="orchestrator.run.sweep_local:LocalPool",
    requires=(),
    install="(built in)",
    distribution="qnfusion",
    summary="A process pool on this host, one worker per core.",
)
