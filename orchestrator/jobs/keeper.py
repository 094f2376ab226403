"""The lease keeper: a process of its own that renews the lease of the job its worker holds.

A job's lease must be renewed every third of its length (30 s: every 10 s) whatever a tick does
to the worker: a 28-qubit statevector tick runs 160 s inside Aer without releasing the GIL, and
Brian2's run is Python; a heartbeat *thread* of the worker then waits for the GIL and the lease
runs out while the worker works (issue 26, part 3). So each worker starts a keeper when it
starts, and tells it over the keeper's stdin, one JSON line each:

    ["hold", job id, ticks]          the worker claimed this job: renew its lease from now on
    ["progress", ticks, metrics]     ticks committed and the last metrics (``qnf status``); the
                                     keeper publishes them with a renewal at most ``PUBLISH_S``
                                     seconds later
    ["release"]                      the worker recorded the job's end: stop renewing
    end of file                      the worker is gone (its last descriptor closed, even by
                                     SIGKILL); so is a worker whose process is a zombie or whose
                                     pid another process took (``orchestrator.jobs.proc``,
                                     asked at every beat)

The keeper renews every ``lease / 3`` seconds while it holds a job (and at once on ``hold``: the
lease the claim wrote runs from the claim), and the worker's row in ``workers`` all the time; a
renewal's lease counts from when its write holds the store's lock. It does nothing else: the
worker's main thread reads ``qnf cancel`` and a lost lease from the store at every tick boundary
(``JobStore.stop_reason``). When its worker is gone while a job is held, the keeper lets that
lease run out at once, so a reader on another host sees the job ``interrupted`` without waiting;
then it exits.

It is a fresh interpreter running this file by its path with the standard library only (this
module, ``lease.py`` and ``proc.py`` import nothing else): about 0.1 s and 10 MB, where
importing the orchestrator took 3.5-4 s and 76 MB here. Not a ``fork`` of the worker: SQLite's
per-process lock bookkeeping is copied by a fork, and a forked child that opened the job store
while its parent had it open failed with "locking protocol" (SQLITE_PROTOCOL). It runs in a
session of its own, so a terminal's Ctrl+C (sent to the worker's process group) never reaches
it: the worker decides what a signal means, and its keeper keeps the lease while the worker
stops at a tick boundary. Progress lines are written without blocking (a keeper that lags
loses some, never the worker's time); ``hold`` and ``release`` always arrive.
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any, final

if __package__:
    from orchestrator.jobs import lease, proc
else:  # run by its path as the keeper process: its siblings, without the orchestrator
    import lease  # type: ignore[no-redef]
    import proc  # type: ignore[no-redef]

__all__ = ["PUBLISH_S", "LeaseKeeper"]

PUBLISH_S = 0.5  # progress reaches the store at most this long after the worker reports it
_BUSY_S = 30.0  # how long a renewal waits for the store's write lock (as the store's own)


@final
class LeaseKeeper:
    """The worker's handle on its keeper process (module docstring). ``start`` starts it."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        self.pid = process.pid
        assert process.stdin is not None
        self._fd = process.stdin.fileno()
        os.set_blocking(self._fd, False)

    @classmethod
    def start(cls, home: Path, worker_id: str) -> LeaseKeeper:
        """Start the keeper of worker ``worker_id`` (this process) for the store in ``home``."""
        worker = os.getpid()
        started = proc.start_time(worker)
        command = [sys.executable, "-E", "-s", str(Path(__file__).resolve()), str(home),
                   worker_id, str(worker), "" if started is None else str(started),
                   str(lease.lease_seconds())]  # fmt: skip
        process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            start_new_session=True,  # no terminal signal reaches it (module docstring)
            close_fds=True,
        )
        return cls(process)

    def hold(self, job_id: str, ticks: int) -> None:
        """Renew ``job_id``'s lease from now on (the worker just claimed it)."""
        self._send(["hold", job_id, ticks], must=True)

    def progress(self, ticks: int, metrics: dict[str, Any] | None) -> None:
        """Publish ``ticks`` committed ticks and ``metrics`` with the next renewal (may drop)."""
        self._send(["progress", ticks, metrics], must=False)

    def release(self) -> None:
        """Stop renewing the job (its end is recorded)."""
        self._send(["release"], must=True)

    def close(self) -> None:
        """End the keeper (end of file on its stdin) and reap it. Idempotent."""
        if self._fd < 0:
            return
        self._fd = -1
        with contextlib.suppress(OSError):
            self.process.stdin.close()  # type: ignore[union-attr]
        self.process.wait()

    def _send(self, message: list[Any], must: bool) -> None:
        data = (json.dumps(message, separators=(",", ":")) + "\n").encode()
        if len(data) > select.PIPE_BUF:  # a pipe takes at most PIPE_BUF bytes whole at once
            if must:
                raise ValueError(f"lease keeper message too long ({len(data)} bytes)")
            data = (json.dumps([*message[:2], None]) + "\n").encode()
        while self._fd >= 0:
            try:
                os.write(self._fd, data)
                return
            except BlockingIOError:
                if not must:
                    return  # the keeper lags: this progress is superseded by the next one
                select.select([], [self._fd], [], 1.0)
            except BrokenPipeError:
                return  # the keeper died (its one line is in the worker's log)


