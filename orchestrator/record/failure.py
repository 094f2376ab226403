"""A run directory that cannot be written: which file, which error, in one line.

A full disk, an I/O error or a read-only file system shows up as an ``OSError`` (with an errno,
often without a file name: a buffered CSV write) or as an ``sqlite3`` error whose message says
"database or disk is full" / "disk I/O error" (Python 3.10 keeps no SQLite error code). The
writer and the runner turn either into a ``RecorderError`` naming the file they were writing,
the errno's symbol and its text, so the user reads one line, e.g.

    cannot write /runs/x/ledger.sqlite: No space left on device (ENOSPC)
"""

from __future__ import annotations

import errno as errnos
import os
import sqlite3
from pathlib import Path

__all__ = ["RecorderError", "write_failure"]

_SQLITE_ERRNO = {"database or disk is full": errnos.ENOSPC, "disk I/O error": errnos.EIO}


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
        if code is not None:
            text = os.strerror(code)
    name = errnos.errorcode.get(code, "") if code is not None else ""
    where = f"cannot write {path}" if path is not None else "cannot write the run directory"
    line = f"{where}: {text}" + (f" ({name})" if name else "")
    return RecorderError(line, None if path is None else str(path), code)
