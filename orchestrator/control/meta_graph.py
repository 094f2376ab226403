"""§15 Meta-Causality Layer: a graph of parameter nodes, perturbed as §8 perturbs parameters.

A meta graph is a graph whose nodes are parameters. Each node has a finite ``value`` and a
standard deviation ``sigma >= 0`` (default: the call's ``sigma``); an edge may carry a
``correlation`` rho in [-1, 1] between its two nodes' perturbations (default 0). The graph is
given as a networkx graph (node and edge attributes) or as a plain dict::

    {"nodes": {"alpha": {"value": 40.0, "sigma": 2.0}, "gamma": {"value": 0.5}},
     "edges": [["alpha", "gamma", {"correlation": -0.5}]]}       # or ["alpha", "gamma"]

§8's stochastic step on the node parameters theta:

    theta <- theta + eta eps,    eps ~ N(0, Sigma),
    Sigma_ii = sigma_i^2,  Sigma_ij = rho_ij sigma_i sigma_j  (an edge),  0 otherwise,

with eps = V sqrt(Lambda) z (Sigma = V Lambda V^T, z standard normal from the generator the
caller passes; the loop seeds it from the run's seed, see ``FusionLoop.inject_meta_graph``).
Returned: a new graph of the same kind, every node's ``value`` perturbed and its draw in
``perturbation``; other attributes kept. Refused (``ValueError``, naming the node or edge): a
missing or non-finite value, a negative sigma, an edge to an unknown node, a correlation
outside [-1, 1], correlations that make Sigma indefinite, a graph of another type.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = ["covariance", "perturb_meta_graph"]


def _networkx_graph(graph: Any) -> bool:
    try:
        import networkx
    except ImportError:
        return False
    return isinstance(graph, networkx.Graph)


def _finite(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ValueError(f"{what} must be a finite number (got {value!r})")
    return float(value)


def _read(graph: Any) -> tuple[list[str], dict[str, dict], list[tuple[str, str, dict]]]:
    """(node names in order, node attributes, edges (u, v, attributes)) of either kind."""
    if _networkx_graph(graph):
        nodes = {str(n): dict(a) for n, a in graph.nodes(data=True)}
        edges = [(str(u), str(v), dict(a)) for u, v, a in graph.edges(data=True)]
        return list(nodes), nodes, edges
    if not isinstance(graph, Mapping) or not isinstance(graph.get("nodes"), Mapping):
        raise ValueError("a meta graph is a networkx graph or a dict with a 'nodes' mapping")
    unknown = set(graph) - {"nodes", "edges"}
    if unknown:
        raise ValueError(f"unknown meta graph keys {sorted(unknown)} (nodes, edges)")
    nodes = {}
    for name, attrs in graph["nodes"].items():
        if not isinstance(attrs, Mapping):
            raise ValueError(f"node {name!r}: attributes must be a mapping with a 'value'")
        nodes[str(name)] = dict(attrs)
    edges = []
    for edge in graph.get("edges", []):
        if not isinstance(edge, (list, tuple)) or len(edge) not in (2, 3):
            raise ValueError(f"edge {edge!r}: must be [u, v] or [u, v, {{attributes}}]")
        attrs = dict(edge[2]) if len(edge) == 3 else {}
        edges.append((str(edge[0]), str(edge[1]), attrs))
    return list(nodes), nodes, edges


def covariance(graph: Any, sigma: float = 0.05) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Validate ``graph``; (node names, their values, Sigma)."""
    names, nodes, edges = _read(graph)
    if not names:
        raise ValueError("a meta graph needs at least one node")
    values = np.array([_finite(nodes[n].get("value"), f"node {n!r}: value") for n in names])
    sigmas = np.array([_finite(nodes[n].get("sigma", sigma), f"node {n!r}: sigma") for n in names])
    bad = [n for n, s in zip(names, sigmas) if s < 0]
    if bad:
        raise ValueError(f"node {bad[0]!r}: sigma must be >= 0")
    index = {n: k for k, n in enumerate(names)}
    cov = np.diag(sigmas**2)
    for u, v, attrs in edges:
        for end in (u, v):
            if end not in index:
                raise ValueError(f"edge ({u!r}, {v!r}): unknown node {end!r}")
        rho = _finite(attrs.get("correlation", 0.0), f"edge ({u!r}, {v!r}): correlation")
        if not -1 <= rho <= 1 or (u == v and rho != 0):
            raise ValueError(f"edge ({u!r}, {v!r}): correlation must be in [-1, 1] (not a loop)")
        i, j = index[u], index[v]
        cov[i, j] = cov[j, i] = rho * sigmas[i] * sigmas[j]
    if np.linalg.eigvalsh(cov).min() < -1e-12 * max(1.0, float(cov.max())):
        raise ValueError("the edge correlations make Sigma indefinite (not a covariance)")
    return names, values, cov


def perturb_meta_graph(
    graph: Any, rng: np.random.Generator, eta: float = 1.0, sigma: float = 0.05
) -> Any:
    """A copy of ``graph`` with every node's value moved by eta eps, eps ~ N(0, Sigma)."""
    names, values, cov = covariance(graph, sigma)
    lam, vec = np.linalg.eigh(cov)
    eps = vec @ (np.sqrt(np.clip(lam, 0.0, None)) * rng.standard_normal(len(names)))
    eps[np.diag(cov) == 0] = 0.0  # no variance: exactly unmoved (eigh leaves ~1e-17 there)
    out = graph.copy() if _networkx_graph(graph) else copy.deepcopy(dict(graph))
    for k, name in enumerate(names):
        moved = {"value": float(values[k] + eta * eps[k]), "perturbation": float(eta * eps[k])}
        if _networkx_graph(out):
            node = next(n for n in out.nodes if str(n) == name)
            out.nodes[node].update(moved)
        else:
            key = next(n for n in out["nodes"] if str(n) == name)
            out["nodes"][key] = {**out["nodes"][key], **moved}
    return out
