"""Spiking networks as NIR graphs (the Neuromorphic Intermediate Representation, ``nir``).

``spiking.network: {nir: path.nir}`` makes a NIR graph the run's spiking layer: one LIF
population of spec §3.2 (tau_m dV/dt = -V + I, threshold, reset, refractory; a spike of j adds
w_ij mV to V_i; the PCI drives every neuron) that every spiking backend builds from the same
``NetworkSpec``. ``graph_from_network`` writes such a network back as NIR (``qnf export-nir``).

What maps (NIR units: times in seconds, voltages and weights unitless, read as mV):

    LIF(tau, r, v_leak, v_threshold, v_reset)   tau_m_ms = 1000 tau, v_th_mv = v_threshold,
                                                v_reset_mv = v_reset; v_leak must be 0 (rest)
    CubaLIF(tau_syn, tau_mem, r, v_leak, ...,   as LIF with tau = tau_mem and r -> r w_in, when
            w_in)                               tau_syn <= dt (the synaptic current lasts one
                                                step: the project's instantaneous synapse)
    Linear(W) / Affine(W, b = 0) between        synapses j -> i, w_ij = r_i W_ij dt / tau_m
    neuron nodes                                (a spike is a unit pulse one step long, the
                                                discretisation snnTorch, Norse and Lava-dl use)
    Input -> neuron node                        the PCI drive (mV, V's steady state) enters there
    neuron node -> Output                       the spikes (nothing to build)

Every neuron node of the graph joins the population, node by node in name order (NIR's HDF5
files list nodes by name), neurons in array order; tau, v_threshold, v_reset must be one value
across the population (``NetworkSpec`` has one LIF), r may differ per neuron. NIR has no
refractory period: the graph's ``metadata["qnfusion"]["refractory_ms"]`` (written by the export)
or 0 unless the config sets ``spiking.refractory_ms``. Synapses are listed by (pre, post), as
the config's own connectivity draw lists them; a weight of exactly 0 is no synapse in NIR.

Refused, naming the node: any other node type (IF, LI, CubaLI, Conv, Delay, Flatten, ...,
subgraphs); an Input -> Linear/Affine -> neuron projection (the PCI drives neurons directly)
and projections into Output (readouts); non-zero Affine biases; non-zero v_leak; per-neuron
differences in tau, v_threshold or v_reset; tau_syn > dt; parameters that are not 1-D.

Refused too, before anything runs: a parameter or weight that is not finite (a NaN weight used
to run to the end with NaN membrane voltages), a synapse weight past 1e9 mV in magnitude (the
bound every config number keeps), and files the reader bounds (``nir_file``: size, declared
dataset sizes, links).

Float care: a weight factor r dt / tau within 1e-12 of 1 is taken as 1 and tau_m_ms is read to
12 significant digits, so a graph this module writes (r = tau_m / dt) reads back bit for bit.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from orchestrator.contract.bounds import MAX_FLOAT
from orchestrator.contract.nir_file import NirFileError, NirRefused, load_graph, read_graph_bytes

__all__ = [
    "NirNetwork",
    "NirRefused",
    "file_sha256",
    "fill_from_nir",
    "graph_from_network",
    "network_from_graph",
    "read_nir",
]


@dataclass(frozen=True)
class NirNetwork:
    """A NIR graph as the project's LIF population (mV, ms; synapses as parallel arrays)."""

    n_neurons: int
    tau_m_ms: float
    v_th_mv: float
    v_reset_mv: float
    refractory_ms: float | None  # from the graph's metadata; None: not given
    pre: np.ndarray = field(repr=False)
    post: np.ndarray = field(repr=False)
    weight_mv: np.ndarray = field(repr=False)
    populations: tuple[tuple[str, int], ...] = ()  # (node name, size), in neuron order


def _one(values: np.ndarray, node: str, what: str) -> float:
    flat = np.asarray(values, dtype=float).reshape(-1)
    if not np.all(flat == flat[0]):
        raise NirRefused(
            f"node '{node}': {what} differs between neurons ({flat.min()}..{flat.max()}); the "
            "spiking layer is one LIF population with one value"
        )
    return float(flat[0])


def _finite(name: str, kind: str, *arrays: Any) -> None:
    for values in arrays:
        try:
            flat = np.asarray(values, dtype=float)
        except (TypeError, ValueError):
            raise NirRefused(f"node '{name}' ({kind}): parameters must be numbers") from None
        if not np.all(np.isfinite(flat)):
            raise NirRefused(
                f"node '{name}' ({kind}): holds a value that is not finite (NaN or inf)"
            )


