"""Config model of the Lava backend and its plugin. Imports no SDK.

A Brian2 config runs on Lava by changing ``spiking.kind`` only: the network description is the
shared ``SpikingBackendConfig``; Lava's own options live under ``spiking.lava`` (all defaulted);
and ``spiking.brian2`` is accepted too, because it configures the Brian2 fallback.

Which engine runs (``LavaConfig.plan()``), decided before anything is built:

    target: sim                         Lava's CPU simulator, Loihi2SimCfg, floating or fixed point
    target: loihi2, lava-loihi present  Loihi2HwCfg (fixed point)
    target: loihi2, lava-loihi absent   fallback: brian2 -> Brian2, said on the console, in
                                        summary.json and in every event; fallback: none -> the
                                        run is refused at validation, saying what is missing
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from pydantic import Field

from backends.neuromorphic.brian2.config import Brian2Config, Brian2Options
from backends.neuromorphic.lava.loihi2_annealer import (
    LAVA_OPTIMIZATION_HOWTO,
    lava_optimization_sdk,
)
from backends.neuromorphic.lava.loihi2_probe import LOIHI2_HOWTO, loihi2_sdk
from backends.neuromorphic.lava.mapping import fixed_point_problems, lava_refractory_period
from orchestrator.contract.backend_config import (
    SpikingBackendConfig,
    SpikingCapabilities,
    Substitution,
)
from orchestrator.contract.network_config import StdpConfig
from orchestrator.contract.registry import BackendPlugin, ConformanceCase
from orchestrator.contract.strict import StrictModel

__all__ = [
    "LAVA_PLUGIN",
    "NOISE_REFUSAL",
    "LavaConfig",
    "LavaOptions",
    "LavaPlan",
    "network_problems",
]

LAVA_MAX_NEURONS = 8192  # a dense 8192^2 float64 matrix is 512 MiB, held a few times over
LAVA_DENSE_COPIES = 3
LAVA_SPARSE_SYNAPSE_BYTES = 24 + 3 * 12  # (pre, post, w) arrays + the CSR three times over

Target = Literal["sim", "loihi2"]
Tag = Literal["floating_pt", "fixed_pt"]


class LavaOptions(StrictModel):
    """Options only the Lava backend understands (``spiking.lava``)."""

    target: Target = Field(
        "sim",
        description=(
            "sim: Lava's CPU simulator (Loihi2SimCfg); loihi2: a Loihi 2 chip (Loihi2HwCfg), "
            "which needs lava-loihi."
        ),
    )
    select_tag: Tag | None = Field(
        None,
        description=(
            "Process models: floating_pt, or fixed_pt (bit-accurate Loihi arithmetic); "
            "default floating_pt on sim, fixed_pt on loihi2 (the chip is fixed point)."
        ),
    )
    fallback: Literal["none", "brian2"] = Field(
        "none",
        description=(
            "When target loihi2 is unavailable here: none refuses the run at validation; "
            "brian2 runs it on Brian2 and records that it did."
        ),
    )
    io: Literal["bridge", "injector_extractor"] = Field(
        "bridge",
        description=(
            "Host I/O per tick: bridge, one Lava process (drive in, spikes and state out); "
            "injector_extractor, Lava's Injector and Extractor plus a state tap (three "
            "processes, each synchronised every step: slower on few cores). Same spikes."
        ),
    )
    fixed_pt_range_mv: float = Field(
        128.0,
        gt=0,
        description=(
            "Fixed point: the voltage range (-R, R) mV the 24-bit membrane potential holds; "
            "sets the scale 2^floor(log2(2^23/R)) units per mV (smaller R: finer)."
        ),
    )
    stop_timeout_s: float = Field(
        10.0,
        gt=0,
        description=(
            "How long closing waits for Lava's runtime to stop before it kills the worker "
            "processes."
        ),
    )

    def tag(self) -> Tag:
        """The process-model tag that runs."""
        if self.select_tag is not None:
            return self.select_tag
        return "fixed_pt" if self.target == "loihi2" else "floating_pt"


@dataclass(frozen=True)
class LavaPlan:
    """What will run: ``engine`` (lava-sim, loihi2 or brian2), and why when it is a fallback.

    refusal: a ``field: message`` line when nothing may run (target unavailable, no fallback).
    """

    engine: Literal["lava-sim", "loihi2", "brian2"]
    reason: str | None = None
    refusal: str | None = None


class LavaConfig(SpikingBackendConfig):
    """Lava processes (LIF, Dense) on Lava's CPU simulator or a Loihi 2 chip."""

    kind: Literal["lava"] = Field(description="Lava (Loihi 2, or Lava's CPU simulator).")
    lava: LavaOptions = Field(default_factory=LavaOptions, description="Lava-only options.")
    brian2: Brian2Options = Field(
        default_factory=Brian2Options,
        description="Options of the Brian2 fallback (lava.fallback: brian2); unused otherwise.",
    )

    def plan(self) -> LavaPlan:
        """Decide the engine for this machine (probes for lava-loihi, imports nothing)."""
        if self.lava.target == "sim":
            return LavaPlan("lava-sim")
        if loihi2_sdk() is not None:
            return LavaPlan("loihi2")
        missing = f"target loihi2 needs {LOIHI2_HOWTO}; lava-loihi is not installed here"
        if self.lava.fallback == "brian2":
            return LavaPlan("brian2", reason=missing)
        return LavaPlan(
            "loihi2",
            refusal=(
                f"lava.target: {missing}. Set spiking.lava.fallback: brian2 to run on Brian2 "
                "instead, or spiking.lava.target: sim for Lava's CPU simulator"
            ),
        )

    def capabilities(self) -> SpikingCapabilities:
        """Lava's CPU simulator snapshots and learns (floating point); a Loihi 2 chip does not
        snapshot here (reading the chip's state back is not implemented); on the Brian2
        fallback, Brian2's. An annealer network does not learn."""
        plan = self.plan()
        if plan.engine == "brian2":
            return self.as_brian2().capabilities()
        chip = plan.engine == "loihi2"
        return SpikingCapabilities(
            snapshot=not chip,
            weights=not chip,
            plasticity=self.lava.tag() == "floating_pt" and self.annealer is None,
            hardware=chip,
            replay=not chip,
        )

    def substitute(self) -> Substitution | None:
        """Brian2 on the same network where Loihi 2 is configured, absent and ``fallback:
        brian2`` is set; recorded as ``engine: brian2`` with the reason, in every event."""
        plan = self.plan()
        if plan.engine != "brian2":
            return None
        reason = plan.reason or ""
        target = self.lava.target
        return Substitution(
            kind="brian2",
            config=self.as_brian2(),
            identity={
                "kind": "lava",
                "target": target,
                "engine": "brian2",
                "fallback": "brian2",
                "fallback_reason": reason,
                "notice": (
                    f"spiking: Lava target {target} is not available here ({reason}); "
                    "running on Brian2 (spiking.lava.fallback: brian2)"
                ),
            },
        )

    def as_brian2(self) -> Brian2Config:
        """The same network as a Brian2 config (what the fallback runs)."""
        data = self.model_dump(exclude={"kind", "lava", "brian2"})
        return Brian2Config.model_validate({**data, "kind": "brian2", "brian2": self.brian2})

    def synapse_bytes(self, n_neurons: int, n_synapses: int) -> int:
        """On Lava, the dense N x N float64 weight matrix of ``Dense`` held LAVA_DENSE_COPIES
        times (built here, the process model's copy, STDP's mask); Brian2's on the fallback."""
        if self.plan().engine == "brian2":
            return self.as_brian2().synapse_bytes(n_neurons, n_synapses)
        if self.annealer is not None:  # Sparse: a CSR matrix
            return LAVA_SPARSE_SYNAPSE_BYTES * n_synapses
        if n_synapses == 0:
            return 0
        return LAVA_DENSE_COPIES * 8 * n_neurons * n_neurons

    def problems(self) -> list[str]:
        plan = self.plan()
        if plan.refusal is not None:
            return [plan.refusal]
        if plan.engine == "brian2":
            return []  # Brian2 runs this network; Lava's constraints do not apply here
        if self.annealer is not None:
            return self.annealer_problems()
        n = self.neurons
        if n is not None and n > LAVA_MAX_NEURONS and self.recurrent is not None:
            return [
                f"neurons: Lava's Dense process holds the weights as a dense N x N matrix "
                f"({8 * n * n / 2**30:.1f} GiB at N = {n}); at most {LAVA_MAX_NEURONS} neurons "
                "with recurrent synapses on Lava here (use kind: brian2, or recurrent: null)"
            ]
        weight = self.recurrent.weight_mv if self.recurrent is not None else 0.0
        return network_problems(
            self.lava,
            v_reset_mv=self.v_reset_mv,
            refractory_ms=self.refractory_ms,
            dt_ms=self.dt_ms,
            tau_m_ms=self.tau_m_ms,
            v_th_mv=self.v_th_mv,
            weights_mv=np.array([weight]),
            stdp=self.stdp if self.stdp.enabled else None,
            noisy=self.noise is not None,
        )

    def annealer_problems(self) -> list[str]:
        """What Lava cannot run of ``spiking.annealer`` here (the LIF checks do not apply)."""
        if self.lava.target == "sim" and self.lava.tag() != "floating_pt":
            return [
                "lava.select_tag: the annealer's stochastic neurons have a floating-point "
                "model only (Lava 0.10 has no fixed-point stochastic neuron on its CPU "
                "simulator); use floating_pt, or kind: brian2"
            ]
        if self.lava.target == "loihi2" and lava_optimization_sdk() is None:
            return [
                "lava.target: the annealer on Loihi 2 runs lava-optimization's QUBO solver, "
                f"which needs {LAVA_OPTIMIZATION_HOWTO}; it is not installed here (use "
                "target: sim, or kind: brian2)"
            ]
        return []


