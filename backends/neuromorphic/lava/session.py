"""One Lava process graph for one network: built once, continued tick after tick, always ended.

Graph (``lava.proc``), with the host I/O of ``io`` (``spiking.lava.io``)::

    io: bridge (default)                     io: injector_extractor
    HostBridge --a_out--> LIF                Injector --a_out--> LIF
    LIF --s_out--> HostBridge                LIF --s_out--> Extractor
    LIF.v, u, ... <--RefPorts-- HostBridge   LIF.v, u, ... <--RefPorts-- StateTap
    LIF --s_out--> Dense / PlasticDense --a_out--> LIF    (PlasticDense.s_in_bap <- LIF, STDP)
    Dense.a_buff <--RefPort-- HostBridge / StateTap;  PlasticDense --state--> host (STDP)

LIF is ``LIFRefractory`` when the refractory period is at least one Lava step; with
``noise``, ``NoisyLIF`` / ``NoisyLIFRefractory`` (``lava_processes/noisy_lif.py``: the same
neurons drawing their noise current in their own process), whose OU current ``eta`` the host
reads with the rest of the state.

A tick: the host sends the tick's inputs (the first step's, and every later step's) into the
input pipe, starts ``run(RunSteps(steps_per_tick))`` without blocking, waits for the runtime's
answer while checking that every worker process lives, then reads the tick's spikes (one
matrix from the bridge; one vector per step from the Extractor) and the state read after the
tick's last step: v, u, the refractory ends and Dense's one-step buffer (one matrix from the
bridge or the tap), with STDP the weights and traces (one vector from ``PlasticDense``).
Between ticks the network is paused with that state intact; it is what a checkpoint holds
(``backends.neuromorphic.lava.state``), and a network built with ``start`` begins from it:
every Var's initial value is passed at construction, nothing is set after compiling. Nothing
goes through ``Var.get``/``Var.set`` per tick: Lava sends those one element per message.

Host I/O: Lava's ``Injector`` and ``Extractor`` (plus ``StateTap``) are three processes that
Lava's CPU runtime synchronises on every step; ``HostBridge`` does the same work in one, and
exchanges two messages per tick with the host instead of two per step
(``lava_processes/host_bridge.py``; costs in BENCHMARKS.md). Both give the same spikes.

Run configs: ``Loihi2SimCfg`` (target sim) or ``Loihi2HwCfg`` (target loihi2; chip models come
from lava-loihi), both with ``select_tag``. Lava's Injector and Extractor have no tagged models,
so the run config names their models: Lava's own, except the fixed-point Injector
(``lava_processes.fixed_injector``). STDP runs in ``lava_processes.bounded_learning``'s
``PlasticDense`` (the rule in Lava's grammar, the bound w_max, the learning state per tick).

On a Loihi 2 chip (``hardware``) only v is read (what the chip's models expose is untested
here); such a session has no ``state()`` (``snapshot`` refuses it).
"""

from __future__ import annotations

# Lava's first import goes through fork_start (the start method; see there): keep it first.
import backends.neuromorphic.lava.fork_start  # noqa: F401

# isort: split
from collections.abc import Mapping
from typing import Literal, final

import numpy as np
from lava.magma.core.run_configs import Loihi2HwCfg, Loihi2SimCfg
from lava.proc.dense.process import Dense
from lava.proc.io.extractor import Extractor, PyLoihiExtractorModel
from lava.proc.io.injector import Injector, PyLoihiInjectorModel
from lava.proc.lif.process import LIF, LIFRefractory

from backends.neuromorphic.common.noise import initial_eta
from backends.neuromorphic.lava.mapping import FixedPoint, decay, lava_refractory_period
from backends.neuromorphic.lava.processes.bounded_learning import (
    PlasticDense,
    PyBoundedLearningDenseModelFloat,
    stdp_rule,
)
from backends.neuromorphic.lava.processes.fixed_injector import PyFixedInjectorModel
from backends.neuromorphic.lava.processes.host_bridge import HostBridge
from backends.neuromorphic.lava.processes.noisy_lif import (
    NoisyLIF,
    NoisyLIFRefractory,
    noise_params,
)
from backends.neuromorphic.lava.processes.state_tap import StateTap, connect_state
from backends.neuromorphic.lava.runtime import LavaFailure, RuntimeSession
from backends.neuromorphic.lava.state import StateLayout
from orchestrator.contract.spiking import NetworkSpec

__all__ = ["LavaFailure", "LavaSession"]


