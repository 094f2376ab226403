"""Ticks of a fusion loop built from a config, without a run directory (for stage-level tests)."""

from __future__ import annotations

from orchestrator.config.root import RunConfig
from orchestrator.run.assemble import open_backends
from orchestrator.run.loop import FusionLoop
from orchestrator.run.tick_record import TickRecord


def loop_ticks(cfg: RunConfig, ticks: int = 1) -> list[TickRecord]:
    """The records of the first ``ticks`` ticks of ``cfg``'s loop (its backends closed after)."""
    backends = open_backends(cfg)
    loop = FusionLoop(cfg, backends.quantum, backends.spiking, backends.rules)
    try:
        return [loop.step() for _ in range(ticks)]
    finally:
        loop.close()
