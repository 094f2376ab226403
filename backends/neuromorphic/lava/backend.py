"""The Lava backend: the §3.2 network as Lava processes, on Lava's CPU simulator or Loihi 2.

``LavaConfig.plan()`` picks the engine before anything is built: Lava's CPU simulator
(``target: sim``) or a Loihi 2 chip (``target: loihi2`` with lava-loihi). Where Loihi 2 is
configured but absent and ``fallback: brian2`` is set, the Brian2 backend runs instead: that is
decided when the backend is selected (``LavaConfig.substitute()``), so this class never sees it.

Per tick, with drive d (mV, shape (N,)) and ``backends.neuromorphic.lava.mapping``:

    current:  x = d dv on every step of the tick             (fixed point: round(d dv_q / lsb))
    kick:     x = (kick(V, d, cap) - V)(1 - dv) on the first step, 0 after, V the voltage at the
              end of the previous tick (fixed point: truncated toward 0, never past the cap)

The window's spikes are Lava's steps 1..steps_per_tick of the tick at times 0..(steps-1) dt
(Brian2's convention: a spike is stamped with the start of the step that produced it);
voltages are the tap's reading after the last step, in mV.

Checkpoints (``snapshot``, ``NetworkSpec.start``): the state the session reads at every tick's
end anyway (``backends.neuromorphic.lava.state``: v, u, refractory steps left, Dense's
one-step buffer; with STDP the weights and traces), kind ``lava``. ``snapshot`` copies it (no
call into Lava); a restore passes it to the processes as initial values and continues the
tick count from ``start.tick``. V at the end of the last tick, which the next kick starts from,
is ``lif.v``. A Loihi 2 chip (``engine: loihi2``) does not snapshot (capability ``snapshot``
false): reading the chip's neuron and synapse state back is not implemented (there is no chip
here to test it on).
"""

from __future__ import annotations

from typing import final

import numpy as np

from backends.neuromorphic.common.drive import kick
from backends.neuromorphic.lava.config import LavaConfig, network_problems
from backends.neuromorphic.lava.mapping import (
    FixedPoint,
    decay,
    fixed_point,
    lava_refractory_period,
)
from backends.neuromorphic.lava.session import LavaSession
from backends.neuromorphic.lava.state import StateLayout
from orchestrator.contract.spiking import NetworkSpec, NetworkState, SpikingBackend
from orchestrator.physics.tick_io import SpikeWindow

__all__ = ["LavaBackend"]


def _repeated_pairs(network: NetworkSpec) -> int:
    """How many synapses repeat a (pre, post) pair given before them."""
    pairs = np.asarray(network.post, dtype=np.int64) * network.n_neurons + network.pre
    return len(pairs) - len(np.unique(pairs))


def _in_strength(net: NetworkSpec) -> float:
    """The largest sum of |w| onto one neuron."""
    if len(net.post) == 0:
        return 0.0
    totals = np.bincount(net.post, weights=np.abs(net.weight_mv), minlength=net.n_neurons)
    return float(totals.max())