NOISE_REFUSAL = (
    "noise: Lava has no noise for fixed-point (Loihi) neurons: lava-nc 0.10's LIF models are "
    "deterministic and no Loihi 2 noise is exposed to them; use lava.select_tag: floating_pt "
    "(target sim), or kind: brian2"
)


def network_problems(
    options: LavaOptions,
    *,
    v_reset_mv: float,
    refractory_ms: float,
    dt_ms: float,
    tau_m_ms: float,
    v_th_mv: float,
    weights_mv: np.ndarray,
    stdp: StdpConfig | None,
    in_strength_mv: float = 0.0,
    noisy: bool = False,
) -> list[str]:
    """What Lava (with ``options``) cannot run of this network: ``field: message`` lines.

    Used by validation (config values) and by the backend (the resolved ``NetworkSpec``).
    """
    out: list[str] = []
    tag = options.tag()
    if v_reset_mv != 0:
        out.append(
            "v_reset_mv: Lava's LIF resets to 0 mV, the rest potential; set it to 0 "
            "(or use kind: brian2)"
        )
    if options.target == "loihi2" and tag == "floating_pt":
        out.append(
            "lava.select_tag: Loihi 2 computes in fixed point; floating_pt is a "
            "simulator tag (lava.target: sim)"
        )
    refractory = lava_refractory_period(refractory_ms, dt_ms) > 0
    if tag == "fixed_pt" and options.target == "sim" and refractory:
        out.append(
            "refractory_ms: Lava 0.10 has no fixed-point model of LIFRefractory; set "
            f"refractory_ms below 2 dt_ms = {2 * dt_ms} (no refractory period) "
            "or lava.select_tag: floating_pt"
        )
    if tag == "fixed_pt":
        out += fixed_point_problems(
            dt_ms=dt_ms,
            tau_m_ms=tau_m_ms,
            v_th_mv=v_th_mv,
            weights_mv=weights_mv,
            in_strength_mv=in_strength_mv,
            range_mv=options.fixed_pt_range_mv,
        )
    if noisy and tag == "fixed_pt":
        out.append(NOISE_REFUSAL)
    if stdp is not None and tag == "fixed_pt":
        out.append(
            "stdp.enabled: Lava's fixed-point learning engine (bit-approximate: 7-bit "
            "traces with stochastic rounding) is not mapped to this STDP rule; use "
            "lava.select_tag: floating_pt (target sim), or kind: brian2"
        )
    elif (
        stdp is not None
        and weights_mv.size
        and not (weights_mv.min() >= 0 and weights_mv.max() <= stdp.w_max_mv)
    ):
        out.append(
            f"recurrent.weight_mv: with STDP on Lava the initial weights must lie in "
            f"[0, stdp.w_max_mv = {stdp.w_max_mv}]"
        )
    return out