class _Keeper:
    """The keeper process's loop (module docstring)."""

    def __init__(
        self, home: Path, worker_id: str, worker: int, started: int | None, lease_s: float
    ) -> None:
        self.worker_id, self.worker, self.started = worker_id, worker, started
        self.lease_s = lease_s
        # mode=rw: the store exists; never make a file here. The name is HomeDirectory.JOBS
        # (record/directories.py), spelled here because this file imports only the stdlib.
        self.conn = sqlite3.connect(
            f"file:{home / 'jobs.sqlite'}?mode=rw", uri=True, isolation_level=None, timeout=_BUSY_S
        )
        # NORMAL, not the store's FULL: in WAL mode a commit then writes the log without an
        # fsync (consistent, not durable across an OS crash). A renewal or a progress line lost
        # to a crash is harmless (the worker is gone with it), and an fsync on a busy disk held
        # renewals up by 0.2 s and more in a loaded suite run (design §9).
        self.conn.execute("PRAGMA synchronous=NORMAL")
        self.job: str | None = None
        self.ticks = 0
        self.metrics: dict[str, Any] | None = None
        self.unpublished = False
        self.claimed = False  # a job was just claimed: renew its lease at once
        self.buffer = b""

    def serve(self) -> None:
        period = self.lease_s / 3
        beat = time.monotonic()  # when to renew next
        published = 0.0
        try:
            while True:
                wait = beat - time.monotonic()
                if self.unpublished:
                    wait = min(wait, published + PUBLISH_S - time.monotonic())
                ready, _, _ = select.select([0], [], [], max(0.0, wait))
                if ready and not self._read():
                    break  # end of file: the worker is gone
                now = time.monotonic()
                if (
                    now < beat
                    and not self.claimed
                    and not (self.unpublished and now >= published + PUBLISH_S)
                ):
                    continue
                if not proc.alive(self.worker, self.started):
                    break
                self._renew(late=now - beat)
                published, beat, self.claimed = now, now + period, False
        finally:
            if self.job is not None:
                with contextlib.suppress(sqlite3.Error):
                    self._run(partial(lease.expire, self.job, self.worker_id))
            self.conn.close()

    def _read(self) -> bool:
        """Take every whole line waiting; False at end of file."""
        chunk = os.read(0, 65536)
        if not chunk:
            return False
        self.buffer += chunk
        *lines, self.buffer = self.buffer.split(b"\n")
        for line in lines:
            message = json.loads(line)
            if message[0] == "hold":
                self.job, self.ticks, self.metrics = message[1], message[2], None
                self.unpublished = self.claimed = True  # the claim's lease runs from the claim
            elif message[0] == "progress" and self.job is not None:
                self.ticks = message[1]
                self.metrics = message[2] if message[2] is not None else self.metrics
                self.unpublished = True
            elif message[0] == "release":
                self.job, self.unpublished = None, False
        return True

    def _run(self, statement: Callable[[], tuple[str, tuple[Any, ...]]]) -> int:
        """Run the statement ``statement()`` builds once the write lock is held: a renewal's
        lease counts from when it is written, not from before a wait for the lock."""
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            changed = self.conn.execute(*statement()).rowcount
            self.conn.execute("COMMIT")
        except BaseException:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            raise
        return changed

    def _renew(self, late: float) -> None:
        """Renew the held job's lease and beat; ``late``: s since the beat was due."""
        try:
            if self.job is not None:
                job, started = self.job, time.monotonic()
                statement = partial(lease.renew, self.job, self.worker_id, self.ticks,
                                    self.metrics, self.lease_s)  # fmt: skip
                if self._run(statement) != 1:
                    self.job = None  # lost (requeued by a reader on another host): the worker
                    # sees it at its next tick boundary
                self.unpublished = False
                self._warn_if_late(job, late, time.monotonic() - started)
            self._run(partial(lease.heartbeat, self.worker_id))
        except sqlite3.Error as exc:  # a full disk, say: try again at the next beat
            print(f"lease keeper of {self.worker_id}: {exc}", file=sys.stderr, flush=True)

    def _warn_if_late(self, job: str, begun: float, written: float) -> None:
        """One line in the worker's log when a renewal used up over half of the lease's margin.

        The margin is what is left of the lease at a beat (two thirds of it); a renewal that
        lands later than half of that (begun late: the keeper woken late by the scheduler, or
        the previous renewal's write still running; or its own write waiting for the store's
        lock and fsync) tells the user the lease is too short for this machine.
        """
        if begun + written > self.lease_s / 3:
            print(
                f"lease keeper of {self.worker_id}: a renewal of job {job} landed "
                f"{begun + written:.2f} s late (begun {begun:.2f} s after it was due, written in "
                f"{written:.2f} s) with a {self.lease_s:g} s lease; on a machine this busy "
                "set QNF_LEASE_SECONDS higher",
                file=sys.stderr,
                flush=True,
            )


def main(argv: list[str]) -> int:
    """The keeper process: ``keeper.py HOME WORKER_ID WORKER_PID WORKER_START LEASE_S``."""
    home, worker_id, worker, started, lease_s = argv
    try:
        _Keeper(Path(home), worker_id, int(worker), int(started) if started else None,
                float(lease_s)).serve()  # fmt: skip
    except Exception as exc:  # one line in the worker's log, not a traceback
        print(f"lease keeper of {worker_id}: {exc!r}", file=sys.stderr, flush=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
