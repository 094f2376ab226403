"""Brian2 backend: the LIF network of spec §3.2, built once and run as ONE continuous simulation.

The model, under either timing (``spiking.brian2.timing``: Brian2's own, or Lava's step), is in
``backends.neuromorphic.brian2.models``. Under constant supra-threshold drive an unconnected
neuron fires at ``f = 1 / (t_ref + tau_m ln(RI / (RI - v_th)))`` (up to the dt grid).

Step order (Brian2's schedule, set explicitly): ``start`` (tick hand-off, below) -> ``groups``
(V update, then the buffered recurrent input) -> ``thresholds`` (spike detection,
SpikeMonitor) -> ``synapses`` (u_post += w into the next step's input, STDP) -> ``resets``.
Under either timing a spike of step s reaches its targets in step s + 1, before their
threshold check, so V < V_th at every step's end (spec §14); the one-step input buffer is
neuron state and carries over a tick boundary like V (and is snapshotted with it).

Drive per tick: ``current`` sets I_i = drive_i for the whole tick; ``kick`` keeps I_i = 0 and
once, at tick start, sets V_i <- V_i + d_i for d_i <= 0 and V_i <- max(V_i, min(V_i + d_i, cap))
for d_i > 0 (a kick lifts V at most to ``kick_cap_mv``, never above where it already is; under
Lava timing the kick is injected as input of the tick's first step, as the Lava backend does).

Ticks: the simulation lives in a daemon thread inside ONE ``Network.run(ticks * tick)``. A
network operation at ``start`` acts at every tick boundary k: for k > 0 it reports "tick k-1
done", then blocks until ``advance`` hands it the drive of tick k. While it is blocked the caller
reads the new SpikeMonitor entries (by offset; the monitor is emptied once ~1M spikes have been
read, so memory stays bounded) and V. ``advance`` past the planned ticks starts another run chunk
of the same length; the thread reports the last tick of a chunk itself. ``close`` hands the
operation a STOP that calls ``Network.stop()``. The operation shares the one simulation clock and
returns at once between boundaries: ``network_operation(dt=tick)`` would add a second clock, and
Brian2's multi-clock loop costs 10-25 % more per step (measured, N = 100-1000, numpy / cython).
"""

from __future__ import annotations

import logging
import os
import queue
import sys
import threading
from dataclasses import dataclass
from typing import final

import brian2 as b2
import numpy as np
from brian2.utils.logger import BrianLogger, brian_excepthook

from backends.neuromorphic.brian2 import models as brian2_models
from backends.neuromorphic.brian2.config import Brian2Config
from backends.neuromorphic.common.drive import kick
from backends.neuromorphic.common.noise import NoiseSource, initial_eta
from orchestrator.contract.spiking import NetworkSpec, NetworkState, SpikeWindow, SpikingBackend

__all__ = ["SCHEDULE", "Brian2Backend", "build_objects", "code_object_class", "kick"]

SCHEDULE = ["start", "groups", "thresholds", "synapses", "resets", "end"]
_STOP = object()
_READY = object()
_POLL_S = 1.0
_STATIC_SYNAPSE_STATE = frozenset(
    {"_synaptic_pre", "_synaptic_post", "N_incoming", "N_outgoing", "delay", "N"}
)
_TRIM_SPIKES = 1 << 20  # recorded spikes kept before the monitor is emptied (bounded memory)


@dataclass(frozen=True)
class _Failure:
    error: BaseException


def _quiet_brian() -> None:
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
    from brian2.codegen.runtime.numpy_rt import NumpyCodeObject

    return NumpyCodeObject


def build_objects(
    network: NetworkSpec, clock: b2.Clock, codeobj: type, timing: brian2_models.Timing = "brian2"
) -> tuple[b2.NeuronGroup, b2.SpikeMonitor, b2.Synapses | None]:
    """The neurons, their spike monitor and the recurrent synapses of ``network``.

    What the backend builds, for benchmarks that time the same network run the plain way.
    """
    group = brian2_models.neuron_group(network, timing, clock, codeobj)
    monitor = b2.SpikeMonitor(group, codeobj_class=codeobj)
    syn = None
    if len(network.pre):
        syn = brian2_models.synapses(network, timing, group, clock, codeobj)
    return group, monitor, syn


