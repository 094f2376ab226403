"""The directories around runs: a sweep's, a federation's, and the state directory QNF_HOME.

A run's own files are named in ``record/rundir.py`` (``RunDirectory``); each class here names
the files of one other directory once, so that no module spells ``"points"`` or
``"jobs.sqlite"`` itself:

    sweep (``qnf sweep --out DIR``)
      sweep.json       the plan: config, axes, seeds, each point's overrides, and its digest
      points/<name>/   one run directory per point
      table.csv        one row per point (``record/sweep_table.py``), timings.csv beside it
      sweep.png        the metric against the axes (``record/sweep_plot.py``)
      stop-requested   written by the driver on its first signal; points stop at a boundary

    federation (``qnf run`` of a config with ``federation:``)
      ledger.sqlite, config.yaml, summary.json, report.png   the coordinator's run files
      nodes/<node id>/  one run directory per node

    QNF_HOME (``$QNF_HOME``, else ``$XDG_STATE_HOME/qnfusion``; the background jobs)
      jobs.sqlite      the job store (``jobs/store.py``)
      runs/<job id>/   a job's run directory unless it was given one
      logs/<job id>.log, logs/worker-<time>-<pid>.log
      worker.lock      held (flock) by the one worker of this home
      spare            a few kB kept aside so a full disk can still be recorded

Paths only: nothing here creates, opens or reads a file, and nothing imports more than the
standard library (``qnf jobs`` stays fast).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import final

from orchestrator.record.rundir import RunDirectory

__all__ = ["FederationDirectory", "HomeDirectory", "SweepDirectory"]


@final
@dataclass(frozen=True)
class SweepDirectory:
    """The files of one sweep, under ``path``."""

    path: Path

    PLAN = "sweep.json"
    POINTS = "points"
    STOP = "stop-requested"

    @property
    def plan(self) -> Path:
        return self.path / self.PLAN

    @property
    def points(self) -> Path:
        return self.path / self.POINTS

    @property
    def stop_file(self) -> Path:
        return self.path / self.STOP

    def point(self, name: str) -> Path:
        """The run directory of the point called ``name``."""
        return self.points / name

    def is_sweep(self) -> bool:
        """Whether a sweep was ever started here (it has its plan)."""
        return self.plan.is_file()


@final
@dataclass(frozen=True)
class FederationDirectory:
    """The files of one federation, under ``path``: the coordinator's run files and a run
    directory per node."""

    path: Path

    NODES = "nodes"

    @property
    def coordinator(self) -> RunDirectory:
        return RunDirectory(self.path)

    @property
    def nodes(self) -> Path:
        return self.path / self.NODES

    def node(self, node_id: str) -> Path:
        """The run directory of node ``node_id``."""
        return self.nodes / node_id


@final
@dataclass(frozen=True)
class HomeDirectory:
    """The files of the state directory ``QNF_HOME`` (the background jobs), under ``path``."""

    path: Path

    JOBS = "jobs.sqlite"
    RUNS = "runs"
    LOGS = "logs"
    WORKER_LOCK = "worker.lock"
    SPARE = "spare"

    @classmethod
    def from_environment(cls) -> HomeDirectory:
        """``$QNF_HOME`` (``~`` expanded), else ``$XDG_STATE_HOME/qnfusion``, else
        ``~/.local/state/qnfusion``."""
        if os.environ.get("QNF_HOME"):
            return cls(Path(os.environ["QNF_HOME"]).expanduser())
        base = os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state"
        return cls(Path(base) / "qnfusion")

    @property
    def jobs(self) -> Path:
        return self.path / self.JOBS

    @property
    def runs(self) -> Path:
        return self.path / self.RUNS

    @property
    def logs(self) -> Path:
        return self.path / self.LOGS

    @property
    def worker_lock(self) -> Path:
        return self.path / self.WORKER_LOCK

    @property
    def spare(self) -> Path:
        return self.path / self.SPARE

    def run(self, job_id: str) -> Path:
        """The run directory a job gets when it was not given one."""
        return self.runs / job_id

    def job_log(self, job_id: str) -> Path:
        """Where the worker writes what job ``job_id``'s run printed."""
        return self.logs / f"{job_id}.log"

    def worker_log(self) -> Path:
        """A new worker's own log (its start time and process id in the name)."""
        return self.logs / f"worker-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}.log"
