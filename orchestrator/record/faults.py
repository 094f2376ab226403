"""Crash points for the kill-and-resume tests (fault injection, never on in normal use).

``QNF_CRASH_AT=<phase>:<block>`` makes the process SIGKILL itself when it reaches ``phase``
while writing block ``<block>``. Phases, in the order a tick meets them:

    tick              the tick has run (quantum and spiking), nothing of it is written yet
    checkpoint-write  half of the checkpoint's temp file is written, not yet fsynced/renamed
    ledger-commit     the block's rows are inserted, the transaction is not committed
    after-commit      the block is committed, its CSV rows are not written

and, in a federation's coordinator (its own ledger, written in its own process):

    federation-commit  the federation block's row is inserted, the transaction not committed
    federation-after   the federation block is committed, nothing after it is done

``QNF_DISK_FULL_AT=<block>`` makes the run's writer fail every write of block ``<block>`` and
later with ENOSPC, naming the file, as a full disk does: the documented seam of the full-disk
tests where no small tmpfs can be mounted (they use a real one where they can).

Read when a run starts (``arm``), never at import; unset (the normal case) every call is one
string comparison. The last three phases happen in
the run's writer process (``orchestrator.record.writer``); a crash there kills the run's main
process first, as the crash of a single process would.
"""

from __future__ import annotations

import errno
import os
import signal

__all__ = ["arm", "crash_point", "disk_full", "in_writer"]

_spec = ""  # the armed crash point, "" when none
_disk_full_at: int | None = None  # the block from which the writer's writes fail (ENOSPC)
_main_pid: int | None = None  # set in a writer process: the run's main process


def arm() -> None:
    """Read ``QNF_CRASH_AT`` and ``QNF_DISK_FULL_AT`` (a run calls this when it starts)."""
    global _spec, _disk_full_at
    _spec = os.environ.get("QNF_CRASH_AT", "")
    full = os.environ.get("QNF_DISK_FULL_AT", "")
    _disk_full_at = int(full) if full.isdigit() else None


def disk_full(block: int, path: os.PathLike[str] | str) -> None:
    """Fail with ENOSPC, as a full disk would, when writing block ``QNF_DISK_FULL_AT`` or later."""
    if _disk_full_at is not None and block >= _disk_full_at:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(path))


def in_writer(main_pid: int) -> None:
    """Mark this process as the writer of the run whose main process is ``main_pid``."""
    global _main_pid
    _main_pid = main_pid


def crash_point(phase: str, block: int) -> None:
    """Die here, as ``kill -9`` would, if this is the configured crash point."""
    if _spec and f"{phase}:{block}" == _spec:
        if _main_pid is not None:
            os.kill(_main_pid, signal.SIGKILL)
        os.kill(os.getpid(), signal.SIGKILL)
