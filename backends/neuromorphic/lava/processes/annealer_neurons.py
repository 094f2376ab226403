"""``AnnealerNeurons``: the spiking annealer's stochastic binary neurons as a Lava process.

Lava 0.10 has no neuron that fires with a probability set by its input (``LIF`` is
deterministic; the stochastic neurons of lava-optimization have Loihi 2 models only, see
design §20), so this is a floating-point ProcessModel of ours (CPU, ``floating_pt``) with the
dynamics of ``orchestrator.physics.annealing``. Per step t of the run (Lava's ``time_step``
counted from ``step0``, the tick the runtime started at)::

    a = a_in.recv()                        sum_j W_kj x_j of the previous step (Sparse delivers
                                           one step later: the states every update must see)
    active = colour == t mod C;  s = t // C
    fired = active & ((b + d) + a + T_s xi_s > 0)
    x = fired where active, else x;  s_out.send(x)      (the Sparse synapses read x)

with b + d the bias plus the tick's drive (received from the host at the tick's first step)
and T_s xi_s the seeded noise of sweep s (``physics.annealing``: temperatures, logistic_noise).
It is its own host bridge (as ``host_bridge.HostBridge``): the drive comes in through an
external pipe once per tick; after the tick's last step the fired matrix (period, N) and the
state (x, and Sparse's one-step buffer ``a_buff`` read through a RefPort) go out, one
message each. Sending x every step is the neuron's on state: a spike holds the neuron on
(and its synapses active) until its next update, C steps later.
"""

from __future__ import annotations

from typing import final

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort, PyRefPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import InPort, OutPort, RefPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.process.variable import Var
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from orchestrator.physics.annealing import logistic_noise, temperatures

__all__ = ["AnnealerNeurons", "PyAnnealerNeuronsFloat"]


@final
class AnnealerNeurons(AbstractProcess):
    """N stochastic binary neurons (module docstring); connect ``s_out -> Sparse.s_in``,
    ``Sparse.a_out -> a_in`` and ``a_buff_ref -> Sparse.a_buff`` (``coupled``), or nothing.

    Host side, per tick: ``send(drive)``; then ``spikes`` (period, N) bool and ``state``
    (2, N) float64 (x, a_buff) on their external pipes.
    """

    def __init__(
        self,
        *,
        shape: tuple[int],
        period: int,
        step0: int,
        x: np.ndarray,
        bias: np.ndarray,
        colours: np.ndarray,
        n_colours: int,
        schedule: str,
        t0_mv: float,
        t1_mv: float,
        sweeps: int,
        seed: int,
        coupled: bool,
    ) -> None:
        super().__init__(
            shape=shape,
            period=int(period),
            step0=int(step0),
            n_colours=int(n_colours),
            schedule=str(schedule),
            t0_mv=float(t0_mv),
            t1_mv=float(t1_mv),
            sweeps=int(sweeps),
            seed=int(seed),
            coupled=bool(coupled),
        )
        (n,) = shape
        self.a_in = InPort(shape=(n,))
        self.s_out = OutPort(shape=(n,))
        self.a_buff_ref = RefPort(shape=(n,))
        self.x = Var(shape=(n,), init=np.asarray(x, dtype=np.float64))
        self.bias = Var(shape=(n,), init=np.asarray(bias, dtype=np.float64))
        self.colours = Var(shape=(n,), init=np.asarray(colours, dtype=np.int64))
        self.inputs = InPort(shape=(n,))
        self.inputs.flag_external_pipe(buffer_size=2)
        self.spikes = OutPort(shape=(int(period), n))
        self.spikes.flag_external_pipe(buffer_size=2)
        self.state = OutPort(shape=(2, n))
        self.state.flag_external_pipe(buffer_size=2)

    def send(self, drive: np.ndarray) -> None:
        self.inputs.external_pipe_csp_send_port.send(np.asarray(drive, dtype=np.float64))


@final
@implements(proc=AnnealerNeurons, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyAnnealerNeuronsFloat(PyLoihiProcessModel):
    a_in: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    a_buff_ref: PyRefPort = LavaPyType(PyRefPort.VEC_DENSE, float)
    inputs: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    spikes: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, bool, precision=1)
    state: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    x: np.ndarray = LavaPyType(np.ndarray, float)
    bias: np.ndarray = LavaPyType(np.ndarray, float)
    colours: np.ndarray = LavaPyType(np.ndarray, int)

    def __init__(self, proc_params: dict) -> None:
        super().__init__(proc_params)
        p = proc_params
        self._period = p["period"]
        self._step0 = p["step0"]
        self._n_colours = p["n_colours"]
        self._schedule = p["schedule"]
        self._t0, self._t1, self._sweeps = p["t0_mv"], p["t1_mv"], p["sweeps"]
        self._seed = p["seed"]
        self._coupled = p["coupled"]
        self._sweep = -1
        self._noise = np.zeros(0)
        self._bias_drive = np.zeros(0)
        self._fired: np.ndarray | None = None

    def run_spk(self) -> None:
        k = (self.time_step - 1) % self._period
        if k == 0:
            drive = self.inputs.csp_ports[-1].recv()
            self._bias_drive = self.bias + drive
            if self._fired is None:
                self._fired = np.zeros((self._period, drive.size), dtype=bool)
        a = self.a_in.recv()
        sweep, phase = divmod(self._step0 + self.time_step - 1, self._n_colours)
        if sweep != self._sweep:
            t = float(temperatures(self._schedule, self._t0, self._t1, self._sweeps, sweep))
            self._noise = t * logistic_noise(self._seed, sweep, a.size)
            self._sweep = sweep
        active = self.colours == phase
        fired = active & (self._bias_drive + a + self._noise > 0)
        self.x = np.where(active, fired.astype(np.float64), self.x)
        self.s_out.send(self.x)
        self._fired[k] = fired

    def post_guard(self) -> bool:
        return self.time_step % self._period == 0

    def run_post_mgmt(self) -> None:
        a_buff = self.a_buff_ref.read() if self._coupled else np.zeros_like(self.x)
        self.spikes.csp_ports[-1].send(self._fired)
        self.state.csp_ports[-1].send(np.stack([self.x, np.asarray(a_buff, dtype=np.float64)]))