@final
class LavaSession(RuntimeSession):
    """The network of ``NetworkSpec`` as Lava processes (see the module docstring).

    fixed: the integer representation for ``fixed_pt`` (None: floating point).
    hardware: run with Loihi2HwCfg (target loihi2) instead of Loihi2SimCfg.
    io: the host I/O processes (module docstring).
    start: the state to begin from (``lava_state``; already checked against ``layout``), or
        None: at rest. ``state()`` is the state after the last tick (the start before one).
    """

    def __init__(
        self,
        network: NetworkSpec,
        *,
        tag: Literal["floating_pt", "fixed_pt"],
        fixed: FixedPoint | None,
        hardware: bool,
        stop_timeout_s: float,
        io: Literal["bridge", "injector_extractor"] = "bridge",
        start: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self._prepare(stop_timeout_s)
        self.network = network
        self.tag = tag
        self._fixed = fixed
        n, spt = network.n_neurons, network.steps_per_tick
        period = lava_refractory_period(network.refractory_ms, network.dt_ms)
        self.layout = StateLayout.of(network, fixed=fixed is not None, refractory=period > 0)
        if start is None:
            origin = self.layout.at_rest()
            if self.layout.traces:
                origin["weights_mv"] = self._weight_matrix()[network.post, network.pre]
            self._random_start(origin)
        else:
            origin = {name: np.asarray(value) for name, value in start.items()}
        self._last: dict[str, np.ndarray] | None = None if hardware else origin
        begin = self.layout.initial_values(origin)
        self._steps = 0  # steps this runtime has run (LIFRefractory's ends count in them)
        tapped = ("v",) if hardware else self.layout.tap_vars
        self.io = io
        self.lif = self._neurons(period, begin)
        self.dense = self._synapses(begin, origin)
        self.io_processes: list = []
        if io == "bridge":
            tap = bridge = HostBridge(shape=(n,), period=spt, state=tapped)
            bridge.a_out.connect(self.lif.a_in)
            self.lif.s_out.connect(bridge.s_in)
            self.io_processes = [bridge]
        else:
            injector = Injector(shape=(n,), buffer_size=spt)
            extractor = Extractor(shape=(n,), buffer_size=spt)
            tap = StateTap(shape=(n,), period=spt, state=tapped)
            injector.out_port.connect(self.lif.a_in)
            self.lif.s_out.connect(extractor.in_port)
            self.io_processes = [injector, extractor, tap]
        owners = {"a_buff": self.dense}  # the other tapped Vars are the neurons'
        connect_state(tap, {name: getattr(owners.get(name, self.lif), name) for name in tapped})
        models: dict[type, type] = {
            Injector: PyFixedInjectorModel if fixed is not None else PyLoihiInjectorModel,
            Extractor: PyLoihiExtractorModel,
            PlasticDense: PyBoundedLearningDenseModelFloat,
        }
        cfg_class = Loihi2HwCfg if hardware else Loihi2SimCfg
        self.run_config_name = "Loihi2HwCfg" if hardware else "Loihi2SimCfg"
        self._launch(self.lif, cfg_class(select_tag=tag, exception_proc_model_map=models))
        if io == "bridge":
            self._spike_port = bridge.spikes.external_pipe_csp_recv_port
            self._tap_port = bridge.state.external_pipe_csp_recv_port
        else:
            self._spike_port = extractor.out_port.external_pipe_csp_recv_port
            self._tap_port = tap.out.external_pipe_csp_recv_port
        self._learning_port = None
        if isinstance(self.dense, PlasticDense):
            self._learning_port = self.dense.state.external_pipe_csp_recv_port

    # ------------------------------------------------------------------- building

    def _random_start(self, origin: dict[str, np.ndarray]) -> None:
        """A new network's random start: ``v_init_mv`` (in Lava's units), the OU current."""
        net = self.network
        if net.v_init_mv is not None:
            v = np.array(net.v_init_mv, dtype=np.float64)  # a copy: the state owns it
            fixed = self._fixed
            origin["lif.v"] = v if fixed is None else np.rint(v * fixed.scale).astype(np.int64)
        if self.layout.noise_current:
            assert net.noise is not None
            origin["noise.eta"] = initial_eta(net.noise, net.n_neurons, net.tau_m_ms)

    def _neurons(self, period: int, begin: Mapping[str, np.ndarray]) -> LIF:
        net, fixed = self.network, self._fixed
        if fixed is None:
            # v > the float below v_th is v >= v_th: V < V_th after every step (spec §14)
            vth = float(np.nextafter(net.v_th_mv, -np.inf))
            params = {"du": 1.0, "dv": decay(net.dt_ms, net.tau_m_ms), "vth": vth}
        else:
            params = {"du": fixed.du_reg, "dv": fixed.dv_reg, "vth": fixed.vth_reg}
        shape = (net.n_neurons,)
        if net.noise is not None:  # floating point only (LavaConfig.problems refuses fixed_pt)
            first_tick = net.start.tick if net.start is not None else 0
            params["noise"] = noise_params(
                net.noise,
                tau_m_ms=net.tau_m_ms,
                dt_ms=net.dt_ms,
                dv=params["dv"],
                steps_per_tick=net.steps_per_tick,
                first_step=first_tick * net.steps_per_tick,
            )
            params["eta"] = begin["eta"] if "eta" in begin else np.zeros(net.n_neurons)
        if period > 0:
            cls = LIFRefractory if net.noise is None else NoisyLIFRefractory
            lif = cls(shape=shape, refractory_period=period, u=begin["u"], v=begin["v"], **params)
            lif.refractory_period_end.init = begin["refractory_period_end"]
            return lif
        cls = LIF if net.noise is None else NoisyLIF
        return cls(shape=shape, u=begin["u"], v=begin["v"], **params)

    def _weight_matrix(self) -> np.ndarray:
        """The network's (post, pre) weights in Lava's units (mV, or fixed-point mantissas);
        synapses given twice between the same pair add up, as in Brian2."""
        net, fixed = self.network, self._fixed
        weights = np.zeros((net.n_neurons,) * 2)
        in_units = net.weight_mv if fixed is None else fixed.weights(net.weight_mv)
        np.add.at(weights, (net.post, net.pre), in_units)
        return weights

    def _synapses(
        self, begin: Mapping[str, np.ndarray], origin: Mapping[str, np.ndarray]
    ) -> Dense | None:
        net, fixed = self.network, self._fixed
        if len(net.pre) == 0:
            return None
        weights = self._weight_matrix()
        extra = {} if fixed is None else {"weight_exp": fixed.weight_exp, "num_weight_bits": 8}
        if not self.layout.traces:
            dense = Dense(weights=weights, **extra)
        else:
            assert net.stdp is not None and fixed is None  # STDP: floating point only
            weights[net.post, net.pre] = origin["weights_mv"]  # as learned so far
            mask = np.zeros_like(weights)
            mask[net.post, net.pre] = 1.0
            dense = PlasticDense(
                weights=weights,
                tag_1=mask,
                learning_rule=stdp_rule(net.stdp, net.dt_ms),
                w_max=net.stdp.w_max_mv,
                period=net.steps_per_tick,
                pre=net.pre,
                post=net.post,
                traces=self.layout.traces,
            )
            for trace in self.layout.traces:
                getattr(dense, trace).init = np.array(origin[f"stdp.{trace}"], dtype=np.float64)
            self.lif.s_out.connect(dense.s_in_bap)
        dense.a_buff.init = begin["a_buff"]
        self.lif.s_out.connect(dense.s_in)
        dense.a_out.connect(self.lif.a_in)
        return dense

    # --------------------------------------------------------------------- ticks

    def tick(self, first: np.ndarray, rest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run one tick: input ``first`` at its first step, ``rest`` at every later one.

        Returns (spikes, v): spikes (steps, N) bool; v (N,) at the end, in Lava's units (mV,
        or fixed-point units). ``state()`` is then the state after this tick.
        """
        self._begin_tick()
        spt, n = self.network.steps_per_tick, self.network.n_neurons
        if self.io == "bridge":
            self.io_processes[0].send(first, rest)
        else:
            injector = self.io_processes[0]
            injector.send(first)
            for _ in range(spt - 1):
                injector.send(rest)
        self._run_steps(spt)
        if self.io == "bridge":
            self._await(self._spike_port)
            spikes = self._spike_port.recv().astype(bool)
        else:
            spikes = np.empty((spt, n), dtype=bool)
            for k in range(spt):
                self._await(self._spike_port)
                spikes[k] = self._spike_port.recv() > 0
        self._await(self._tap_port)
        rows = self._tap_port.recv()
        learned = None
        if self._learning_port is not None:
            self._await(self._learning_port)
            learned = self._learning_port.recv()
        self._steps += spt
        if self._last is not None:
            self._last = self._read(rows, learned)
        self._end_tick()
        return spikes, rows[0]

    def _read(self, rows: np.ndarray, learned: np.ndarray | None) -> dict[str, np.ndarray]:
        """The state (``lava_state``) from the tap's rows and PlasticDense's vector."""
        state = self.layout.from_tap(rows, self._steps)
        if learned is not None:
            s, n = len(self.network.pre), self.network.n_neurons
            state["weights_mv"] = learned[:s].copy()
            for i, trace in enumerate(self.layout.traces):
                state[f"stdp.{trace}"] = learned[s + i * n : s + (i + 1) * n].copy()
        return state

    def state(self) -> dict[str, np.ndarray] | None:
        """The network's state after the last tick (``lava_state``; not a copy); None on a chip.

        Only between ticks: a tick that did not complete (an interrupt, a failure) leaves the
        network somewhere unknown, and this raises.
        """
        self._check_paused()
        return self._last

    def weights(self) -> np.ndarray:
        """Current Dense weights (post, pre) in Lava's units; slow (Var.get), for checks."""
        if self._state != "paused":
            raise RuntimeError(f"the Lava network is {self._state}")
        if self.dense is None:
            return np.zeros((self.network.n_neurons,) * 2)
        return np.asarray(self.dense.weights.get())
