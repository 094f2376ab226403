"""``HostBridge``: a neuron population's drive in, spikes and tick-end state out, one process.

The same mechanism as Lava's ``Injector`` and ``Extractor`` (``lava.proc.io``): ports flagged
as external pipes, which Lava's runtime connects to the host. It does the work of an
Injector, an Extractor and a ``StateTap`` in ONE Lava process, and talks to the host once
per tick instead of once per step. Lava 0.10's CPU runtime synchronises every process on every
step (a command and a reply per phase), and on a 2-core host each extra process costs about
0.1 ms per step whatever N (bench/lava_tick_overhead.py).

A tick of ``period`` steps, t = 1 .. period:

    t = 1       receive (first, rest) from the host: the input of step 1 and of every later step
    every t     send the input on ``a_out`` (to the neurons' ``a_in``), then receive the neurons'
                spikes of step t on ``s_in`` into row t of the tick's spike matrix
    t = period  read the state Vars through their RefPorts (``state_tap.StateReading``: v,
                u, refractory ends, Dense's buffer; one message each); send the host the spike
                matrix (period, N) and the state (rows, N), v first

Sending before receiving matters: the neurons wait for their input before they spike.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import final

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from backends.neuromorphic.lava.processes.state_tap import StateReading, add_state_refs

__all__ = ["HostBridge", "PyHostBridgeFixed", "PyHostBridgeFloat"]


@final
class HostBridge(AbstractProcess):
    """Connect ``a_out -> lif.a_in``, ``lif.s_out -> s_in``, and the ``<var>_ref`` of each
    Var named in ``state`` (``v`` first) with ``state_tap.connect_state``.

    Host side, per tick: ``send(first, rest)``; then ``receive_spikes()`` (period, N) bool and
    ``receive_state()`` (len(state), N) float64.
    """

    def __init__(self, *, shape: tuple[int, ...], period: int, state: tuple[str, ...]) -> None:
        super().__init__(shape=shape, period=int(period), state=tuple(state))
        (n,) = shape
        self.inputs = InPort(shape=(2, n))
        self.inputs.flag_external_pipe(buffer_size=2)
        self.a_out = OutPort(shape=shape)
        self.s_in = InPort(shape=shape)
        self.spikes = OutPort(shape=(int(period), n))
        self.spikes.flag_external_pipe(buffer_size=2)
        add_state_refs(self, n)
        self.state = OutPort(shape=(len(state), n))
        self.state.flag_external_pipe(buffer_size=2)

    def send(self, first: np.ndarray, rest: np.ndarray) -> None:
        self.inputs.external_pipe_csp_send_port.send(np.stack([first, rest]))

    def receive_spikes(self) -> np.ndarray:
        return self.spikes.external_pipe_csp_recv_port.recv()

    def receive_state(self) -> np.ndarray:
        return self.state.external_pipe_csp_recv_port.recv()


class _PyHostBridge(StateReading):
    """The model; subclasses fix the input's number type (``a_out``, ``_convert``)."""

    inputs: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    spikes: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    state: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)

    def __init__(self, proc_params: dict) -> None:
        super().__init__(proc_params)
        self._first = self._rest = None
        self._tick_spikes: np.ndarray | None = None

    @abstractmethod
    def _convert(self, data: np.ndarray) -> np.ndarray:
        """The host's input as the neurons take it."""

    def run_spk(self) -> None:
        k = (self.time_step - 1) % self._period
        if k == 0:
            both = self.inputs.csp_ports[-1].recv()
            self._first, self._rest = self._convert(both[0]), self._convert(both[1])
            if self._tick_spikes is None:
                self._tick_spikes = np.zeros((self._period, both.shape[1]), dtype=bool)
        self.a_out.send(self._first if k == 0 else self._rest)
        self._tick_spikes[k] = self.s_in.recv() > 0

    def run_post_mgmt(self) -> None:
        self.spikes.csp_ports[-1].send(self._tick_spikes)
        self.state.csp_ports[-1].send(self.read_state())


@final
@implements(proc=HostBridge, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyHostBridgeFloat(_PyHostBridge):
    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)

    def _convert(self, data: np.ndarray) -> np.ndarray:
        return data


@final
@implements(proc=HostBridge, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyHostBridgeFixed(_PyHostBridge):
    """Integer input (the host sends whole numbers), as Loihi's fixed-point neurons take."""

    a_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)

    def _convert(self, data: np.ndarray) -> np.ndarray:
        return np.rint(data).astype(np.int32)
