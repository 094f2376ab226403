"""What one fusion tick leaves behind (design §1): the ``TickRecord`` the loop returns and the
session turns into a FusionEvent, and the §15 monitor snapshot of a tick (the loop's
``monitor_entropy()`` and the job worker's progress both read it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from orchestrator.control.monitor import EntropySnapshot, entropy_snapshot
from orchestrator.control.rule import NextTick, Verdict
from orchestrator.physics.budget import TickBudget
from orchestrator.physics.pci import AceState
from orchestrator.physics.readings import QuantumReading, SpikeReading

__all__ = ["HISTORY", "TickRecord", "no_snapshot", "snapshot_of"]

HISTORY = 1024  # recent ticks kept for the §15 interfaces


@dataclass(frozen=True)
class TickRecord:
    """Everything one tick measured and decided.

    quantum, spikes: the stages' readings. coupling: the constants used this tick.
    next: what the next tick starts from (after every rule). fields: the rules' event fields.
    verdict: the tick's stability verdict (the stage's last).
    timestamp_us: the network time at the end of the tick (the ledger's logical clock).
    budget: what the tick spent (``orchestrator.physics.budget``): the tick's circuits and
        shots, the rules' (learning batch, Jacobian, memory), the spike reading, the neuron
        updates of an annealer, the decoders' evaluations.
    placebo: with a ``placebo`` section, the permutation pi of the channels this tick's push
        used (channel c was pushed by the phasor of channel pi[c]); None otherwise.
    """

    tick: int
    timestamp_us: int
    quantum: QuantumReading
    spikes: SpikeReading
    coupling: AceState
    next: NextTick
    fields: Mapping[str, Any]
    verdict: Verdict
    budget: TickBudget
    placebo: tuple[int, ...] | None = None


def no_snapshot() -> EntropySnapshot:
    """The §15 monitor snapshot before any tick: ``tick`` and every metric None."""
    return EntropySnapshot()


def snapshot_of(record: TickRecord) -> EntropySnapshot:
    """The §15 monitor snapshot of one tick (the loop's and the job worker's)."""
    return entropy_snapshot(
        record.tick,
        record.quantum.entropy,
        record.spikes.coherence_energy,
        record.spikes.phases.violations,
        record.fields,
        record.verdict,
    )
