"""Lava's worker processes: forked shielded from Ctrl+C, tied to our life, always ended.

Lava 0.10 runs every process model, its runtime service and a shared-memory manager as child
processes forked from ours (``multiprocessing``, start method ``fork``) in ``create_runtime()``.
What goes wrong with them, measured here, and what this module does about it:

- Ctrl+C in a terminal signals the whole foreground process group: the workers die with
  KeyboardInterrupt in the middle of a step and ``runtime.stop()`` then hangs or raises.
  ``forking_workers()`` blocks SIGINT in the forking thread while they are forked; they inherit
  the mask, so only the orchestrator sees Ctrl+C and stops them in order.
- If the orchestrator dies without stopping Lava (SIGKILL, a crash), the workers would be left
  blocked on shared memory. Each worker forked by the main thread gets ``PR_SET_PDEATHSIG =
  SIGKILL`` (Linux), so the kernel ends it with us. (Not from other threads: the signal follows
  the death of the forking *thread*.)
- An exception inside a process model can hang ``run()`` (the other models wait for a message
  that never comes) and make a later ``stop()`` hang. Callers wait with ``alive()`` checks,
  ``stop_within()`` bounds the orderly stop, and ``kill()`` ends whatever is left.
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing import resource_tracker

__all__ = ["alive", "children", "forking_workers", "kill", "stop_within"]

_PR_SET_PDEATHSIG = 1
_armed_parent: int | None = None  # our pid while Lava forks from the main thread
_hooked = False  # the fork hook is registered (once, when Lava first forks)


def _tie_to_parent() -> None:
    """In a freshly forked child: die with the parent (Linux), if armed."""
    parent = _armed_parent
    if parent is None or not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != parent:  # the parent died before prctl took effect
        os._exit(1)



def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return fields[0], int(fields[1])


def children() -> set[int]:
    """Pids of our live child processes (zombies excluded), from /proc."""
    me = os.getpid()
    found = set()
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            stat = _stat(int(entry))
            if stat is not None and stat[1] == me and stat[0] not in ("Z", "X"):
                found.add(int(entry))
    return found


def alive(pid: int) -> bool:
    stat = _stat(pid)
    return stat is not None and stat[0] not in ("Z", "X")


@contextlib.contextmanager
def forking_workers() -> Iterator[set[int]]:
    """Run Lava's ``create_runtime()`` inside; the yielded set then holds the workers' pids.

    Python's shared-memory resource tracker (one per interpreter, not Lava's) is started
    first so that it is not mistaken for a worker.
    """
    global _armed_parent, _hooked
    if not _hooked:  # os.register_at_fork cannot be undone: register once, when first needed
        os.register_at_fork(after_in_child=_tie_to_parent)
        _hooked = True
    resource_tracker.ensure_running()
    before = children()
    workers: set[int] = set()
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    if threading.current_thread() is threading.main_thread():
        _armed_parent = os.getpid()
    try:
        yield workers
    finally:
        _armed_parent = None
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)
        workers.update(children() - before)


def kill(pids: set[int], wait_s: float = 5.0) -> set[int]:
    """SIGKILL each pid that is still alive, reap them; returns those that survived."""
    for pid in pids:
        if alive(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + wait_s
    while True:
        multiprocessing.active_children()  # reaps multiprocessing's own children
        left = {pid for pid in pids if alive(pid)}
        if not left or time.monotonic() > deadline:
            return left
        time.sleep(0.01)


def stop_within(stop: Callable[[], None], timeout_s: float) -> BaseException | None:
    """Call ``stop`` in a helper thread; None if it returned in time, else why not.

    A stop that hangs is abandoned in its (daemon) thread; the caller then kills the workers.
    """
    outcome: list[BaseException | None] = []

    def _run() -> None:
        try:
            stop()
            outcome.append(None)
        except BaseException as error:  # reported to the caller
            outcome.append(error)

    thread = threading.Thread(target=_run, name="lava-stop", daemon=True)
    thread.start()
    thread.join(timeout_s)
    if thread.is_alive():
        return TimeoutError(f"Lava's runtime did not stop within {timeout_s} s")
    return outcome[0]
