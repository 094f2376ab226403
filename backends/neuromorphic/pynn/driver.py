"""What a PyNN simulator driver does inside the worker process: one network, tick after tick.

A driver builds the network in its constructor (``ValueError`` with a one-line reason when the
simulator cannot run it) and then only exchanges numbers:

    tick(drive_mv) -> (neurons, steps, voltages_mv)   one tick; steps relative to the tick's
                                                       start, on the dt grid, in [0, steps_per_tick)
    weights_mv() -> (S,)                               the recurrent weights as the simulator
                                                       holds them, in NetworkSpec order
    identity() -> {str: str}                           for the ledger
    close()                                            end the simulator (idempotent)

``DRIVERS`` names the class of each ``spiking.pynn.simulator``; the worker imports it there.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np

from backends.neuromorphic.pynn.config import PynnOptions
from orchestrator.contract.spiking import NetworkSpec

__all__ = ["DRIVERS", "Driver", "Tick", "refuse_unsupported", "spec_order"]

Tick = tuple[np.ndarray, np.ndarray, np.ndarray]

DRIVERS: dict[str, str] = {
    "nest": "backends.neuromorphic.pynn.nest_driver:NestDriver",
    "spinnaker": "backends.neuromorphic.pynn.pynn_driver:PynnApiDriver",
}


class Driver(ABC):
    """One network on one simulator (subclasses are final)."""

    def __init__(self, network: NetworkSpec, options: PynnOptions) -> None:
        self.network = network
        self.options = options

    @abstractmethod
    def tick(self, drive_mv: np.ndarray) -> Tick:
        """Simulate one tick with ``drive_mv`` (N,), checked by the caller; see the module."""

    @abstractmethod
    def weights_mv(self) -> np.ndarray:
        """The recurrent weights the simulator holds (mV), in ``network.pre``/``post`` order."""

    def identity(self) -> dict[str, str]:
        return {}

    def close(self) -> None:  # noqa: B027 - optional hook
        """End the simulator. Idempotent."""


def spec_order(pre: np.ndarray, post: np.ndarray, net: NetworkSpec) -> np.ndarray:
    """For each synapse of ``net`` (spec order), the index of the same (pre, post) pair in the
    simulator's listing ``pre``, ``post`` (both (S,), any order). ``RuntimeError`` when the
    simulator holds other synapses than the spec."""
    theirs = np.lexsort((post, pre))
    ours = np.lexsort((net.post, net.pre))
    if pre.size != net.pre.size or not (
        np.array_equal(pre[theirs], net.pre[ours]) and np.array_equal(post[theirs], net.post[ours])
    ):
        raise RuntimeError("the simulator holds other synapses than the network specification")
    out = np.empty(pre.size, dtype=np.int64)
    out[ours] = theirs
    return out


def refuse_unsupported(net: NetworkSpec) -> None:
    """``ValueError`` for what the pynn backend does not run (see ``config.PynnConfig``)."""
    if net.stdp is not None and net.stdp.enabled:
        raise ValueError(
            "stdp.enabled: the pynn backend runs static synapses only; set stdp.enabled: false"
        )
    if net.start is not None:
        raise ValueError("the pynn backend cannot restore a network state (it cannot snapshot)")
    if net.noise is not None:
        raise ValueError("noise: the pynn backend has no noise current; leave noise out")
    if net.v_init_mv is not None:
        raise ValueError("v_init: the pynn backend starts every neuron at rest; leave v_init out")
