"""Starting the background worker (``qnf submit``, ``qnfusion.submit``): one worker per
QNF_HOME, chosen by an exclusive ``flock`` on ``QNF_HOME/worker.lock`` that the starting
process takes and hands to the detached ``qnf worker --exit-when-idle`` it spawns (the lock's
descriptor is passed in the environment as ``QNF_WORKER_LOCK_FD``), so two submits never start
two workers. The worker's loop is ``orchestrator.jobs.worker``.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
from pathlib import Path

from orchestrator.jobs.store import JobStore
from orchestrator.record.directories import HomeDirectory
from orchestrator.record.fsutil import create_private, file_mode

__all__ = ["ensure_worker", "inherited_lock", "spawn", "take_worker_lock"]

_LOCK_ENV = "QNF_WORKER_LOCK_FD"


def take_worker_lock(home: Path) -> int | None:
    """The descriptor holding ``QNF_HOME/worker.lock``, or None if a worker holds it."""
    fd = os.open(HomeDirectory(home).worker_lock, os.O_RDWR | os.O_CREAT, file_mode())
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def spawn(home: Path, lock_fd: int | None = None) -> int:
    """Start ``qnf worker --exit-when-idle`` detached from this process; return its pid.

    ``lock_fd``: the worker lock, handed to the new worker (it holds it from its first moment).
    """
    log = HomeDirectory(home).worker_log()
    env = dict(os.environ, QNF_HOME=str(home))
    env.pop(_LOCK_ENV, None)
    if lock_fd is not None:
        env[_LOCK_ENV] = str(lock_fd)
    create_private(log)
    with open(log, "ab") as fh:
        proc = subprocess.Popen(
            [sys.executable, "-m", "orchestrator.cli", "worker", "--exit-when-idle"],
            stdin=subprocess.DEVNULL,
            stdout=fh,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
            pass_fds=() if lock_fd is None else (lock_fd,),
        )
    return proc.pid


def ensure_worker(store: JobStore) -> int | None:
    """Start a background worker unless one holds the worker lock; its pid if one was started."""
    fd = take_worker_lock(store.home)
    if fd is None:
        return None
    try:
        return spawn(store.home, fd)
    finally:
        os.close(fd)  # the worker's inherited copy keeps the lock


def inherited_lock() -> int | None:
    """The worker lock handed down by the process that spawned this worker, if any."""
    text = os.environ.pop(_LOCK_ENV, "")
    if not text.isdigit():
        return None
    try:
        os.set_inheritable(int(text), False)  # not passed on to programs this one starts
    except OSError:
        return None
    return int(text)
