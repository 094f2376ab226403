"""The one-line write failure: errno and file named; SQLite's "disk I/O error" on a full file
system read as ENOSPC (seen once when a 300 KiB tmpfs filled under a job, issue 25)."""

from __future__ import annotations

import errno
import os
import sqlite3
from pathlib import Path

import pytest

from orchestrator.jobs.storefile import is_disk_full
from orchestrator.record.failure import NO_ROOM_BYTES, no_room, write_failure
from tests.filesystems import small_disk


def _fill(directory: Path) -> None:
    """Write until the file system refuses (ENOSPC)."""
    fd = os.open(directory / "filler", os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_an_oserror_names_its_file_errno_and_text(tmp_path: Path) -> None:
    exc = OSError(errno.ENOSPC, "No space left on device", str(tmp_path / "a.csv"))
    err = write_failure(exc, tmp_path / "other")
    assert str(err) == f"cannot write {tmp_path / 'a.csv'}: No space left on device (ENOSPC)"
    assert err.errno == errno.ENOSPC


def test_sqlite_io_error_with_room_left_stays_eio(tmp_path: Path) -> None:
    assert not no_room(tmp_path)
    err = write_failure(sqlite3.OperationalError("disk I/O error"), tmp_path / "ledger.sqlite")
    assert str(err) == f"cannot write {tmp_path / 'ledger.sqlite'}: Input/output error (EIO)"
    assert not is_disk_full(sqlite3.OperationalError("disk I/O error"), tmp_path / "jobs.sqlite")


def test_sqlite_io_error_on_a_full_file_system_is_enospc(tmp_path: Path) -> None:
    with small_disk(tmp_path) as disk:
        if not disk.real:
            pytest.skip("needs a real small tmpfs (mount refused here) to be full")
        _fill(disk.path)
        assert no_room(disk.path / "run" / "ledger.sqlite")  # a file not made yet: its parent
        target = disk.path / "ledger.sqlite"
        err = write_failure(sqlite3.OperationalError("disk I/O error"), target)
        assert str(err) == f"cannot write {target}: No space left on device (ENOSPC)"
        assert err.errno == errno.ENOSPC
        assert is_disk_full(sqlite3.OperationalError("disk I/O error"), target)
        assert not is_disk_full(sqlite3.OperationalError("disk I/O error"))  # no path: unknown
        disk.free()
        assert not no_room(disk.path)
    assert NO_ROOM_BYTES == 64 * 1024
