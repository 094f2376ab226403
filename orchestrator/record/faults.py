"""Crash points for the kill-and-resume tests (fault injection, never on in normal use).

``QNF_CRASH_AT=<phase>:<block>`` makes the process SIGKILL itself when it reaches ``phase``
while writing block ``<block>``. Phases, in the order a tick meets them:

    tick              the tick has run (quantum and spiking), nothing of it is written yet
    checkpoint-write  half of the checkpoint's temp file is written, not yet fsynced/renamed
    ledger-commit     the block's rows are inserted, the transaction is not committed
    after-commit      the block is committed, its CSV rows are not written

Read when a run starts (``arm``), never at import; unset (the normal case) every call is one
string comparison. The last three phases happen in
the run's writer process (``orchestrator.record.writer``); a crash there kills the run's main
process first, as the crash of a single process would.
"""

from __future__ import annotations

import os
import signal

__all__ = ["arm", "crash_point", "in_writer"]

_spec = ""  # the armed crash point, "" when none
_main_pid: int | None = None  # set in a writer process: the run's main process


def arm() -> None:
    """Read ``QNF_CRASH_AT`` from the environment (a run calls this when it starts)."""
    global _spec
    _spec = os.environ.get("QNF_CRASH_AT", "")


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
