"""One Lava process graph for one network: built once, continued tick after tick, always ended.

Graph (``lava.proc``), with the host I/O of ``io`` (``spiking.lava.io``)::

    io: bridge (default)                     io: injector_extractor
    HostBridge --a_out--> LIF                Injector --a_out--> LIF
    LIF --s_out--> HostBridge                LIF --s_out--> Extractor
    LIF.v <--RefPort-- HostBridge            LIF.v <--RefPort-- VoltageTap
    LIF --s_out--> Dense / LearningDense --a_out--> LIF    (LearningDense.s_in_bap <- LIF, STDP)

LIF is ``LIFRefractory`` when the refractory period is at least one Lava step.

A tick: the host sends the tick's inputs (the first step's, and every later step's) into the
input pipe, starts ``run(RunSteps(steps_per_tick))`` without blocking, waits for the runtime's
answer while checking that every worker process lives, then reads the tick's spikes (one
matrix from the bridge; one vector per step from the Extractor) and the voltages read after
the tick's last step. Between ticks the network is paused with its
state (u, v, refractory counters, Dense's one-step buffer, STDP traces) intact. Nothing goes
through ``Var.get``/``Var.set`` per tick: Lava sends those one element per message.

Host I/O: Lava's ``Injector`` and ``Extractor`` (plus ``VoltageTap``) are three processes that
Lava's CPU runtime synchronises on every step; ``HostBridge`` does the same work in one, and
exchanges two messages per tick with the host instead of two per step
(``lava_processes/host_bridge.py``; costs in BENCHMARKS.md). Both give the same spikes.

Run configs: ``Loihi2SimCfg`` (target sim) or ``Loihi2HwCfg`` (target loihi2; chip models come
from lava-loihi), both with ``select_tag``. Lava's Injector and Extractor have no tagged models,
so the run config names their models: Lava's own, except the fixed-point Injector
(``lava_processes.fixed_injector``). STDP uses ``lava_processes.bounded_learning``.

STDP in Lava's learning engine (floating point, one-step epochs, traces decaying by
exp(-1/tau_steps) per step), with ``t`` (tag_1) = 1 on existing synapses and 0 elsewhere so
that only the network's synapses learn (Dense holds the full N x N matrix)::

    additive:        dw = t y0 x1 - t x0 y1           x1 += A+ w_max, y1 += A- w_max per spike
    multiplicative:  dw = t y0 x1 - t y0 x2 w - t x0 y1 w
                          x1 += A+ w_max, x2 += A+, y1 += A- per spike

then w clipped to [0, w_max]: the rule of ``backends.neuromorphic.brian2_models``, except that a
pre- and a postsynaptic spike in the same step count both as potentiation and as depression
(Lava evaluates each trace at its partner's spike step, impulses included).
"""

from __future__ import annotations

import queue
import time
from typing import Literal, final

import numpy as np
from lava.magma.core.learning.learning_rule import Loihi2FLearningRule
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2HwCfg, Loihi2SimCfg
from lava.magma.runtime.mgmt_token_enums import MGMT_RESPONSE, enum_equal
from lava.proc.dense.process import Dense, LearningDense
from lava.proc.io.extractor import Extractor, PyLoihiExtractorModel
from lava.proc.io.injector import Injector, PyLoihiInjectorModel
from lava.proc.lif.process import LIF, LIFRefractory

from backends.neuromorphic import lava_workers
from backends.neuromorphic.lava_mapping import FixedPoint, decay, lava_refractory_period
from backends.neuromorphic.lava_processes.bounded_learning import (
    PyBoundedLearningDenseModelFloat,
)
from backends.neuromorphic.lava_processes.fixed_injector import PyFixedInjectorModel
from backends.neuromorphic.lava_processes.host_bridge import HostBridge
from backends.neuromorphic.lava_processes.voltage_tap import VoltageTap
from orchestrator.backend_api import NetworkSpec

__all__ = ["LavaSession"]

_POLL_S = 0.25  # how often a waiting host checks that the workers live


@final
class LavaFailure(RuntimeError):
    """Lava's workers failed; they have been ended."""


