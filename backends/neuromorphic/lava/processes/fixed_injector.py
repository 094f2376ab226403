"""A fixed-point process model for Lava's own ``Injector`` process.

Lava ships one untagged, floating-point model of ``Injector``; Loihi's fixed-point neuron models
left-shift their integer input (``np.left_shift``), which a float array cannot take. This model
relays the host's values (already integers, see ``backends.neuromorphic.lava.mapping``) as
int32, exactly like Lava's model otherwise.
"""

from __future__ import annotations

from typing import final

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.io.injector import Injector, PyLoihiInjectorModel

__all__ = ["PyFixedInjectorModel"]


@final
@implements(proc=Injector, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyFixedInjectorModel(PyLoihiInjectorModel):
    """Lava's ``PyLoihiInjectorModel`` with an int32 OutPort."""

    in_port: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    out_port: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)

    def run_spk(self) -> None:
        self._zeros.fill(0)
        waiting = self.in_port.csp_ports[-1]._queue.qsize()
        if waiting == 0:
            data = self._receive_when_empty(self.in_port, self._zeros)
        else:
            data = self._receive_when_not_empty(self.in_port, self._zeros, waiting)
        self.out_port.send(np.rint(data).astype(np.int32))
