"""Whether a process still runs: zombies and reused pids are dead (Linux ``/proc``).

``kill -0`` answers for a zombie (a process that exited and that its parent has not reaped
yet) as for a live one, and for whatever process got the pid after the first one was reaped.
Here a process is identified by its pid *and* its start time (field 22 of ``/proc/PID/stat``,
clock ticks after boot), recorded when it claims a job; state ``Z`` (zombie) or ``X`` (dead)
counts as gone. Where ``/proc`` cannot be read (another OS, a hidepid mount) it falls back to
``kill -0``. Standard library only: the lease keeper process runs it without the orchestrator.
"""

from __future__ import annotations

import os

__all__ = ["alive", "start_time"]


def _stat(pid: int) -> list[str] | None:
    """The fields of ``/proc/PID/stat`` from the state on (field 3), None if no such process.

    OSError other than "no such file" (no /proc) propagates."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode("ascii", "replace")
    except FileNotFoundError:
        return None
    return text.rsplit(")", 1)[1].split()  # the name in (...) may hold spaces and ')'


def start_time(pid: int) -> int | None:
    """The process's start time in clock ticks after boot; None if it is gone or unknown."""
    try:
        fields = _stat(pid)
    except OSError:
        return None
    return int(fields[19]) if fields is not None else None


def alive(pid: int | None, started: int | None = None) -> bool:
    """Whether process ``pid`` runs (not a zombie) and, given ``started``, is the one that
    started then (``start_time``), not another that reused the pid."""
    if not pid or pid < 0:
        return False
    try:
        fields = _stat(pid)
    except OSError:
        fields = []  # /proc unreadable: kill -0 below
    if fields is None:
        return False
    if fields:
        if fields[0] in ("Z", "X", "x"):
            return False
        return started is None or int(fields[19]) == started
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