@final
class LavaSession:
    """The network of ``NetworkSpec`` as Lava processes (see the module docstring).

    fixed: the integer representation for ``fixed_pt`` (None: floating point).
    hardware: run with Loihi2HwCfg (target loihi2) instead of Loihi2SimCfg.
    io: the host I/O processes (module docstring).
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
    ) -> None:
        self.network = network
        self.tag = tag
        self._fixed = fixed
        self._stop_timeout_s = stop_timeout_s
        self._workers: set[int] = set()
        self._runtime = None
        self._state: Literal["new", "paused", "running", "closed"] = "new"
        self.ended_by: Literal["stop", "kill"] | None = None
        n, spt = network.n_neurons, network.steps_per_tick
        self.io = io
        self.lif = self._neurons()
        self.io_processes: list = []
        if io == "bridge":
            bridge = HostBridge(shape=(n,), period=spt)
            bridge.a_out.connect(self.lif.a_in)
            self.lif.s_out.connect(bridge.s_in)
            bridge.ref.connect_var(self.lif.v)
            self.io_processes = [bridge]
        else:
            injector = Injector(shape=(n,), buffer_size=spt)
            extractor = Extractor(shape=(n,), buffer_size=spt)
            tap = VoltageTap(shape=(n,), period=spt)
            injector.out_port.connect(self.lif.a_in)
            self.lif.s_out.connect(extractor.in_port)
            tap.ref.connect_var(self.lif.v)
            self.io_processes = [injector, extractor, tap]
        self.dense = self._synapses()
        models: dict[type, type] = {
            Injector: PyFixedInjectorModel if fixed is not None else PyLoihiInjectorModel,
            Extractor: PyLoihiExtractorModel,
            LearningDense: PyBoundedLearningDenseModelFloat,
        }
        cfg_class = Loihi2HwCfg if hardware else Loihi2SimCfg
        self.run_config_name = "Loihi2HwCfg" if hardware else "Loihi2SimCfg"
        self.run_config = cfg_class(select_tag=tag, exception_proc_model_map=models)
        executable = self.lif.compile(self.run_config)
        try:
            with lava_workers.forking_workers() as self._workers:
                self.lif.create_runtime(executable=executable)
        except BaseException:
            self._end(kill=True)
            raise
        self._runtime = self.lif.runtime
        if io == "bridge":
            (bridge,) = self.io_processes
            self._spike_port = bridge.spikes.external_pipe_csp_recv_port
            self._voltage_port = bridge.voltages.external_pipe_csp_recv_port
        else:
            injector, extractor, tap = self.io_processes
            self._spike_port = extractor.out_port.external_pipe_csp_recv_port
            self._voltage_port = tap.out.external_pipe_csp_recv_port
        self._state = "paused"

    # ------------------------------------------------------------------- building

    def _neurons(self) -> LIF:
        net, fixed = self.network, self._fixed
        period = lava_refractory_period(net.refractory_ms, net.dt_ms)
        if fixed is None:
            params = {"du": 1.0, "dv": decay(net.dt_ms, net.tau_m_ms), "vth": net.v_th_mv}
        else:
            params = {"du": fixed.du_reg, "dv": fixed.dv_reg, "vth": fixed.vth_reg}
        if period > 0:
            return LIFRefractory(shape=(net.n_neurons,), refractory_period=period, **params)
        return LIF(shape=(net.n_neurons,), **params)

    def _synapses(self) -> Dense | None:
        net, fixed = self.network, self._fixed
        if len(net.pre) == 0:
            return None
        n = net.n_neurons
        weights = np.zeros((n, n))  # (post, pre)
        if fixed is None:
            weights[net.post, net.pre] = net.weight_mv
            extra = {}
        else:
            weights[net.post, net.pre] = fixed.weights(net.weight_mv)
            extra = {"weight_exp": fixed.weight_exp, "num_weight_bits": 8}
        stdp = net.stdp
        if stdp is None or not stdp.enabled:
            dense = Dense(weights=weights, **extra)
        else:
            mask = np.zeros((n, n))
            mask[net.post, net.pre] = 1.0
            dense = LearningDense(
                weights=weights,
                tag_1=mask,
                learning_rule=_stdp_rule(net),
                w_max=stdp.w_max_mv,
            )
            self.lif.s_out.connect(dense.s_in_bap)
        self.lif.s_out.connect(dense.s_in)
        dense.a_out.connect(self.lif.a_in)
        return dense

    # --------------------------------------------------------------------- ticks

    def tick(self, first: np.ndarray, rest: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run one tick: input ``first`` at its first step, ``rest`` at every later one.

        Returns (spikes, v): spikes (steps, N) bool; v (N,) at the end, in Lava's units (mV,
        or fixed-point units).
        """
        if self._state != "paused":
            raise RuntimeError(f"the Lava network is {self._state}; it cannot run again")
        spt, n = self.network.steps_per_tick, self.network.n_neurons
        self._state = "running"  # until the tick is complete (an interrupt leaves it so)
        if self.io == "bridge":
            self.io_processes[0].send(first, rest)
        else:
            injector = self.io_processes[0]
            injector.send(first)
            for _ in range(spt - 1):
                injector.send(rest)
        self.lif.run(condition=RunSteps(num_steps=spt, blocking=False), run_cfg=self.run_config)
        self._await_run()
        if self.io == "bridge":
            self._await(self._spike_port)
            spikes = self._spike_port.recv().astype(bool)
        else:
            spikes = np.empty((spt, n), dtype=bool)
            for k in range(spt):
                self._await(self._spike_port)
                spikes[k] = self._spike_port.recv() > 0
        self._await(self._voltage_port)
        voltages = self._voltage_port.recv()
        self._state = "paused"
        return spikes, voltages

    def _await_run(self) -> None:
        for port in self._runtime.service_to_runtime:
            self._await(port)
            if not enum_equal(port.peek(), MGMT_RESPONSE.DONE):
                self._fail("Lava's runtime reported an error during the run")
        self._runtime.wait()

    def _await(self, port: object) -> None:
        """Block until ``port`` holds a message, checking every _POLL_S that workers live."""
        while True:
            try:
                port._queue.get(timeout=_POLL_S, peek=True)  # type: ignore[attr-defined]
                return
            except queue.Empty:
                dead = [pid for pid in self._workers if not lava_workers.alive(pid)]
                if dead:
                    self._fail(f"Lava worker process(es) {sorted(dead)} ended during the run")

    def _fail(self, reason: str) -> None:
        details = _worker_errors(self._runtime)
        self._end(kill=True)
        raise LavaFailure(f"{reason}{details}; all Lava workers were stopped")

    def weights(self) -> np.ndarray:
        """Current Dense weights (post, pre) in Lava's units; slow (Var.get), for checks."""
        if self._state != "paused":
            raise RuntimeError(f"the Lava network is {self._state}")
        if self.dense is None:
            return np.zeros((self.network.n_neurons,) * 2)
        return np.asarray(self.dense.weights.get())

    # ------------------------------------------------------------------- ending

    def close(self) -> None:
        """Stop the runtime (bounded wait), kill what did not stop. Idempotent."""
        if self._state != "closed":
            self._end(kill=False)

    def _end(self, kill: bool) -> None:
        """Orderly stop unless ``kill`` (or it fails); then SIGKILL any worker still alive."""
        runtime = self.lif.runtime
        self._state = "closed"
        if not kill and runtime is not None:
            # Lava 0.10's stop() signals the workers only once the runtime has run; a network
            # built and never run would be left waiting (and stop() would hang joining it).
            runtime._is_started = True
            kill = lava_workers.stop_within(self.lif.stop, self._stop_timeout_s) is not None
        self.ended_by = "kill" if kill or runtime is None else "stop"
        left = lava_workers.kill(self._workers)
        if runtime is not None:
            runtime._is_started = False  # Runtime.__del__ must not stop() dead workers again
        if left:
            raise RuntimeError(f"Lava worker process(es) {sorted(left)} survived SIGKILL")


