"""Workers: take queued jobs from the store and run them, one at a time, under a lease.

``work()`` is the loop behind ``qnf worker``; ``qnf submit`` starts one in the background
(``spawn``) when no live worker exists. A worker starts its lease keeper first
(``orchestrator.jobs.keeper``, a process, so no tick can starve it of the GIL): while
a job runs, the keeper renews the lease every third of its length and publishes the progress
the worker hands it (ticks whose blocks are committed, the last H_coh / E_coh, and the §15
monitor snapshot of the tick the loop continues from, the one
``FusionLoop.monitor_entropy()`` gives). At every tick boundary (every round of a federated
job) the worker reads the store once: ``qnf cancel`` or a lost lease stops the run there.

A job that was resumed (``qnf resume ID``) continues its run directory from the last
checkpoint; a job whose first attempt died before its genesis block was committed starts over
(nothing of it was acknowledged). Each job logs to ``QNF_HOME/logs/<id>.log``.

One background worker per QNF_HOME, however many ``qnf submit`` race: a worker holds an
exclusive ``flock`` on ``QNF_HOME/worker.lock`` while it works. ``ensure_worker`` starts one
only if it can take that lock, and hands it to the worker it starts (an inherited descriptor,
``QNF_WORKER_LOCK_FD``), so no second submit finds it free in between. A worker that finds the
queue empty lets go of the lock *before* it looks at the queue a last time: a job queued by a
submit that saw the lock taken is then seen, and taken by this worker or a new one.
A signal (``orchestrator.run.interrupt``) stops the job at a tick boundary; the job is recorded
``interrupted`` with the signal's name, and the worker takes no other job.

A full QNF_HOME (issue 27, F10): the run fails with one line (``cannot write PATH: No space
left on device (ENOSPC)``); the store records the job ``failed`` with it, using the space the
worker keeps aside for that (``orchestrator.jobs.spare``); where even that is gone, one line
on stderr says the job could not be recorded and why. A log line the disk refuses is dropped
without a traceback (``_JobLog``), as are the worker's own lines, and known faults are logged
in one line (a traceback only for what is not one).
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import socket
import sys
import time
import traceback
import uuid
from pathlib import Path
from typing import Any, final

from orchestrator.config.errors import ConfigError
from orchestrator.config.root import load_config_text
from orchestrator.config.stored import load_stored_text
from orchestrator.jobs.keeper import LeaseKeeper
from orchestrator.jobs.spare import keep_spare, release
from orchestrator.jobs.spawn import inherited_lock, take_worker_lock
from orchestrator.jobs.store import Job, JobStore, JobStoreError
from orchestrator.record.directories import HomeDirectory
from orchestrator.record.failure import RecorderError, write_failure
from orchestrator.record.fsutil import create_private
from orchestrator.record.rundir import RunDirectory
from orchestrator.record.verify import verify
from orchestrator.run.federation import run_federation
from orchestrator.run.federation_resume import is_federation, resume_federation
from orchestrator.run.hooks import RunHooks
from orchestrator.run.interrupt import Interrupted, SignalStop
from orchestrator.run.resume import resume
from orchestrator.run.runner import execute
from orchestrator.run.tick_record import HISTORY, TickRecord, no_snapshot, snapshot_of

__all__ = ["run_job", "work"]


@final
class _JobLog(logging.FileHandler):
    """A job's log file; a line the disk refuses (full) is dropped, without logging's
    traceback on stderr (``failure`` keeps the first refusal)."""

    failure: OSError | None = None

    def handleError(self, record: logging.LogRecord) -> None:
        error = sys.exc_info()[1]
        if self.failure is None and isinstance(error, OSError):
            self.failure = error


def _job_logger(home: Path, job: Job) -> logging.Logger:
    logger = logging.getLogger(f"qnfusion.job.{job.id}")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    path = HomeDirectory(home).job_log(job.id)
    try:
        create_private(path)
        handler: logging.Handler = _JobLog(path)
    except OSError:  # no room even for an empty log: the job runs without one
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s"))
    logger.addHandler(handler)
    return logger


def _say(line: str) -> None:
    """A worker's line on stdout; dropped when its file cannot take it (a full disk)."""
    with contextlib.suppress(OSError):
        print(line, flush=True)


