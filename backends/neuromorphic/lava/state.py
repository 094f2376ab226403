"""What a Lava network's state is between ticks, and its checkpoint form. No SDK.

After a blocking ``RunSteps`` every Lava process has finished the tick's last step (spiking,
learning and management phases); nothing is in flight in Lava's channels: in each step every
process receives what the others sent it in that step. What the next ticks depend on is held
in process Vars (``lava_mapping`` has the equations):

- LIF ``v`` and ``u`` (``u`` holds the last step's input; with ``du = 1`` the next step does
  not use it, but it is the neuron's state, and costs nothing to keep);
- ``LIFRefractory.refractory_period_end``: the last step of each neuron's refractory period,
  in the runtime's absolute step numbers (a neuron integrates at step t iff ``end < t``);
- Dense ``a_buff``: the synaptic input of the spikes of the tick's last step, delivered one
  step later, i.e. in the next tick's first step (the spike in flight at the boundary);
- with noise of kind ou (``processes/noisy_lif.py``), the OU current ``eta``; the noise's random
  numbers are a pure function of (seed, tick, step) (``common/noise.py``): nothing else;
- with STDP, ``LearningDense``: the weights, and the traces the rule uses (x1 and y1,
  multiplicative also x2). Its other learning Vars (x0, y0, tx, ty: spikes within an epoch)
  are cleared at the end of every epoch, and epochs are one step long, so they are empty at
  a tick boundary; the rule has no random or time-dependent part on floating point.

The host I/O processes (``HostBridge``, Lava's Injector and Extractor) hold nothing between
ticks. Every restored process starts at time step 0 again (a new runtime), so the refractory
ends are stored relative to the boundary: ``refractory_left = max(end - T, 0)`` with T the steps
the runtime has run. A neuron is refractory at the j-th step after the boundary iff
``end >= T + j`` iff ``refractory_left >= j`` (j >= 1), so restoring ``end = refractory_left``
into a runtime at step 0 continues exactly, and the stored form does not depend on how the
network got there (a resumed run writes the same checkpoint bytes as one never interrupted).

``NetworkState.arrays`` of a Lava network (floating point: float64, as Lava holds them; fixed
point: the integer registers, int64)::

    lif.v, lif.u (N,)              lif.refractory_left (N,) int64   (LIFRefractory only)
    dense.a_buff (N,)              (with recurrent synapses)
    noise.eta (N,) float64         (noise of kind ou)
    stdp.x1, stdp.y1 [, stdp.x2]   (N,) float64 (STDP)
    voltages_mv (N,)               weights_mv (S,) (STDP: Dense's weights, network.pre/post order)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from orchestrator.contract.spiking import NetworkSpec

__all__ = ["TAP_VARS", "StateLayout"]

TAP_VARS = ("v", "u", "refractory_period_end", "a_buff", "eta")
"""Lava Vars the host I/O process reads at a tick's end, in this order (those that exist)."""

_CANONICAL = {
    "v": "lif.v",
    "u": "lif.u",
    "refractory_period_end": "lif.refractory_left",
    "a_buff": "dense.a_buff",
    "eta": "noise.eta",
}


@dataclass(frozen=True)
class StateLayout:
    """Which state one network has (``network``, built with these options).

    fixed: registers are integers (fixed point). refractory: LIFRefractory. synapses: a Dense.
    traces: the STDP traces the rule uses (empty: static weights). noise_current: the
    neurons carry an OU noise current ``eta``.
    """

    n: int
    fixed: bool
    refractory: bool
    synapses: bool
    traces: tuple[str, ...]
    noise_current: bool = False

    @classmethod
    def of(cls, network: NetworkSpec, *, fixed: bool, refractory: bool) -> StateLayout:
        stdp = network.stdp
        synapses = len(network.pre) > 0
        traces: tuple[str, ...] = ()
        if synapses and stdp is not None and stdp.enabled:
            traces = ("x1", "x2", "y1") if stdp.rule == "multiplicative" else ("x1", "y1")
        ou = network.noise is not None and network.noise.kind == "ou"
        return cls(network.n_neurons, fixed, refractory, synapses, traces, ou)

    @property
    def tap_vars(self) -> tuple[str, ...]:
        """The Vars the tap reads, a subset of ``TAP_VARS`` in its order."""
        skip = {"refractory_period_end"} if not self.refractory else set()
        if not self.synapses:
            skip.add("a_buff")
        if not self.noise_current:
            skip.add("eta")
        return tuple(name for name in TAP_VARS if name not in skip)

    def names(self) -> tuple[str, ...]:
        """Every array name a state of this layout has, but ``voltages_mv``/``weights_mv``."""
        return tuple(_CANONICAL[v] for v in self.tap_vars) + tuple(f"stdp.{t}" for t in self.traces)

    def _dtype_of(self, name: str) -> type:
        """Step counts are integers; the registers are integers on fixed point; the rest float."""
        if name == "lif.refractory_left":
            return np.int64
        if name.startswith(("stdp.", "noise.")) or name.endswith("_mv") or not self.fixed:
            return np.float64
        return np.int64

    def at_rest(self) -> dict[str, np.ndarray]:
        """The state of a network never run (every Var at Lava's initial 0)."""
        return {name: np.zeros(self.n, dtype=self._dtype_of(name)) for name in self.names()}

    def from_tap(self, rows: np.ndarray, steps: int) -> dict[str, np.ndarray]:
        """The state from the tap's reading ``rows`` (one row per ``tap_vars``, as float64).

        steps: time steps the runtime has run (the refractory ends are absolute in it).
        Values read as float64 are exact: int32 registers and step numbers below 2^53.
        """
        out = {}
        for var, row in zip(self.tap_vars, rows, strict=True):
            name = _CANONICAL[var]
            if var == "refractory_period_end":
                out[name] = np.maximum(row.astype(np.int64) - steps, 0)
            else:
                out[name] = row.astype(self._dtype_of(name))
        return out

    def initial_values(self, state: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
        """The Lava Vars' initial values (tap Var name -> array) for a runtime at step 0."""
        return {var: np.asarray(state[_CANONICAL[var]]).copy() for var in self.tap_vars}

    def problems(self, state: Mapping[str, np.ndarray], n_synapses: int) -> list[str]:
        """Why ``state`` (a checkpoint's arrays) does not fit this layout; empty if it does."""
        want = {name: (self.n,) for name in self.names()}
        want["voltages_mv"] = (self.n,)
        if self.traces:
            want["weights_mv"] = (n_synapses,)
        out = []
        for name, shape in want.items():
            if name not in state:
                out.append(f"'{name}' is missing")
                continue
            value = np.asarray(state[name])
            kind = np.dtype(self._dtype_of(name)).kind
            if value.shape != shape:
                out.append(f"'{name}' has shape {value.shape}, not {shape}")
            elif value.dtype.kind != kind:
                number = "integers" if kind == "i" else "floats"
                out.append(f"'{name}' holds {value.dtype} values, not {number} (another tag?)")
        extra = sorted(set(state) - set(want))
        if extra:
            out.append(f"unexpected arrays {extra} (a network with other options?)")
        return out
