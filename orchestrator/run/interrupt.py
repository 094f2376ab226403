"""Ending a run on a signal: Ctrl+C, SIGTERM and SIGHUP stop it at a tick boundary, resumable.

    first signal   remembered; the run finishes the tick in progress, stops before the next
                   one (status ``interrupted``), waits for its writer to commit every block,
                   writes summary.json with the resume command; the command exits 128 + signum
                   (130 SIGINT, 143 SIGTERM, 129 SIGHUP)
    a repeat       the same signal again within ``REPEAT_WINDOW_S`` (2 s) of the first is
                   the same interrupt delivered twice, and is not counted: ``uv run`` forwards
                   the SIGINT it gets to the run 0.2 s later when no terminal is attached (and
                   SIGTERM at once), so a script's ``kill -INT -- -PGID`` or ``timeout -s INT``
                   reaches the run two or three times
    second signal  another signal, or the same one later than that: one line on stderr, then
                   ``os._exit(128 + signum)`` at once: the run's writer process ignores these
                   signals and commits every block it was given before it exits, so the run
                   resumes from its last committed block, exactly as after ``kill -9``

    after the stop  a command whose run a signal stopped calls ``ignore_late_copy`` once its
                   ``SignalStop`` has exited (restoring the handlers): uv's forwarded copy can
                   come later than the window on a loaded machine and would otherwise raise
                   KeyboardInterrupt while the interpreter shuts down (a traceback after a
                   clean stop); from then on that signal is ignored until the process exits

A terminal's Ctrl+C reaches the whole foreground process group: the writer (a forked child)
gets it too, which is why it ignores SIGINT, SIGTERM and SIGHUP (``orchestrator.record.writer``).
A process started with SIGINT ignored (a background job of a shell script) keeps ignoring it,
as POSIX shells intend; SIGTERM and SIGHUP still stop it. Brian2 installs its own SIGINT handler
when it is first imported, wrapping whatever was there; ``settle`` puts the ignoring back after
the backends are built. Handlers are installed in the main thread only (Python's rule).
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any, final

__all__ = [
    "REPEAT_WINDOW_S",
    "SIGNALS",
    "Interrupted",
    "SignalStop",
    "ignore_late_copy",
    "installed_stop",
]

SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
REPEAT_WINDOW_S = 2.0
"""Seconds after the first signal in which the same signal again is the same interrupt."""


class Interrupted(Exception):
    """A signal arrived before the run directory was created: nothing was written."""

    def __init__(self, signum: int) -> None:
        self.signum = signum
        self.exit_code = 128 + signum
        super().__init__(f"interrupted by {signal.Signals(signum).name} before the run started")


@final
class SignalStop:
    """Context manager turning SIGINT/SIGTERM/SIGHUP into a stop request (see the module doc).

    on_first(signum): called from the handler at the first signal (e.g. to say the run stops
    after this tick); keep it short, it runs between two bytecodes of the main thread.
    """

    def __init__(self, on_first: Callable[[int], None] | None = None) -> None:
        self.signum: int | None = None
        self._first_at = 0.0
        self.boundary = "tick"  # where the run stops: "tick", or "round" for a federation
        self._on_first = on_first
        self._previous: dict[int, Any] = {}
        self._ignored: set[int] = set()
        self._signalled: int | None = None  # the first signal a handler received (not request)

    @property
    def requested(self) -> bool:
        """Whether a signal asked the run to stop."""
        return self.signum is not None

    @property
    def signalled(self) -> int | None:
        """The signal whose handler asked the stop (None: none came, or ``request`` asked)."""
        return self._signalled

    @property
    def reason(self) -> str:
        """``interrupted by SIGTERM`` (for summary.json and the job store)."""
        name = signal.Signals(self.signum).name if self.signum is not None else "nothing"
        return f"interrupted by {name}"

    @property
    def exit_code(self) -> int:
        """128 + the signal's number (130 for SIGINT); 0 when none came."""
        return 0 if self.signum is None else 128 + self.signum

    def request(self, signum: int) -> None:
        """Ask the run to stop as the first ``signum`` would, without a handler (a stop relayed
        from another process: a sweep's driver tells its points this way). No ``on_first``."""
        if self.signum is None:
            self.signum, self._first_at = signum, time.monotonic()

    def _handle(self, signum: int, frame: FrameType | None) -> None:
        now = time.monotonic()
        if self.signum is None:
            self.signum, self._first_at, self._signalled = signum, now, signum
            if self._on_first is not None:
                self._on_first(signum)
            return
        if signum == self.signum and now - self._first_at < REPEAT_WINDOW_S:
            return  # the first one delivered again (module docstring)
        name = signal.Signals(signum).name
        line = f"\n{name} again: stopping at once; the run resumes from its last committed block\n"
        try:
            os.write(2, line.encode())
        finally:
            os._exit(128 + signum)

    def settle(self) -> None:
        """Re-assert the handlers (an import may have replaced one: Brian2 wraps SIGINT's)."""
        if threading.current_thread() is not threading.main_thread():
            return
        for signum in SIGNALS:
            if signum in self._previous:
                signal.signal(signum, signal.SIG_IGN if signum in self._ignored else self._handle)

    def __enter__(self) -> SignalStop:
        if threading.current_thread() is not threading.main_thread():
            return self
        for signum in SIGNALS:
            previous = signal.getsignal(signum)
            self._previous[signum] = previous
            if signum == signal.SIGINT and previous == signal.SIG_IGN:
                self._ignored.add(signum)
                continue
            signal.signal(signum, self._handle)
        _installed.append(self)
        return self

    def __exit__(self, *exc: object) -> None:
        for signum, previous in self._previous.items():
            signal.signal(signum, signal.SIG_DFL if previous is None else previous)
        self._previous.clear()
        if self in _installed:
            _installed.remove(self)


_installed: list[SignalStop] = []  # entered in the main thread, innermost last


def _late_copy(signum: int, frame: FrameType | None) -> None:
    """The signal that stopped a run, delivered again after the stop: nothing to do."""


def ignore_late_copy(signum: int) -> None:
    """From now until the process exits, ``signum`` does nothing (a Python handler, so a child
    started later still gets the default). For a command whose run ``signum`` stopped, after
    its ``SignalStop`` exited (module doc). Main thread only; elsewhere it does nothing."""
    if threading.current_thread() is threading.main_thread():
        signal.signal(signum, _late_copy)


def installed_stop() -> SignalStop | None:
    """The innermost ``SignalStop`` whose handlers hold this process's signals, if any (code
    that runs inside another's command, as a sweep's point in its driver, uses that one)."""
    return _installed[-1] if _installed else None
