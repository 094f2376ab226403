"""An example spiking backend: the LIF network of ``NetworkSpec`` stepped in numpy.

Per integration step (dt): a neuron out of its refractory period integrates
tau_m dV/dt = -V + I exactly over the step with I held constant (V <- I + (V - I) e^{-dt/tau_m})
and adds the synaptic input that arrived (the spikes of the step before, w_ij each); V >= v_th
spikes, resets to v_reset and is held there for round(refractory_ms / dt) steps. A spike of
step s reaches its targets in step s + 1, before their threshold check, so V < v_th at every
step's end; that one-step input buffer is state, carried over tick boundaries and snapshotted.
``kick`` drive: once at tick start V <- V + d for d <= 0, V <- max(V, min(V + d, cap)) for
d > 0, no current during the tick. Static synapses, no noise, no annealer: refused when built.
"""

from __future__ import annotations

from typing import final

import numpy as np

from orchestrator.backend_api import NetworkSpec, NetworkState, SpikeWindow, SpikingBackend
from tests.examples.numpy_lif.config import REFUSES, NumpyLifConfig

__all__ = ["NumpyLifBackend"]


@final
class NumpyLifBackend(SpikingBackend):
    """A persistent LIF network in numpy; see the module docstring."""

    def __init__(self, config: NumpyLifConfig, network: NetworkSpec) -> None:
        super().__init__(config, network)
        if network.stdp is not None:
            raise ValueError(f"spiking.stdp: the numpy_lif example runs {REFUSES['stdp']}")
        if network.noise is not None:
            raise ValueError(f"spiking.noise: the numpy_lif example runs {REFUSES['noise']}")
        if network.annealer is not None:
            raise ValueError("spiking.annealer: the numpy_lif example runs LIF networks only")
        n = network.n_neurons
        self._decay = float(np.exp(-network.dt_ms / network.tau_m_ms))
        self._hold = round(network.refractory_ms / network.dt_ms)
        start = network.start
        if start is not None:
            if start.kind != config.kind:
                raise ValueError(f"spiking.kind: a '{start.kind}' state cannot start numpy_lif")
            self._tick = start.tick
            self._v = np.array(start.arrays["voltages_mv"], dtype=float)
            self._held = np.array(start.arrays["held_steps"], dtype=np.int64)
            self._input = np.array(start.arrays["input_mv"], dtype=float)
        else:
            self._tick = 0
            v_init = network.v_init_mv
            self._v = np.zeros(n) if v_init is None else np.array(v_init, dtype=float)
            self._held = np.zeros(n, dtype=np.int64)
            self._input = np.zeros(n)
        self._closed = False

    def advance(self, drive_mv: np.ndarray) -> SpikeWindow:
        if self._closed:
            raise RuntimeError("spiking backend 'numpy_lif' is closed")
        net = self.network
        drive = np.asarray(drive_mv, dtype=float)
        if drive.shape != (net.n_neurons,) or not np.all(np.isfinite(drive)):
            raise ValueError(f"drive_mv must be {net.n_neurons} finite values (mV)")
        current = drive
        if net.drive_mode == "kick":
            kicked = np.minimum(self._v + drive, net.kick_cap_mv)
            self._v = np.where(drive > 0, np.maximum(self._v, kicked), self._v + drive)
            current = np.zeros_like(drive)
        neurons, steps = [], []
        for step in range(net.steps_per_tick):
            free = self._held == 0
            moved = current + (self._v - current) * self._decay + self._input
            self._v = np.where(free, moved, self._v)
            self._held[~free] -= 1
            fired = np.flatnonzero(free & (self._v >= net.v_th_mv))
            self._v[fired] = net.v_reset_mv
            self._held[fired] = self._hold
            self._input = np.zeros(net.n_neurons)
            if len(fired):
                hit = np.isin(net.pre, fired)
                np.add.at(self._input, net.post[hit], net.weight_mv[hit])
                neurons.append(fired)
                steps.append(np.full(len(fired), step))
        t0 = self._tick * net.tick_ms
        self._tick += 1
        ids = np.concatenate(neurons) if neurons else np.zeros(0, dtype=np.int64)
        at = np.concatenate(steps) if steps else np.zeros(0, dtype=np.int64)
        return SpikeWindow(t0, ids.astype(np.int64), at * net.dt_ms, self._v.copy())

    def snapshot(self) -> NetworkState:
        arrays = {"voltages_mv": self._v, "held_steps": self._held, "input_mv": self._input}
        return NetworkState(self.config.kind, self._tick, {k: v.copy() for k, v in arrays.items()})

    def weights_mv(self) -> np.ndarray:
        return np.array(self.network.weight_mv, dtype=float)

    def identity(self) -> dict[str, str]:
        return {"integration": "exact exponential per step"}

    def close(self) -> None:
        self._closed = True
