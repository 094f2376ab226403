"""A stand-in for ``pyNN.spiNNaker`` (sPyNNaker and its board), for the SpiNNaker path's tests.

No SpiNNaker board can be reached from here, so the tests that name ``mocked_board`` put this
module where ``pyNN.spiNNaker`` would be. It implements the part of PyNN's API the driver uses
(``setup``, ``end``, ``run``, ``Population`` with ``set``/``initialize``/``record``/
``get_data``, ``Projection`` with ``FromListConnector`` and ``get``, ``IF_curr_delta``,
``StaticSynapse``, ``set_number_of_neurons_per_core``) over its own small simulation of PyNN's
standard ``IF_curr_delta`` cell, written from PyNN's definition in PyNN's units (mV, ms, nA,
nF), independently of the backends:

    V <- R I + (V - R I) e^{-dt/tau_m}, R I = i_offset tau_m / cm       (not while held)
    V += sum of arriving weights (after the update; dropped while held)
    V >= v_thresh -> spike, V = v_reset, held for tau_refrac / dt steps
    a spike of step s arrives in step s + delay / dt

It records what sPyNNaker records, with sPyNNaker's conventions as the driver assumes them: a
spike of step s at time s dt, V after each step's update at time s dt. ``CALLS`` keeps the
calls that only a board would see (setup keywords, neurons per core), for the tests to check.
"""

from __future__ import annotations

from typing import Any

import neo
import numpy as np
import quantities as pq

CALLS: list[tuple[str, Any]] = []
_populations: list[Population] = []
_projections: list[Projection] = []
_dt = 1.0
_t_steps = 0


def setup(timestep: float = 1.0, min_delay: float | str = "auto", **extra: Any) -> None:
    global _dt, _t_steps
    CALLS.append(("setup", {"timestep": timestep, "min_delay": min_delay, **extra}))
    _dt, _t_steps = float(timestep), 0
    _populations.clear()
    _projections.clear()


def end() -> None:
    CALLS.append(("end", None))


def set_number_of_neurons_per_core(celltype: type, n: int) -> None:
    CALLS.append(("neurons_per_core", (celltype.__name__, n)))


class IF_curr_delta:
    def __init__(self, **parameters: float) -> None:
        self.parameters = parameters


class StaticSynapse:
    def __init__(self, **parameters: float) -> None:
        self.parameters = parameters


class FromListConnector:
    def __init__(self, rows: np.ndarray, column_names: list[str]) -> None:
        self.rows = np.asarray(rows, dtype=float)
        self.column_names = list(column_names)


class Population:
    def __init__(
        self,
        size: int,
        cell: IF_curr_delta,
        initial_values: dict[str, float] | None = None,
        label: str | None = None,
    ) -> None:
        p = {k: np.full(size, float(v)) for k, v in cell.parameters.items()}
        self.p = p
        self.size = size
        self.v = np.full(size, float((initial_values or {}).get("v", -65.0)))
        self.hold = np.zeros(size, dtype=np.int64)
        self.arriving: dict[int, np.ndarray] = {}
        self.recorded: list[str] = []
        self._spikes: list[tuple[int, int]] = []
        self._v: list[tuple[int, np.ndarray]] = []
        _populations.append(self)

    def set(self, **parameters: Any) -> None:
        for name, values in parameters.items():
            self.p[name] = np.broadcast_to(np.asarray(values, dtype=float), (self.size,)).copy()

    def initialize(self, v: Any) -> None:
        self.v = np.broadcast_to(np.asarray(v, dtype=float), (self.size,)).copy()

    def record(self, variables: list[str]) -> None:
        self.recorded = list(variables)

    def step(self, s: int) -> np.ndarray:
        p = self.p
        decay = np.exp(-_dt / p["tau_m"])
        ri = p["i_offset"] * p["tau_m"] / p["cm"]
        free = self.hold == 0
        inputs = self.arriving.pop(s, np.zeros(self.size))
        self.v = np.where(free, ri + (self.v - ri) * decay + inputs, self.v)
        self.hold = np.where(free, 0, self.hold - 1)
        fired = self.v >= p["v_thresh"]
        self.v = np.where(fired, p["v_reset"], self.v)
        self.hold = np.where(fired, np.rint(p["tau_refrac"] / _dt).astype(np.int64), self.hold)
        self._spikes += [(int(i), s) for i in np.flatnonzero(fired)]
        self._v.append((s, self.v.copy()))
        return np.flatnonzero(fired)

    def get_data(self, variables: list[str], clear: bool = False) -> neo.Block:
        segment = neo.Segment()
        for i in range(self.size):
            steps = [s for j, s in self._spikes if j == i]
            segment.spiketrains.append(
                neo.SpikeTrain(
                    np.array(steps, dtype=float) * _dt * pq.ms,
                    t_stop=(_t_steps + 1) * _dt * pq.ms,
                    source_index=i,
                )
            )
        rows = np.array([v for _, v in self._v]).reshape(-1, self.size)
        signal = neo.AnalogSignal(
            rows * pq.mV,
            sampling_period=_dt * pq.ms,
            name="v",
            array_annotations={"channel_index": np.arange(self.size)},
        )
        segment.analogsignals.append(signal)
        if clear:
            self._spikes, self._v = [], []
        block = neo.Block()
        block.segments.append(segment)
        return block


class Projection:
    def __init__(
        self,
        pre: Population,
        post: Population,
        connector: FromListConnector,
        synapse_type: StaticSynapse,
        receptor_type: str,
    ) -> None:
        rows = connector.rows
        columns = ["i", "j", *connector.column_names]
        self.i, self.j = rows[:, 0].astype(np.int64), rows[:, 1].astype(np.int64)
        self.w = rows[:, columns.index("weight")]
        self.delay = np.rint(rows[:, columns.index("delay")] / _dt).astype(np.int64)
        sign = np.sign(self.w[self.w != 0])
        if receptor_type == "excitatory" and np.any(sign < 0):
            raise ValueError("excitatory weights must be positive")
        if receptor_type == "inhibitory" and np.any(sign > 0):
            raise ValueError("inhibitory weights of current synapses must be negative")
        self.post = post
        _projections.append(self)

    def deliver(self, fired: np.ndarray, s: int) -> None:
        for k in np.flatnonzero(np.isin(self.i, fired)):
            when = s + int(self.delay[k])
            inputs = self.post.arriving.setdefault(when, np.zeros(self.post.size))
            inputs[self.j[k]] += self.w[k]

    def get(self, name: str, format: str, with_address: bool) -> list[tuple]:
        assert (name, format, with_address) == ("weight", "list", True)
        return list(zip(self.i.tolist(), self.j.tolist(), self.w.tolist()))


def run(duration_ms: float) -> None:
    global _t_steps
    for s in range(_t_steps, _t_steps + round(duration_ms / _dt)):
        fired = {id(p): p.step(s) for p in _populations}
        for projection in _projections:
            projection.deliver(fired[id(projection.post)], s)
    _t_steps += round(duration_ms / _dt)
