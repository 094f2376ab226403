"""Background jobs from Python: ``submit`` a config, ``Job.wait()`` for its run.

The same store and workers as ``qnf submit`` / ``qnf jobs`` (``QNF_HOME``): a job submitted
here shows in ``qnf jobs``, and ``qnfusion.job(ID)`` follows one submitted from the shell.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, final

from orchestrator.api.runs import Run, load_config
from orchestrator.config.root import RunConfig

__all__ = ["Job", "JobTimeout", "job", "submit"]

DONE = ("completed", "failed", "cancelled", "stopped", "interrupted")
"""States a job stays in until someone acts (``interrupted``: its worker died; resume it)."""


class JobTimeout(TimeoutError):
    """``Job.wait(timeout=...)`` ran out before the job ended."""


@final
class Job:
    """A background job: ``id``, ``status`` (read from the store each time), ``wait()``."""

    def __init__(self, job_id: str, home: Path | None = None) -> None:
        self.id = job_id
        self.home = home

    def __repr__(self) -> str:
        return f"Job({self.id!r}, status={self.status!r})"

    def _row(self) -> Any:
        from orchestrator.jobs.store import JobStore

        store = JobStore(self.home, write=False)
        try:
            return store.get(self.id)
        finally:
            store.close()

    @property
    def status(self) -> str:
        """queued | running | completed | failed | cancelled | stopped | interrupted."""
        return self._row().state

    @property
    def info(self) -> dict[str, Any]:
        """What ``qnf status ID --json`` prints: state, ticks_done, ticks_total, run_dir,
        worker_pid, final_root, error, ..."""
        return self._row().as_dict()

    @property
    def run_dir(self) -> Path:
        return self._row().run_dir

    def run(self) -> Run:
        """The job's run directory as a ``Run`` (FileNotFoundError before it started)."""
        return Run(self.run_dir)

    def wait(self, timeout: float | None = None, poll: float = 0.5) -> Run:
        """Block until the job ends (completed, failed, cancelled, stopped or interrupted)
        and return its ``Run``; ``JobTimeout`` after ``timeout`` seconds (the job goes on).
        Check ``Run.status``: a job that failed returns its Run too."""
        deadline = None if timeout is None else time.monotonic() + timeout
        while self.status not in DONE:
            if deadline is not None and time.monotonic() >= deadline:
                raise JobTimeout(f"job {self.id} still {self.status} after {timeout} s")
            time.sleep(poll)
        return self.run()

    def cancel(self) -> None:
        """Ask the job to stop at its next tick boundary (``qnf cancel``)."""
        from orchestrator.jobs.store import JobStore

        store = JobStore(self.home)
        try:
            store.request_cancel(self.id)
        finally:
            store.close()


def submit(
    config: str | Path | Mapping[str, Any] | RunConfig,
    out: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    start_worker: bool = True,
    home: Path | None = None,
) -> Job:
    """Validate ``config`` and queue it as a background job, as ``qnf submit`` does; start a
    background worker unless one is running (``start_worker``). out: the run directory (must
    not exist; a relative path is taken from this process's directory; default the job's own
    under QNF_HOME). home: the job store's directory
    (default QNF_HOME). Raises ``ConfigError`` for a bad config (nothing queued)."""
    from orchestrator.config.yaml_input import dump_yaml
    from orchestrator.jobs.spawn import ensure_worker
    from orchestrator.jobs.store import JobStore
    from orchestrator.run.runner import check_run_dir

    if out is not None:
        # absolute: a worker already running elsewhere resolves it from its own directory
        overrides = {**(overrides or {}), "run.out": str(Path(out).absolute())}
    cfg = load_config(config, overrides)
    if cfg.run.out is not None:
        check_run_dir(cfg.run.out)
    name = str(config) if isinstance(config, (str, Path)) else "<python>"
    store = JobStore(home)
    try:
        queued = store.submit(
            name,
            dump_yaml(cfg.resolved()),
            cfg.run.out,
            cfg.run.ticks,
            f"{cfg.quantum.kind}+{cfg.spiking.kind}",
        )
        if start_worker:
            ensure_worker(store)
    finally:
        store.close()
    return Job(queued.id, home)


def job(job_id: str, home: Path | None = None) -> Job:
    """The job ``job_id`` (or a unique prefix of it, as ``qnf jobs`` lists)."""
    found = Job(job_id, home)
    return Job(found._row().id, home)
