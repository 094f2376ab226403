"""Opening QNF_HOME's job store: create it private, open it read-only, or refuse a stranger.

    writable home      create QNF_HOME (0700), logs/ and jobs.sqlite (0600) if missing, open
                       it read-write in WAL mode, create the tables if missing
    cannot write       (a read-only file system, no permission) with ``write=False``: open the
                       file read-only (``mode=ro``; ``immutable=1`` where no -shm file can be
                       made beside it), or an empty in-memory store if there is none yet
    not a job store    corrupt (SQLite: "file is not a database", "malformed") or another
                       program's database (its ``jobs`` table lacks our columns): refused with a
                       line naming the file and ``qnf jobs --rebuild``; never emptied
"""

from __future__ import annotations

import errno
import os
import sqlite3
from functools import cache
from pathlib import Path

from orchestrator.record.directories import HomeDirectory
from orchestrator.record.failure import no_room
from orchestrator.record.fsutil import create_private, make_dir

__all__ = ["ADDED_COLUMNS", "SCHEMA", "JobStoreError", "is_disk_full", "open_store", "reason"]

SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id               TEXT PRIMARY KEY,
    config_path      TEXT NOT NULL,
    config_yaml      TEXT NOT NULL,
    run_dir          TEXT NOT NULL,
    state            TEXT NOT NULL,
    resume           INTEGER NOT NULL DEFAULT 0,
    ticks_done       INTEGER NOT NULL DEFAULT 0,
    ticks_total      INTEGER NOT NULL,
    backends         TEXT NOT NULL,
    created_at       REAL NOT NULL,
    updated_at       REAL NOT NULL,
    worker_id        TEXT,
    worker_pid       INTEGER,
    worker_host      TEXT,
    lease_expires    REAL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    final_root       TEXT,
    error            TEXT,
    last_metrics     TEXT
);
CREATE TABLE IF NOT EXISTS workers (
    id         TEXT PRIMARY KEY,
    pid        INTEGER NOT NULL,
    host       TEXT NOT NULL,
    started_at REAL NOT NULL,
    heartbeat  REAL NOT NULL
);
"""

# Columns added after stores were first made: added to a store that lacks them when it is
# opened for writing (a read-only store without them reads as if they were NULL).
ADDED_COLUMNS = {"worker_started": "INTEGER"}  # the worker's start time (orchestrator.jobs.proc)

_CORRUPT = ("file is not a database", "database disk image is malformed")


class JobStoreError(RuntimeError):
    """QNF_HOME or its job store cannot be used; the message names the file and what to do.
    ``disk_full``: the write failed for want of space (SQLite's SQLITE_FULL, or ENOSPC)."""

    def __init__(self, message: str, disk_full: bool = False) -> None:
        super().__init__(message)
        self.disk_full = disk_full


def is_disk_full(exc: BaseException, path: Path | None = None) -> bool:
    """Whether ``exc`` says the disk has no room (Python 3.10's sqlite3 has no error codes;
    SQLite's "disk I/O error" on a file system with no room left, ``path``'s, counts too)."""
    if isinstance(exc, OSError):
        return exc.errno == errno.ENOSPC
    text = str(exc)
    if "disk I/O error" in text and path is not None:
        return no_room(path)
    return "database or disk is full" in text


def reason(exc: BaseException) -> str:
    """What went wrong, briefly (an OS error's text and symbol, or SQLite's message)."""
    if isinstance(exc, OSError):
        name = errno.errorcode.get(exc.errno or 0, "")
        return (exc.strerror or str(exc)) + (f", {name}" if name else "")
    return str(exc)


def _why(home: Path, exc: BaseException) -> str:
    """``reason``, led by what the file system says about ``home`` when it is read-only."""
    try:
        if os.statvfs(home).f_flag & os.ST_RDONLY:
            return f"read-only file system: {reason(exc)}"
        if not os.access(home, os.W_OK):
            return f"no permission to write: {reason(exc)}"
    except OSError:
        pass
    return reason(exc)


def _corrupt(exc: BaseException) -> bool:
    return isinstance(exc, sqlite3.DatabaseError) and any(m in str(exc) for m in _CORRUPT)


def _not_a_store(home: Path, path: Path, why: str) -> JobStoreError:
    return JobStoreError(
        f"{path}: not a qnfusion job store ({why}); `qnf jobs --rebuild` moves it aside and "
        f"rebuilds the job list from the run directories under {HomeDirectory(home).runs}"
    )


@cache
def _columns() -> frozenset[str]:
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    columns = frozenset(r[1] for r in conn.execute("PRAGMA table_info(jobs)"))
    conn.close()
    return columns


def _check(home: Path, path: Path, conn: sqlite3.Connection) -> bool:
    """Whether ``conn`` holds a job store (False: an empty database); refuse anything else."""
    try:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        have = {r[1] for r in conn.execute("PRAGMA table_info(jobs)")}
    except sqlite3.Error as exc:
        if _corrupt(exc):
            raise _not_a_store(home, path, str(exc)) from None
        raise
    if not tables:
        return False
    if "jobs" not in tables:
        found = ", ".join(sorted(tables)[:3])
        raise _not_a_store(home, path, f"it holds other tables ({found}) and no jobs table")
    missing = _columns() - have
    if missing:
        shown = ", ".join(sorted(missing)[:3]) + (", ..." if len(missing) > 3 else "")
        raise _not_a_store(home, path, f"its jobs table lacks {len(missing)} columns: {shown}")
    return True


def _writable(home: Path, path: Path) -> sqlite3.Connection:
    make_dir(home, parents=True, exist_ok=True)
    make_dir(HomeDirectory(home).logs, exist_ok=True)
    create_private(path)
    conn = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    try:
        _check(home, path, conn)  # before anything is written into another program's file
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        conn.executescript(SCHEMA)
        have = {r[1] for r in conn.execute("PRAGMA table_info(jobs)")}
        for name, kind in ADDED_COLUMNS.items():
            if name not in have:
                conn.execute(f"ALTER TABLE jobs ADD COLUMN {name} {kind}")
    except BaseException:
        conn.close()
        raise
    return conn


def _empty() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(SCHEMA)
    return conn


def _read_only(home: Path, path: Path) -> sqlite3.Connection:
    if not path.is_file():  # nothing was ever submitted here: an empty store
        return _empty()
    last: sqlite3.Error | None = None
    for mode in ("mode=ro", "immutable=1"):
        conn = sqlite3.connect(f"file:{path}?{mode}", uri=True, isolation_level=None)
        try:
            if _check(home, path, conn):
                return conn
            conn.close()
            return _empty()
        except sqlite3.Error as exc:
            conn.close()
            last = exc
        except BaseException:
            conn.close()
            raise
    raise JobStoreError(f"{path}: cannot be read ({reason(last) if last else 'unknown'})")


def open_store(home: Path, path: Path, write: bool) -> tuple[sqlite3.Connection, bool]:
    """(connection, read_only) to the store at ``path`` in ``home``; see the module docstring."""
    try:
        return _writable(home, path), False
    except JobStoreError:
        raise
    except (OSError, sqlite3.Error) as exc:
        if write:
            raise JobStoreError(
                f"{home}: cannot write the job store ({_why(home, exc)}); this command needs a "
                "writable QNF_HOME (point QNF_HOME at another directory)"
            ) from None
    return _read_only(home, path), True
