"""The network wired to the graph: exactly the synapses of the edges, and in the run's network."""

from __future__ import annotations

import numpy as np
import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.run.assemble import build_network
from orchestrator.tasks.maxcut.wiring import graph_synapses, vertex_groups

EDGES = [(0, 1, 1.0), (1, 2, 2.0), (0, 3, 0.5)]


def test_synapses_are_every_pair_across_each_edge_both_ways_and_nothing_else() -> None:
    n, neurons, weight = 4, 10, -3.0  # groups of 3, 3, 2, 2 neurons
    pre, post, w = graph_synapses(EDGES, n, neurons, weight)
    got = {(int(a), int(b)): float(x) for a, b, x in zip(pre, post, w)}
    assert len(got) == pre.size  # no pair twice
    want = {}
    for a in range(neurons):
        for b in range(neurons):
            for u, v, ew in EDGES:
                if {a % n, b % n} == {u, v}:
                    want[(a, b)] = ew * weight
    assert got == want
    assert pre.size == 2 * (3 * 3 + 3 * 2 + 3 * 2)
    assert all(a % n != b % n for a, b in got)  # no synapse inside a group
    assert [g.tolist() for g in vertex_groups(n, neurons)] == [[0, 4, 8], [1, 5, 9], [2, 6], [3, 7]]


def test_bad_edges_raise() -> None:
    with pytest.raises(ValueError):
        graph_synapses([(0, 4, 1.0)], 4, 8, -1.0)
    with pytest.raises(ValueError):
        graph_synapses([(1, 1, 1.0)], 4, 8, -1.0)
    with pytest.raises(ValueError):
        vertex_groups(4, 3)


def _config(tmp_path, recurrent, wired=True):
    data = {
        "hamiltonian": {"kind": "ising", "edges": [list(e) for e in EDGES]},
        "quantum": {"kind": "aer", "shots": 16},
        "spiking": {"kind": "brian2", "neurons": 8, "recurrent": recurrent},
        "maxcut": {"edge_weight_mv": -2.0 if wired else None},
        "run": {"ticks": 2, "seed": 5},
    }
    path = tmp_path / "mc.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_config(path)


def test_the_run_network_holds_the_random_synapses_then_the_graph_ones(tmp_path) -> None:
    alone = build_network(_config(tmp_path, None))
    g_pre, g_post, g_w = graph_synapses(sorted(EDGES), 4, 8, -2.0)  # edges in (i, j) order
    np.testing.assert_array_equal(alone.pre, g_pre)
    np.testing.assert_array_equal(alone.post, g_post)
    np.testing.assert_array_equal(alone.weight_mv, g_w)
    recurrent = {"p": 0.5, "weight_mv": 1.0, "seed": 9}
    both = build_network(_config(tmp_path, recurrent))
    random_only = build_network(_config(tmp_path, recurrent, wired=False))
    r_pre, r_post, r_w = random_only.pre, random_only.post, random_only.weight_mv
    assert r_pre.size > 0
    np.testing.assert_array_equal(both.pre, np.concatenate([r_pre, g_pre]))
    np.testing.assert_array_equal(both.post, np.concatenate([r_post, g_post]))
    np.testing.assert_array_equal(both.weight_mv, np.concatenate([r_w, g_w]))


def test_a_pair_listed_twice_is_one_edge_of_the_summed_weight(tmp_path) -> None:
    path = tmp_path / "twice.yaml"
    data = {
        "hamiltonian": {"kind": "ising", "edges": [[1, 0, 1.0], [2, 1, 1.0], [0, 1, 0.5]]},
        "quantum": {"kind": "aer", "shots": 16},
        "spiking": {"kind": "brian2", "neurons": 6, "recurrent": None},
        "maxcut": {"edge_weight_mv": -2.0},
    }
    path.write_text(yaml.safe_dump(data))
    net = build_network(load_config(path))
    pre, post, w = graph_synapses([(0, 1, 1.5), (1, 2, 1.0)], 3, 6, -2.0)
    np.testing.assert_array_equal(net.pre, pre)
    np.testing.assert_array_equal(net.post, post)
    np.testing.assert_array_equal(net.weight_mv, w)
