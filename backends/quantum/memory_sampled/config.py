"""The sampled memory engine's plugin. Imports no SDK (it runs on the run's quantum backend)."""

from __future__ import annotations

from orchestrator.contract.memory import MemoryPlugin

__all__ = ["SAMPLED_MEMORY_PLUGIN"]

SAMPLED_MEMORY_PLUGIN = MemoryPlugin(
    kind="sampled",
    implementation="backends.quantum.memory_sampled.backend:SampledMemory",
    requires=(),
    install="uv sync",
    distribution="qnfusion",
    summary="Trotterized U on the run's quantum backend; overlaps and purity from shots",
)
