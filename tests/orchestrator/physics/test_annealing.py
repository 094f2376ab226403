"""The annealer's update order, schedule and noise (``orchestrator.physics.annealing``)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from orchestrator.physics.annealing import (
    colouring,
    default_temperatures,
    initial_state,
    logistic_noise,
    temperatures,
    updates_between,
)
from orchestrator.physics.ising import IsingProblem


def _random_regular_edges(n: int, d: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    import networkx as nx

    g = nx.random_regular_graph(d, n, seed=seed)
    e = np.array(g.edges(), dtype=np.int64)
    return e[:, 0], e[:, 1]


@pytest.mark.parametrize("n, d", [(10, 9), (100, 3), (10_000, 3), (500, 7)])
def test_no_synapse_joins_two_neurons_of_one_class(n: int, d: int) -> None:
    a, b = _random_regular_edges(n, d, seed=1)
    pre, post = np.concatenate([a, b]), np.concatenate([b, a])
    colours = colouring(n, pre, post)
    assert colours.shape == (n,) and colours.min() == 0
    assert not np.any(colours[pre] == colours[post])
    assert colours.max() + 1 <= d + 1  # greedy never needs more than max degree + 1
    assert set(np.unique(colours)) == set(range(colours.max() + 1))


def test_colouring_an_unconnected_network_is_one_class() -> None:
    assert colouring(5, np.zeros(0, np.int64), np.zeros(0, np.int64)).tolist() == [0] * 5


def test_schedules_run_from_t0_to_t1_and_stay() -> None:
    s = np.arange(12)
    geo = temperatures("geometric", 8.0, 0.5, 10, s)
    lin = temperatures("linear", 8.0, 0.5, 10, s)
    for t in (geo, lin):
        assert t[0] == pytest.approx(8.0) and t[9] == pytest.approx(0.5)
        assert np.all(np.diff(t[:10]) < 0) and np.all(t[9:] == t[9])
    assert np.allclose(geo[1:10] / geo[:9], (0.5 / 8.0) ** (1 / 9))  # a constant ratio
    assert np.allclose(np.diff(lin[:10]), -7.5 / 9)
    assert temperatures("geometric", 2.0, 2.0, 1, 5) == pytest.approx(2.0)
    with pytest.raises(ValueError):
        temperatures("linear", 0.0, 1.0, 5, 0)


def test_the_noise_is_standard_logistic_and_a_function_of_seed_and_sweep() -> None:
    xi = logistic_noise(7, 3, 200_000)
    assert np.all(np.isfinite(xi))
    # Kolmogorov-Smirnov against the logistic CDF: p > 1e-3 unless the law is wrong
    assert stats.kstest(xi, "logistic").pvalue > 1e-3
    assert np.array_equal(xi[:100], logistic_noise(7, 3, 100))  # a prefix of the same stream
    other = logistic_noise(7, 4, 200_000)
    assert abs(np.corrcoef(xi, other)[0, 1]) < 0.01  # another sweep: independent numbers
    assert not np.array_equal(logistic_noise(8, 3, 100), xi[:100])


def test_initial_state_is_fair_seeded_bits() -> None:
    x = initial_state(5, 100_000)
    assert x.dtype == np.uint8 and set(np.unique(x)) == {0, 1}
    assert abs(x.mean() - 0.5) < 0.01  # 6 sigma of 100000 fair bits is 0.0095
    assert np.array_equal(initial_state(5, 10), x[:10])


@pytest.mark.parametrize("first, stop", [(0, 0), (0, 1), (3, 17), (5, 100), (99, 101)])
def test_updates_between_counts_the_classes_of_each_step(first: int, stop: int) -> None:
    colours = np.array([0, 2, 1, 2, 0, 2, 3])
    c = 4
    brute = sum(int(np.sum(colours == t % c)) for t in range(first, stop))
    assert updates_between(colours, c, first, stop) == brute


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_default_temperatures_are_dwave_samplers_beta_range(seed: int) -> None:
    """T = kappa / beta of dwave-samplers' own default range (its code, not ours)."""
    from dwave.samplers.sa.sampler import _default_ising_beta_range

    rng = np.random.default_rng(seed)
    n = 12
    i, j = np.triu_indices(n, 1)
    keep = rng.random(i.size) < 0.3
    coupling = rng.choice([-2.0, -1.0, 0.5, 1.0, 3.0], keep.sum())
    field = rng.choice([0.0, 0.0, 0.25, -1.0], n)
    problem = IsingProblem.of(n, i[keep], j[keep], coupling, field)
    hot_beta, cold_beta = _default_ising_beta_range(
        {k: float(problem.field[k]) for k in range(n)},
        {(int(a), int(b)): float(c) for a, b, c in zip(problem.i, problem.j, problem.coupling)},
    )
    t0, t1 = default_temperatures(problem, 2.5)
    assert t0 == pytest.approx(2.5 / hot_beta) and t1 == pytest.approx(2.5 / cold_beta)


def test_initial_bits_takes_n_bits_and_refuses_anything_else() -> None:
    from orchestrator.physics.annealing import initial_bits

    x = initial_bits([1, 0, 1], 3)
    assert x.dtype == np.uint8 and x.tolist() == [1, 0, 1]
    assert initial_bits(np.array([True, False]), 2).tolist() == [1, 0]
    for bad, words in (([1, 0], "needs 3 values"), ([1, 0, 2], "0 or 1"),
                       ([0.5, 0, 1], "0 or 1"), (["a", "b", "c"], "0 or 1"),
                       (np.zeros((3, 1)), "needs 3 values")):
        with pytest.raises(ValueError, match=words) as info:
            initial_bits(bad, 3)
        assert str(info.value).startswith("spiking.annealer.initial_x: ")
        assert "\n" not in str(info.value)
