"""``VoltageTap``: reads a neuron population's voltage once per tick and hands it to the host.

Lava's ``Var.get`` sends an array one element per message (~20-40 us per element), and
Lava's ``VarWire`` reads its Var on every step; this tap reads through a RefPort (one message
for the whole vector) only in the management phase of every ``period``-th step, and writes the
vector into an external pipe, as ``lava.proc.io.extractor.Extractor`` does with its InPort.
"""

from __future__ import annotations

from typing import final

import numpy as np
from lava.magma.core.decorator import implements, requires
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyOutPort, PyRefPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import OutPort, RefPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

__all__ = ["PyVoltageTapModel", "VoltageTap"]


@final
class VoltageTap(AbstractProcess):
    """Connect ``ref`` to a Var (``tap.ref.connect_var(lif.v)``); read with ``receive()``.

    shape: shape of the Var. period: read after every ``period``-th time step.
    buffer_size: reads the pipe holds before the tap blocks.
    """

    def __init__(self, *, shape: tuple[int, ...], period: int, buffer_size: int = 2) -> None:
        super().__init__(shape=shape, period=int(period))
        self.ref = RefPort(shape=shape)
        self.out = OutPort(shape=shape)
        self.out.flag_external_pipe(buffer_size=buffer_size)

    def receive(self) -> np.ndarray:
        """The next read (blocks until the runtime has produced it)."""
        return self.out.external_pipe_csp_recv_port.recv()


@final
@implements(proc=VoltageTap, protocol=LoihiProtocol)
@requires(CPU)
class PyVoltageTapModel(PyLoihiProcessModel):
    """Untagged, so that it serves ``floating_pt`` and ``fixed_pt`` run configs alike."""

    ref: PyRefPort = LavaPyType(PyRefPort.VEC_DENSE, float)
    out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)

    def __init__(self, proc_params: dict) -> None:
        super().__init__(proc_params)
        self._period = proc_params["period"]

    def run_spk(self) -> None:
        pass

    def post_guard(self) -> bool:
        return self.time_step % self._period == 0

    def run_post_mgmt(self) -> None:
        self.out.csp_ports[-1].send(np.asarray(self.ref.read(), dtype=float))
