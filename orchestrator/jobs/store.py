"""The job store: one SQLite file in the user's state directory (``QNF_HOME``).

A job is a validated config waiting for, running on, or finished by a worker. States:

    queued -> running -> completed | failed | cancelled | stopped (the quantum backend could not
                 |                                             go on: device fault, QPU budget)
                 \\-> interrupted   (derived: its worker died or lost its lease)

``qnf resume`` puts a failed, cancelled, stopped or interrupted job back to ``queued`` with
``resume`` set, so the next worker continues its run directory from the last checkpoint.

Leases: a worker claims a job in one IMMEDIATE transaction (so two workers never take the
same job) and must renew the lease before ``lease_expires``; its lease keeper process does it
(``orchestrator.jobs.keeper``), whatever the worker's ticks do to its GIL. Whether a running
job is lost (reads ``interrupted``) is decided by the best witness: for a worker on this host,
its process (pid and start time recorded at claim; a zombie or a reused pid is gone:
``orchestrator.jobs.proc``), never the lease, so a live worker's job cannot turn
``interrupted`` however late a renewal is; for a worker on another host, the lease.

QNF_HOME defaults to ``$XDG_STATE_HOME/qnfusion`` (``~/.local/state/qnfusion``). It holds
``jobs.sqlite``, ``runs/<job id>/`` (unless the config names ``run.out``) and ``logs/``, all
private to the user (0700/0600, ``orchestrator.record.fsutil``).

Faults: a store that is not a qnfusion job store (corrupt, or another program's SQLite file)
raises ``JobStoreError`` naming the file and ``qnf jobs --rebuild`` (which moves it aside and
rebuilds the list from the run directories, ``orchestrator.jobs.recover``); it is never emptied
silently. A QNF_HOME that cannot be written is opened read-only for the commands that only
read (``write=False``); the others get a ``JobStoreError`` saying so. Job ids are matched
exactly, or as a literal unique prefix. ``ticks_done`` of a failed or interrupted job is read
from its run's ledger (the ticks durably committed), not from the last heartbeat.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.jobs import lease
from orchestrator.jobs.lease import lease_seconds
from orchestrator.jobs.proc import alive, start_time
from orchestrator.jobs.storefile import JobStoreError, is_disk_full, open_store, reason
from orchestrator.record.directories import HomeDirectory
from orchestrator.record.rundir import RunDirectory

__all__ = [
    "ACTIVE",
    "TERMINAL",
    "Job",
    "JobError",
    "JobStore",
    "JobStoreError",
    "durable_ticks",
    "lease_seconds",
    "qnf_home",
]

TERMINAL = ("completed", "failed", "cancelled", "stopped")
ACTIVE = ("queued", "running")






class JobError(RuntimeError):
    """A job command cannot be carried out (unknown id, wrong state); the message says why."""




def qnf_home() -> Path:
    """The state directory: ``$QNF_HOME``, else ``$XDG_STATE_HOME/qnfusion``."""
    return HomeDirectory.from_environment().path


def durable_ticks(run_dir: Path, recorded: int) -> int:
    """Ticks the run's ledger holds (its last tick or revert event), else ``recorded``."""
    from orchestrator.record.ledger import last_events  # numpy: not on `qnf jobs`' path

    for _, event in reversed(last_events(RunDirectory(run_dir).ledger, 8)):
        if event.get("kind") == "tick":
            return int(event["tick"]) + 1
        if event.get("kind") == "revert":
            return int(event["tick"])
    return recorded


@dataclass(frozen=True)
class Job:
    """One row of the store, with ``state`` already derived (``interrupted``)."""

    id: str
    config_path: str
    config_yaml: str
    run_dir: Path
    state: str
    resume: bool
    ticks_done: int
    ticks_total: int
    backends: str
    created_at: float
    updated_at: float
    worker_pid: int | None
    worker_host: str | None
    cancel_requested: bool
    final_root: str | None
    error: str | None
    last_metrics: dict[str, Any] | None

    def as_dict(self) -> dict[str, Any]:
        data = {k: getattr(self, k) for k in self.__dataclass_fields__ if k != "config_yaml"}
        data["run_dir"] = str(self.run_dir)
        return data


