"""The memory of spec §10 in the control stage: every K ticks a spike cue is recalled and,
if novel, written.

On tick t with t % K == 0 the rule reads the tick's spikes as a cue over n bits (neuron k
belongs to bit k mod n): r_b = the fraction of bit b's neurons that spiked in the tick; the
``binary`` cue is r_b >= 1/2, the ``rates`` cue is r_b itself. It recalls (overlaps, recalled
pattern, purity: ``orchestrator.contract.memory``) and, with ``write: novel``, stores the binary
pattern when nothing is stored or the best overlap is below ``novelty``, up to ``capacity``
patterns. Both go into the tick's FusionEvent as one field, ``memory``:

    {op: "recall" | "write", cue, recalled, index, overlaps, purity, shots, stored}

(``stored``: patterns held after the op). The memory does not change the next tick. The stored
patterns are the rule's state (checkpointed, restored on resume and rollback); sampled shots
are seeded per tick by ``seed_of_tick`` (the run derives it from its seed), so a resumed run
repeats them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, final

import numpy as np

from orchestrator.contract.memory import QuantumMemory
from orchestrator.contract.memory_config import MemoryConfig
from orchestrator.control.rule import ControlRule, NextTick, RuleOutcome
from orchestrator.physics.budget import TickBudget
from orchestrator.physics.readings import TickReading
from orchestrator.physics.tick_io import SpikeWindow

__all__ = ["MemoryRule", "spike_cue"]


def spike_cue(window: SpikeWindow, n_neurons: int, n_bits: int) -> np.ndarray:
    """r_b: the fraction of bit b's neurons (k % n_bits == b) that spiked in ``window``."""
    fired = np.zeros(n_neurons, dtype=bool)
    fired[np.asarray(window.neurons, dtype=np.int64)] = True
    bit = np.arange(n_neurons) % n_bits
    members = np.bincount(bit, minlength=n_bits)
    spiking = np.bincount(bit, weights=fired, minlength=n_bits)
    return np.divide(spiking, members, out=np.zeros(n_bits), where=members > 0)


@final
class MemoryRule(ControlRule):
    """§10 memory ops every ``memory.every`` ticks; the ``memory`` event field."""

    name = "memory"

    def __init__(
        self,
        config: MemoryConfig,
        memory: QuantumMemory,
        n_neurons: int,
        seed_of_tick: Callable[[int], int],
    ) -> None:
        self.config = config
        self.memory = memory
        self.n_neurons = n_neurons
        self.seed_of_tick = seed_of_tick
        self._spent = TickBudget()

    def apply(self, reading: TickReading, proposal: NextTick) -> RuleOutcome:
        self._spent = TickBudget()
        if reading.tick % self.config.every:
            return RuleOutcome(proposal)
        rates = spike_cue(reading.spikes.window, self.n_neurons, self.memory.n_bits)
        pattern = (rates >= 0.5).astype(np.uint8)
        cue = rates if self.config.cue == "rates" else pattern.astype(float)
        recall = self.memory.recall(cue, self.seed_of_tick(reading.tick))
        if recall.shots:  # sampled recall: its shots in the memory backend's own bases
            self._spent = TickBudget({"memory": int(recall.shots)})
        capacity = self.config.capacity or self.memory.n_bits
        novel = recall.index is None or float(recall.overlaps.max()) < self.config.novelty
        write = self.config.write == "novel" and novel and len(self.memory.patterns) < capacity
        if write:
            self.memory.store(pattern)
        fields = {
            "op": "write" if write else "recall",
            **recall.as_fields(),
            "stored": len(self.memory.patterns),
        }
        return RuleOutcome(proposal, {"memory": fields})

    def spent(self) -> TickBudget:
        """The sampled recall's shots (none when exact)."""
        return self._spent

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"patterns": ["".join(map(str, p)) for p in self.memory.patterns]}, {}

    def restore(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        stored = [str(p) for p in meta.get("patterns", [])]
        if stored != self.state()[0]["patterns"]:
            bits = np.array([[int(b) for b in p] for p in stored], dtype=np.uint8)
            self.memory.load(bits.reshape(-1, self.memory.n_bits))

    def close(self) -> None:
        self.memory.close()
