"""Any PyNN simulator through PyNN's API alone: the SpiNNaker path (sPyNNaker).

The network is built and run with PyNN calls only, so it runs wherever ``pyNN.<simulator>``
implements the standard API; the board is the one sPyNNaker finds in ``~/.spynnaker.cfg``::

    setup(timestep=dt, min_delay=dt[, time_scale_factor])
    set_number_of_neurons_per_core(IF_curr_delta, n)      (spiking.pynn.neurons_per_core)
    Population(N, IF_curr_delta(**mapping.cell_mapping), initial_values={"v": 0})
    Projection(pop, pop, FromListConnector([(i, j, w, dt)]), StaticSynapse(),
               receptor_type="excitatory" | "inhibitory")         (one per sign of w)
    record(["spikes", "v"])
    per tick: set(i_offset=...) (current) or initialize(v=...) (kick); run(tick_ms);
              get_data(["spikes", "v"], clear=True)
    weights:  Projection.get("weight", format="list", with_address=True)

Reading a tick back. A spike time t belongs to step round(t / dt) of the run, i.e. the time of
a step's start: sPyNNaker's neurons count their timer ticks from 0 and record a spike at the
tick it happens in (the recorded time is tick x timestep). V is recorded every step and the
tick's last sample is its end voltage. Both conventions are read from sPyNNaker's design, not
checked on a board here (none can be reached): ``tests/backends/neuromorphic/pynn/
test_spinnaker_mocked.py`` runs this driver against a stand-in of the module that follows them.
"""

from __future__ import annotations

import contextlib
import importlib
import importlib.metadata
from typing import Any, final

import numpy as np
import pyNN

from backends.neuromorphic.common.drive import kick
from backends.neuromorphic.pynn.config import SIMULATORS, PynnOptions
from backends.neuromorphic.pynn.driver import Driver, Tick, refuse_unsupported, spec_order
from backends.neuromorphic.pynn.mapping import cell_mapping, projections
from orchestrator.contract.spiking import NetworkSpec

__all__ = ["PynnApiDriver"]


@final
class PynnApiDriver(Driver):
    """The §3.2 network through PyNN's API (sPyNNaker); see the module docstring."""

    def __init__(self, network: NetworkSpec, options: PynnOptions) -> None:
        super().__init__(network, options)
        refuse_unsupported(network)
        net = network
        dt = net.dt_ms
        self._module = SIMULATORS[options.simulator][0]
        sim: Any = importlib.import_module(self._module)
        self._sim = sim
        extra = {}
        if options.time_scale_factor is not None:
            extra["time_scale_factor"] = options.time_scale_factor
        sim.setup(timestep=dt, min_delay=dt, **extra)
        if options.neurons_per_core is not None:
            sim.set_number_of_neurons_per_core(sim.IF_curr_delta, options.neurons_per_core)
        self._mapping = cell_mapping(net)
        self._population = sim.Population(
            net.n_neurons,
            sim.IF_curr_delta(**self._mapping.parameters),
            initial_values={"v": 0.0},
            label="qnf",
        )
        self._projections = []
        for receptor, index in projections(net):
            rows = np.column_stack(
                [net.pre[index], net.post[index], net.weight_mv[index], np.full(index.size, dt)]
            )
            self._projections.append(
                sim.Projection(
                    self._population,
                    self._population,
                    sim.FromListConnector(rows, column_names=["weight", "delay"]),
                    synapse_type=sim.StaticSynapse(),
                    receptor_type=receptor,
                )
            )
        self._population.record(["spikes", "v"])
        self._v = np.zeros(net.n_neurons)
        self._ticks = 0
        self._closed = False

    def tick(self, drive_mv: np.ndarray) -> Tick:
        net = self.network
        k = self._ticks
        if net.drive_mode == "current":
            self._population.set(i_offset=self._mapping.i_offset_na(drive_mv))
        else:
            self._population.initialize(v=kick(self._v, drive_mv, net.kick_cap_mv))
        self._sim.run(net.tick_ms)
        segment = self._population.get_data(["spikes", "v"], clear=True).segments[-1]
        ids, steps = [], []
        for train in segment.spiketrains:
            times = np.asarray(train.rescale("ms").magnitude, dtype=float)
            steps.append(np.rint(times / net.dt_ms).astype(np.int64) - k * net.steps_per_tick)
            ids.append(np.full(times.size, int(train.annotations["source_index"])))
        neurons = np.concatenate(ids) if ids else np.zeros(0, dtype=np.int64)
        local = np.concatenate(steps) if steps else np.zeros(0, dtype=np.int64)
        if local.size and (local.min() < 0 or local.max() >= net.steps_per_tick):
            raise RuntimeError(f"{self._module} reported spikes outside tick {k}")
        (signal,) = segment.filter(name="v")
        channels = np.asarray(signal.array_annotations["channel_index"], dtype=np.int64)
        self._v = np.empty(net.n_neurons)
        self._v[channels] = np.asarray(signal.rescale("mV").magnitude)[-1]
        self._ticks = k + 1
        order = np.lexsort((neurons, local))
        return neurons[order], local[order], self._v.copy()

    def weights_mv(self) -> np.ndarray:
        net = self.network
        if not self._projections:
            return np.zeros(0)
        rows = np.concatenate(
            [
                np.asarray(p.get("weight", format="list", with_address=True), dtype=float)
                for p in self._projections
            ]
        )
        order = spec_order(rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64), net)
        return rows[order, 2]

    def identity(self) -> dict[str, str]:
        identity = {
            "simulator": self.options.simulator,
            "module": self._module,
            "pyNN": pyNN.__version__,
            "cell": "IF_curr_delta",
        }
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            identity["sPyNNaker"] = importlib.metadata.version("sPyNNaker")
        return identity

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._sim.end()
