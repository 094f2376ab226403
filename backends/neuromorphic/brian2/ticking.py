"""One continuous Brian2 run handed off at tick boundaries: what every Brian2 network shares.

Ticks: the simulation lives in a daemon thread inside ONE ``Network.run(ticks * tick)``. A
network operation at ``start`` acts at every tick boundary k, then runs ``_every_step`` (a hook)
at every step: at a boundary k > 0 it reports "tick k-1 done", then blocks until ``_exchange``
hands it the message of tick k (``_apply``). While it is blocked the caller reads the network's
arrays. ``_exchange`` past the planned ticks starts another run chunk of the same length; the
thread reports the last tick of a chunk itself. ``close`` hands the operation a STOP that calls
``Network.stop()``. The operation shares the one simulation clock and returns at once between
boundaries: ``network_operation(dt=tick)`` would add a second clock, and Brian2's multi-clock
loop costs 10-25 % more per step (measured, N = 100-1000, numpy / cython).

Step order (Brian2's schedule, set explicitly): ``start`` (hand-off) -> ``groups`` ->
``thresholds`` -> ``synapses`` -> ``resets`` -> ``end``.
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from backends.neuromorphic.brian2 import exact_cache
from backends.neuromorphic.brian2.sdk import BrianLogger, b2, brian_excepthook
from orchestrator.contract.spiking import SpikingBackend

__all__ = ["SCHEDULE", "SpikeReader", "TickedBrian2", "code_object_class", "quiet_brian"]

exact_cache.install()  # Brian2's exact integration read back from disk (exact_cache.py)

SCHEDULE = ["start", "groups", "thresholds", "synapses", "resets", "end"]
_STOP = object()
_READY = object()
_POLL_S = 1.0
_TRIM_SPIKES = 1 << 20  # recorded spikes kept before the monitor is emptied (bounded memory)


@dataclass(frozen=True)
class _Failure:
    error: BaseException


def quiet_brian() -> None:
    """No Brian2 debug log or script copy in TMPDIR, Python's excepthook, a plain Ctrl+C.

    Brian2's SIGINT handler turns the first Ctrl+C during any run into a request to stop the
    run; with the run in a background thread that would swallow the orchestrator's Ctrl+C.
    """
    b2.prefs.core.stop_on_keyboard_interrupt = False
    b2.prefs.logging.file_log = False
    b2.prefs.logging.save_script = False
    handler = BrianLogger.file_handler
    if handler is not None:
        handler.close()
        logging.getLogger("brian2").removeHandler(handler)
        BrianLogger.file_handler = None
    for path in (BrianLogger.tmp_log, BrianLogger.tmp_script):
        if path is not None and os.path.exists(path):
            os.remove(path)
    BrianLogger.tmp_log = None
    BrianLogger.tmp_script = None
    if sys.excepthook is brian_excepthook:
        sys.excepthook = sys.__excepthook__


def code_object_class(target: str) -> type:
    if target == "cython":
        from brian2.codegen.runtime.cython_rt import CythonCodeObject

        return CythonCodeObject
    from backends.neuromorphic.brian2.fixed_math_code import FixedMathNumpyCodeObject

    return FixedMathNumpyCodeObject  # numpy's code, the C library's exp and log (design §6)


class SpikeReader:
    """Reads a SpikeMonitor's new entries tick by tick (by offset), and empties the monitor
    once ~1M spikes have been read, so a long run's memory stays bounded."""

    def __init__(self, monitor: b2.SpikeMonitor, dt_s: float, steps_per_tick: int) -> None:
        self._monitor = monitor
        self._dt_s = dt_s
        self._spt = steps_per_tick
        self._read = 0

    def read(self, tick: int) -> tuple[np.ndarray, np.ndarray]:
        """(neurons int64, steps int64 within tick ``tick``) recorded since the last read.
        Only while the simulation thread waits at a boundary."""
        variables = self._monitor.variables
        count = int(variables["N"].get_value()[0])
        first, self._read = self._read, count
        neurons = variables["i"].get_value()[first:count].astype(np.int64)
        t_s = variables["t"].get_value()[first:count]
        steps = np.rint(t_s / self._dt_s).astype(np.int64) - tick * self._spt
        if count >= _TRIM_SPIKES:  # forget what was read
            variables["N"].get_value()[0] = 0
            self._monitor.resize(0)
            self._read = 0
        return neurons, steps