def _stdp_rule(net: NetworkSpec) -> Loihi2FLearningRule:
    """The §3.2 rule in Lava's learning-rule grammar (module docstring); taus in steps."""
    stdp = net.stdp
    assert stdp is not None
    tau_x, tau_y = stdp.tau_pre_ms / net.dt_ms, stdp.tau_post_ms / net.dt_ms
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


def _worker_errors(runtime: object, grace_s: float = 1.0) -> str:
    """The last line of each failed worker's exception, as Lava's SystemProcess recorded it.

    A failing model reports ERROR to the runtime first and sends its exception as it exits,
    so wait up to ``grace_s`` for the workers to exit (those that hang are killed after).
    Best effort: Lava internals, no guarantee.
    """
    try:
        actors = list(runtime._messaging_infrastructure.actors)  # type: ignore[attr-defined]
    except AttributeError:
        return ""
    deadline = time.monotonic() + grace_s
    while any(actor.is_alive() for actor in actors) and time.monotonic() < deadline:
        time.sleep(0.02)
    lines = []
    for actor in actors:
        try:
            error = None if actor.is_alive() else actor.exception
        except (OSError, ValueError, EOFError):
            continue
        if error:
            lines.append(str(error[1]).strip().splitlines()[-1])
    return (": " + "; ".join(lines)) if lines else ""
