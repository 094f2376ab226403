"""What one tick spent (issue 22): the budget record of the FusionEvent, and the study unit.

Every tick's event carries

    budget: {shots: {basis: count}, circuits, spike_readings, neuron_updates, evaluations}

shots     shots executed, per measurement basis label (``z``, ``x``, ``y`` of the loop's
          program; the learning rule's parameter-shift batches and the memory's sampled
          recalls included: memory shots are counted under ``memory``, the basis set its
          backend chose); 0 on a statevector backend (exact amplitudes: no shots)
circuits  circuits executed: one per request and basis with shots, one per request on a
          statevector backend (the tick's own, the learning batch, the Jacobian's 4n)
spike_readings  assignments or phasor sets read out of the spiking network this tick (one
          window read a tick; the MaxCut decoder reads two assignments from a LIF window,
          the annealer one)
neuron_updates  stochastic neuron updates of an annealer network (each one single-flip
          decision, simulated annealing's unit); 0 for LIF networks
evaluations  classical evaluations of a candidate's cost by the control stage (the MaxCut
          decoder's cut evaluations of distinct shots and spike readings, the annealer's
          energy of its assignment): recorded, but not a unit of the study rule, since each
          evaluates a shot or reading already counted

The study's one budget rule (``orchestrator.record.budget.units``): one unit is one evaluated
candidate drawn by the method, i.e. a shot in any basis, a spike reading, a neuron update (a
flip decision); a classical arm counts one unit per flip proposal or cut evaluation
(``tasks.maxcut.budgeted``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = ["TickBudget", "basis_label", "circuits_of", "shots_of"]


def shots_of(
    bases: Sequence[str], samples_per_request: Sequence[Sequence[np.ndarray]]
) -> dict[str, int]:
    """Shots per basis label of a batch: ``samples_per_request[r][b]`` has shape (shots, n)."""
    out: dict[str, int] = {}
    for samples in samples_per_request:
        for basis, block in zip(bases, samples):
            label = basis_label(basis)
            out[label] = out.get(label, 0) + int(np.shape(block)[0])
    return out


def basis_label(basis: str) -> str:
    """``z`` for ``ZZZZ`` (every qubit in one Pauli basis), the lower-cased string otherwise."""
    low = basis.lower()
    return low[0] if low and len(set(low)) == 1 else low


def circuits_of(bases: Sequence[str], samples_per_request: Sequence[Sequence[np.ndarray]]) -> int:
    """Circuits of a batch: one per request and basis with samples, one per request without
    (statevector)."""
    return sum(len(s) if len(s) else 1 for s in samples_per_request) if bases else 0


@dataclass
class TickBudget:
    """A tick's spend (module docstring); mutable while the tick runs, added with ``add``."""

    shots: dict[str, int] = field(default_factory=dict)
    circuits: int = 0
    spike_readings: int = 0
    neuron_updates: int = 0
    evaluations: int = 0

    def add(self, other: TickBudget) -> TickBudget:
        """This budget with ``other`` added (in place; returns self)."""
        for basis, count in other.shots.items():
            self.shots[basis] = self.shots.get(basis, 0) + count
        self.circuits += other.circuits
        self.spike_readings += other.spike_readings
        self.neuron_updates += other.neuron_updates
        self.evaluations += other.evaluations
        return self

    def as_fields(self) -> dict[str, Any]:
        """The event's ``budget`` field (bases sorted)."""
        return {
            "shots": {b: self.shots[b] for b in sorted(self.shots)},
            "circuits": self.circuits,
            "spike_readings": self.spike_readings,
            "neuron_updates": self.neuron_updates,
            "evaluations": self.evaluations,
        }

