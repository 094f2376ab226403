"""NEST through PyNN: the network as PyNN ``IF_curr_delta`` cells (``iaf_psc_delta``), stepped
with one ``nest.Simulate(tick_ms)`` per tick. Runs inside the worker process (``worker``).

What goes through PyNN: ``setup`` (resolution, min_delay = dt, on-grid spikes, threads) and the
``Population`` with the standard parameters of ``mapping.cell_mapping``, translated to NEST's
by PyNN's own table (cm -> C_m x 1000, i_offset -> I_e x 1000, ...). What goes to NEST directly,
because PyNN's generic path costs too much per tick or is wrong for this cell type (measured on
NEST 3.10 / PyNN 0.13, N = 1000, 2 busy cores):

- synapses: one ``nest.Connect`` of the (pre, post, weight) arrays, one-to-one, delay dt
  (PyNN's ``FromListConnector`` took ~7 s for 100k synapses);
- the drive: I_e of every neuron in one call of NEST's low-level ``llapi_set_nc_status``
  (~4 ms at N = 1000, against ~60 ms for ``Population.set`` or ``NodeCollection.set``, which
  query every node's status first);
- V at the start (and at every kick): V_m the same way (PyNN 0.13's IF_curr_delta for NEST has
  no ``v`` -> ``V_m`` map: ``initialize(v=...)`` is dropped with a warning, and ``v`` cannot be
  recorded);
- spikes: a ``spike_recorder`` (arrays; NEST stamps a spike of step s, the step covering
  (s dt, (s + 1) dt], at (s + 1) dt);
- V at the tick's end: reading V_m of every node costs ~50 us a node, so it is computed
  instead. A ``multimeter`` samples V_m once a tick, after the tick's last-but-one step (a
  sample reaches the multimeter one step after it is taken, so the last step's would arrive in
  the next tick), and the last step is done again here exactly as ``iaf_psc_delta::update``
  does it::

      refractory (last spike s with 1 <= e - s <= t_ref/dt):  V = V_before
      otherwise:  V = P30 (0 + I_e) + P33 V_before + (sum of w of spikes of step e - 1)
      spiked in step e:  V = V_reset

  with P33 = exp(-dt/tau_m), P30 = 1/C_m (1 - P33) tau_m in NEST's order of operations. Equal
  to NEST's own V_m (tests compare it with ``GetStatus``), up to the order in which several
  inputs of one step are summed.
"""

from __future__ import annotations

import math
from typing import final

import nest
import numpy as np
import pyNN
import pyNN.nest as sim
from nest import nestkernel_api

from backends.neuromorphic.common.drive import kick
from backends.neuromorphic.pynn.config import PynnOptions
from backends.neuromorphic.pynn.driver import Driver, Tick, refuse_unsupported, spec_order
from backends.neuromorphic.pynn.mapping import cell_mapping
from orchestrator.contract.spiking import NetworkSpec

__all__ = ["NestDriver"]


def _set_each(nodes: nest.NodeCollection, key: str, values: np.ndarray) -> None:
    """Set ``key`` of node i to ``values[i]`` in one low-level call (see the module)."""
    nestkernel_api.llapi_set_nc_status(nodes._datum, [{key: float(v)} for v in values])


def _clear(recorder: nest.NodeCollection) -> None:
    """Forget a recorder's events (``NodeCollection.set`` would fetch them all first)."""
    nestkernel_api.llapi_set_nc_status(recorder._datum, [{"n_events": 0}])


