"""Config models of the built-in spiking backends. Imports no SDK (validation stays offline)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from orchestrator.contract.backend_config import SpikingBackendConfig
from orchestrator.contract.registry import BackendPlugin, ConformanceCase
from orchestrator.contract.strict import StrictModel

__all__ = ["BRIAN2_PLUGIN", "Brian2Config", "Brian2Options"]


class Brian2Options(StrictModel):
    """Options only Brian2 understands."""

    codegen_target: Literal["numpy", "cython"] = Field(
        "numpy",
        description=(
            "numpy: no compilation (fast start); cython: compiled code, faster per step, "
            "~1 min to compile once per machine (cached afterwards)."
        ),
    )
    timing: Literal["brian2", "lava"] = Field(
        "brian2",
        description=(
            "brian2: a spike adds w to V in the same step, exact integration; lava: Lava's LIF "
            "step (input buffered one step, as Lava's Dense delivers it; no input while "
            "refractory), for spike-for-spike comparison with Lava floating_pt."
        ),
    )


class Brian2Config(SpikingBackendConfig):
    """Brian2 on this machine's CPU."""

    kind: Literal["brian2"] = Field(description="Brian2 simulator (CPU).")
    brian2: Brian2Options = Field(default_factory=Brian2Options, description="Brian2-only options.")


BRIAN2_PLUGIN = BackendPlugin(
    layer="spiking",
    kind="brian2",
    config=Brian2Config,
    implementation="backends.neuromorphic.brian2.backend:Brian2Backend",
    requires=("brian2",),
    install="uv sync (brian2 is a core dependency of qnfusion)",
    distribution="brian2",
    summary=(
        "Brian2 LIF network, built once, one continuous run handing off at tick boundaries; "
        "spiking Ising annealer"
    ),
    annealer="backends.neuromorphic.brian2.annealer:Brian2Annealer",
    conformance={
        "brian2": ConformanceCase({"brian2": {"codegen_target": "numpy"}}),
        "brian2-lava-timing": ConformanceCase(
            {"brian2": {"codegen_target": "numpy", "timing": "lava"}}
        ),
    },
)
