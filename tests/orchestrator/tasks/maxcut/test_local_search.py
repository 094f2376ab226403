"""networkx one_exchange: never above the optimum, a one-flip local optimum, at least W / 2."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from networkx.algorithms.approximation.maxcut import one_exchange as nx_one_exchange

from orchestrator.tasks.maxcut.cut import cut_value
from orchestrator.tasks.maxcut.exact import brute_force
from orchestrator.tasks.maxcut.instances import MaxCutInstance, catalogue
from orchestrator.tasks.maxcut.local_search import one_exchange


def _weighted(n: int, seed: int) -> MaxCutInstance:
    rng = np.random.default_rng(seed)
    edges = [(i, j, float(rng.uniform(0.1, 3.0))) for i in range(n) for j in range(i + 1, n)
             if rng.random() < 0.5]
    return MaxCutInstance.from_edges(f"w{seed}", n, edges)


INSTANCES = [
    *(inst for n in (8, 12, 16) for inst in catalogue("regular3", n, 3, base_seed=40)),
    *(inst for n in (8, 12, 16) for inst in catalogue("erdos_renyi", n, 3, base_seed=40)),
    *(_weighted(n, seed) for n in (8, 11) for seed in range(3)),
]


@pytest.mark.parametrize("inst", INSTANCES, ids=lambda inst: inst.name)
def test_one_exchange_is_a_local_optimum_between_half_the_weight_and_the_optimum(
    inst: MaxCutInstance,
) -> None:
    result = one_exchange(inst, seed=3)
    x = np.array(result.assignment)
    assert result.method == "one_exchange" and result.bound is None and x[0] == 0
    assert result.value == pytest.approx(cut_value(inst, x), abs=1e-12)
    assert result.value <= brute_force(inst).value + 1e-9
    assert result.value >= inst.total_weight / 2 - 1e-9  # non-negative weights
    for k in range(inst.n):
        flipped = x.copy()
        flipped[k] ^= 1
        assert cut_value(inst, flipped) <= result.value + 1e-9, f"flipping {k} improves"


def test_the_reported_cut_is_networkx_own_for_the_same_seed() -> None:
    inst = catalogue("erdos_renyi", 12, 1, base_seed=5)[0]
    graph = inst.to_networkx()
    value, (side, _) = nx_one_exchange(graph, seed=9, weight="weight")
    result = one_exchange(inst, seed=9)
    assert result.value == pytest.approx(value)
    assert result.value == pytest.approx(nx.cut_size(graph, side, weight="weight"))
    again = one_exchange(inst, seed=9)
    assert (again.value, again.assignment) == (result.value, result.assignment)
