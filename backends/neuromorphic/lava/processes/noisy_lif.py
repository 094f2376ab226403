"""``NoisyLIF`` / ``NoisyLIFRefractory``: Lava's LIF neurons with the noise current of
``spiking.noise`` (``backends.neuromorphic.common.noise``), floating point only.

Lava 0.10 has no noise in any neuron model (nothing in ``lava.proc`` draws random numbers;
its only randomness is the learning engine's stochastic rounding), so these subclass Lava's
processes and their floating-point models and add, at every step t (Lava's 1-based step of
this runtime, absolute step g = first_step + t - 1)::

    i = NoiseSource.current(g, eta)          the noise current held over the step, mV
    a_in <- a_in + i dv                      before Lava's own  u = u (1 - du) + a_in;
                                             v = v (1 - dv) + u + bias  (held while refractory)

so the noise enters as the drive does (the host injects I dv). The numbers are drawn in the
neuron model's own worker process, one step at a time: nothing of size N x steps crosses a
process boundary. ``eta`` (the OU current) is a Var, so the host reads it at a tick's end with
the rest of the state (``state.TAP_VARS``) and a restored network starts from it; white noise
keeps it at 0. Brian2 under Lava's timing adds ``u + x + n`` with ``n = i dv`` in the same
order, so the two give the same spikes bit for bit.
"""

from __future__ import annotations

from typing import Any, final

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.lif.models import PyLifModelFloat, PyLifRefractoryModelFloat
from lava.proc.lif.process import LIF, LIFRefractory

from backends.neuromorphic.common.noise import NoiseSource
from orchestrator.contract.spiking import NeuronNoise

__all__ = [
    "NoisyLIF",
    "NoisyLIFRefractory",
    "PyNoisyLifModelFloat",
    "PyNoisyLifRefractoryModelFloat",
    "noise_params",
]


def noise_params(
    noise: NeuronNoise, *, tau_m_ms: float, dt_ms: float, dv: float, steps_per_tick: int,
    first_step: int,
) -> dict[str, Any]:
    """What the model needs (a process parameter): the noise, the LIF's numbers, where the
    runtime's step 1 is in the network's absolute steps (a restored network: its tick's)."""
    return {
        "noise": noise,
        "tau_m_ms": tau_m_ms,
        "dt_ms": dt_ms,
        "dv": dv,
        "steps_per_tick": steps_per_tick,
        "first_step": first_step,
    }


@final
class NoisyLIF(LIF):
    """Lava's ``LIF`` plus a noise current; ``noise``: ``noise_params(...)``; ``eta``: the OU
    current to start from (shape of the population; zeros for white noise)."""

    def __init__(self, *, noise: dict[str, Any], eta: np.ndarray, **lif: Any) -> None:
        super().__init__(**lif)
        self.proc_params["noise"] = noise
        self.eta = Var(shape=lif["shape"], init=eta)


@final
class NoisyLIFRefractory(LIFRefractory):
    """Lava's ``LIFRefractory`` plus a noise current (arguments as ``NoisyLIF``)."""

    def __init__(self, *, noise: dict[str, Any], eta: np.ndarray, **lif: Any) -> None:
        super().__init__(**lif)
        self.proc_params["noise"] = noise
        self.eta = Var(shape=lif["shape"], init=eta)


class _Noisy:
    """The noise of the module docstring, mixed in before Lava's floating-point LIF model."""

    eta: np.ndarray = LavaPyType(np.ndarray, float)

    def __init__(self, proc_params: dict) -> None:
        super().__init__(proc_params)  # type: ignore[call-arg]
        p = proc_params["noise"]
        (n,) = proc_params["shape"]
        self._source = NoiseSource(
            p["noise"],
            n=n,
            tau_m_ms=p["tau_m_ms"],
            dt_ms=p["dt_ms"],
            steps_per_tick=p["steps_per_tick"],
        )
        self._noise_dv = p["dv"]
        self._first_step = p["first_step"]

    def subthr_dynamics(self, activation_in: np.ndarray) -> None:
        step = self._first_step + self.time_step - 1  # type: ignore[attr-defined]
        eta = self.eta if self._source.stateful else None
        noisy = activation_in + self._source.current(step, eta) * self._noise_dv
        super().subthr_dynamics(activation_in=noisy)  # type: ignore[misc]


@final
@implements(proc=NoisyLIF, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyNoisyLifModelFloat(_Noisy, PyLifModelFloat):
    """``PyLifModelFloat`` with the noise current."""

    implements_process = None  # inherited from Lava's model: cleared for implements()


@final
@implements(proc=NoisyLIFRefractory, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyNoisyLifRefractoryModelFloat(_Noisy, PyLifRefractoryModelFloat):
    """``PyLifRefractoryModelFloat`` with the noise current."""

    implements_process = None  # inherited from Lava's model: cleared for implements()
