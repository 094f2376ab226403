"""Simulated annealing for MaxCut: dwave-samplers' ``SimulatedAnnealingSampler`` (issue 21).

The graph's Ising cost E(s) = sum w s_i s_j (``cut``: E = W - 2 cut) is annealed with one read
of ``sweeps`` sweeps; a sweep proposes a single-spin flip at every variable once, in index
order, accepted by the Metropolis rule min(1, exp(-beta dE)) or, with ``acceptance="Gibbs"``,
by the heat-bath rule 1 / (1 + exp(beta dE)) (the spiking annealer's neuron: design §20).
beta runs from ``beta_range[0]`` to ``beta_range[1]`` geometrically over the sweeps (dwave's
default schedule type). The cut is that of the read's final state.

Work: ``sweeps * n`` single-flip proposals, the unit the spiking annealer's neuron updates are
counted in (design §20). dwave-samplers is imported inside the function (the ``study`` extra).
"""

from __future__ import annotations

import time
from typing import Literal

import numpy as np

from orchestrator.tasks.maxcut.cut import cut_value
from orchestrator.tasks.maxcut.instances import MaxCutInstance
from orchestrator.tasks.maxcut.result import CutResult, canonical_assignment

__all__ = ["simulated_annealing"]


def simulated_annealing(
    instance: MaxCutInstance,
    sweeps: int,
    seed: int,
    beta_range: tuple[float, float] | None = None,
    acceptance: Literal["Metropolis", "Gibbs"] = "Metropolis",
) -> CutResult:
    """One SA read of ``sweeps`` sweeps on ``instance``; ``beta_range`` None: dwave's default
    (from the problem's energy scale). ``wall_seconds``: the sampler's call."""
    from dwave.samplers import SimulatedAnnealingSampler

    couplings = {(i, j): w for i, j, w in instance.edges}
    fields = {v: 0.0 for v in range(instance.n)}
    options = {} if beta_range is None else {"beta_range": list(beta_range)}
    started = time.perf_counter()
    result = SimulatedAnnealingSampler().sample_ising(
        fields,
        couplings,
        num_reads=1,
        num_sweeps=int(sweeps),
        seed=int(seed) % 2**32,
        beta_schedule_type="geometric",
        proposal_acceptance_criteria=acceptance,
        **options,
    )
    wall = time.perf_counter() - started
    sample = result.first.sample
    spins = np.array([sample[v] for v in range(instance.n)])
    assignment = canonical_assignment((spins < 0).astype(np.uint8))
    return CutResult(
        method=f"simulated_annealing_{acceptance.lower()}",
        value=cut_value(instance, np.array(assignment)),
        assignment=assignment,
        bound=None,
        wall_seconds=wall,
    )