def _record_end(
    store: JobStore, job: Job, worker_id: str, state: str, ticks: int, root: str | None,
    error: str | None,
) -> None:  # fmt: skip
    """``store.finish``; on a full disk, once more after giving back the spare space; when
    even that fails, one line on stderr says so (the job then shows ``interrupted``)."""
    try:
        store.finish(job.id, worker_id, state, ticks, root, error)
        return
    except JobStoreError as exc:
        if not (exc.disk_full and release(store.home)):
            _unrecorded(job, state, error, exc)
            return
    try:
        store.finish(job.id, worker_id, state, ticks, root, error)
    except JobStoreError as exc:
        _unrecorded(job, state, error, exc)


def _unrecorded(job: Job, state: str, error: str | None, exc: JobStoreError) -> None:
    with contextlib.suppress(OSError):
        sys.stderr.write(
            f"job {job.id} {state}" + (f" ({error})" if error else "") + f", but the job store "
            f"cannot record it: {exc}; `qnf jobs` shows it interrupted, and `qnf resume "
            f"{job.id}` continues it once QNF_HOME has room\n"
        )
        sys.stderr.flush()


def _has_genesis(run_dir: Path) -> bool:
    files = RunDirectory(run_dir)
    return files.is_run() and verify(files.ledger).blocks > 0


class _Progress:
    """What the worker knows of its job's progress, and whether the job is still its own."""

    def __init__(self, job: Job, keeper: LeaseKeeper) -> None:
        self.keeper = keeper
        self.ticks = job.ticks_done
        self.metrics: dict[str, Any] | None = None
        self.lost = False

    def publish(self) -> None:
        self.keeper.progress(self.ticks, self.metrics)


def run_job(
    store: JobStore,
    job: Job,
    worker_id: str,
    interrupt: SignalStop | None = None,
    keeper: LeaseKeeper | None = None,
) -> str:
    """Run (or resume) one claimed job to its end; return the state recorded for it.

    keeper: the worker's lease keeper (``work`` starts one); None: one is started for this job.
    """
    if keeper is None:
        keeper = LeaseKeeper.start(store.home, worker_id)
        try:
            return run_job(store, job, worker_id, interrupt, keeper)
        finally:
            keeper.close()
    keeper.hold(job.id, job.ticks_done)  # first: the claim's lease is running out meanwhile
    log = _job_logger(store.home, job)
    beat = _Progress(job, keeper)
    snapshots: dict[int, dict[str, Any]] = {}  # tick -> monitor snapshot, on the current path
    empty = no_snapshot().as_dict()

    def on_tick(record: TickRecord, done: int, total: int) -> None:
        for t in [t for t in snapshots if t >= record.tick or t < record.tick - HISTORY]:
            del snapshots[t]  # a repeated tick number: the path after a rollback
        snapshots[record.tick] = snapshot_of(record).as_dict()
        log.info(
            "tick %d (%d/%d done)  H_coh/(n ln 2) %.4f  E_coh %.4f  spikes %d",
            record.tick,
            done,
            total,
            record.quantum.entropy.normalised,
            record.spikes.coherence_energy,
            record.spikes.spike_count,
        )

    def on_commit(height: int, event: dict[str, Any]) -> None:
        if event["kind"] == "tick":
            beat.ticks = event["tick"] + 1
            beat.metrics = {
                "H_coh_normalised": event["coherence_entropy_normalised"],
                "E_coh": event["coherence_energy"],
                "fusion_energy": event["fusion_energy"],
                "block": height,
                "monitor": snapshots.get(event["tick"], empty),
            }
        elif event["kind"] == "round":
            beat.ticks = event["tick"]
        elif event["kind"] == "revert":
            beat.ticks = event["tick"]
            # the loop continues from the stable tick before event["tick"] (empty: the start)
            restored = snapshots.get(event["tick"] - 1, empty)
            beat.metrics = {**(beat.metrics or {}), "monitor": restored}
            log.info("revert to block %d (%s)", event["to_block"], event["reason"])
        else:
            return
        beat.publish()

    def should_stop() -> bool:
        reason = store.stop_reason(job.id, worker_id)
        beat.lost = beat.lost or reason == "lost"
        return reason is not None

    try:
        resuming = job.resume and _has_genesis(job.run_dir)
        # a resumed job's config may be an old run directory's (``qnf jobs --rebuild``)
        read = load_stored_text if resuming else load_config_text
        config = read(job.config_yaml, f"job {job.id} config")

        def on_start(identities: dict[str, dict[str, str]]) -> None:
            for identity in identities.values():
                if identity.get("notice"):
                    log.info("%s", identity["notice"])

        options = RunHooks(
            on_start=on_start,
            on_tick=on_tick,
            should_stop=should_stop,
            on_commit=on_commit,
            interrupt=interrupt,
        )
        federated = RunHooks(
            should_stop=should_stop,
            on_commit=on_commit,
            on_round=lambda outcome: log.info("round %d", outcome.round),
            interrupt=interrupt,
        )
        if resuming:
            log.info("resuming %s from its last checkpoint", job.run_dir)
            if is_federation(job.run_dir):
                result = resume_federation(job.run_dir, hooks=federated)
            else:
                result = resume(job.run_dir, options)
        else:
            if job.run_dir.exists() and not _has_genesis(job.run_dir):
                shutil.rmtree(job.run_dir)  # an attempt that died before acknowledging anything
            log.info("starting %s into %s", job.config_path, job.run_dir)
            if config.federation is not None:
                result = run_federation(config, job.run_dir, hooks=federated)
            else:
                result = execute(config, job.run_dir, options)
        state = result.status
        if state not in ("completed", "stopped", "interrupted", "failed"):
            state = "cancelled"  # a federation whose node stayed down ends "failed"
        ended = ("stopped", "interrupted", "failed")
        error = result.summary.get("error") if state in ended else None
        if beat.lost:
            log.info("lease lost; leaving the job to its new holder")
            return "interrupted"
        with contextlib.suppress(JobStoreError):  # a full disk: finish says what it can
            store.renew(job.id, worker_id, beat.ticks, beat.metrics)  # the last ticks' progress
        _record_end(store, job, worker_id, state, result.ticks, result.final_root, error)
        log.info("%s after %d ticks; final root %s", state, result.ticks, result.final_root)
        return state
    except (KeyboardInterrupt, SystemExit):
        log.info("worker interrupted; the job is left resumable")
        raise
    except Interrupted as exc:  # before its run directory was made: it starts over
        log.info("%s", exc)
        _record_end(store, job, worker_id, "interrupted", 0, None, str(exc))
        return "interrupted"
    except BaseException as exc:
        if isinstance(exc, ConfigError):
            message = exc.problems[0]
        elif isinstance(exc, RecorderError | JobStoreError):
            message = str(exc)
        elif isinstance(exc, OSError):  # e.g. the job's log or run directory on a full disk
            message = str(write_failure(exc, job.run_dir))
        else:
            message = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, ConfigError | RecorderError | JobStoreError | OSError):
            log.info("failed: %s", message)  # a known fault: its one line says it all
        else:
            log.info("failed: %s\n%s", message, traceback.format_exc())
        _record_end(store, job, worker_id, "failed", beat.ticks, None, message)
        return "failed"
    finally:
        keeper.release()
        for handler in list(log.handlers):
            handler.close()
            log.removeHandler(handler)