@final
class LavaBackend(SpikingBackend):
    """Lava LIF + Dense processes, built once; or the Brian2 fallback (see the module)."""

    def __init__(self, config: LavaConfig, network: NetworkSpec) -> None:
        super().__init__(config, network)
        plan = config.plan()
        if plan.refusal is not None:
            raise ValueError(f"spiking.{plan.refusal}")
        if plan.engine == "brian2":
            raise ValueError("spiking.lava: the Brian2 fallback is selected, not built, here")
        problems = network_problems(
            config.lava,
            v_reset_mv=network.v_reset_mv,
            refractory_ms=network.refractory_ms,
            dt_ms=network.dt_ms,
            tau_m_ms=network.tau_m_ms,
            v_th_mv=network.v_th_mv,
            weights_mv=np.asarray(network.weight_mv, dtype=float),
            stdp=network.stdp if network.stdp is not None and network.stdp.enabled else None,
            in_strength_mv=_in_strength(network),
            noisy=network.noise is not None,
        )
        repeated = _repeated_pairs(network) if network.stdp and network.stdp.enabled else 0
        if repeated:
            problems.append(
                f"lava: {repeated} synapses repeat a (pre, post) pair; with STDP each would "
                "learn on its own, but Lava's dense matrix holds one weight per pair (remove "
                "the repeats, or use kind: brian2)"
            )
        if problems:
            raise ValueError("; ".join(f"spiking.{p}" for p in problems))
        self._plan = plan
        self._options = config.lava
        self._fixed: FixedPoint | None = None
        self._tick = 0
        self._closed = False
        tag = config.lava.tag()
        if tag == "fixed_pt":
            self._fixed = fixed_point(
                dt_ms=network.dt_ms,
                tau_m_ms=network.tau_m_ms,
                v_th_mv=network.v_th_mv,
                weights_mv=network.weight_mv,
                in_strength_mv=_in_strength(network),
                range_mv=config.lava.fixed_pt_range_mv,
            )
            self._dv = self._fixed.dv_q
        else:
            self._dv = decay(network.dt_ms, network.tau_m_ms)
        self._v = np.zeros(network.n_neurons)
        if network.v_init_mv is not None:  # V of a network at rest (the next kick starts there)
            self._v = np.asarray(network.v_init_mv, dtype=float).copy()
        start = self._start(network.start, fixed=self._fixed is not None)
        if network.start is not None:
            self._tick = network.start.tick
            self._v = self._to_mv(np.asarray(network.start.arrays["lif.v"]))
        self._session = LavaSession(
            network,
            tag=tag,
            fixed=self._fixed,
            hardware=plan.engine == "loihi2",
            stop_timeout_s=config.lava.stop_timeout_s,
            io=config.lava.io,
            start=start,
        )

    def _start(self, state: NetworkState | None, *, fixed: bool) -> dict[str, np.ndarray] | None:
        """The session's start arrays of a checkpoint's ``state``; ValueError if it does not fit."""
        if state is None:
            return None
        if state.kind != "lava":
            raise ValueError(f"cannot restore a '{state.kind}' network state into lava")
        if self._plan.engine == "loihi2":
            raise ValueError("spiking: Lava on Loihi 2 cannot restore a network state")
        net = self.network
        refractory = lava_refractory_period(net.refractory_ms, net.dt_ms) > 0
        layout = StateLayout.of(net, fixed=fixed, refractory=refractory)
        problems = layout.problems(state.arrays, len(net.pre))
        if problems:
            raise ValueError("the Lava network state does not fit: " + "; ".join(problems))
        return {k: np.array(v, copy=True) for k, v in state.arrays.items() if k != "voltages_mv"}

    @property
    def session(self) -> LavaSession:
        """The Lava process graph this backend runs (for checks and benchmarks)."""
        return self._session

    @property
    def fixed_point(self) -> FixedPoint | None:
        """The fixed-point registers of the network, None in floating point."""
        return self._fixed

    def advance(self, drive_mv: np.ndarray) -> SpikeWindow:
        net = self.network
        drive = np.asarray(drive_mv, dtype=float)
        if drive.shape != (net.n_neurons,) or not np.all(np.isfinite(drive)):
            raise ValueError(
                f"drive_mv must be {net.n_neurons} finite values (got shape {drive.shape})"
            )
        if self._closed:
            raise RuntimeError("Lava backend is closed")
        spikes, v = self._session.tick(*self._inputs(drive))
        steps, neurons = np.nonzero(spikes)
        self._v = self._to_mv(v)
        k, self._tick = self._tick, self._tick + 1
        return SpikeWindow(
            t0_ms=k * net.tick_ms,
            neurons=neurons.astype(np.int64),
            times_ms=steps * net.dt_ms,
            voltages_mv=self._v.copy(),
        )

    def _to_mv(self, v: np.ndarray) -> np.ndarray:
        return v.astype(float) if self._fixed is None else self._fixed.to_mv(v)

    def snapshot(self) -> NetworkState:
        """The state after the last tick (``lava_state``); a copy of what the tap read."""
        if self._closed:
            raise RuntimeError("Lava backend: no state to snapshot (closed)")
        state = self._session.state()
        if state is None:
            raise NotImplementedError(
                "spiking: Lava on Loihi 2 does not snapshot (reading the chip's state back is "
                "not implemented)"
            )
        arrays = {name: value.copy() for name, value in state.items()}
        arrays["voltages_mv"] = self._v.copy()
        return NetworkState(kind="lava", tick=self._tick, arrays=arrays)

    def _inputs(self, drive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The tick's injected input in Lava's units: (first step, every later step)."""
        net, fixed = self.network, self._fixed
        if net.drive_mode == "current":
            per_step = drive * self._dv
            x = per_step if fixed is None else fixed.inputs(per_step)
            return x, x
        first = (kick(self._v, drive, net.kick_cap_mv) - self._v) * (1.0 - self._dv)
        if fixed is not None:
            first = np.trunc(first / fixed.input_lsb_mv)
        return first, np.zeros(net.n_neurons)

    def weights_mv(self) -> np.ndarray:
        """Current recurrent weights, mV, in the order of ``network.pre`` / ``network.post``.

        With STDP as the session last received them (or as restored, before a tick); static
        synapses keep the configured weights, as Dense holds them (quantised on fixed point).
        """
        state = self._session.state()
        if state is not None and self._session.layout.traces:
            return state["weights_mv"].copy()
        w = np.asarray(self.network.weight_mv, dtype=float)
        if self._fixed is None:
            return w.copy()
        return self._fixed.weights(w) * self._fixed.weight_scale

    def identity(self) -> dict[str, str]:
        lava = self._options
        out = {
            "kind": "lava",
            "target": lava.target,
            "engine": self._plan.engine,
            "select_tag": self._session.tag,
            "run_config": self._session.run_config_name,
            "io": self._session.io,
        }
        if self._fixed is not None:
            f = self._fixed
            out["fixed_pt"] = (
                f"{f.scale:g} units/mV; dv {f.dv_reg}/4096 (tau {f.tau_q_ms:.4g} ms); "
                f"vth {f.vth_reg}<<6 ({f.threshold_mv:.6g} mV); weight_exp {f.weight_exp}"
            )
        return out

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._session.close()
