"""``PlasticDense``: Lava's ``LearningDense`` with the weight bounds [0, w_max] of §3.2 STDP and
its learning state sent to the host at every tick's end.

STDP in Lava's learning engine (floating point, one-step epochs, traces decaying by
exp(-1/tau_steps) per step), with ``t`` (tag_1) = 1 on existing synapses and 0 elsewhere so
that only the network's synapses learn (Dense holds the full N x N matrix)::

    additive:        dw = t y0 x1 - t x0 y1           x1 += A+ w_max, y1 += A- w_max per spike
    multiplicative:  dw = t y0 x1 - t y0 x2 w - t x0 y1 w
                          x1 += A+ w_max, x2 += A+, y1 += A- per spike

then w clipped to [0, w_max]: the rule of ``backends.neuromorphic.brian2.models``, except that a
pre- and a postsynaptic spike in the same step count both as potentiation and as depression
(Lava evaluates each trace at its partner's spike step, impulses included).

Lava's floating-point learning engine saturates excitatory weights at 0 only; on Loihi the
8-bit weight range bounds them from above as well. The model is Lava's
``PyLearningDenseModelFloat`` with the upper bound ``w_max`` added to the saturation step that
follows every learning epoch, and the traces' decay ``exp(-t/tau)`` taken from the C library
(``orchestrator.physics.fixed_math``: numpy's exp rounds by CPU, design §6). Nothing else of the
learning differs.

Checkpoints need the weights and traces after every tick. ``Var.get`` sends them one element
per message (~40 us each: 0.4 s for 10^4 weights), and a RefPort reading (N, N) would need
Lava's 64-slot channels of N^2 floats each (1 GB at N = 1000). Instead, after the learning
phase of every ``period``-th step (the tick's last), the model sends ONE vector through an
external pipe (``state``): the weights of the network's synapses, ``weights[post, pre]`` (S,),
followed by the traces named in ``traces`` (N each; x1, y1 [, x2] for the §3.2 rules).
"""

from __future__ import annotations

from typing import final

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.learning.learning_rule import Loihi2FLearningRule
from lava.magma.core.model.py.ports import PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import OutPort
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.dense.models import PyLearningDenseModelFloat
from lava.proc.dense.process import LearningDense

from orchestrator.contract.network_config import StdpConfig
from orchestrator.physics import fixed_math

__all__ = ["PlasticDense", "PyBoundedLearningDenseModelFloat", "stdp_rule"]


@final
class PlasticDense(LearningDense):
    """``LearningDense`` (one-step epochs assumed) with ``w_max`` and the ``state`` pipe.

    weights: (N, N) as (post, pre); tag_1: the learning mask; pre, post: the synapses whose
    weights the host receives, in that order; traces: the learning Vars it receives after them.
    Host side, per tick: ``receive_state()`` (S + len(traces) N,) float64.
    """

    def __init__(
        self,
        *,
        weights: np.ndarray,
        tag_1: np.ndarray,
        learning_rule: Loihi2FLearningRule,
        w_max: float,
        period: int,
        pre: np.ndarray,
        post: np.ndarray,
        traces: tuple[str, ...],
    ) -> None:
        pre = np.asarray(pre, dtype=np.int64)
        post = np.asarray(post, dtype=np.int64)
        super().__init__(
            weights=weights,
            tag_1=tag_1,
            learning_rule=learning_rule,
            w_max=float(w_max),
            period=int(period),
            synapses=(post, pre),
            traces=tuple(traces),
        )
        size = len(pre) + len(traces) * weights.shape[0]
        self.state = OutPort(shape=(size,))
        self.state.flag_external_pipe(buffer_size=2)

    def receive_state(self) -> np.ndarray:
        return self.state.external_pipe_csp_recv_port.recv()


@final
@implements(proc=PlasticDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyBoundedLearningDenseModelFloat(PyLearningDenseModelFloat):
    """Weights clipped to [0, w_max] after each epoch's update; state out at period ends."""

    # Lava's implements() refuses to re-point a model that inherits one Process to another:
    # clear the inherited LearningDense before it runs.
    implements_process = None

    state: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)

    def __init__(self, proc_params: dict) -> None:
        super().__init__(proc_params)
        self._w_max = float(proc_params["w_max"])
        self._period = int(proc_params["period"])
        self._synapses = proc_params["synapses"]
        self._traces = proc_params["traces"]

    def _saturate_synaptic_variable(
        self, synaptic_variable_name: str, synaptic_variable_values: np.ndarray
    ) -> np.ndarray:
        if synaptic_variable_name == "weights":
            return np.clip(synaptic_variable_values, 0.0, self._w_max)
        return super()._saturate_synaptic_variable(synaptic_variable_name, synaptic_variable_values)

    @staticmethod
    def _decay_trace(trace_values: np.ndarray, t: np.ndarray, taus: np.ndarray) -> np.ndarray:
        # Lava's own, with the C library's exp: numpy's exp rounds by CPU (design §6)
        return fixed_math.exp(-t / taus) * trace_values

    def post_guard(self) -> bool:
        return self.time_step % self._period == 0

    def run_post_mgmt(self) -> None:
        post, pre = self._synapses
        parts = [self.weights[post, pre]] + [getattr(self, t) for t in self._traces]
        self.state.csp_ports[-1].send(np.concatenate(parts).astype(np.float64))


def stdp_rule(stdp: StdpConfig, dt_ms: float) -> Loihi2FLearningRule:
    """The §3.2 rule in Lava's learning-rule grammar (module docstring); taus in steps."""
    tau_x, tau_y = stdp.tau_pre_ms / dt_ms, stdp.tau_post_ms / dt_ms
    a_plus, a_minus = stdp.a_plus * stdp.w_max_mv, stdp.a_minus * stdp.w_max_mv
    if stdp.rule == "additive":
        return Loihi2FLearningRule(
            dw="t * y0 * x1 - t * x0 * y1",
            x1_impulse=a_plus,
            x1_tau=tau_x,
            y1_impulse=a_minus,
            y1_tau=tau_y,
            t_epoch=1,
            rng_seed=1,
        )
    return Loihi2FLearningRule(
        dw="t * y0 * x1 - t * y0 * x2 * w - t * x0 * y1 * w",
        x1_impulse=a_plus,
        x1_tau=tau_x,
        x2_impulse=stdp.a_plus,
        x2_tau=tau_x,
        y1_impulse=stdp.a_minus,
        y1_tau=tau_y,
        t_epoch=1,
        rng_seed=1,
    )
