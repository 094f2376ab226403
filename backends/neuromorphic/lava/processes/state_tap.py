"""``StateTap``: reads a neuron population's state once per tick and hands it to the host.

What the backend needs after every tick: the voltages (the window's ``voltages_mv``) and, for
checkpoints, the rest of the state the next tick depends on (``backends.neuromorphic
.lava_state``): LIF ``u``, ``LIFRefractory.refractory_period_end`` and Dense's one-step buffer
``a_buff``. One RefPort per Var (``<var>_ref``), each read with one message in the management
phase of every ``period``-th step; the rows go to the host as one (rows, N) float64 matrix
through an external pipe, as ``lava.proc.io.extractor.Extractor`` does with its InPort.
With an OU noise current, its ``eta`` too (``noisy_lif.py``).
(Lava's ``Var.get`` sends an array one element per message, ~13-40 us per element; Lava's
``VarWire`` reads its Var on every step.) ``HostBridge`` reads the same way
(``add_state_refs``, ``StateReading``).

float64 carries every value exactly: floating-point Vars are float64, fixed-point registers
int32, step numbers far below 2^53.
"""

from __future__ import annotations

from abc import abstractmethod
from typing import final

import numpy as np
from lava.magma.core.decorator import implements, requires
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyOutPort, PyRefPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import OutPort, RefPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from backends.neuromorphic.lava.state import TAP_VARS

__all__ = ["PyStateTapModel", "StateReading", "StateTap", "add_state_refs", "connect_state"]


def add_state_refs(process: AbstractProcess, n: int) -> None:
    """Give ``process`` a RefPort ``<var>_ref`` of shape (n,) per Var a tap can read.

    Every one exists (Lava's builder wants a port for each LavaPyType of the model); those
    a network lacks stay unconnected and are never read.
    """
    for name in TAP_VARS:
        setattr(process, f"{name}_ref", RefPort(shape=(n,)))


def connect_state(process: AbstractProcess, tapped: dict[str, Var]) -> None:
    """Connect the RefPort ``<name>_ref`` of ``process`` to the Var ``tapped[name]``, each name.

    The process must have been built with the same names, in the same order (``state``).
    """
    for name, var in tapped.items():
        getattr(process, f"{name}_ref").connect_var(var)


class StateReading(PyLoihiProcessModel):
    """A model that reads the Vars ``proc_params["state"]`` names through its RefPorts.

    Declares the RefPort type of every Var in ``TAP_VARS``, as its process has each port
    (``add_state_refs``); it reads only the connected ones, those named in ``state``.
    """

    v_ref: PyRefPort = LavaPyType(PyRefPort.VEC_DENSE, float)
    u_ref: PyRefPort = LavaPyType(PyRefPort.VEC_DENSE, float)
    refractory_period_end_ref: PyRefPort = LavaPyType(PyRefPort.VEC_DENSE, float)
    a_buff_ref: PyRefPort = LavaPyType(PyRefPort.VEC_DENSE, float)
    eta_ref: PyRefPort = LavaPyType(PyRefPort.VEC_DENSE, float)

    def __init__(self, proc_params: dict) -> None:
        super().__init__(proc_params)
        self._period = proc_params["period"]
        self._state_refs = tuple(f"{name}_ref" for name in proc_params["state"])

    def post_guard(self) -> bool:
        return self.time_step % self._period == 0

    def read_state(self) -> np.ndarray:
        """(rows, N) float64: the Vars, in ``proc_params["state"]`` order."""
        # The builder sets the ports after __init__: look them up here.
        refs = [getattr(self, name) for name in self._state_refs]
        return np.stack([np.asarray(ref.read(), dtype=np.float64) for ref in refs])

    @abstractmethod
    def run_post_mgmt(self) -> None:
        """Send what was read."""


@final
class StateTap(AbstractProcess):
    """Reads ``state`` (Var names) after every ``period``-th step; ``receive()`` on the host.

    Connect with ``connect_state(tap, {name: var})`` before compiling.
    buffer_size: reads the pipe holds before the tap blocks.
    """

    def __init__(
        self, *, shape: tuple[int, ...], period: int, state: tuple[str, ...], buffer_size: int = 2
    ) -> None:
        super().__init__(shape=shape, period=int(period), state=tuple(state))
        (n,) = shape
        add_state_refs(self, n)
        self.out = OutPort(shape=(len(state), n))
        self.out.flag_external_pipe(buffer_size=buffer_size)

    def receive(self) -> np.ndarray:
        """The next reading (blocks until the runtime has produced it)."""
        return self.out.external_pipe_csp_recv_port.recv()


@final
@implements(proc=StateTap, protocol=LoihiProtocol)
@requires(CPU)
class PyStateTapModel(StateReading):
    """Untagged, so that it serves ``floating_pt`` and ``fixed_pt`` run configs alike."""

    out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)

    def run_spk(self) -> None:
        pass

    def run_post_mgmt(self) -> None:
        self.out.csp_ports[-1].send(self.read_state())