def _neuron(name: str, node: Any, dt_ms: float) -> tuple[int, dict[str, float], np.ndarray]:
    """(size, shared parameters, per-neuron input scale r) of a LIF or CubaLIF node."""
    import nir

    kind = type(node).__name__
    tau = node.tau if isinstance(node, nir.LIF) else node.tau_mem
    arrays = [tau, node.r, node.v_leak, node.v_threshold, node.v_reset]
    if any(np.ndim(a) != 1 for a in arrays):
        raise NirRefused(f"node '{name}' ({kind}): parameters must be 1-D (one per neuron)")
    extra = [node.tau_syn, node.w_in] if isinstance(node, nir.CubaLIF) else []
    _finite(name, kind, *arrays, *extra)
    if np.any(np.asarray(node.v_leak) != 0):
        raise NirRefused(f"node '{name}' ({kind}): v_leak must be 0 (the LIF rests at 0 mV)")
    r = np.asarray(node.r, dtype=float)
    if isinstance(node, nir.CubaLIF):
        tau_syn_ms = 1000.0 * _one(node.tau_syn, name, "tau_syn")
        if tau_syn_ms > dt_ms:
            raise NirRefused(
                f"node '{name}' (CubaLIF): tau_syn = {tau_syn_ms:g} ms is longer than one step "
                f"(dt_ms = {dt_ms:g}); the project's LIF (spec §3.2) has instantaneous synapses"
            )
        r = r * np.asarray(node.w_in, dtype=float)
    shared = {
        "tau_m_ms": float(f"{1000.0 * _one(tau, name, 'tau'):.12g}"),
        "v_th_mv": _one(node.v_threshold, name, "v_threshold"),
        "v_reset_mv": _one(node.v_reset, name, "v_reset"),
    }
    return r.size, shared, r


def network_from_graph(graph: Any, dt_ms: float) -> NirNetwork:
    """Map a ``nir.NIRGraph`` to the project's LIF population; ``NirRefused`` names the node."""
    import nir

    cells = (nir.LIF, nir.CubaLIF)
    neurons = {n: v for n, v in sorted(graph.nodes.items()) if isinstance(v, cells)}
    for name, node in sorted(graph.nodes.items()):
        if not isinstance(node, (*cells, nir.Linear, nir.Affine, nir.Input, nir.Output)):
            raise NirRefused(
                f"node '{name}' ({type(node).__name__}) does not map to the spiking layer "
                "(LIF, CubaLIF, Linear, Affine, Input and Output do)"
            )
    if not neurons:
        raise NirRefused("the graph has no LIF or CubaLIF node")
    offset, shared, scale, populations = {}, None, [], []
    for name, node in neurons.items():
        size, params, r = _neuron(name, node, dt_ms)
        if shared is not None and params != shared:
            raise NirRefused(
                f"node '{name}': parameters {params} differ from those of the other neuron "
                f"nodes {shared}; the spiking layer is one LIF population"
            )
        shared = params
        offset[name] = sum(s for _, s in populations)
        populations.append((name, size))
        scale.append(r)
    assert shared is not None
    r_all = np.concatenate(scale)
    into = {name: [v for u, v in graph.edges if u == name] for name in graph.nodes}
    came = {name: [u for u, v in graph.edges if v == name] for name in graph.nodes}
    for name, node in sorted(graph.nodes.items()):
        bad = [v for v in into[name] if v not in neurons] if isinstance(node, nir.Input) else []
        if bad:
            raise NirRefused(
                f"node '{bad[0]}': an input projection (Input -> {bad[0]} -> neurons) does "
                "not map; the PCI drives every neuron directly"
            )
    pre, post, weight = [], [], []
    for name, node in sorted(graph.nodes.items()):
        if not isinstance(node, (nir.Linear, nir.Affine)):
            continue
        if isinstance(node, nir.Affine) and np.any(np.asarray(node.bias) != 0):
            raise NirRefused(f"node '{name}' (Affine): a non-zero bias does not map")
        sources, targets = came[name], into[name]
        if len(sources) != 1 or sources[0] not in neurons or not targets:
            raise NirRefused(
                f"node '{name}' ({type(node).__name__}): only synapses from one neuron node to "
                "neuron nodes map (no input projections, no readouts into Output)"
            )
        _finite(name, type(node).__name__, node.weight)
        w = np.asarray(node.weight, dtype=float)
        src = sources[0]
        sizes = dict(populations)
        for dst in targets:
            if dst not in neurons:
                raise NirRefused(f"node '{name}': projects into '{dst}', not a neuron node")
            if w.shape != (sizes[dst], sizes[src]):
                raise NirRefused(f"node '{name}': weight {w.shape} does not fit {src} -> {dst}")
            rows, cols = np.nonzero(w)
            gain = r_all[offset[dst] + rows] * dt_ms / shared["tau_m_ms"]
            gain = np.where(np.abs(gain - 1.0) <= 1e-12, 1.0, gain)
            pre.append(offset[src] + cols)
            post.append(offset[dst] + rows)
            weight.append(w[rows, cols] * gain)
    meta = graph.metadata.get("qnfusion", {}) if isinstance(graph.metadata, Mapping) else {}
    refractory = meta.get("refractory_ms")
    if refractory is not None and (
        isinstance(refractory, bool) or not isinstance(refractory, int | float | np.number)
    ):
        raise NirRefused(f"metadata refractory_ms must be a number (got {refractory!r:.40})")
    cat = lambda xs, dt: np.concatenate(xs).astype(dt) if xs else np.zeros(0, dtype=dt)  # noqa: E731
    pre_all, post_all, w_all = cat(pre, np.int64), cat(post, np.int64), cat(weight, float)
    if not np.all(np.abs(w_all) <= MAX_FLOAT):  # NaN fails too
        raise NirRefused(
            f"a synapse weight (r W dt / tau) is not finite or beyond {MAX_FLOAT:g} mV in "
            "magnitude"
        )
    order = np.lexsort((post_all, pre_all))  # the order the config's own draw gives
    return NirNetwork(
        n_neurons=int(r_all.size),
        refractory_ms=None if refractory is None else float(refractory),
        pre=pre_all[order],
        post=post_all[order],
        weight_mv=w_all[order],
        populations=tuple(populations),
        **shared,
    )


