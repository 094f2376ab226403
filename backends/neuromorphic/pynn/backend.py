"""PyNN backend: the §3.2 network as PyNN cells in a worker process, one tick per ``advance``.

The driver of ``spiking.pynn.simulator`` (``driver.DRIVERS``: NEST, or sPyNNaker for a
SpiNNaker board) builds the network once in its worker process (``worker``); a tick sends the
drive there and gets the tick's spikes and end voltages back. Model and units:
``mapping`` (PyNN's IF_curr_delta, delta synapses of one step's delay). Drive per tick:
``current`` sets every neuron's offset current to the drive's for the whole tick; ``kick``
keeps it at 0 and sets V <- kick(V, d, cap) once at tick start (``common.drive.kick``).

Splitting a run into ticks does not change the spikes: the simulator continues the same
network (NEST's ``Simulate`` resumes its kernel where it stopped, the spikes in flight
included). Capabilities: weights (read back from the simulator), no snapshot, no STDP
(``config``).
"""

from __future__ import annotations

from typing import final

import numpy as np

from backends.neuromorphic.pynn.config import PynnConfig
from backends.neuromorphic.pynn.driver import refuse_unsupported
from backends.neuromorphic.pynn.worker import Session, WorkerSession
from orchestrator.contract.spiking import NetworkSpec, SpikingBackend
from orchestrator.physics.tick_io import SpikeWindow

__all__ = ["PynnBackend", "open_session"]


def open_session(network: NetworkSpec, config: PynnConfig) -> Session:
    """The driver of ``config`` holding ``network``, in its own worker process."""
    return WorkerSession(network, config.pynn)


@final
class PynnBackend(SpikingBackend):
    """The §3.2 network on NEST or SpiNNaker through PyNN; see the module docstring."""

    def __init__(self, config: PynnConfig, network: NetworkSpec) -> None:
        super().__init__(config, network)
        refuse_unsupported(network)  # before a worker starts
        self._session = open_session(network, config)
        self._ticks = 0
        self._closed = False

    def advance(self, drive_mv: np.ndarray) -> SpikeWindow:
        drive = np.asarray(drive_mv, dtype=float)
        n = self.network.n_neurons
        if drive.shape != (n,) or not np.all(np.isfinite(drive)):
            raise ValueError(f"drive_mv must be {n} finite values (got shape {drive.shape})")
        if self._closed:
            raise RuntimeError("pynn backend is closed")
        neurons, steps, voltages = self._session.call("advance", drive)
        k = self._ticks
        self._ticks = k + 1
        return SpikeWindow(
            t0_ms=k * self.network.tick_ms,
            neurons=np.asarray(neurons, dtype=np.int64),
            times_ms=np.asarray(steps, dtype=np.int64) * self.network.dt_ms,
            voltages_mv=np.asarray(voltages, dtype=float),
        )

    def weights_mv(self) -> np.ndarray:
        if self._closed:
            raise RuntimeError("pynn backend is closed")
        return np.asarray(self._session.call("weights"), dtype=float)

    def identity(self) -> dict[str, str]:
        return dict(self._session.identity)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._session.close()
