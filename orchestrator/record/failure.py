"""A run directory that cannot be written: which file, which error, in one line.

A full disk, an I/O error or a read-only file system shows up as an ``OSError`` (with an errno,
often without a file name: a buffered CSV write) or as an ``sqlite3`` error whose message says
"database or disk is full" / "disk I/O error" (Python 3.10 keeps no SQLite error code). The
writer and the runner turn either into a ``RecorderError`` naming the file they were writing,
the errno's symbol and its text, so the user reads one line, e.g.

    cannot write /runs/x/ledger.sqlite: No space left on device (ENOSPC)

SQLite reports some writes that failed for want of space as "disk I/O error" (SQLITE_IOERR:
seen when a 300 KiB tmpfs filled under a job, issue 25), so an I/O error on a file system with
less than ``NO_ROOM_BYTES`` free is reported as ENOSPC: the cause the user can act on.
"""

from __future__ import annotations

import errno as errnos
import os
import sqlite3
from pathlib import Path

__all__ = ["NO_ROOM_BYTES", "RecorderError", "no_room", "write_failure"]

_SQLITE_ERRNO = {"database or disk is full": errnos.ENOSPC, "disk I/O error": errnos.EIO}
NO_ROOM_BYTES = 64 * 1024  # free space below which a file system counts as full


def no_room(path: Path | str) -> bool:
    """Whether the file system holding ``path`` (or its nearest existing parent) is full: less
    than ``NO_ROOM_BYTES`` available to this user. False when that cannot be read."""
    here = Path(path)
    while not here.exists() and here != here.parent:
        here = here.parent
    try:
        stat = os.statvfs(here)
    except OSError:
        return False
    return stat.f_bavail * stat.f_frsize < NO_ROOM_BYTES


class RecorderError(RuntimeError):
    """The run directory could not be written; the run stops at a tick boundary.

    path: the file being written, when known; errno: the OS error number, when known.
    Everything committed before it stays (a resume after the cause is fixed goes on).
    """

    def __init__(self, message: str, path: str | None = None, errno: int | None = None) -> None:
        super().__init__(message)
        self.path = path
        self.errno = errno


def write_failure(exc: BaseException, path: Path | str | None) -> RecorderError:
    """A ``RecorderError`` for ``exc`` raised while writing ``path``."""
    code: int | None = None
    text = str(exc)
    if isinstance(exc, OSError):
        code = exc.errno
        path = exc.filename if exc.filename is not None else path
        text = exc.strerror or text
    elif isinstance(exc, sqlite3.Error):
        code = next((c for m, c in _SQLITE_ERRNO.items() if m in text), None)
        if code == errnos.EIO and path is not None and no_room(path):
            code = errnos.ENOSPC
        if code is not None:
            text = os.strerror(code)
    name = errnos.errorcode.get(code, "") if code is not None else ""
    where = f"cannot write {path}" if path is not None else "cannot write the run directory"
    line = f"{where}: {text}" + (f" ({name})" if name else "")
    return RecorderError(line, None if path is None else str(path), code)
