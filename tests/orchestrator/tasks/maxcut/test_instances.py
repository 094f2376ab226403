"""The instance catalogue: canonical data, the families' defining properties, reproducibility."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from orchestrator.tasks.maxcut.instances import (
    ER_EDGE_PROBABILITY,
    MaxCutInstance,
    catalogue,
    instance,
)

SIZES = (8, 12, 16)


def _components(inst: MaxCutInstance) -> int:
    """Connected components counted by scipy, not networkx."""
    i = [e[0] for e in inst.edges]
    j = [e[1] for e in inst.edges]
    adjacency = coo_matrix((np.ones(len(i)), (i, j)), shape=(inst.n, inst.n))
    return int(connected_components(adjacency, directed=False)[0])


@pytest.mark.parametrize("n", SIZES)
def test_regular3_graphs_are_connected_cubic_and_unweighted(n: int) -> None:
    for inst in catalogue("regular3", n, 10, base_seed=7):
        degree = np.bincount([v for i, j, _ in inst.edges for v in (i, j)], minlength=n)
        assert degree.tolist() == [3] * n
        assert len(inst.edges) == 3 * n // 2
        assert {w for _, _, w in inst.edges} == {1.0}
        assert _components(inst) == 1
        assert inst.family == "regular3" and inst.name == f"regular3-n{n}-seed{inst.seed}"


def test_erdos_renyi_graphs_are_connected_with_edge_density_near_p() -> None:
    insts = catalogue("erdos_renyi", 16, 20, base_seed=0)
    assert all(_components(inst) == 1 for inst in insts)
    density = np.mean([len(inst.edges) / (16 * 15 / 2) for inst in insts])
    # 20 graphs x 120 pairs: the standard error of the density is 0.01; allow five of them.
    assert abs(density - ER_EDGE_PROBABILITY) < 0.05


def test_catalogue_keeps_exactly_the_connected_seeds_in_order() -> None:
    """At n = 8 some G(8, 0.5) draws are disconnected: those seeds, and only those, are skipped."""
    insts = catalogue("erdos_renyi", 8, 30, base_seed=100)
    kept = [inst.seed for inst in insts]
    assert kept == sorted(kept) and kept[0] >= 100
    skipped = sorted(set(range(100, kept[-1] + 1)) - set(kept))
    assert skipped, "30 draws at n = 8 with none disconnected: the rejection path is untested"
    for seed in skipped:
        with pytest.raises(ValueError, match="disconnected"):
            instance("erdos_renyi", 8, seed)
    for inst in insts:
        assert instance("erdos_renyi", 8, inst.seed) == inst


def test_catalogue_is_the_same_when_regenerated_and_in_a_fresh_interpreter() -> None:
    """Same call twice here, and in a subprocess with another hash seed: same graphs."""
    args = [("regular3", n, 5, 11) for n in SIZES] + [("erdos_renyi", n, 5, 11) for n in SIZES]
    here = [[inst.digest() for inst in catalogue(*a)] for a in args]
    assert here == [[inst.digest() for inst in catalogue(*a)] for a in args]
    code = (
        "import json; from orchestrator.tasks.maxcut.instances import catalogue; "
        f"print(json.dumps([[i.digest() for i in catalogue(*a)] for a in {args!r}]))"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    assert json.loads(out.stdout) == here
    assert len({d for ds in here for d in ds}) == 30  # and the instances differ from each other


def test_from_edges_canonicalises_and_the_constructor_rejects_bad_edges() -> None:
    inst = MaxCutInstance.from_edges("t", 4, [(3, 1, 2), (0, 2, 1.5), (1, 0, -1)])
    assert inst.edges == ((0, 1, -1.0), (0, 2, 1.5), (1, 3, 2.0))
    assert inst.total_weight == 2.5 and inst.seed is None and inst.family == "custom"
    bad = {
        "order": ((1, 0, 1.0),),
        "self-loop": ((1, 1, 1.0),),
        "range": ((0, 4, 1.0),),
        "repeat": ((0, 1, 1.0), (0, 1, 2.0)),
        "unsorted": ((0, 2, 1.0), (0, 1, 1.0)),
        "nan": ((0, 1, float("nan")),),
    }
    for edges in bad.values():
        with pytest.raises(ValueError):
            MaxCutInstance(name="bad", n=4, edges=edges, seed=None, family="custom")


def test_digest_tells_graphs_apart() -> None:
    a = MaxCutInstance.from_edges("a", 3, [(0, 1, 1), (1, 2, 1)])
    assert a.digest() == MaxCutInstance.from_edges("renamed", 3, [(2, 1, 1), (1, 0, 1)]).digest()
    assert a.digest() != MaxCutInstance.from_edges("a", 3, [(0, 1, 1), (1, 2, 2)]).digest()
    assert a.digest() != MaxCutInstance.from_edges("a", 4, [(0, 1, 1), (1, 2, 1)]).digest()


def test_to_networkx_keeps_every_vertex_and_weight() -> None:
    inst = MaxCutInstance.from_edges("t", 5, [(0, 1, 2.0), (1, 2, -0.5)])
    graph = inst.to_networkx()
    assert sorted(graph.nodes) == [0, 1, 2, 3, 4]
    assert sorted((i, j, d["weight"]) for i, j, d in graph.edges(data=True)) == list(inst.edges)


def test_impossible_requests_raise() -> None:
    with pytest.raises(ValueError, match="unknown family"):
        catalogue("petersen", 10, 1, 0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="even n"):
        catalogue("regular3", 9, 1, 0)
    with pytest.raises(ValueError, match="count"):
        catalogue("erdos_renyi", 8, -1, 0)
    assert catalogue("erdos_renyi", 8, 0, 0) == ()
