"""MaxCut instances: weighted graphs as frozen data, and a seeded catalogue of random graphs.

A MaxCut instance is a graph G = (V, E, w) on the vertices V = {0, ..., n-1} with real edge
weights w_ij; the task (issue 15) is to split V in two so that the weight of the edges across
the split is as large as possible (see ``cut`` for the cost and its Ising form, spec §3.1).

The catalogue draws two families of unweighted graphs (every w = 1) with networkx:

- ``regular3``: random 3-regular graphs, ``networkx.random_regular_graph(3, n, seed)``
  (n even, 3n/2 edges: 12, 18, 24 at n = 8, 12, 16);
- ``regular3_weighted`` (issue 22): the ``regular3`` graph of the same seed with weights
  drawn uniform on (0, 1]: w = 1 - u, u from ``numpy.random.default_rng(seed).random(m)`` in
  the order of ``graph.edges()`` (unit weights make many cuts tie; these rank samplers);
- ``erdos_renyi``: G(n, p) graphs, ``networkx.gnp_random_graph(n, ER_EDGE_PROBABILITY, seed)``
  with p = 0.5 (on average p n (n-1) / 2 edges: 14, 33, 60 at n = 8, 12, 16).

Both are kept only when connected: a disconnected graph's MaxCut is the sum of its components'
(nothing new to learn), an isolated vertex is a qubit and a neuron group with nothing to do, and
at n = 8 about one G(8, 0.5) in ten is disconnected. The rule is rejection by seed: instance k
of ``catalogue(family, n, count, base_seed)`` is the k-th connected graph among the seeds
base_seed, base_seed + 1, ...; each instance keeps the seed that drew it, so
``instance(family, n, seed)`` rebuilds it alone. networkx seeds Python's ``random.Random`` (a
Mersenne Twister whose stream is fixed across platforms), so the same networkx version gives
the same graphs on every machine: the lock pins 2.8.7 (lava-nc caps networkx at it); a newer
networkx may draw other graphs from the same seeds, which ``digest()`` (a fingerprint of an
instance, for a results table) would show.

networkx is imported inside the functions that draw graphs, so importing this module is light.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, final, get_args

if TYPE_CHECKING:
    import networkx as nx

__all__ = [
    "ER_EDGE_PROBABILITY",
    "Family",
    "MaxCutInstance",
    "catalogue",
    "instance",
]

Family = Literal["regular3", "erdos_renyi", "regular3_weighted"]
ER_EDGE_PROBABILITY = 0.5  # p of the erdos_renyi family
_MAX_SEEDS_PER_INSTANCE = 100  # rejection budget: give up after this many seeds per instance

Edge = tuple[int, int, float]


@final
@dataclass(frozen=True)
class MaxCutInstance:
    """A weighted graph on vertices ``0 .. n-1``, in canonical form.

    ``edges`` holds ``(i, j, w)`` with ``0 <= i < j < n``, sorted by ``(i, j)``, each pair at most
    once, ``w`` finite (any sign; the catalogue's graphs have ``w = 1``). ``seed`` is the seed that
    drew the graph (``None`` for a hand-built one); ``family`` names where it came from.
    Build hand-made graphs with ``from_edges``, which puts the edges in canonical form.
    Raises ``ValueError`` on an edge that is not canonical, repeated or out of range.
    """

    name: str
    n: int
    edges: tuple[Edge, ...]
    seed: int | None
    family: str

    def __post_init__(self) -> None:
        if self.n < 1:
            raise ValueError(f"{self.name}: a graph needs at least one vertex, got n = {self.n}")
        previous = (-1, -1)
        for i, j, w in self.edges:
            if not 0 <= i < j < self.n:
                raise ValueError(f"{self.name}: edge ({i}, {j}) needs 0 <= i < j < n = {self.n}")
            if (i, j) <= previous:
                raise ValueError(f"{self.name}: edges not sorted or ({i}, {j}) repeated")
            if not math.isfinite(w):
                raise ValueError(f"{self.name}: edge ({i}, {j}) has weight {w}")
            previous = (i, j)

    @classmethod
    def from_edges(
        cls,
        name: str,
        n: int,
        edges: Iterable[tuple[int, int, float]],
        *,
        seed: int | None = None,
        family: str = "custom",
    ) -> MaxCutInstance:
        """Canonicalise ``(i, j, w)`` triples (order each pair, sort) and build the instance."""
        canon = sorted((min(i, j), max(i, j), float(w)) for i, j, w in edges)
        canon_int = tuple((int(i), int(j), w) for i, j, w in canon)
        return cls(name=name, n=int(n), edges=canon_int, seed=seed, family=family)

    @property
    def total_weight(self) -> float:
        """W = sum of the edge weights: the cut of an assignment that splits every edge."""
        return float(sum(w for _, _, w in self.edges))

    def digest(self) -> str:
        """SHA-256 (hex) of ``[n, edges]`` as compact JSON: equal digests, equal graphs."""
        payload = json.dumps([self.n, [list(e) for e in self.edges]], separators=(",", ":"))
        return hashlib.sha256(payload.encode()).hexdigest()

    def to_networkx(self) -> nx.Graph:
        """The graph as ``networkx.Graph`` with every vertex and a ``weight`` on every edge."""
        import networkx as nx

        graph = nx.Graph()
        graph.add_nodes_from(range(self.n))
        graph.add_weighted_edges_from(self.edges)
        return graph


def _check_family(family: str, n: int) -> None:
    if family not in get_args(Family):
        raise ValueError(f"unknown family {family!r}; choose one of {get_args(Family)}")
    if family.startswith("regular3") and (n < 4 or n % 2):
        raise ValueError(f"a 3-regular graph needs an even n >= 4, got {n}")
    if family == "erdos_renyi" and n < 2:
        raise ValueError(f"an Erdos-Renyi graph needs n >= 2, got {n}")


def _draw(family: Family, n: int, seed: int) -> MaxCutInstance | None:
    """The graph that ``seed`` draws, or ``None`` when it is disconnected."""
    import networkx as nx

    if family.startswith("regular3"):
        graph = nx.random_regular_graph(3, n, seed=seed)
    else:
        graph = nx.gnp_random_graph(n, ER_EDGE_PROBABILITY, seed=seed)
    if graph.number_of_nodes() != n or not nx.is_connected(graph):
        return None
    pairs = list(graph.edges())
    weights = [1.0] * len(pairs)
    if family == "regular3_weighted":
        import numpy as np

        weights = [float(w) for w in 1.0 - np.random.default_rng(seed).random(len(pairs))]
    return MaxCutInstance.from_edges(
        f"{family}-n{n}-seed{seed}", n, ((i, j, w) for (i, j), w in zip(pairs, weights)),
        seed=seed, family=family,
    )


def instance(family: Family, n: int, seed: int) -> MaxCutInstance:
    """The instance that ``seed`` draws in ``family`` at size ``n``.

    Raises ``ValueError`` when that seed's graph is disconnected (no catalogue holds it) or the
    family cannot have ``n`` vertices.
    """
    _check_family(family, n)
    drawn = _draw(family, n, seed)
    if drawn is None:
        raise ValueError(f"{family} n = {n} seed {seed} draws a disconnected graph")
    return drawn


def catalogue(family: Family, n: int, count: int, base_seed: int) -> tuple[MaxCutInstance, ...]:
    """The first ``count`` connected graphs of ``family`` at size ``n`` from seed ``base_seed`` on.

    Deterministic: the same arguments give the same instances (same edges, seeds and names) on
    every machine with the locked networkx. Raises ``ValueError`` for an unknown family, an
    impossible ``n``, ``count < 0``, or when ``100 * count`` seeds do not yield enough graphs.
    """
    _check_family(family, n)
    if count < 0:
        raise ValueError(f"count must be >= 0, got {count}")
    found: list[MaxCutInstance] = []
    for seed in range(base_seed, base_seed + _MAX_SEEDS_PER_INSTANCE * max(count, 1)):
        if len(found) == count:
            break
        drawn = _draw(family, n, seed)
        if drawn is not None:
            found.append(drawn)
    if len(found) < count:
        raise ValueError(f"only {len(found)} of {count} {family} n = {n} graphs were connected")
    return tuple(found)