def file_sha256(path: Path) -> str:
    """SHA-256 of the NIR file at ``path``, read bounded (``NirRefused`` if it cannot be)."""
    return hashlib.sha256(read_graph_bytes(path)).hexdigest()


_networks: dict[tuple[str, float], NirNetwork] = {}  # (sha256, dt_ms) -> network, last 8


def read_nir(path: Path, dt_ms: float, sha256: str | None = None) -> NirNetwork:
    """The NIR file at ``path`` as a network (cached by content). ``NirRefused`` if it cannot
    be read within the bounds of ``nir_file``, does not map, or (``sha256`` given) is not the
    file that hash names."""
    data = read_graph_bytes(path)
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None and sha256 != digest:
        raise NirFileError(f"{path} has changed (sha256 {digest}, expected {sha256})")
    key = (digest, float(dt_ms))
    if key not in _networks:
        network = network_from_graph(load_graph(data), float(dt_ms))
        while len(_networks) >= 8:
            del _networks[next(iter(_networks))]
        _networks[key] = network
    return _networks[key]


def graph_from_network(
    n_neurons: int,
    tau_m_ms: float,
    v_th_mv: float,
    v_reset_mv: float,
    refractory_ms: float,
    dt_ms: float,
    pre: np.ndarray,
    post: np.ndarray,
    weight_mv: np.ndarray,
    metadata: Mapping[str, Any] | None = None,
) -> Any:
    """The project's LIF population as a ``nir.NIRGraph``: input -> lif -> output, and
    lif -> recurrent (Linear) -> lif when there are synapses; r = tau_m / dt so that W is the
    jump in mV a spike causes; ``metadata["qnfusion"]`` holds dt_ms and refractory_ms."""
    import nir

    n = int(n_neurons)
    lif = nir.LIF(
        tau=np.full(n, tau_m_ms / 1000.0),
        r=np.full(n, tau_m_ms / dt_ms),
        v_leak=np.zeros(n),
        v_threshold=np.full(n, float(v_th_mv)),
        v_reset=np.full(n, float(v_reset_mv)),
    )
    nodes: dict[str, Any] = {
        "input": nir.Input(np.array([n])),
        "lif": lif,
        "output": nir.Output(np.array([n])),
    }
    edges = [("input", "lif"), ("lif", "output")]
    if len(pre):
        w = np.zeros((n, n))
        w[np.asarray(post), np.asarray(pre)] = np.asarray(weight_mv, dtype=float)
        nodes["recurrent"] = nir.Linear(weight=w)
        edges += [("lif", "recurrent"), ("recurrent", "lif")]
    meta = {"dt_ms": float(dt_ms), "refractory_ms": float(refractory_ms), **(metadata or {})}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata={"qnfusion": meta})



def fill_from_nir(section: Mapping[str, Any], dt_default: float) -> dict[str, Any]:
    """A raw ``spiking`` section with ``network.nir`` given: the fields the graph decides
    (neurons, tau_m_ms, v_th_mv, v_reset_mv, refractory_ms unless given, recurrent: null)
    filled in; ``ValueError`` when the section sets one of them to another value."""
    source = section["network"]
    path = Path(str(source["nir"])).expanduser().resolve()
    net = read_nir(path, float(section.get("dt_ms", dt_default)), source.get("sha256"))
    filled: dict[str, Any] = {
        "neurons": net.n_neurons,
        "tau_m_ms": net.tau_m_ms,
        "v_th_mv": net.v_th_mv,
        "v_reset_mv": net.v_reset_mv,
        "recurrent": None,
    }
    for key, value in filled.items():
        if key in section and section[key] != value:
            raise ValueError(
                f"{key} = {section[key]!r} disagrees with the NIR graph's {value!r} "
                "(network.nir decides it: leave it out)"
            )
    if "refractory_ms" not in section:
        filled["refractory_ms"] = net.refractory_ms if net.refractory_ms is not None else 0.0
    return {**section, **filled}
