"""The per-tick decoder's readings against brute force and hand-worked spike patterns."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.tasks.maxcut.cut import bits_from_indices
from orchestrator.tasks.maxcut.decode import (
    best_of,
    phase_assignment,
    rate_assignment,
    sample_candidates,
    statevector_candidates,
)
from orchestrator.tasks.maxcut.exact import brute_force
from orchestrator.tasks.maxcut.instances import MaxCutInstance, catalogue


def _cycle(k: int) -> MaxCutInstance:
    return MaxCutInstance.from_edges(f"C{k}", k, ((i, (i + 1) % k, 1.0) for i in range(k)))


GRAPHS = [
    _cycle(5),
    _cycle(6),
    MaxCutInstance.from_edges("K33", 6, ((i, j, 1.0) for i in range(3) for j in range(3, 6))),
    MaxCutInstance.from_edges("w4", 4, [(0, 1, 2.0), (1, 2, 0.5), (2, 3, 1.5), (0, 3, 1.0)]),
    *catalogue("erdos_renyi", 7, 2, 0),
]


@pytest.mark.parametrize("inst", GRAPHS, ids=lambda g: g.name)
def test_shots_that_include_an_optimum_decode_to_the_brute_force_optimum(inst) -> None:
    exact = brute_force(inst)
    rng = np.random.default_rng(inst.n)
    shots = rng.integers(0, 2, size=(40, inst.n), dtype=np.uint8)
    optimum = 1 - np.array(exact.assignment, dtype=np.uint8)  # the flipped twin: same cut
    shots[17] = optimum
    best = best_of(inst, sample_candidates(shots))
    assert best.value == pytest.approx(exact.value)
    # and a shot set without any optimal assignment decodes below it
    all_bits = bits_from_indices(np.arange(1 << inst.n), inst.n)
    cuts = np.array([sum(w for i, j, w in inst.edges if b[i] != b[j]) for b in all_bits])
    worse = all_bits[cuts < exact.value - 1e-9]
    assert best_of(inst, worse).value == pytest.approx(cuts[cuts < exact.value - 1e-9].max())


def test_distinct_samples_and_the_canonical_assignment_of_the_best() -> None:
    inst = _cycle(4)
    shots = np.array([[1, 0, 1, 0], [0, 0, 0, 0], [1, 0, 1, 0], [1, 1, 0, 0]], dtype=np.uint8)
    assert sample_candidates(shots).tolist() == [[0, 0, 0, 0], [1, 0, 1, 0], [1, 1, 0, 0]]
    best = best_of(inst, sample_candidates(shots))
    assert best.value == 4.0 and best.assignment == (0, 1, 0, 1)  # vertex 0 on side 0
    assert best_of(inst, np.zeros((0, 4), dtype=np.uint8)).value == float("-inf")


def test_statevector_candidates_are_the_most_probable_states_ties_by_index() -> None:
    n = 3
    amp = np.zeros(8, dtype=complex)
    amp[[5, 2, 6, 1]] = [0.7, 0.5j, -0.5, 0.1]
    amp /= np.linalg.norm(amp)
    got = statevector_candidates(amp, n, 3)
    assert got.tolist() == bits_from_indices(np.array([5, 2, 6]), n).tolist()
    inst = MaxCutInstance.from_edges("t", 3, [(0, 1, 1.0), (1, 2, 1.0)])
    # state 5 = x (1, 0, 1) cuts both edges: the optimum, and the decoder finds it
    assert best_of(inst, got).value == brute_force(inst).value == 2.0


def test_rate_rule_puts_groups_firing_above_the_median_on_side_one() -> None:
    # 3 vertices, 9 neurons: group v = {v, v + 3, v + 6}; rates 1/3, 3/3, 0/3
    neurons = np.array([0, 1, 4, 7, 1])  # a repeated spike counts its neuron once
    assert rate_assignment(neurons, 9, 3).tolist() == [0, 1, 0]
    assert rate_assignment(np.array([], dtype=np.int64), 9, 3).tolist() == [0, 0, 0]


def test_phase_rule_puts_vertices_lagging_the_mean_phase_on_side_one() -> None:
    f = 0.3 * np.exp(1j * np.array([0.0, 0.4, -0.4, 0.1]))  # mean phase 0.025 rad
    assert phase_assignment(f).tolist() == [1, 0, 1, 0]
    assert phase_assignment(np.zeros(3, dtype=complex)).tolist() == [0, 0, 0]


def test_probabilities_within_the_tie_tolerance_go_in_index_order() -> None:
    """Candidates of a statevector: near-equal probabilities (symmetric states, equal but for
    rounding) are taken in index order, not in the order rounding put them (issue 26)."""
    from orchestrator.tasks.maxcut.decode import TIE, descending_with_ties

    p = np.array([0.1, 0.3, 0.3 * (1 + 1e-13), 0.2, 0.3 * (1 - 1e-13), 0.0, 0.3 * (1 - 1e-6)])
    assert list(descending_with_ties(p, 7)) == [1, 2, 4, 6, 3, 0, 5]
    assert list(descending_with_ties(p, 2)) == [1, 2]
    assert list(descending_with_ties(np.array([0.5, 0.5 * (1 - 2 * TIE)]), 2)) == [0, 1]
    assert list(descending_with_ties(np.array([0.5 * (1 - 2 * TIE), 0.5]), 2)) == [1, 0]
    assert descending_with_ties(np.zeros(0), 3).size == 0


def test_a_cut_tie_within_rounding_goes_to_the_first_candidate() -> None:
    """Weights 0.1, 0.2, 0.3: cutting the 0.3 edge or the other two gives 0.3 both ways, but
    0.1 + 0.2 rounds above 0.3; the first candidate wins the tie (issue 26)."""
    from orchestrator.tasks.maxcut.decode import best_of

    graph = MaxCutInstance.from_edges("tie", 4, [(0, 1, 0.1), (1, 2, 0.2), (2, 3, 0.3)])
    only_heavy = [0, 0, 0, 1]  # cuts (2, 3): 0.3
    two_light = [0, 1, 0, 0]  # cuts (0, 1) and (1, 2): 0.1 + 0.2 = 0.30000000000000004
    best = best_of(graph, np.array([only_heavy, two_light]))
    assert best.assignment == (0, 0, 0, 1) and best.value == 0.3
    best = best_of(graph, np.array([two_light, only_heavy]))
    assert best.assignment == (0, 1, 0, 0)
