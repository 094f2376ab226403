"""Brute force against cuts known in closed form, hand-derived weighted cases, and a plain loop."""

from __future__ import annotations

import itertools
from math import comb

import networkx as nx
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.tasks.maxcut import exact
from orchestrator.tasks.maxcut.cut import cut_value
from orchestrator.tasks.maxcut.exact import brute_force
from orchestrator.tasks.maxcut.instances import MaxCutInstance, catalogue


def _from_nx(name: str, graph: nx.Graph) -> MaxCutInstance:
    graph = nx.convert_node_labels_to_integers(graph)
    return MaxCutInstance.from_edges(name, graph.number_of_nodes(),
                                     ((i, j, 1.0) for i, j in graph.edges()))


def _check(inst: MaxCutInstance, value: float, n_optimal: int | None = None) -> None:
    solution = brute_force(inst)
    assert solution.value == pytest.approx(value, abs=1e-12)
    assert solution.assignment[0] == 0
    assert cut_value(inst, np.array(solution.assignment)) == pytest.approx(value, abs=1e-12)
    if n_optimal is not None:
        assert solution.n_optimal == n_optimal


@pytest.mark.parametrize(("m", "k"), [(1, 1), (2, 3), (4, 4), (3, 9), (8, 8)])
def test_complete_bipartite_cuts_every_edge(m: int, k: int) -> None:
    """K_{m,k}: the two parts are the one maximum cut (and its flip): m k edges."""
    _check(_from_nx(f"K{m},{k}", nx.complete_bipartite_graph(m, k)), m * k, n_optimal=2)


@pytest.mark.parametrize("k", [2, 3, 5, 8])
def test_even_cycle_cuts_every_edge_by_alternating(k: int) -> None:
    _check(_from_nx(f"C{2 * k}", nx.cycle_graph(2 * k)), 2 * k, n_optimal=2)


@pytest.mark.parametrize("k", [1, 2, 4, 7])
def test_odd_cycle_leaves_exactly_one_edge_uncut(k: int) -> None:
    """C_{2k+1}: an odd cycle cannot be 2-coloured; any one of its 2k+1 edges can stay uncut."""
    _check(_from_nx(f"C{2 * k + 1}", nx.cycle_graph(2 * k + 1)), 2 * k, n_optimal=2 * (2 * k + 1))


def test_petersen_graph_max_cut_is_12() -> None:
    _check(_from_nx("petersen", nx.petersen_graph()), 12)


