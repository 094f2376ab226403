"""The low-rank SDP of the benchmark: its value below the SDP, its bound above MaxCut and the
SDP (cvxpy's, solved independently), and the Cholesky-certified bound of large graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from orchestrator.tasks.maxcut import burer_monteiro
from orchestrator.tasks.maxcut.burer_monteiro import low_rank_sdp
from orchestrator.tasks.maxcut.cut import cut_value
from orchestrator.tasks.maxcut.exact import brute_force
from orchestrator.tasks.maxcut.instances import MaxCutInstance, catalogue
from orchestrator.tasks.maxcut.sdp import solve_sdp

GRAPHS = [*catalogue("regular3", 12, 2, 0), *catalogue("erdos_renyi", 12, 2, 0)]


@pytest.mark.parametrize("graph", GRAPHS, ids=[g.name for g in GRAPHS])
def test_value_below_the_sdp_bound_above_it_and_close(graph: MaxCutInstance) -> None:
    low = low_rank_sdp(graph, seed=0)
    sdp = solve_sdp(graph)
    optimum = brute_force(graph).value
    assert low.value <= sdp.value + 1e-6  # a feasible X: a lower bound on the SDP value
    assert low.bound >= sdp.value - 1e-6 and low.bound >= optimum  # a certified upper bound
    assert low.bound <= sdp.value * (1 + 1e-4)  # converged: the dual certificate is tight
    assert low.cut == cut_value(graph, np.array(low.assignment)) <= optimum


def test_the_cholesky_certificate_above_the_dense_limit(monkeypatch) -> None:
    """The large-graph path (ARPACK estimate + a Cholesky proof) on a small graph, forced."""
    monkeypatch.setattr(burer_monteiro, "DENSE_LIMIT", 4)
    graph = catalogue("regular3", 16, 1, 3)[0]
    sdp = solve_sdp(graph)
    low = low_rank_sdp(graph, seed=1)
    assert sdp.value - 1e-6 <= low.bound <= sdp.value * (1 + 1e-3)
    # an unconverged factor: the bound stays an upper bound (the shift pays for it)
    rough = low_rank_sdp(graph, seed=1, sweeps=1)
    assert rough.bound >= sdp.value - 1e-6 and rough.value <= sdp.value + 1e-6


def test_the_petersen_graph() -> None:
    """Its SDP is 12.5 (vertex-transitive: n lambda_max(L) / 4 = 10 * 5 / 4); MaxCut 12."""
    g = nx.petersen_graph()
    graph = MaxCutInstance.from_edges("petersen", 10, ((i, j, 1.0) for i, j in g.edges()))
    low = low_rank_sdp(graph, seed=2)
    assert low.bound == pytest.approx(12.5, rel=1e-4) and low.bound >= 12.5 - 1e-9
    assert low.cut == 12.0
