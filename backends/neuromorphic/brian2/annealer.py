"""The spiking Ising annealer on Brian2 (``spiking.annealer``; design §20).

One ``NeuronGroup`` of N stochastic binary neurons and one ``Synapses`` object carrying the
couplings, with the dynamics of ``orchestrator.physics.annealing`` (dimensionless numbers in
mV)::

    u_k = sum_j W_kj x_j                    summed variable, before the update (order -1)
    at step t, neuron k of class colour_k == t mod C:
        fired_k = (b_k + u_k) + noise_k > 0          b_k: bias + the tick's drive
        x_k     = fired_k                            (other classes keep x)
    fired_k -> a spike (threshold ``fired``, no reset): the SpikeMonitor records it

``noise_k`` = T_s xi_{s,k} of the step's sweep s = t // C and ``phase`` = t mod C are set by the
run's per-step operation (``ticking``: the ``start`` slot) from the same seeded numbers every
backend uses (``backends.neuromorphic.common.annealer.sweep_noise``); the summed variable runs
in the ``groups`` slot before the update, so an update sees every state the previous step
left. A tick is ``steps_per_tick`` steps of the one continuous run. Read-out after a tick: the
spikes (the updates that fired), the states x (the assignment), the potentials
u = b + d + W x at the window's end, and the tick's neuron updates.

Checkpoints: x (``annealer.x``), the last drive (for the potentials reported) and the tick;
the noise is a function of (seed, sweep) and
needs no state, so a restored run continues bit for bit.
"""

from __future__ import annotations

from typing import final

import numpy as np

from backends.neuromorphic.brian2.config import Brian2Config
from backends.neuromorphic.brian2.sdk import b2
from backends.neuromorphic.brian2.ticking import (
    SpikeReader,
    TickedBrian2,
    code_object_class,
    quiet_brian,
)
from backends.neuromorphic.common.annealer import (
    DRIVE_KEY,
    STATE_KEY,
    annealer_of,
    coupling_matrix,
    initial_drive,
    initial_states,
    potentials_mv,
    sweep_noise,
)
from orchestrator.contract.spiking import NetworkSpec, NetworkState
from orchestrator.physics.annealing import updates_between
from orchestrator.physics.tick_io import SpikeWindow

__all__ = ["Brian2Annealer"]

_NEURONS = """
b : 1
noise : 1
x : 1
u : 1
fired : boolean
colour : integer (constant)
phase : integer (shared)
"""
_UPDATE = """
fired = (colour == phase) and (b + u + noise > 0)
x = x * int(colour != phase) + int(fired)
"""


@final
class Brian2Annealer(TickedBrian2):
    """The annealer network of ``NetworkSpec.annealer`` in Brian2, one continuous run."""

    def __init__(self, config: Brian2Config, network: NetworkSpec) -> None:
        super().__init__(config, network)
        if network.start is not None and network.start.kind != "brian2":
            raise ValueError(f"cannot restore a '{network.start.kind}' network state into brian2")
        self._spec = spec = annealer_of(network)
        quiet_brian()
        self._target = config.brian2.codegen_target
        codeobj = code_object_class(self._target)
        clock = b2.Clock(dt=network.dt_ms * b2.ms)
        n = network.n_neurons
        group = b2.NeuronGroup(
            n, _NEURONS, threshold="fired", reset="", clock=clock, codeobj_class=codeobj,
            name="annealer_neurons",
        )
        group.run_regularly(_UPDATE, when="groups", order=0, codeobj_class=codeobj)
        group.colour = np.asarray(spec.colours, dtype=np.int32)
        group.x = initial_states(network, spec)
        self._group = group
        monitor = b2.SpikeMonitor(group, codeobj_class=codeobj)
        objects: list[object] = [group, monitor]
        if len(network.pre):
            syn = b2.Synapses(
                group, group, "w : 1\nu_post = w * x_pre : 1 (summed)",
                clock=clock, codeobj_class=codeobj, name="annealer_couplings",
            )
            syn.connect(i=np.asarray(network.pre), j=np.asarray(network.post))
            syn.w = np.asarray(network.weight_mv, dtype=np.float64)
            objects.append(syn)
        self._coupling = coupling_matrix(network)
        self._drive = initial_drive(network)
        self._noise_sweep = -1
        self._build_run(objects, clock)
        self._spikes = SpikeReader(monitor, self._dt_s, self._spt)
        if network.start is not None:
            self._continue_from(network.start.tick)
        self._start()

    def advance(self, drive_mv: np.ndarray) -> SpikeWindow:
        drive = np.asarray(drive_mv, dtype=float)
        net = self.network
        if drive.shape != (net.n_neurons,) or not np.all(np.isfinite(drive)):
            raise ValueError(
                f"drive_mv must be {net.n_neurons} finite values (got shape {drive.shape})"
            )
        k = self._exchange(drive)
        neurons, steps = self._spikes.read(k)
        states = self._group.variables["x"].get_value().copy()
        spec = self._spec
        return SpikeWindow(
            t0_ms=k * net.tick_ms,
            neurons=neurons,
            times_ms=steps * net.dt_ms,
            voltages_mv=self._potentials(states),
            states=states.astype(np.uint8),
            neuron_updates=updates_between(
                spec.colours, spec.n_colours, k * self._spt, (k + 1) * self._spt
            ),
        )

    def snapshot(self) -> NetworkState:
        """x and the tick (the noise is a function of the seed and the sweep)."""
        self._check_state()
        x = self._group.variables["x"].get_value().astype(np.float64)
        return NetworkState(
            kind="brian2",
            tick=self._ticks_done,
            arrays={
                STATE_KEY: x,
                DRIVE_KEY: self._drive.copy(),
                "voltages_mv": self._potentials(x),
            },
        )

    def _potentials(self, x: np.ndarray) -> np.ndarray:
        return potentials_mv(self._coupling, self._spec.bias_mv + self._drive, x)

    def weights_mv(self) -> np.ndarray:
        """The couplings W (mV) in ``network.pre``/``post`` order: static, the problem's."""
        return np.asarray(self.network.weight_mv, dtype=np.float64).copy()

    def identity(self) -> dict[str, str]:
        spec = self._spec
        return {
            "codegen_target": self._target,
            "network": "annealer",
            "colours": str(spec.n_colours),
        }

    # ----------------------------------------------------------- simulation thread

    def _every_step(self, step: int) -> None:
        spec = self._spec
        sweep, phase = divmod(step, spec.n_colours)
        variables = self._group.variables
        if sweep != self._noise_sweep:
            variables["noise"].get_value()[:] = sweep_noise(spec, sweep, self.network.n_neurons)
            self._noise_sweep = sweep
        variables["phase"].get_value()[0] = phase

    def _apply(self, message: object) -> None:
        assert isinstance(message, np.ndarray)
        self._drive = message.copy()
        self._group.variables["b"].get_value()[:] = self._spec.bias_mv + message
