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

Ticks: one continuous run in a thread, handed off at tick boundaries
(``backends.neuromorphic.brian2.ticking``); the SpikeMonitor is read by offset and emptied
once ~1M spikes have been read, so memory stays bounded.
"""

from __future__ import annotations

from typing import final

import numpy as np

from backends.neuromorphic.brian2 import models as brian2_models
from backends.neuromorphic.brian2.config import Brian2Config
from backends.neuromorphic.brian2.sdk import b2
from backends.neuromorphic.brian2.ticking import (
    SCHEDULE,
    SpikeReader,
    TickedBrian2,
    code_object_class,
    quiet_brian,
)
from backends.neuromorphic.common.drive import kick
from backends.neuromorphic.common.noise import NoiseSource, initial_eta
from orchestrator.contract.spiking import NetworkSpec, NetworkState
from orchestrator.physics.tick_io import SpikeWindow

__all__ = ["SCHEDULE", "Brian2Backend", "build_objects", "code_object_class", "kick"]

_STATIC_SYNAPSE_STATE = frozenset(
    {"_synaptic_pre", "_synaptic_post", "N_incoming", "N_outgoing", "delay", "N"}
)


def _own_arrays(owner: b2.Group, skip: frozenset[str]) -> list[tuple[str, np.ndarray]]:
    """Every array ``owner`` owns but those named in ``skip``, in Brian2's order (the live
    arrays, uncopied: read them only while the simulation waits at a boundary).

    What ``owner._full_state()`` copies (the arrays ``_restore_from_full_state`` sets back),
    less ``skip``, which is left out before it is copied: at 10^7 synapses the connectivity
    the snapshot drops is 80 MB of copying per tick (issue 25 item 3; design §7).
    """
    arrays = []
    for var in owner.variables.values():
        if not isinstance(var, b2.core.variables.ArrayVariable) or var.name in skip:
            continue
        if var.owner is None or var.owner.name != owner.name:
            continue  # another object's array (a group's seen from its synapses)
        arrays.append((var.name, var.get_value()))
    return arrays


def _fits(spare: np.ndarray | None, like: np.ndarray) -> bool:
    return (
        isinstance(spare, np.ndarray)
        and spare.shape == like.shape
        and spare.dtype == like.dtype
        and spare.flags.c_contiguous
        and spare.flags.writeable
    )


def _copy(values: np.ndarray, spare: np.ndarray | None) -> np.ndarray:
    """A copy of ``values``, written into ``spare`` when it fits (no new allocation)."""
    if _fits(spare, values):
        assert spare is not None
        np.copyto(spare, values)
        return spare
    return values.copy()


def _scaled(values: np.ndarray, factor: float, spare: np.ndarray | None) -> np.ndarray:
    """``values * factor`` (the same ufunc, so the same bits), into ``spare`` when it fits."""
    if _fits(spare, values):
        return np.multiply(values, factor, out=spare)
    return values * factor


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
class Brian2Backend(TickedBrian2):
    """The §3.2 network in Brian2 (runtime device, numpy or cython code), one persistent run."""

    def __init__(self, config: Brian2Config, network: NetworkSpec) -> None:
        super().__init__(config, network)
        quiet_brian()
        self._target = config.brian2.codegen_target
        codeobj = code_object_class(self._target)
        clock = b2.Clock(dt=network.dt_ms * b2.ms)  # one clock: Brian2's single-clock loop
        self._timing = config.brian2.timing
        self._v_mv = brian2_models.voltage_scale(self._timing)
        self._group, self._monitor, self._synapses = build_objects(
            network, clock, codeobj, self._timing
        )
        objects: list[object] = [self._group, self._monitor]
        if self._synapses is not None:
            objects.append(self._synapses)
        self._build_run(objects, clock)
        self._spikes = SpikeReader(self._monitor, self._dt_s, self._spt)
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
        else:
            self._at_rest()
        self._start()

    def advance(self, drive_mv: np.ndarray) -> SpikeWindow:
        drive = np.asarray(drive_mv, dtype=float)
        n = self.network.n_neurons
        if drive.shape != (n,) or not np.all(np.isfinite(drive)):
            raise ValueError(f"drive_mv must be {n} finite values (got shape {drive.shape})")
        k = self._exchange(drive)
        # The simulation thread is blocked now: its arrays are safe to read.
        neurons, steps = self._spikes.read(k)
        voltages = self._group.variables["v"].get_value() * self._v_mv
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
        return self.snapshot_reusing(None)

    def snapshot_reusing(self, spare: NetworkState | None) -> NetworkState:
        """``snapshot()`` copied into ``spare``'s arrays where name, shape and dtype match."""
        self._check_state()
        old = spare.arrays if spare is not None and spare.kind == "brian2" else {}
        arrays: dict[str, np.ndarray] = {}
        for role, owner in self._state_owners():
            static = _STATIC_SYNAPSE_STATE if role == "synapses" else frozenset()
            for name, values in _own_arrays(owner, static):
                key = f"{role}.{name}"
                arrays[key] = _copy(values, old.get(key))
        v = self._group.variables["v"].get_value()
        arrays["voltages_mv"] = _scaled(v, self._v_mv, old.get("voltages_mv"))
        if self._plastic():
            assert self._synapses is not None
            w = self._synapses.variables["w"].get_value()
            arrays["weights_mv"] = _scaled(w, self._v_mv, old.get("weights_mv"))
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
        self._continue_from(state.tick)

    def weights_mv(self) -> np.ndarray:
        """Current recurrent weights, mV, in the order of ``network.pre`` / ``network.post``."""
        if self._synapses is None:
            return np.zeros(0)
        return self._synapses.variables["w"].get_value() * self._v_mv

    def identity(self) -> dict[str, str]:
        return {"codegen_target": self._target, "timing": self._timing}

    def _every_step(self, step: int) -> None:
        """The step's noise current (after a boundary's hand-off, so a snapshot taken at the
        boundary holds the OU current of the tick's end)."""
        if self._noise is None:
            return
        values = self._group.variables
        eta = values["eta"].get_value() if self._noise.stateful else None
        target, factor = self._noise_to
        values[target].get_value()[:] = self._noise.current(step, eta) * factor

    def _apply(self, message: object) -> None:
        drive_mv = message
        assert isinstance(drive_mv, np.ndarray)
        net = self.network
        kicked = None
        if net.drive_mode == "kick":
            v = self._group.variables["v"].get_value() * self._v_mv
            kicked = kick(v, drive_mv, net.kick_cap_mv)
        brian2_models.drive(self._group, net, self._timing, drive_mv, kicked)