@final
class Brian2Backend(SpikingBackend):
    """The §3.2 network in Brian2 (runtime device, numpy or cython code), one persistent run."""

    def __init__(self, config: Brian2Config, network: NetworkSpec) -> None:
        super().__init__(config, network)
        _quiet_brian()
        self._target = config.brian2.codegen_target
        codeobj = code_object_class(self._target)
        dt = network.dt_ms * b2.ms
        self._dt_s = float(dt)
        self._spt = network.steps_per_tick
        self._tick = self._spt * dt
        clock = b2.Clock(dt=dt)  # one clock for everything: Brian2's single-clock loop
        self._chunk = max(network.ticks, 1)
        self._timing = config.brian2.timing
        self._v_mv = brian2_models.voltage_scale(self._timing)
        self._group, self._monitor, self._synapses = build_objects(
            network, clock, codeobj, self._timing
        )
        op = b2.NetworkOperation(self._step, clock=clock, when="start")
        objects: list[object] = [self._group, self._monitor, op]
        if self._synapses is not None:
            objects.append(self._synapses)
        self._net = b2.Network(*objects)
        self._net.schedule = SCHEDULE

        self._inbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._outbox: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._pending: object = None  # drive received between run chunks
        self._steps = 0  # steps the network operation has seen
        self._boundaries = 0  # tick boundaries among them
        self._chunk_start = 0
        self._stopping = False
        self._ticks_done = 0
        self._spikes_read = 0
        self._failure: BaseException | None = None
        self._closed = False
        self._started = False
        self._noise: NoiseSource | None = None
        self._noise_to: tuple[str, float] = ("", 1.0)
        if network.noise is not None:
            self._noise = NoiseSource(
                network.noise,
                n=network.n_neurons,
                tau_m_ms=network.tau_m_ms,
                dt_ms=network.dt_ms,
                steps_per_tick=self._spt,
            )
            self._noise_to = brian2_models.noise_target(network, self._timing)
        if network.start is not None:
            self._restore(network.start)
            self._chunk = max(network.ticks - network.start.tick, 1)
        else:
            self._at_rest()
        self._thread = threading.Thread(target=self._main, name="brian2-backend", daemon=True)
        self._thread.start()
        # Code generation (and Cython compilation) happens here, before boundary 0 is reached.
        if self._receive() is not _READY:
            raise RuntimeError("Brian2 backend: unexpected start-up message")

    # ----------------------------------------------------------------- main thread

    def advance(self, drive_mv: np.ndarray) -> SpikeWindow:
        drive = np.asarray(drive_mv, dtype=float)
        n = self.network.n_neurons
        if drive.shape != (n,) or not np.all(np.isfinite(drive)):
            raise ValueError(f"drive_mv must be {n} finite values (got shape {drive.shape})")
        if self._closed:
            raise RuntimeError("Brian2 backend is closed")
        if self._failure is not None:
            self._receive()  # raises
        self._inbox.put(drive)
        done = self._receive()
        k = self._ticks_done
        if done != k:
            raise RuntimeError(f"Brian2 backend out of step: expected tick {k}, got {done}")
        # The simulation thread is blocked now: its arrays are safe to read.
        count = int(self._monitor.variables["N"].get_value()[0])
        first, self._spikes_read = self._spikes_read, count
        neurons = self._monitor.variables["i"].get_value()[first:count].astype(np.int64)
        t_s = self._monitor.variables["t"].get_value()[first:count]
        steps = np.rint(t_s / self._dt_s).astype(np.int64) - k * self._spt
        voltages = self._group.variables["v"].get_value() * self._v_mv
        if count >= _TRIM_SPIKES:  # forget what was read: keeps a long run's memory bounded
            self._monitor.variables["N"].get_value()[0] = 0
            self._monitor.resize(0)
            self._spikes_read = 0
        self._ticks_done = k + 1
        return SpikeWindow(
            t0_ms=k * self.network.tick_ms,
            neurons=neurons,
            times_ms=steps * self.network.dt_ms,
            voltages_mv=voltages,
        )

    def snapshot(self) -> NetworkState:
        """Raw Brian2 state of the neurons (and, with STDP, of the synapses) + mV views.

        Every array the group owns (V, refractory clocks, or under Lava timing the buffered
        input and refractory end), via Brian2's own store/restore accessors, so a restore is
        bit-exact; static synapses are the spec's and are not repeated.
        """
        if self._closed or self._failure is not None:
            raise RuntimeError("Brian2 backend: no state to snapshot (closed or failed)")
        arrays: dict[str, np.ndarray] = {}
        for role, owner in self._state_owners():
            for name, (values, _size) in owner._full_state().items():
                if role == "synapses" and name in _STATIC_SYNAPSE_STATE:
                    continue  # the connectivity itself: the spec's, rebuilt identically
                arrays[f"{role}.{name}"] = values
        arrays["voltages_mv"] = self._group.variables["v"].get_value() * self._v_mv
        if self._plastic():
            arrays["weights_mv"] = self.weights_mv()
        return NetworkState(kind="brian2", tick=self._ticks_done, arrays=arrays)

    def _state_owners(self) -> list[tuple[str, b2.Group]]:
        owners: list[tuple[str, b2.Group]] = [("neurons", self._group)]
        if self._synapses is not None and self._plastic():
            owners.append(("synapses", self._synapses))
        return owners

    def _plastic(self) -> bool:
        """Weights change (STDP on recurrent synapses); static weights are not snapshotted."""
        stdp = self.network.stdp
        return self._synapses is not None and stdp is not None and stdp.enabled

    def _at_rest(self) -> None:
        """A new network's random start: ``v_init_mv``, and the OU current's first value."""
        net = self.network
        if net.v_init_mv is not None:
            v = np.asarray(net.v_init_mv, dtype=float)
            self._group.variables["v"].get_value()[:] = v / self._v_mv
        if self._noise is not None and self._noise.stateful:
            eta = initial_eta(self._noise.noise, net.n_neurons, net.tau_m_ms)
            self._group.variables["eta"].get_value()[:] = eta

    def _restore(self, state: NetworkState) -> None:
        """Set the state captured by ``snapshot`` and the network time, before the run starts."""
        if state.kind != "brian2":
            raise ValueError(f"cannot restore a '{state.kind}' network state into brian2")
        for role, owner in self._state_owners():
            prefix = f"{role}."
            owner._restore_from_full_state(
                {
                    key[len(prefix) :]: (np.asarray(values), len(values))
                    for key, values in state.arrays.items()
                    if key.startswith(prefix)
                }
            )
        k = state.tick
        self._net.t_ = k * self._spt * self._dt_s
        self._steps = k * self._spt
        self._boundaries = k
        self._ticks_done = k

    def weights_mv(self) -> np.ndarray:
        """Current recurrent weights, mV, in the order of ``network.pre`` / ``network.post``."""
        if self._synapses is None:
            return np.zeros(0)
        return self._synapses.variables["w"].get_value() * self._v_mv

    def identity(self) -> dict[str, str]:
        return {"codegen_target": self._target, "timing": self._timing}

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
        except BaseException as error:  # surfaced in advance()
            self._outbox.put(_Failure(error))

    def _step(self) -> None:
        """The network operation: every step, in the simulation thread: the hand-off at tick
        starts, then the step's noise current."""
        step = self._steps
        self._steps = step + 1
        if step % self._spt == 0 and not self._boundary():
            return
        if self._noise is not None:
            values = self._group.variables
            eta = values["eta"].get_value() if self._noise.stateful else None
            target, factor = self._noise_to
            values[target].get_value()[:] = self._noise.current(step, eta) * factor

    def _boundary(self) -> bool:
        """A tick boundary: report the tick done, take the next drive; False when stopping."""
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

    def _apply(self, drive_mv: np.ndarray) -> None:
        net = self.network
        kicked = None
        if net.drive_mode == "kick":
            v = self._group.variables["v"].get_value() * self._v_mv
            kicked = kick(v, drive_mv, net.kick_cap_mv)
        brian2_models.drive(self._group, net, self._timing, drive_mv, kicked)
