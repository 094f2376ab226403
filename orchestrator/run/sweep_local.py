"""The built-in sweep pool: a process pool on this host (``qnf sweep --pool local``).

Workers are started with ``spawn`` (each is a fresh interpreter: no simulator state or
fork-unsafe thread crosses over), one per core by default; with one worker the points run in
this process, one after the other. A worker ignores SIGINT, SIGTERM and SIGHUP (a terminal's
Ctrl+C reaches the whole process group; an idle worker would die of it and break the pool):
the driver holds the signals and relays a stop through the sweep's stop file
(``orchestrator.run.sweep``). At most ``workers`` points are handed out at once, so a point
queued when the stop comes has not been given to a worker. A worker dies with the driver
(``PR_SET_PDEATHSIG`` on Linux): a sweep killed with ``kill -9``, or stopped at once by a
second signal, leaves no worker running; its points resume from their last committed block.
"""

from __future__ import annotations

import ctypes
import multiprocessing
import os
import signal
import sys
from collections.abc import Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, final

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
        waiting = list(tasks)
        with ProcessPoolExecutor(
            max_workers=workers,
            mp_context=context,
            initializer=_worker_start,
            initargs=(os.getpid(),),
        ) as pool:
            futures: dict[Future[dict[str, Any]], PointTask] = {}
            try:
                while waiting or futures:
                    while waiting and len(futures) < workers:
                        task = waiting.pop(0)
                        futures[pool.submit(fn, task)] = task
                    ended, _ = wait(futures, return_when=FIRST_COMPLETED)
                    for future in ended:
                        task = futures.pop(future)
                        try:
                            summary = future.result()
                        except BrokenProcessPool as exc:
                            summary = {"status": "error", "error": f"worker died: {exc}"}
                        done(task.index, summary)
            except KeyboardInterrupt:
                pool.shutdown(wait=True, cancel_futures=True)
                raise


PR_SET_PDEATHSIG = 1  # linux/prctl.h


def _worker_start(driver: int) -> None:
    """In each worker: leave the signals to the driver; die with it (module docstring)."""
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != driver:  # it died before the line above
        os._exit(1)


LOCAL_POOL = PoolPlugin(
    kind="local",
    implementation="orchestrator.run.sweep_local:LocalPool",
    requires=(),
    install="(built in)",
    distribution="qnfusion",
    summary="A process pool on this host, one worker per core.",
)