@final
class NestDriver(Driver):
    """The §3.2 network on NEST; see the module docstring."""

    def __init__(self, network: NetworkSpec, options: PynnOptions) -> None:
        super().__init__(network, options)
        refuse_unsupported(network)
        net = network
        dt = net.dt_ms
        n = net.n_neurons
        self._spt = net.steps_per_tick
        sim.setup(
            timestep=dt,
            min_delay=dt,
            max_delay=2 * dt,
            spike_precision="on_grid",
            threads=options.threads,
            verbosity="error",
        )
        self._mapping = cell_mapping(net)
        self._population = sim.Population(n, sim.IF_curr_delta(**self._mapping.parameters))
        nodes = self._population.node_collection
        self._nodes = nodes
        self._first = nodes[0].global_id
        if len(nodes) != n or nodes[n - 1].global_id != self._first + n - 1:
            raise RuntimeError("NEST did not create the neurons as one contiguous block")
        nestkernel_api.llapi_set_nc_status(nodes._datum, [{"V_m": 0.0}])
        cell = nodes[0].get(["tau_m", "C_m", "V_reset", "V_th", "t_ref"])
        self._h = float(nest.resolution)
        self._p33 = math.exp(-self._h / cell["tau_m"])
        self._p30 = 1 / cell["C_m"] * (1 - self._p33) * cell["tau_m"]
        self._v_reset = float(cell["V_reset"])
        self._hold = round(cell["t_ref"] / self._h)
        # PyNN's table: I_e (pA) per i_offset (nA)
        self._pa_per_na = _linear_scale(self._population.celltype, "i_offset", "I_e")

        pre = np.asarray(net.pre, dtype=np.int64)
        post = np.asarray(net.post, dtype=np.int64)
        weights = np.asarray(net.weight_mv, dtype=float)
        if pre.size:
            nest.Connect(
                pre + self._first,
                post + self._first,
                "one_to_one",
                syn_spec={
                    "synapse_model": "static_synapse",
                    "weight": weights,
                    "delay": np.full(pre.size, dt),
                },
            )
        by_pre = np.argsort(pre, kind="stable")
        self._targets = post[by_pre]
        self._target_w = weights[by_pre]
        self._out_start = np.searchsorted(pre[by_pre], np.arange(n + 1))

        self._spikes = nest.Create("spike_recorder")
        nest.Connect(nodes, self._spikes, syn_spec={"delay": dt})
        self._meter = None
        if self._spt >= 2:
            tick_ms = net.tick_ms
            self._meter = nest.Create(
                "multimeter",
                params={"record_from": ["V_m"], "interval": tick_ms, "offset": tick_ms - dt},
            )
            nest.Connect(self._meter, nodes, syn_spec={"delay": dt})
        self._ticks = 0
        self._v = np.zeros(n)
        self._i_e = np.zeros(n)
        self._last_spike = np.full(n, -(1 << 62), dtype=np.int64)
        self._last_step_spikers = np.zeros(0, dtype=np.int64)
        self._weights: np.ndarray | None = None
        self._closed = False

    def tick(self, drive_mv: np.ndarray) -> Tick:
        net = self.network
        n = net.n_neurons
        k = self._ticks
        if net.drive_mode == "current":
            self._i_e = self._mapping.i_offset_na(drive_mv) * self._pa_per_na
            _set_each(self._nodes, "I_e", self._i_e)
            v_start = self._v
        else:
            v_start = kick(self._v, drive_mv, net.kick_cap_mv)
            _set_each(self._nodes, "V_m", v_start)
        nest.Simulate(net.tick_ms)

        events = self._spikes.get("events")
        _clear(self._spikes)
        ids = np.asarray(events["senders"], dtype=np.int64) - self._first
        steps = np.rint(np.asarray(events["times"]) / self._h).astype(np.int64) - 1
        end = (k + 1) * self._spt - 1
        local = steps - k * self._spt
        if local.size and (local.min() < 0 or local.max() >= self._spt):
            raise RuntimeError(f"NEST reported spikes outside tick {k}")
        np.maximum.at(self._last_spike, ids, steps)

        if self._meter is not None:
            sample = self._meter.get("events")
            _clear(self._meter)
            v_before = np.empty(n)
            v_before[np.asarray(sample["senders"], dtype=np.int64) - self._first] = sample["V_m"]
            spikers = np.sort(ids[steps == end - 1])
        else:
            v_before = v_start
            spikers = self._last_step_spikers
        self._v = self._end_voltages(v_before, spikers, end)
        self._last_step_spikers = np.sort(ids[steps == end])
        self._ticks = k + 1
        order = np.lexsort((ids, local))
        return ids[order], local[order], self._v.copy()

    def _end_voltages(self, v_before: np.ndarray, spikers: np.ndarray, end: int) -> np.ndarray:
        """V after step ``end`` from V after step ``end - 1`` (see the module docstring)."""
        inputs = np.zeros(self.network.n_neurons)
        if spikers.size:  # the outgoing synapses of every spiker, in pre order
            starts = self._out_start[spikers]
            counts = self._out_start[spikers + 1] - starts
            index = np.repeat(starts - np.cumsum(counts) + counts, counts) + np.arange(
                counts.sum()
            )
            np.add.at(inputs, self._targets[index], self._target_w[index])
        v = self._p30 * (0.0 + self._i_e) + self._p33 * v_before + inputs
        since = end - self._last_spike
        v = np.where((since >= 1) & (since <= self._hold), v_before, v)
        return np.where(since == 0, self._v_reset, v)

    def weights_mv(self) -> np.ndarray:
        """The weights NEST holds (read once: static synapses), in spec order."""
        if self._weights is None:
            net = self.network
            if not len(net.pre):
                return np.zeros(0)
            held = nest.GetConnections(source=self._nodes, target=self._nodes).get(
                ["source", "target", "weight"]
            )
            pre = np.asarray(held["source"], dtype=np.int64) - self._first
            post = np.asarray(held["target"], dtype=np.int64) - self._first
            order = spec_order(pre, post, net)
            self._weights = np.asarray(held["weight"], dtype=float)[order]
        return self._weights.copy()

    def identity(self) -> dict[str, str]:
        return {
            "simulator": "nest",
            "nest": str(nest.__version__),
            "pyNN": pyNN.__version__,
            "cell": "IF_curr_delta (iaf_psc_delta)",
            "threads": str(self.options.threads),
        }

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            sim.end()


def _linear_scale(celltype: object, standard: str, native: str) -> float:
    """Native units per standard unit of a parameter PyNN translates linearly."""
    from pyNN.parameters import ParameterSpace

    def native_of(x: float) -> float:
        space = ParameterSpace({standard: x}, schema=celltype.get_schema(), shape=(1,))
        out = celltype.translate(space)
        out.evaluate()
        return float(out[native][0])

    scale = native_of(1.0)
    if native_of(2.0) != 2.0 * scale:
        raise RuntimeError(f"PyNN's translation of {standard} -> {native} is not linear")
    return scale
