"""dwave-samplers' simulated annealing on the study graphs: the cut of its assignment, the
optimum on small graphs, both acceptance rules."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.tasks.maxcut.cut import cut_value
from orchestrator.tasks.maxcut.exact import brute_force
from orchestrator.tasks.maxcut.instances import catalogue
from orchestrator.tasks.maxcut.simulated_annealing import simulated_annealing


@pytest.mark.parametrize("acceptance", ["Metropolis", "Gibbs"])
def test_sa_reaches_the_optimum_of_small_graphs(acceptance: str) -> None:
    for graph in catalogue("regular3", 12, 3, 0):
        result = simulated_annealing(graph, sweeps=200, seed=1, acceptance=acceptance)
        assert result.value == cut_value(graph, np.array(result.assignment))
        assert result.value == brute_force(graph).value
        assert result.assignment[0] == 0


def test_a_fixed_seed_gives_the_same_read() -> None:
    graph = catalogue("regular3", 16, 1, 0)[0]
    a = simulated_annealing(graph, sweeps=5, seed=3, beta_range=(0.1, 3.0))
    b = simulated_annealing(graph, sweeps=5, seed=3, beta_range=(0.1, 3.0))
    assert a.assignment == b.assignment