LAVA_PLUGIN = BackendPlugin(
    layer="spiking",
    kind="lava",
    config=LavaConfig,
    implementation="backends.neuromorphic.lava.backend:LavaBackend",
    requires=("lava",),
    install="uv sync (lava-nc is a core dependency of qnfusion; it needs Python 3.10)",
    distribution="lava-nc",
    summary=(
        "Lava LIF + Dense processes, built once; Loihi 2 (lava-loihi) or Lava's CPU simulator; "
        "Brian2 fallback; spiking Ising annealer (CPU; Loihi 2 via lava-optimization)"
    ),
    probe="backends.neuromorphic.lava.loihi2_probe:loihi2_status",
    annealer="backends.neuromorphic.lava.annealer:LavaAnnealer",
    conformance={
        "lava-floating_pt": ConformanceCase({"lava": {"select_tag": "floating_pt"}}),
        # Fixed point: no refractory model on Lava's CPU simulator; the rate tolerance adds the
        # quantisation of mapping.py: decay 20/4096 instead of 1 - e^{-0.005} lengthens tau_m
        # by 2.15 %, and the drive's 64/s-mV steps move V_inf by <= 0.1 mV (<= 0.6 % of the
        # rate at the suite's drives): 3 + 2.15 + 0.6 -> 6 %.
        "lava-fixed_pt": ConformanceCase(
            {"lava": {"select_tag": "fixed_pt"}, "refractory_ms": 0.0},
            rate_tolerance=0.06,
            refuses={
                "stdp": "stdp.enabled: Lava's fixed-point learning engine",
                "noise": "noise: Lava has no noise for fixed-point",
                "annealer": "select_tag: the annealer's stochastic neurons",
            },
        ),
    },
)
