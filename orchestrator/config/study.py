"""A study file (issue 22): MaxCut arms compared at ONE budget, with pre-registered contrasts.

    study: a-feedback                       # name (the output folder's default)
    graphs: {family: regular3_weighted, sizes: [12, 14], count: 10, base_seed: 0}
    budget: {units: 980}                    # every arm, every graph: the same units
    arms:
      - {name: feedback,    kind: loop, shots: 16}
      - {name: no_feedback, kind: loop, shots: 16, overrides: {pci.gamma: 0.0}}
      - {name: placebo,     kind: loop, shots: 16, overrides: {placebo: {}}}
      - {name: random,      kind: random}
      - {name: sa,          kind: sa, sweeps: 10}
    contrasts: [[feedback, no_feedback], [feedback, placebo]]

**The budget rule** (``orchestrator.record.budget.units``): one unit is one evaluated candidate
the arm drew: a shot in any basis, a spike reading, a neuron update of an annealer, a
classical single-flip proposal or cut evaluation. Every arm stops at ``budget.units``:

- ``loop``: a fusion-loop run of ``tasks.maxcut.configs.config_of`` (the quench loop of issue
  15, Aer + Brian2) with ``overrides`` applied (dotted keys), ``maxcut.optimum`` set to the
  brute-force optimum; it runs ceil(units / (3 shots + 1)) ticks (3 bases + 1 spike reading a
  quench tick; or the arm's ``ticks``) and is read only up to its last tick whose running sum
  of units (from the events' ``budget``) is <= ``budget.units``: a learned arm's gradient
  shots stop it earlier.
  ``annealer: true`` uses ``annealer_config_of`` (the spiking annealer as the network).
- ``annealer_alone``: the spiking annealer (design §20) on the spiking backend with no loop
  and no quantum side: ticks of ``sweeps`` sweeps, n neuron updates a sweep + 1 reading a tick,
  as many ticks as fit.
- ``random``: ``units`` uniformly random assignments, each one cut evaluation.
- ``local_search``: multi-start steepest-ascent single-flip local search from random starts:
  each start is 1 unit, each pass that evaluates all n flips n units, until the budget.
- ``sa``: dwave-samplers' simulated annealing, reads of ``sweeps`` sweeps (n proposals each),
  as many reads as fit.
- ``gw``: Goemans-Williamson, ``units`` hyperplane roundings (each one cut evaluation); the SDP
  solve itself is not a unit (its cost is stated apart, in seconds).
- ``annealer_seeded`` (experiment B, design §28): ``seed_units`` seed strings from
  ``seed_from`` (depth-1 QAOA shots, uniform random strings or GW roundings; each a unit and a
  candidate), then the spiking annealer started from the best of them (``initial_x``) with the
  units left: ticks of ``sweeps`` sweeps as ``annealer_alone``, its schedule begun
  ``schedule_from`` of the way from the default T0 to T1 (geometric).
- ``qaoa`` (experiment B): depth-1 QAOA shots (one unit and one candidate each) from |+>^n
  (``warm_from: plus``), or (``warm_from: annealer``) the annealer alone for ``warm_units``
  units first, then the shots from the state tilted toward its best reading (regularised by
  ``epsilon``) with the warm-start mixer. Angles: the grid optimum of the exact expected cut
  (``physics.warm_qaoa``), not a unit (classical, no candidate; its seconds are stated).
  ``layer: false``: the shots come from the preparation alone (no layer), the control.

Metrics per arm and graph: p_hit = (candidates reaching the optimum) / units (a shot, a spike
reading, a sample, a finished descent, a read's final state, a rounding: the candidates each
arm reports; an annealer's neuron updates are units that are not candidates);
TTS99 = ln(0.01) / ln(1 - p_hit) units (inf at p_hit = 0); best cut / optimum (secondary).
Contrasts: paired over the graphs of each size, A minus B of p_hit, Wilcoxon signed-rank p,
Holm-corrected over every contrast and size of the study, bootstrap 95 % CI of the mean.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator

from orchestrator.contract.strict import StrictModel

__all__ = ["StudyArm", "StudyBudget", "StudyConfig", "StudyGraphs"]


class StudyGraphs(StrictModel):
    """Which graphs: ``tasks.maxcut.instances.catalogue(family, n, count, base_seed)``."""

    family: Literal["regular3", "erdos_renyi", "regular3_weighted"] = Field(
        "regular3_weighted", description="Graph family of the catalogue (instances.py)."
    )
    sizes: list[int] = Field(
        ..., min_length=1, description="Vertex counts n; one block of graphs per size."
    )
    count: int = Field(10, ge=2, le=1000, description="Graphs per size (paired over them).")
    base_seed: int = Field(0, ge=0, description="First seed the catalogue draws from.")
    reference: Literal["exact", "best_found"] = Field(
        "exact",
        description=(
            "What p_hit counts as the optimum: `exact` (brute force, n <= 26; loop arms need "
            "it) or `best_found` (the best cut any arm found on the graph)."
        ),
    )


class StudyBudget(StrictModel):
    """The one budget every arm is stopped at."""

    units: int = Field(
        ..., ge=1, le=10**9, description="Units per arm and graph (see the module docstring)."
    )


class StudyArm(StrictModel):
    """One arm of the study."""

    name: str = Field(..., min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_.:-]+$",
                      description="The arm's name in tables and contrasts.")
    kind: Literal[
        "loop", "annealer_alone", "random", "local_search", "sa", "gw", "annealer_seeded", "qaoa"
    ] = Field(..., description="What runs (module docstring).")
    shots: int = Field(16, ge=1, le=1_000_000, description="loop: shots per basis and tick.")
    annealer: bool = Field(
        False, description="loop: the spiking annealer as the network (annealer_config_of)."
    )
    overrides: dict[str, Any] = Field(
        default_factory=dict,
        description="loop: dotted config keys set on the graph's config (e.g. pci.gamma: 0).",
    )
    ticks: int | None = Field(
        None, ge=1, le=100_000,
        description=(
            "loop: ticks to run at most (default ceil(units / (3 shots + 1)), a quench tick's "
            "units); the arm is still read only up to the budget."
        ),
    )
    sweeps: int = Field(
        10, ge=1, le=100_000,
        description="sa: sweeps per read; annealer_alone: sweeps per tick (reading).",
    )
    backend: Literal["brian2", "lava"] = Field(
        "brian2", description="annealer_alone: the spiking backend that runs the annealer."
    )
    seed: int = Field(1, ge=0, description="Seed offset of the arm (run.seed of a loop arm).")
    seed_from: Literal["qaoa", "random", "gw"] = Field(
        "random",
        description=(
            "annealer_seeded: where the seed strings come from: depth-1 QAOA shots from "
            "|+>^n, uniform random strings, or Goemans-Williamson roundings (SDP not a unit)."
        ),
    )
    seed_units: int = Field(
        100, ge=1, le=10**8,
        description="annealer_seeded: seed strings drawn (a unit each); the best starts it.",
    )
    schedule_from: float = Field(
        0.0, ge=0.0, lt=1.0,
        description=(
            "annealer_seeded, qaoa's annealer phase: begin the default geometric schedule "
            "this fraction of the way from T0 to T1 (T0' = T0 (T1/T0)^f; 0: from T0)."
        ),
    )
    warm_from: Literal["plus", "annealer"] = Field(
        "plus",
        description=(
            "qaoa: start from |+>^n, or from the product state tilted toward the best "
            "reading of the annealer run for `warm_units` units first."
        ),
    )
    warm_units: int = Field(
        0, ge=0, le=10**8,
        description="qaoa with warm_from annealer: units of the annealer phase (the rest: shots).",
    )
    layer: bool = Field(
        True,
        description=(
            "qaoa: false draws the shots from the preparation itself (no QAOA layer: "
            "gamma = beta = 0), the classical control of a warm start: each bit of the warm "
            "string flipped independently with probability eps."
        ),
    )
    epsilon: float = Field(
        0.25, ge=0.0, le=0.5,
        description=(
            "qaoa with warm_from annealer: the warm start's regularisation, c clipped to "
            "[eps, 1 - eps] (0.5: standard QAOA)."
        ),
    )


class StudyConfig(StrictModel):
    """A study: graphs, one budget, arms, pre-registered contrasts."""

    study: str = Field(..., min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.-]+$",
                       description="Name of the study (the default output folder).")
    graphs: StudyGraphs
    budget: StudyBudget
    arms: list[StudyArm] = Field(..., min_length=1, description="The arms, in table order.")
    contrasts: list[tuple[str, str]] = Field(
        default_factory=list,
        description="Pre-registered paired contrasts [A, B]: p_hit of A minus B, Holm-corrected.",
    )
    bootstrap: int = Field(2000, ge=100, le=100_000, description="Bootstrap resamples for CIs.")

    @model_validator(mode="after")
    def _names(self) -> StudyConfig:
        names = [a.name for a in self.arms]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"arms: names must be unique, repeated: {', '.join(dup)}")
        for a, b in self.contrasts:
            for side in (a, b):
                if side not in names:
                    raise ValueError(f"contrasts: {side!r} is not an arm ({', '.join(names)})")
        if self.graphs.reference == "best_found" and any(a.kind == "loop" for a in self.arms):
            raise ValueError("graphs.reference: loop arms need `exact` (their hits are counted "
                             "in the run against maxcut.optimum)")
        units = self.budget.units
        for arm in self.arms:
            at = f"arms.{arm.name}"
            if arm.kind == "annealer_seeded":
                left = units - arm.seed_units
                per_tick = max(self.graphs.sizes) * arm.sweeps + 1
                if left < per_tick:
                    raise ValueError(f"{at}.seed_units: leaves {left} units, less than one "
                                     f"annealer tick ({per_tick} units at n = "
                                     f"{max(self.graphs.sizes)}, {arm.sweeps} sweeps)")
            if arm.kind == "qaoa":
                from orchestrator.physics.warm_qaoa import MAX_QUBITS

                if max(self.graphs.sizes) > MAX_QUBITS:
                    raise ValueError(f"{at}: qaoa samples the exact state vector, n <= "
                                     f"{MAX_QUBITS}")
                if arm.warm_from == "annealer" and not 0 < arm.warm_units < units:
                    raise ValueError(f"{at}.warm_units: must be in 1 .. {units - 1} (the "
                                     "annealer phase; the rest are shots)")
                if arm.warm_from == "annealer":
                    per_tick = max(self.graphs.sizes) * arm.sweeps + 1
                    if arm.warm_units < per_tick:
                        raise ValueError(f"{at}.warm_units: less than one annealer tick "
                                         f"({per_tick} units at n = {max(self.graphs.sizes)})")
                if arm.warm_from == "plus" and arm.warm_units:
                    raise ValueError(f"{at}.warm_units: only with warm_from: annealer")
        if self.graphs.reference == "exact" and max(self.graphs.sizes) > 26:
            raise ValueError("graphs.reference: `exact` is brute force, n <= 26; use best_found")
        return self