class JobStore:
    """The store under ``home`` (created on first use).

    write=False: for commands that only read; a QNF_HOME that cannot be written is then opened
    read-only (``read_only``), and one without a store reads as empty. ``JobStoreError`` when
    the store is not one (see the module docstring) or, with write=True, cannot be written.
    """

    def __init__(self, home: Path | None = None, write: bool = True) -> None:
        self.home = home or qnf_home()
        self.path = HomeDirectory(self.home).jobs
        self._conn, self.read_only = open_store(self.home, self.path, write)
        self._conn.row_factory = sqlite3.Row

    def close(self) -> None:
        self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise JobStoreError(
                f"{self.path}: cannot write ({reason(exc)})",
                disk_full=is_disk_full(exc, self.path),
            ) from None
        try:
            yield self._conn
            self._conn.execute("COMMIT")
        except BaseException as exc:
            if self._conn.in_transaction:  # SQLite has rolled back a COMMIT that failed
                with suppress(sqlite3.Error):
                    self._conn.execute("ROLLBACK")
            if isinstance(exc, sqlite3.Error):
                raise JobStoreError(
                    f"{self.path}: cannot write ({reason(exc)})",
                    disk_full=is_disk_full(exc, self.path),
                ) from None
            raise

    # ------------------------------------------------------------------ reading

    def _row_to_job(self, row: sqlite3.Row) -> Job:
        r = dict(row)
        state = r["state"]
        if state == "running" and self._lost(r):
            state = "interrupted"
        if state in ("interrupted", "failed"):
            r["ticks_done"] = durable_ticks(Path(r["run_dir"]), r["ticks_done"])
        return Job(
            id=r["id"],
            config_path=r["config_path"],
            config_yaml=r["config_yaml"],
            run_dir=Path(r["run_dir"]),
            state=state,
            resume=bool(r["resume"]),
            ticks_done=r["ticks_done"],
            ticks_total=r["ticks_total"],
            backends=r["backends"],
            created_at=r["created_at"],
            updated_at=r["updated_at"],
            worker_pid=r["worker_pid"],
            worker_host=r["worker_host"],
            cancel_requested=bool(r["cancel_requested"]),
            final_root=r["final_root"],
            error=r["error"],
            last_metrics=json.loads(r["last_metrics"]) if r["last_metrics"] else None,
        )

    @staticmethod
    def _lost(r: dict[str, Any]) -> bool:
        """Whether a running job's worker is gone (module docstring: the best witness)."""
        if r["worker_host"] == socket.gethostname():
            return not alive(r["worker_pid"], r.get("worker_started"))
        return r["lease_expires"] is not None and r["lease_expires"] < time.time()

    def get(self, job_id: str) -> Job:
        """The job with this id, or the only one whose id starts with it (literally)."""
        if not job_id:
            raise JobError("give a job id (see `qnf jobs`)")
        rows = self._conn.execute(
            "SELECT * FROM jobs WHERE substr(id, 1, ?) = ? ORDER BY id", (len(job_id), job_id)
        ).fetchall()
        exact = [r for r in rows if r["id"] == job_id]
        if exact:
            return self._row_to_job(exact[0])
        if len(rows) == 1:
            return self._row_to_job(rows[0])
        if not rows:
            raise JobError(f"no job '{job_id}' (see `qnf jobs`)")
        raise JobError(f"'{job_id}' matches {len(rows)} jobs; give more of the id")

    def has_queued(self) -> bool:
        """Whether any job waits for a worker."""
        row = self._conn.execute("SELECT 1 FROM jobs WHERE state = 'queued' LIMIT 1").fetchone()
        return row is not None

    def list(self) -> list[Job]:
        rows = self._conn.execute("SELECT * FROM jobs ORDER BY created_at").fetchall()
        return [self._row_to_job(r) for r in rows]

    # ------------------------------------------------------------------ writing

    def submit(
        self, config_path: str, config_yaml: str, run_dir: Path | None, ticks: int, backends: str
    ) -> Job:
        """Record a new queued job; its run directory defaults to ``runs/<id>`` here."""
        job_id = uuid.uuid4().hex[:10]
        folder = run_dir if run_dir is not None else HomeDirectory(self.home).run(job_id)
        now = time.time()
        with self._tx() as c:
            c.execute(
                "INSERT INTO jobs (id, config_path, config_yaml, run_dir, state, ticks_total, "
                "backends, created_at, updated_at) VALUES (?, ?, ?, ?, 'queued', ?, ?, ?, ?)",
                (
                    job_id,
                    config_path,
                    config_yaml,
                    str(folder.resolve()),
                    ticks,
                    backends,
                    now,
                    now,
                ),
            )
        return self.get(job_id)

    def adopt(self, row: dict[str, Any]) -> None:
        """Record a finished or interrupted job found on disk (``qnf jobs --rebuild``).

        ``row``: id, config_path, config_yaml, run_dir, state, ticks_done, ticks_total,
        backends, created_at, final_root, error.
        """
        columns = ", ".join(row) + ", updated_at"
        marks = ", ".join("?" for _ in row) + ", ?"
        with self._tx() as c:
            c.execute(
                f"INSERT OR IGNORE INTO jobs ({columns}) VALUES ({marks})",
                (*row.values(), time.time()),
            )

    def claim(self, worker_id: str, lease_s: float | None = None) -> Job | None:
        """Take the oldest queued job for ``worker_id`` (atomically), or None."""
        now = time.time()
        lease_s = lease_seconds() if lease_s is None else lease_s
        with self._tx() as c:
            row = c.execute(
                "SELECT id FROM jobs WHERE state = 'queued' ORDER BY created_at LIMIT 1"
            ).fetchone()
            if row is None:
                return None
            c.execute(
                "UPDATE jobs SET state = 'running', worker_id = ?, worker_pid = ?, "
                "worker_started = ?, worker_host = ?, lease_expires = ?, updated_at = ?, "
                "error = NULL WHERE id = ?",
                (
                    worker_id,
                    os.getpid(),
                    start_time(os.getpid()),
                    socket.gethostname(),
                    now + lease_s,
                    now,
                    row[0],
                ),
            )
        return self.get(row[0])

    def renew(
        self,
        job_id: str,
        worker_id: str,
        ticks_done: int,
        last_metrics: dict[str, Any] | None,
        lease_s: float | None = None,
    ) -> bool:
        """Extend the lease and record progress; False if the worker no longer holds it."""
        with self._tx() as c:
            cur = c.execute(*lease.renew(job_id, worker_id, ticks_done, last_metrics, lease_s))
            return cur.rowcount == 1

    def stop_reason(self, job_id: str, worker_id: str) -> str | None:
        """Why the worker must stop the job at this tick boundary: ``cancel`` (``qnf cancel``),
        ``lost`` (it no longer holds the job), or None (go on). One read, no write."""
        row = self._conn.execute(
            "SELECT cancel_requested, worker_id, state FROM jobs WHERE id = ?", (job_id,)
        ).fetchone()
        if row is None or row["worker_id"] != worker_id or row["state"] != "running":
            return "lost"
        return "cancel" if row["cancel_requested"] else None

    def cancel_requested(self, job_id: str) -> bool:
        row = self._conn.execute(
            "SELECT cancel_requested FROM jobs WHERE id = ?", (job_id,)
        ).fetchone()
        return bool(row and row[0])

    def finish(
        self,
        job_id: str,
        worker_id: str,
        state: str,
        ticks_done: int,
        final_root: str | None,
        error: str | None,
    ) -> None:
        """Record how the worker's run of the job ended (only while it holds the lease)."""
        with self._tx() as c:
            c.execute(
                "UPDATE jobs SET state = ?, ticks_done = ?, final_root = ?, error = ?, "
                "lease_expires = NULL, updated_at = ?, resume = 0 "
                "WHERE id = ? AND worker_id = ?",
                (state, ticks_done, final_root, error, time.time(), job_id, worker_id),
            )

    def request_cancel(self, job_id: str) -> Job:
        """Queued jobs are cancelled at once; running ones stop at the next tick boundary."""
        job = self.get(job_id)
        if job.state in TERMINAL or job.state == "interrupted":
            raise JobError(f"job {job.id} is {job.state}; nothing to cancel")
        with self._tx() as c:
            if job.state == "queued":
                c.execute(
                    "UPDATE jobs SET state = 'cancelled', updated_at = ? WHERE id = ?",
                    (time.time(), job.id),
                )
            else:
                c.execute(
                    "UPDATE jobs SET cancel_requested = 1, updated_at = ? WHERE id = ?",
                    (time.time(), job.id),
                )
        return self.get(job.id)

    def requeue(self, job_id: str) -> Job:
        """Queue a failed, cancelled, stopped or interrupted job to go on from its checkpoint."""
        job = self.get(job_id)
        if job.state not in ("failed", "cancelled", "stopped", "interrupted"):
            hint = " (see `qnf results`)" if job.state == "completed" else ""
            raise JobError(f"job {job.id} is {job.state}; only a stopped job resumes{hint}")
        with self._tx() as c:
            c.execute(
                "UPDATE jobs SET state = 'queued', resume = 1, cancel_requested = 0, "
                "worker_id = NULL, worker_pid = NULL, worker_started = NULL, "
                "lease_expires = NULL, error = NULL, "
                "updated_at = ? WHERE id = ?",
                (time.time(), job.id),
            )
        return self.get(job.id)

    # ------------------------------------------------------------------ workers

    def register_worker(self, worker_id: str) -> None:
        now = time.time()
        with self._tx() as c:
            c.execute(
                "INSERT OR REPLACE INTO workers VALUES (?, ?, ?, ?, ?)",
                (worker_id, os.getpid(), socket.gethostname(), now, now),
            )

    def heartbeat(self, worker_id: str) -> None:
        with self._tx() as c:
            c.execute(*lease.heartbeat(worker_id))

    def unregister_worker(self, worker_id: str) -> None:
        with self._tx() as c:
            c.execute("DELETE FROM workers WHERE id = ?", (worker_id,))

    def live_workers(self, lease_s: float | None = None) -> list[tuple[str, int]]:
        """(id, pid) of workers that beat recently and, on this host, still exist."""
        host = socket.gethostname()
        rows = self._conn.execute("SELECT id, pid, host, heartbeat FROM workers").fetchall()
        cutoff = time.time() - 2 * (lease_seconds() if lease_s is None else lease_s)
        return [
            (r["id"], r["pid"])
            for r in rows
            if r["heartbeat"] >= cutoff and (r["host"] != host or alive(r["pid"]))
        ]