def work(
    home: Path,
    exit_when_idle: bool,
    poll_seconds: float = 0.5,
    interrupt: SignalStop | None = None,
) -> int:
    """Run queued jobs until interrupted (or, with ``exit_when_idle``, none is left).

    Returns the exit code: 0, or 128 + the signal's number when a signal stopped it.
    """
    lock = inherited_lock()
    if lock is None:
        lock = take_worker_lock(home)  # a foreground worker takes it when free, else runs beside
    worker_id = f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    try:
        store = JobStore(home)
    except BaseException:
        if lock is not None:
            os.close(lock)
        raise
    keep_spare(home)  # room to record a full disk (module docstring)
    keeper: LeaseKeeper | None = None
    try:
        keeper = LeaseKeeper.start(home, worker_id)  # after the store exists: it opens it
        store.register_worker(worker_id)
        while interrupt is None or not interrupt.requested:
            job = store.claim(worker_id)
            if job is not None:
                _say(f"worker {worker_id}: running job {job.id}")
                state = run_job(store, job, worker_id, interrupt, keeper)
                _say(f"worker {worker_id}: job {job.id} {state}")
                continue
            if exit_when_idle:
                if lock is not None:
                    os.close(lock)  # let go first, then look once more (see the docstring)
                    lock = None
                if store.has_queued() and (lock := take_worker_lock(home)) is not None:
                    continue
                return 0
            store.heartbeat(worker_id)
            time.sleep(poll_seconds)
        return interrupt.exit_code if interrupt is not None else 0
    finally:
        try:
            if keeper is not None:
                keeper.close()  # before the worker's row goes: the keeper beats it until then
            with contextlib.suppress(JobStoreError):  # a full disk: its heartbeat goes stale
                store.unregister_worker(worker_id)
            store.close()
        finally:
            if lock is not None:
                os.close(lock)
