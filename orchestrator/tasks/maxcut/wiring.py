"""The spiking network wired to a MaxCut graph: one neuron group per vertex, synapses along edges.

Neuron a (of N) belongs to vertex a mod n, the qubit the PCI's qubit mapping couples it to,
so group(v) = {a : a mod n = v} holds ceil((N - v) / n) neurons (m = N / n each when n | N).
For every edge (u, v, w) of the graph and every pair (a, b) in group(u) x group(v) there are
two synapses, a -> b and b -> a, each of weight

    w_ab = w * weight_mv   (mV; weight_mv < 0: a spike of a lowers V_b, inhibition),

so an edge gives 2 |group(u)| |group(v)| synapses and a vertex's firing suppresses its
neighbours': the rate pattern drifts toward groups that fire while their neighbours are
silent, which the decoder (``orchestrator.control.maxcut``) reads as a cut. No synapse
joins two neurons of one group. Order: edge by edge as given, then a over group(u), then b
over group(v), the a -> b synapse before b -> a, so the arrays are the same on every machine.

A group's neurons receive the same drive and the same synapses: without noise they are
identical copies of one deterministic neuron (all spike or none). ``spiking.noise`` and
``spiking.v_init`` (issue 21; the ``*_noisy.yaml`` configs of ``configs.config_of(...,
noisy=True)``) give each neuron its own noise current and initial potential, so the neurons
of a group fire differently and the group's rate becomes graded (docs/design.md §19).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = ["graph_synapses", "merged_edges", "vertex_groups"]


def merged_edges(edges: Sequence[tuple[int, int, float]]) -> list[tuple[int, int, float]]:
    """The edges as ``(i, j, w)`` with i < j, sorted, a pair given twice with its weights summed
    (an ``ising`` config may list (i, j) and (j, i); the graph has one edge there)."""
    merged: dict[tuple[int, int], float] = {}
    for i, j, w in edges:
        key = (min(int(i), int(j)), max(int(i), int(j)))
        merged[key] = merged.get(key, 0.0) + float(w)
    return [(i, j, w) for (i, j), w in sorted(merged.items())]


def vertex_groups(n_vertices: int, n_neurons: int) -> list[np.ndarray]:
    """group(v) = the neurons a with a mod n = v, ascending, for v = 0 .. n-1."""
    if n_vertices < 1 or n_neurons < n_vertices:
        raise ValueError(f"need n_neurons >= n_vertices >= 1, got {n_neurons}, {n_vertices}")
    return [np.arange(v, n_neurons, n_vertices, dtype=np.int64) for v in range(n_vertices)]


def graph_synapses(
    edges: Sequence[tuple[int, int, float]], n_vertices: int, n_neurons: int, weight_mv: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(pre int64, post int64, weight_mv float64) of the synapses along ``edges``.

    ``edges``: ``(u, v, w)`` with ``0 <= u, v < n_vertices``, ``u != v``. Raises
    ``ValueError`` on a vertex outside the graph, a self-loop, or fewer neurons than vertices.
    """
    groups = vertex_groups(n_vertices, n_neurons)
    pres, posts, weights = [], [], []
    for u, v, w in edges:
        if not (0 <= u < n_vertices and 0 <= v < n_vertices) or u == v:
            raise ValueError(f"edge ({u}, {v}) is not an edge of a graph on {n_vertices} vertices")
        a = np.repeat(groups[u], groups[v].size)
        b = np.tile(groups[v], groups[u].size)
        pres.append(np.stack([a, b], axis=1).ravel())  # a -> b, then b -> a
        posts.append(np.stack([b, a], axis=1).ravel())
        weights.append(np.full(2 * a.size, float(w) * float(weight_mv)))
    if not pres:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0)
    return (
        np.concatenate(pres).astype(np.int64),
        np.concatenate(posts).astype(np.int64),
        np.concatenate(weights).astype(np.float64),
    )
