"""Sweep pools: where the points of a sweep run (``qnf sweep --pool``), and how one registers.

A pool runs ``fn(task)`` for every ``PointTask`` of a sweep, as many at once as it has room
for, and hands each result back to the calling process as it arrives. It knows nothing of
configs or runs: ``fn`` (``orchestrator.run.sweep.run_task``) builds the point's config from the
task and runs, resumes or reads back its run directory, so every pool gives the same table and
a killed sweep continues on any pool. ``fn`` never raises for a failed point (it returns a
summary with status ``error``); a pool reports a task whose worker died the same way.

Pools register like federation engines: a ``PoolPlugin`` in entry-point group
``qnfusion.sweep`` named after its kind. The built-in ``local`` pool
(``orchestrator.run.sweep_local``) is a process pool on this host, one worker per core by
default; ``ray`` (``backends/sweep/ray``) makes each point a Ray task, and only that plugin
imports Ray. The sweep directory must be a path every worker can write (on one host, any).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from orchestrator.contract.plugin import ImplementationPlugin

__all__ = ["PointTask", "PoolPlugin", "SweepPool"]



@dataclass(frozen=True)
class PointTask:
    """One point of a sweep, as a worker gets it (picklable).

    index: the point's place in the plan (``done`` gets it back). config_text, source: the
    base config's YAML and where it was read. overrides: dotted key -> value (``run.seed``
    included). run_dir: the point's run directory (absolute). stop_file: the sweep's stop
    request (absolute; when it exists the point does not start, or stops at a tick boundary).
    cwd: the driver's working directory (absolute), where relative paths of the config (a NIR
    file) are read from; a worker elsewhere changes to it when it exists there.
    """

    index: int
    config_text: str
    source: str
    overrides: Mapping[str, Any]
    run_dir: Path
    stop_file: Path | None = None
    cwd: Path | None = None


RunTask = Callable[[PointTask], dict[str, Any]]  # a module-level function (workers import it)
Done = Callable[[int, dict[str, Any]], None]  # (task index, its summary), in the caller


class SweepPool(ABC):
    """Runs the points of a sweep. Subclasses are final.

    workers: how many points at once (None: the pool's default, one per core it has).
    address: where the pool's workers are (a cluster address; None: this host).
    """

    def __init__(self, workers: int | None = None, address: str | None = None) -> None:
        self.workers = workers
        self.address = address

    @abstractmethod
    def run(self, fn: RunTask, tasks: Sequence[PointTask], done: Done) -> None:
        """``fn(task)`` for every task, concurrently where there is room; ``done(index,
        summary)`` in this process as each ends (any order). A task whose worker died gets
        ``{"status": "error", "error": ...}``. A stop is not the pool's business: the driver
        writes the task's ``stop_file`` and ``fn`` ends at once (``not started``) or at a tick
        boundary (``interrupted``), so a pool only keeps handing out tasks and collecting
        results; its workers must survive a signal to the driver's process group (a
        terminal's Ctrl+C) and send no copy of the user's working directory anywhere. On
        KeyboardInterrupt: hand out no more tasks, let go of the running ones, re-raise.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Let go of workers and connections (idempotent)."""


@dataclass(frozen=True)
class PoolPlugin(ImplementationPlugin):
    """A registered sweep pool (``implementation``: its ``SweepPool`` class; ``kind``: the
    value of ``qnf sweep --pool``)."""

    role: ClassVar[str] = "sweep pool"
    group: ClassVar[str] = "sweep"

