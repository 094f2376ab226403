"""A little disk space kept aside in QNF_HOME, so the job store can record a full disk.

When QNF_HOME's disk fills, the job's run fails with one line (``cannot write PATH: No space
left on device (ENOSPC)``), and the store must then record the job ``failed`` with that line;
but SQLite needs a few pages of its write-ahead log for the update, on the same full disk. A
worker therefore keeps ``QNF_HOME/spare`` (``SPARE_BYTES`` of real blocks, private); when a
store write finds the disk full, ``release`` deletes it and the write is tried once more. The
next worker that finds space makes it again.
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from orchestrator.record.directories import HomeDirectory
from orchestrator.record.fsutil import file_mode

__all__ = ["SPARE_BYTES", "SPARE_NAME", "keep_spare", "release"]

SPARE_NAME = HomeDirectory.SPARE
SPARE_BYTES = 64 * 1024  # a store update takes a few 4 KiB pages of WAL; room for several


def keep_spare(home: Path) -> bool:
    """Make ``home/spare`` unless it is there (whole); False when the disk has no room."""
    path = HomeDirectory(home).spare
    with contextlib.suppress(OSError):
        if path.stat().st_size == SPARE_BYTES:
            return True
    tmp = home / f".{SPARE_NAME}.{os.getpid()}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, file_mode())
        try:
            os.write(fd, bytes(SPARE_BYTES))  # written, not sparse: the blocks are taken
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, path)
    except OSError:
        with contextlib.suppress(OSError):
            tmp.unlink()
        return False
    return True


def release(home: Path) -> bool:
    """Give the spare's space back to the disk; False when there was none to give."""
    try:
        HomeDirectory(home).spare.unlink()
    except OSError:
        return False
    return True