class TickedBrian2(SpikingBackend, ABC):
    """A ``SpikingBackend`` whose Brian2 network runs as one continuous run (module docstring).

    A subclass builds its objects, calls ``_build_run``, restores its state (then
    ``_continue_from(tick)``), and ``_start``; ``advance`` sends the tick's message with
    ``_exchange`` and reads the arrays while the simulation thread waits.
    """

    def _build_run(self, objects: list[object], clock: b2.Clock) -> None:
        """The network of ``objects`` plus the hand-off operation on ``clock``."""
        net = self.network
        dt = net.dt_ms * b2.ms
        self._dt_s = float(dt)
        self._spt = net.steps_per_tick
        self._tick = self._spt * dt
        self._chunk = max(net.ticks, 1)
        op = b2.NetworkOperation(self._step, clock=clock, when="start")
        self._net = b2.Network(*objects, op)
        self._net.schedule = SCHEDULE
        self._inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._outbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._pending: object = None  # message received between run chunks
        self._steps = 0  # steps the network operation has seen
        self._boundaries = 0  # tick boundaries among them
        self._chunk_start = 0
        self._stopping = False
        self._ticks_done = 0
        self._failure: BaseException | None = None
        self._closed = False
        self._started = False

    def _continue_from(self, tick: int) -> None:
        """Start the network time at ``tick`` ticks (a restored state), before ``_start``."""
        self._net.t_ = tick * self._spt * self._dt_s
        self._steps = tick * self._spt
        self._boundaries = tick
        self._ticks_done = tick
        self._chunk = max(self.network.ticks - tick, 1)

    def _start(self) -> None:
        self._thread = threading.Thread(target=self._main, name="brian2-backend", daemon=True)
        self._thread.start()
        # Code generation (and Cython compilation) happens here, before boundary 0 is reached.
        if self._receive() is not _READY:
            raise RuntimeError("Brian2 backend: unexpected start-up message")

    @abstractmethod
    def _apply(self, message: object) -> None:
        """At tick boundary k, in the simulation thread: set what tick k runs with."""

    def _every_step(self, step: int) -> None:
        """At the start of every step (``step`` counted from the run's start), in the
        simulation thread, after a boundary's hand-off and ``_apply`` (so the arrays read at a
        boundary are those of the tick's end). Default: nothing."""

    # ----------------------------------------------------------------- main thread

    def _exchange(self, message: object) -> int:
        """Run one tick with ``message``; returns its number k. The simulation thread then
        waits at boundary k + 1, so its arrays are safe to read until the next call."""
        if self._closed:
            raise RuntimeError("Brian2 backend is closed")
        if self._failure is not None:
            self._receive()  # raises
        self._inbox.put(message)
        done = self._receive()
        k = self._ticks_done
        if done != k:
            raise RuntimeError(f"Brian2 backend out of step: expected tick {k}, got {done}")
        self._ticks_done = k + 1
        return k

    def _check_state(self) -> None:
        """Refuse to read a state the run no longer has (closed or failed)."""
        if self._closed or self._failure is not None:
            raise RuntimeError("Brian2 backend: no state to snapshot (closed or failed)")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._thread.is_alive():
            self._inbox.put(_STOP)
            self._thread.join(timeout=30.0)
            if self._thread.is_alive():
                raise RuntimeError("Brian2 simulation thread did not stop within 30 s")

    def _receive(self) -> object:
        """Next message of the simulation thread; its exception re-raised here, never a hang."""
        if self._failure is None:
            try:
                msg = self._wait()
            except BaseException as interrupted:  # e.g. Ctrl+C: the tick's state is unknown now
                self._failure = interrupted
                raise
            if not isinstance(msg, _Failure):
                return msg
            self._failure = msg.error
        raise RuntimeError(
            f"Brian2 simulation failed: {type(self._failure).__name__}: {self._failure}"
        ) from self._failure

    def _wait(self) -> object:
        while True:
            try:
                return self._outbox.get(timeout=_POLL_S)
            except queue.Empty:
                if not self._thread.is_alive() and self._outbox.empty():
                    return _Failure(RuntimeError("simulation thread ended without a reply"))

    # ----------------------------------------------------------- simulation thread

    def _main(self) -> None:
        try:
            while True:
                self._chunk_start = self._boundaries
                end = (self._chunk_start + self._chunk) * self._tick
                self._net.run(self._chunk * self._tick, namespace={})
                if self._stopping:
                    return
                if abs(float(self._net.t) - float(end)) > 0.5 * self._dt_s:
                    raise RuntimeError(
                        f"the run stopped early at t = {self._net.t} "
                        "(brian2.stop() or Ctrl+C during the run?)"
                    )
                self._outbox.put(self._boundaries - 1)
                msg = self._inbox.get()
                if msg is _STOP:
                    return
                self._pending = msg
        except BaseException as error:  # surfaced in _exchange()
            self._outbox.put(_Failure(error))

    def _step(self) -> None:
        """The network operation: every step, in the simulation thread; acts at tick starts."""
        step = self._steps
        self._steps = step + 1
        if step % self._spt == 0 and not self._boundary():
            return
        self._every_step(step)

    def _boundary(self) -> bool:
        """A tick boundary: report the tick done, take the next message; False when stopping."""
        k = self._boundaries
        self._boundaries += 1
        if not self._started:
            self._started = True
            self._outbox.put(_READY)
        elif k > self._chunk_start:
            self._outbox.put(k - 1)
        if self._pending is not None:
            msg, self._pending = self._pending, None
        else:
            msg = self._inbox.get()
        if msg is _STOP:
            self._stopping = True
            self._net.stop()
            return False
        self._apply(msg)
        return True
