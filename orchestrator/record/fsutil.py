"""Durable file writes: a file is either its old content or its whole new content, never torn.

Files and directories qnfusion creates (a run's, QNF_HOME's) are private to the user: 0600 and
0700, whatever the process umask, unless ``QNF_UMASK`` (octal, e.g. ``027`` to share with the
group) says otherwise; ``file_mode``/``dir_mode`` give the modes, ``create_private``/
``make_dir`` create with them.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from orchestrator.record.faults import crash_point

__all__ = ["create_private", "dir_mode", "file_mode", "fsync_dir", "make_dir", "write_atomic"]


def _umask() -> int:
    text = os.environ.get("QNF_UMASK", "")
    try:
        return int(text, 8) & 0o777 if text else 0o077
    except ValueError:
        return 0o077


def file_mode() -> int:
    """Mode of a new file: 0600 unless ``QNF_UMASK`` says otherwise."""
    return 0o666 & ~_umask()


def dir_mode() -> int:
    """Mode of a new directory: 0700 unless ``QNF_UMASK`` says otherwise."""
    return 0o777 & ~_umask()


def make_dir(path: Path, parents: bool = False, exist_ok: bool = False) -> None:
    """``path.mkdir`` with ``dir_mode()`` (parents it creates get the same mode)."""
    if parents and not path.parent.exists():
        make_dir(path.parent, parents=True, exist_ok=True)
    try:
        path.mkdir(mode=dir_mode())
    except FileExistsError:
        if not (exist_ok and path.is_dir()):
            raise
        return
    os.chmod(path, dir_mode())  # mkdir's mode passes through the process umask


def create_private(path: Path) -> None:
    """Create ``path`` empty with ``file_mode()`` if it does not exist (SQLite then gives its
    -wal and -shm files the same mode)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, file_mode())
    except FileExistsError:
        return
    try:
        os.fchmod(fd, file_mode())
    finally:
        os.close(fd)


def fsync_dir(directory: Path) -> None:
    """Make a rename or a new entry in ``directory`` durable."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(
    path: Path, data: bytes | bytearray | memoryview, crash_block: int | None = None
) -> None:
    """Write ``data`` to ``path``: temp file in the same directory, fsync, rename, fsync dir.

    ``crash_block``: the ledger block this write belongs to (for the ``checkpoint-write``
    crash point of the kill tests; see ``orchestrator.record.faults``).
    """
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        if file_mode() != 0o600:  # mkstemp makes 0600
            os.fchmod(fd, file_mode())
        with os.fdopen(fd, "wb") as fh:
            if crash_block is not None:
                view = memoryview(data)  # halves without copying them
                half = view.nbytes // 2
                fh.write(view[:half])
                fh.flush()
                crash_point("checkpoint-write", crash_block)
                fh.write(view[half:])
            else:
                fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)
