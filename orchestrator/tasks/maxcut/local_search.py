"""Classical local search for MaxCut: networkx's greedy one-exchange (issue 15's baseline).

``networkx.algorithms.approximation.maxcut.one_exchange`` starts from the empty set (every
vertex on side 0, cut 0) and repeatedly moves the one vertex whose move raises the cut most,
ties broken by a seeded shuffle, until no single move raises it: the result is a local optimum
of the one-flip neighbourhood. With non-negative weights such a local optimum cuts at least
half the total weight (each vertex has at least half its incident weight across the cut); it
proves no upper bound.
"""

from __future__ import annotations

import time

import numpy as np

from orchestrator.tasks.maxcut.cut import cut_value
from orchestrator.tasks.maxcut.instances import MaxCutInstance
from orchestrator.tasks.maxcut.result import CutResult, canonical_assignment

__all__ = ["one_exchange"]


def one_exchange(instance: MaxCutInstance, seed: int) -> CutResult:
    """Run networkx's ``one_exchange`` on ``instance`` with ``seed`` (tie-breaking only)."""
    from networkx.algorithms.approximation.maxcut import one_exchange as nx_one_exchange

    started = time.perf_counter()
    graph = instance.to_networkx()
    _, (side_one, _) = nx_one_exchange(graph, seed=seed, weight="weight")
    bits = np.zeros(instance.n, dtype=np.uint8)
    bits[sorted(side_one)] = 1
    assignment = canonical_assignment(bits)
    return CutResult(
        method="one_exchange",
        value=cut_value(instance, np.array(assignment)),
        assignment=assignment,
        bound=None,
        wall_seconds=time.perf_counter() - started,
    )
