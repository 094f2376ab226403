"""Durable file writes: a file is either its old content or its whole new content, never torn."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from orchestrator.record.faults import crash_point

__all__ = ["fsync_dir", "write_atomic"]


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new entry in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, crash_block: int | None = None) -> None:
    """Write ``data`` to ``path``: temp file in the same directory, fsync, rename, fsync dir.

    ``crash_block``: the ledger block this write belongs to (for the ``checkpoint-write``
    crash point of the kill tests; see ``orchestrator.record.faults``).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            if crash_block is not None:
                half = len(data) // 2
                fh.write(data[:half])
                fh.flush()
                crash_point("checkpoint-write", crash_block)
                fh.write(data[half:])
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
