"""The spiking annealer's read-out in the control stage (issue 21; design §20).

With ``spiking.annealer`` the network's window carries the variable assignment x of the tick
(``SpikeWindow.states``) and the neuron updates it took. This rule evaluates the assignment's
energy E(x) (``physics.ising.energies``: the problem's Ising energy, the QUBO's value for a
QUBO) and adds one field to the FusionEvent:

    annealer: {energy, assignment, best_energy, best_assignment, best_tick,
               neuron_updates, updates_total, sweeps_total, temperature_mv}

``assignment`` / ``best_assignment``: x as a bit string, variable 0 first. ``neuron_updates``:
this tick's updates (each one stochastic decision of one variable: the unit a single-flip
proposal of simulated annealing is counted in); ``updates_total`` their running sum and
``sweeps_total`` = updates_total / n; ``temperature_mv``: T of the tick's last sweep. One
assignment is read per tick (one spike reading, one energy evaluation). The bests and the
running sum are the rule's state (checkpointed; a rollback forgets what came after its target).
The rule changes nothing about the next tick.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, final

import numpy as np

from orchestrator.contract.spiking import AnnealerSpec
from orchestrator.control.rule import ControlRule, NextTick, RuleOutcome
from orchestrator.physics.annealing import temperatures
from orchestrator.physics.budget import TickBudget
from orchestrator.physics.ising import IsingProblem, energies
from orchestrator.physics.readings import TickReading

__all__ = ["AnnealerRule"]


def _bits(x: np.ndarray) -> str:
    return "".join("1" if b else "0" for b in np.asarray(x).ravel())


@final
class AnnealerRule(ControlRule):
    """The annealer's per-tick read-out; the ``annealer`` event field."""

    name = "annealer"

    def __init__(self, problem: IsingProblem, spec: AnnealerSpec, steps_per_tick: int) -> None:
        self.problem = problem
        self.spec = spec
        self.steps_per_tick = steps_per_tick
        self.best_energy: float | None = None
        self.best_assignment = ""
        self.best_tick: int | None = None
        self.updates_total = 0

    def spent(self) -> TickBudget:
        """One energy evaluation a tick (the assignment read out)."""
        return TickBudget(evaluations=1)

    def apply(self, reading: TickReading, proposal: NextTick) -> RuleOutcome:
        window = reading.spikes.window
        if window.states is None or window.neuron_updates is None:
            raise RuntimeError("the annealer rule needs an annealer network's window")
        x = np.asarray(window.states)[: self.problem.n]
        energy = float(energies(self.problem, x)[0])
        if self.best_energy is None or energy < self.best_energy:
            self.best_energy, self.best_assignment = energy, _bits(x)
            self.best_tick = reading.tick
        self.updates_total += int(window.neuron_updates)
        last_sweep = ((reading.tick + 1) * self.steps_per_tick - 1) // self.spec.n_colours
        spec = self.spec
        temperature = temperatures(spec.schedule, spec.t0_mv, spec.t1_mv, spec.sweeps, last_sweep)
        fields = {
            "energy": energy,
            "assignment": _bits(x),
            "best_energy": self.best_energy,
            "best_assignment": self.best_assignment,
            "best_tick": self.best_tick,
            "neuron_updates": int(window.neuron_updates),
            "updates_total": self.updates_total,
            "sweeps_total": self.updates_total / max(self.problem.n, 1),
            "temperature_mv": float(temperature),
        }
        return RuleOutcome(proposal, {"annealer": fields})

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {
            "best_energy": self.best_energy,
            "best_assignment": self.best_assignment,
            "best_tick": self.best_tick,
            "updates_total": self.updates_total,
        }, {}

    def restore(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        energy = meta.get("best_energy")
        self.best_energy = None if energy is None else float(energy)
        self.best_assignment = str(meta.get("best_assignment", ""))
        tick = meta.get("best_tick")
        self.best_tick = None if tick is None else int(tick)
        self.updates_total = int(meta.get("updates_total", 0))
