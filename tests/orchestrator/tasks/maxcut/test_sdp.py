"""The MaxCut SDP: closed-form values on symmetric graphs, and a bound that weak duality proves."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.tasks.maxcut.exact import brute_force
from orchestrator.tasks.maxcut.instances import MaxCutInstance, catalogue
from orchestrator.tasks.maxcut.sdp import certified_bound, laplacian, solve_sdp


def _from_nx(name: str, graph: nx.Graph) -> MaxCutInstance:
    graph = nx.convert_node_labels_to_integers(graph)
    return MaxCutInstance.from_edges(name, graph.number_of_nodes(),
                                     ((i, j, 1.0) for i, j in graph.edges()))


VERTEX_TRANSITIVE = {
    "C5": nx.cycle_graph(5),
    "C7": nx.cycle_graph(7),
    "C6": nx.cycle_graph(6),
    "K5": nx.complete_graph(5),
    "K6": nx.complete_graph(6),
    "petersen": nx.petersen_graph(),
    "Q3": nx.hypercube_graph(3),
    "circulant": nx.circulant_graph(9, [1, 3]),
}


@pytest.mark.parametrize("name", VERTEX_TRANSITIVE)
def test_on_vertex_transitive_graphs_the_sdp_is_the_eigenvalue_bound(name: str) -> None:
    """Delorme-Poljak: for a vertex-transitive graph the SDP equals n lambda_max(L) / 4.

    e.g. C5: 5 (1 + cos(pi/5)) / 2 = 4.5225, K_n: n^2 / 4, Petersen: 10 * 5 / 4 = 12.5.
    L here is built from networkx's adjacency matrix, not by the module.
    """
    graph = VERTEX_TRANSITIVE[name]
    n = graph.number_of_nodes()
    adjacency = nx.to_numpy_array(graph, nodelist=sorted(graph.nodes))
    lap = np.diag(adjacency.sum(axis=1)) - adjacency
    expected = n * np.linalg.eigvalsh(lap).max() / 4
    solution = solve_sdp(_from_nx(name, graph))
    assert solution.value == pytest.approx(expected, rel=1e-6)
    assert expected <= solution.bound <= expected * (1 + 1e-6)
    assert solution.solver == "CLARABEL"


def test_closed_forms_of_the_eigenvalue_bound_used_above() -> None:
    assert solve_sdp(_from_nx("C5", nx.cycle_graph(5))).value == pytest.approx(
        5 * (1 + np.cos(np.pi / 5)) / 2, rel=1e-6)
    assert solve_sdp(_from_nx("P", nx.petersen_graph())).value == pytest.approx(12.5, rel=1e-6)
    assert solve_sdp(_from_nx("K7", nx.complete_graph(7))).value == pytest.approx(49 / 4, rel=1e-6)


def test_on_a_bipartite_graph_the_sdp_is_the_total_weight() -> None:
    """Each term w (1 - X_ij)/2 is at most w, and the bipartition reaches it: SDP = MaxCut = W."""
    inst = _from_nx("K2,5", nx.complete_bipartite_graph(2, 5))
    solution = solve_sdp(inst)
    assert solution.value == pytest.approx(10.0, rel=1e-7)
    assert solution.bound >= 10.0


def test_the_gram_matrix_is_a_correlation_matrix() -> None:
    gram = solve_sdp(catalogue("erdos_renyi", 10, 1, base_seed=2)[0]).gram
    np.testing.assert_allclose(gram, gram.T)
    np.testing.assert_allclose(np.diag(gram), 1.0, atol=1e-6)
    assert np.linalg.eigvalsh(gram).min() > -1e-6


def test_laplacian_quadratic_form_sums_the_weighted_squared_differences() -> None:
    inst = MaxCutInstance.from_edges("t", 4, [(0, 1, 2.0), (1, 3, -0.5), (0, 2, 1.5)])
    x = np.array([0.3, -1.0, 2.0, 0.5])
    assert x @ laplacian(inst) @ x == pytest.approx(
        sum(w * (x[i] - x[j]) ** 2 for i, j, w in inst.edges))


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 2**31), st.integers(5, 10))
def test_certified_bound_holds_for_any_multipliers(seed: int, n: int) -> None:
    """Weak duality after the shift: any y at all, even a poor one, bounds the exact optimum."""
    rng = np.random.default_rng(seed)
    edges = [(i, j, float(rng.uniform(-1, 3))) for i in range(n) for j in range(i + 1, n)
             if rng.random() < 0.6]
    inst = MaxCutInstance.from_edges("h", n, edges)
    y = rng.normal(scale=3.0, size=n)
    assert certified_bound(laplacian(inst), y) >= brute_force(inst).value - 1e-9
