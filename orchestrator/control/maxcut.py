"""The MaxCut decoder in the control stage (issue 15): the cut of every tick, the best so far.

Each tick the rule reads candidate assignments (``orchestrator.tasks.maxcut.decode``): the
distinct Z-basis outcomes of a shot run, or the ``maxcut.top_k`` most probable basis states of
a statevector run, and the two spike readings (group rates, group phases), or, when the
network is the spiking annealer (``spiking.annealer``), its assignment of the tick (vertex k =
neuron k's state; one reading). It adds one field
to the FusionEvent,

    maxcut: {cut, cut_quantum, cut_spikes, best_cut, best_assignment, best_tick,
             best_quantum, best_spikes}

``cut`` = max(cut_quantum, cut_spikes) of this tick; ``best_cut`` the largest ``cut`` of the
run so far, ``best_assignment`` its sides as a string of n bits (vertex 0 first, vertex 0 on
side 0), ``best_tick`` the first tick that reached it; ``best_quantum`` / ``best_spikes`` the
best of each substrate's cuts alone (what a quantum-only or spiking-only study reads). With
``maxcut.optimum`` set, ``hits_quantum`` / ``hits_spikes`` count this tick's Z-basis shots (with
multiplicity; None on a statevector run) and spike readings whose cut reaches the optimum
(issue 22's p_hit). The
rule changes nothing about the next tick. The bests are its state (checkpointed, restored on
resume and rollback: a rolled-back run forgets cuts found after its rollback target).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, final

import numpy as np

from orchestrator.config.maxcut import MaxCutConfig
from orchestrator.control.rule import ControlRule, NextTick, RuleOutcome
from orchestrator.physics.budget import TickBudget
from orchestrator.physics.readings import TickReading
from orchestrator.tasks.maxcut import decode
from orchestrator.tasks.maxcut.cut import cut_values
from orchestrator.tasks.maxcut.decode import TIE
from orchestrator.tasks.maxcut.instances import MaxCutInstance
from orchestrator.tasks.maxcut.wiring import merged_edges

__all__ = ["MaxCutRule", "instance_of_edges"]


def instance_of_edges(n: int, edges: list[tuple[int, int, float]]) -> MaxCutInstance:
    """The graph of an ``ising`` edge list (a pair given twice: weights summed)."""
    return MaxCutInstance.from_edges("config", n, merged_edges(edges))


def _finite(value: float) -> float | None:
    return None if value == float("-inf") else value


@final
class MaxCutRule(ControlRule):
    """The per-tick MaxCut decoder; the ``maxcut`` event field."""

    name = "maxcut"

    def __init__(self, config: MaxCutConfig, instance: MaxCutInstance, n_neurons: int) -> None:
        self.config = config
        self.instance = instance
        self.n_neurons = n_neurons
        self.best = decode.Best(float("-inf"), ())
        self.best_tick: int | None = None
        self.best_quantum = float("-inf")
        self.best_spikes = float("-inf")
        self._evaluations = 0

    def quantum_candidates(self, reading: TickReading) -> np.ndarray:
        q = reading.quantum
        n = self.instance.n
        if q.statevector is not None:
            return decode.statevector_candidates(q.statevector, n, self.config.top_k)
        if q.z_samples is not None:
            return decode.sample_candidates(q.z_samples)
        return np.zeros((0, n), dtype=np.uint8)

    def spike_candidates(self, reading: TickReading) -> np.ndarray:
        n = self.instance.n
        window = reading.spikes.window
        if window.states is not None:  # an annealer: its assignment is the reading
            return np.asarray(window.states, dtype=np.uint8)[:n].reshape(1, n)
        rate = decode.rate_assignment(reading.spikes.window.neurons, self.n_neurons, n)
        phase = decode.phase_assignment(np.asarray(reading.spikes.phasors)[:n])
        return np.stack([rate, phase])

    def hits(self, bits: np.ndarray) -> int:
        """How many rows of ``bits`` (with multiplicity) reach ``maxcut.optimum``."""
        optimum = self.config.optimum
        assert optimum is not None
        x = np.asarray(bits, dtype=np.uint8).reshape(-1, self.instance.n)
        if x.shape[0] == 0:
            return 0
        scale = max(1.0, sum(abs(w) for _, _, w in self.instance.edges))
        return int(np.count_nonzero(cut_values(self.instance, x) >= optimum - TIE * scale))

    def spent(self) -> TickBudget:
        """The cut evaluations of the tick (distinct shots or top-k states, spike readings)."""
        return TickBudget(evaluations=self._evaluations)

    def apply(self, reading: TickReading, proposal: NextTick) -> RuleOutcome:
        q_candidates = self.quantum_candidates(reading)
        s_candidates = self.spike_candidates(reading)
        self._evaluations = len(q_candidates) + len(s_candidates)
        quantum = decode.best_of(self.instance, q_candidates)
        spikes = decode.best_of(self.instance, s_candidates)
        tick_best = quantum if quantum.value >= spikes.value else spikes
        if tick_best.value > self.best.value:
            self.best, self.best_tick = tick_best, reading.tick
        self.best_quantum = max(self.best_quantum, quantum.value)
        self.best_spikes = max(self.best_spikes, spikes.value)
        fields = {
            "cut": _finite(tick_best.value),
            "cut_quantum": _finite(quantum.value),
            "cut_spikes": _finite(spikes.value),
            "best_cut": _finite(self.best.value),
            "best_assignment": "".join(map(str, self.best.assignment)),
            "best_tick": self.best_tick,
            "best_quantum": _finite(self.best_quantum),
            "best_spikes": _finite(self.best_spikes),
        }
        if self.config.optimum is not None:
            z = reading.quantum.z_samples
            fields["hits_quantum"] = None if z is None else self.hits(z)
            fields["hits_spikes"] = self.hits(s_candidates)
        return RuleOutcome(proposal, {"maxcut": fields})

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {
            "best_cut": _finite(self.best.value),
            "best_assignment": "".join(map(str, self.best.assignment)),
            "best_tick": self.best_tick,
            "best_quantum": _finite(self.best_quantum),
            "best_spikes": _finite(self.best_spikes),
        }, {}

    def restore(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        def value(key: str) -> float:
            v = meta.get(key)
            return float("-inf") if v is None else float(v)

        assignment = tuple(int(b) for b in str(meta.get("best_assignment", "")))
        self.best = decode.Best(value("best_cut"), assignment)
        tick = meta.get("best_tick")
        self.best_tick = None if tick is None else int(tick)
        self.best_quantum = value("best_quantum")
        self.best_spikes = value("best_spikes")
