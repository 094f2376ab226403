"""Lava's floating-point ``LearningDense`` model with the weight bounds [0, w_max] of §3.2 STDP.

Lava's floating-point learning engine saturates excitatory weights at 0 only; on Loihi the
8-bit weight range bounds them from above as well. This model (selected through the run
config's ``exception_proc_model_map``) is Lava's ``PyLearningDenseModelFloat`` with the upper
bound ``w_max`` (``proc_params["w_max"]``, passed as ``LearningDense(..., w_max=...)``) added
to the saturation step that follows every learning epoch. Nothing else differs.
"""

from __future__ import annotations

from typing import final

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.dense.models import PyLearningDenseModelFloat
from lava.proc.dense.process import LearningDense

__all__ = ["PyBoundedLearningDenseModelFloat"]


@final
@implements(proc=LearningDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyBoundedLearningDenseModelFloat(PyLearningDenseModelFloat):
    """Weights clipped to [0, w_max] after each epoch's update."""

    def __init__(self, proc_params: dict) -> None:
        super().__init__(proc_params)
        self._w_max = float(proc_params["w_max"])

    def _saturate_synaptic_variable(
        self, synaptic_variable_name: str, synaptic_variable_values: np.ndarray
    ) -> np.ndarray:
        if synaptic_variable_name == "weights":
            return np.clip(synaptic_variable_values, 0.0, self._w_max)
        return super()._saturate_synaptic_variable(synaptic_variable_name, synaptic_variable_values)