@pytest.mark.parametrize("n", [2, 3, 4, 7, 10, 16])
def test_complete_graph_splits_in_halves(n: int) -> None:
    """K_n: a split into a and n - a vertices cuts a (n - a) edges, largest at a = floor(n/2)."""
    # Optimal assignments: the vertex sets on side 1 of size floor(n/2) or ceil(n/2).
    optimal = comb(n, n // 2) if n % 2 == 0 else 2 * comb(n, n // 2)
    _check(_from_nx(f"K{n}", nx.complete_graph(n)), (n // 2) * ((n + 1) // 2), n_optimal=optimal)


def test_weighted_cases_derived_by_hand() -> None:
    # Triangle with weights 1, 2, 3: a cut takes exactly two edges; best is 2 + 3 = 5, by
    # isolating vertex 2, the one shared by the edges of weight 2 and 3.
    triangle = MaxCutInstance.from_edges("tri", 3, [(0, 1, 1), (0, 2, 2), (1, 2, 3)])
    _check(triangle, 5.0, n_optimal=2)
    assert brute_force(triangle).assignment == (0, 0, 1)
    # Path 0 -1- 1 -(-2)- 2: cut the positive edge, keep the negative one uncut: 1.
    _check(MaxCutInstance.from_edges("neg", 3, [(0, 1, 1), (1, 2, -2)]), 1.0, n_optimal=2)
    # All weights negative: cut nothing, value 0; the components {0, 1} and {2, 3} each sit on
    # one side, either side: 2 x 2 optimal assignments.
    _check(MaxCutInstance.from_edges("allneg", 4, [(0, 1, -1), (2, 3, -0.5)]), 0.0, n_optimal=4)
    # Square 0-1-2-3-0 with weights 1, 1, 1, 5 and diagonal 0-2 of weight 4: the alternating
    # cut takes the four sides (8) but not the diagonal; isolating 0 takes 1 + 5 + 4 = 10;
    # isolating 2 takes 1 + 1 + 4 = 6; {0, 1} vs {2, 3} takes 1 + 5 + 4 = 10: two optimal pairs.
    square = MaxCutInstance.from_edges(
        "sq", 4, [(0, 1, 1), (1, 2, 1), (2, 3, 1), (0, 3, 5), (0, 2, 4)]
    )
    _check(square, 10.0, n_optimal=4)
    # Isolated vertices change nothing but double the optimal assignments each.
    _check(MaxCutInstance.from_edges("iso", 5, [(0, 1, 2.5)]), 2.5, n_optimal=2 ** 4)
    _check(MaxCutInstance.from_edges("single", 1, []), 0.0, n_optimal=2)


@st.composite
def weighted_graphs(draw: st.DrawFn) -> MaxCutInstance:
    n = draw(st.integers(1, 8))
    pairs = [(i, j) for i in range(n) for j in range(i + 1, n)]
    chosen = draw(st.lists(st.sampled_from(pairs), unique=True)) if pairs else []
    weights = draw(st.lists(st.integers(-4, 6), min_size=len(chosen), max_size=len(chosen)))
    return MaxCutInstance.from_edges("h", n, [(i, j, w) for (i, j), w in zip(chosen, weights)])


@settings(max_examples=120, deadline=None)
@given(weighted_graphs())
def test_brute_force_matches_a_plain_loop_over_all_assignments(inst: MaxCutInstance) -> None:
    """itertools over all 2^n assignments, cut summed edge by edge in Python."""
    cuts = [sum(w for i, j, w in inst.edges if x[i] != x[j])
            for x in itertools.product((0, 1), repeat=inst.n)]
    best = max(cuts)
    solution = brute_force(inst)
    assert solution.value == best
    assert solution.n_optimal == cuts.count(best)


def test_chunked_enumeration_agrees_with_one_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of 8 assignments exercise the two-pass path that only n > 21 reaches otherwise."""
    insts = [*catalogue("erdos_renyi", 12, 3, 0), *catalogue("regular3", 10, 3, 0)]
    whole = [brute_force(inst) for inst in insts]
    monkeypatch.setattr(exact, "_CHUNK", 8)
    chunked = [brute_force(inst) for inst in insts]
    for a, b in zip(whole, chunked):
        assert (a.value, a.assignment, a.n_optimal) == (b.value, b.assignment, b.n_optimal)


def test_float_weight_ties_count_as_optimal() -> None:
    """The 4-cycle 0-1-3-2-0 with weights 0.3, -0.1, 0.4, 0.1 (edges 01, 13, 32, 20).

    A cycle's cuts take an even number of its edges: {01, 23} = 0.3 + 0.4 and all four,
    0.3 + 0.1 - 0.1 + 0.4, both 0.7; every other cut is smaller (isolate 2: 0.5, 0: 0.4,
    3: 0.3, 1: 0.2, {0,1}|{2,3}: 0). In floats the two sums are 0.7 and 0.7000000000000001.
    """
    inst = MaxCutInstance.from_edges("ties", 4, [(0, 1, 0.3), (0, 2, 0.1), (1, 3, -0.1),
                                                 (2, 3, 0.4)])
    _check(inst, 0.7, n_optimal=4)


def test_too_large_raises() -> None:
    inst = MaxCutInstance.from_edges("big", exact.MAX_BRUTE_FORCE_N + 1, [(0, 1, 1.0)])
    with pytest.raises(ValueError, match="brute force"):
        brute_force(inst)
