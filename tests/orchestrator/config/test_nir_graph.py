"""NIR graphs as the spiking layer: the parameter mapping, what is refused, and the config."""

from __future__ import annotations

from pathlib import Path

import nir
import numpy as np
import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.config.errors import ConfigError
from orchestrator.contract.nir_graph import NirRefused, network_from_graph
from tests.paths import ASSETS


def lif(n: int, tau: float = 0.02, r: float = 1.0, v_th: float = 20.0, **extra) -> nir.LIF:
    return nir.LIF(
        tau=np.full(n, tau),
        r=np.full(n, r),
        v_leak=np.zeros(n),
        v_threshold=np.full(n, v_th),
        **extra,
    )


def graph(nodes: dict, edges: list, check: bool = False) -> nir.NIRGraph:
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=check)


def io_graph(cells: nir.NIRNode, n: int) -> nir.NIRGraph:
    """A graph a file can hold: input -> cells -> output."""
    nodes = {"in": nir.Input(np.array([n])), "l": cells, "out": nir.Output(np.array([n]))}
    return graph(nodes, [("in", "l"), ("l", "out")], check=True)


def test_a_spike_through_w_moves_v_by_r_w_dt_over_tau() -> None:
    # Euler step of tau dv/dt = -v + r I with I = W over one step dt: dv = r W dt / tau
    w = np.array([[0.0, 30.0], [-10.0, 0.0]])
    g = graph(
        {"in": nir.Input(np.array([2])), "cells": lif(2, tau=0.02, r=2.0), "w": nir.Linear(w)},
        [("in", "cells"), ("cells", "w"), ("w", "cells")],
    )
    net = network_from_graph(g, dt_ms=0.1)
    assert (net.n_neurons, net.tau_m_ms, net.v_th_mv, net.v_reset_mv) == (2, 20.0, 20.0, 0.0)
    assert net.pre.tolist() == [0, 1] and net.post.tolist() == [1, 0]
    np.testing.assert_allclose(net.weight_mv, [2.0 * -10.0 * 0.1 / 20.0, 2.0 * 30.0 * 0.1 / 20.0])
    assert net.refractory_ms is None


def test_two_populations_join_in_name_order_with_their_synapses() -> None:
    g = graph(
        {
            "b_out": lif(2),
            "a_hidden": lif(3, r=200.0),
            "ff": nir.Affine(weight=np.ones((2, 3)), bias=np.zeros(2)),
            "x": nir.Input(np.array([3])),
            "y": nir.Output(np.array([2])),
        },
        [("x", "a_hidden"), ("a_hidden", "ff"), ("ff", "b_out"), ("b_out", "y")],
    )
    net = network_from_graph(g, dt_ms=0.1)
    assert net.populations == (("a_hidden", 3), ("b_out", 2))
    assert sorted(zip(net.pre.tolist(), net.post.tolist())) == [
        (i, j) for i in range(3) for j in (3, 4)
    ]
    np.testing.assert_allclose(net.weight_mv, 1.0 * 0.1 / 20.0)  # r of the target population


def test_cubalif_with_a_one_step_synapse_maps_with_w_in() -> None:
    cuba = nir.CubaLIF(
        tau_syn=np.full(2, 1e-4),
        tau_mem=np.full(2, 0.01),
        r=np.full(2, 100.0),
        v_leak=np.zeros(2),
        v_threshold=np.full(2, 15.0),
        w_in=np.array([1.0, 2.0]),
    )
    w = nir.Linear(np.array([[0, 1.0], [1.0, 0]]))
    g = graph({"c": cuba, "w": w}, [("c", "w"), ("w", "c")])
    net = network_from_graph(g, dt_ms=0.1)
    assert net.tau_m_ms == 10.0 and net.v_th_mv == 15.0
    np.testing.assert_allclose(net.weight_mv, [2.0, 1.0])  # r w_in W dt / tau


@pytest.mark.parametrize(
    ("nodes", "edges", "message"),
    [
        ({"n": nir.IF(r=np.ones(2), v_threshold=np.ones(2))}, [], "node 'n' \\(IF\\)"),
        (
            {"c": nir.CubaLIF(
                tau_syn=np.full(2, 5e-3), tau_mem=np.full(2, 0.02), r=np.ones(2),
                v_leak=np.zeros(2), v_threshold=np.ones(2),
            )},
            [],
            "node 'c' \\(CubaLIF\\): tau_syn = 5 ms",
        ),
        (
            {"in": nir.Input(np.array([2])), "fc": nir.Linear(np.eye(2)), "l": lif(2)},
            [("in", "fc"), ("fc", "l")],
            "node 'fc': an input projection",
        ),
        (
            {"l": lif(2), "fc": nir.Affine(np.eye(2), np.ones(2))},
            [("l", "fc"), ("fc", "l")],
            "node 'fc' \\(Affine\\): a non-zero bias",
        ),
        (
            {"l": lif(2), "ro": nir.Linear(np.eye(2)), "o": nir.Output(np.array([2]))},
            [("l", "ro"), ("ro", "o")],
            "node 'ro'",
        ),
        (
            {"l": nir.LIF(np.array([0.02, 0.03]), np.ones(2), np.zeros(2), np.ones(2))},
            [],
            "node 'l': tau differs between neurons",
        ),
        (
            {"l": nir.LIF(np.full(2, 0.02), np.ones(2), np.ones(2), np.ones(2))},
            [],
            "node 'l' \\(LIF\\): v_leak must be 0",
        ),
        ({"i": nir.Input(np.array([2]))}, [], "no LIF or CubaLIF node"),
    ],
)
def test_what_does_not_map_is_refused_naming_the_node(nodes, edges, message) -> None:
    with pytest.raises(NirRefused, match=message):
        network_from_graph(graph(nodes, edges), dt_ms=0.1)


def _config(tmp_path: Path, spiking: dict) -> Path:
    data = yaml.safe_load((ASSETS / "small.yaml").read_text())
    data["spiking"] = {"kind": "brian2", "tick_ms": 5.0, **spiking}
    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_config_takes_the_network_from_the_graph_and_pins_its_hash(tmp_path: Path) -> None:
    nir.write(tmp_path / "g.nir", io_graph(lif(6, tau=0.01, v_th=18.0), 6))
    cfg = load_config(_config(tmp_path, {"network": {"nir": str(tmp_path / "g.nir")}}))
    s = cfg.spiking
    assert (s.neurons, s.tau_m_ms, s.v_th_mv, s.refractory_ms, s.recurrent) == (
        6, 10.0, 18.0, 0.0, None
    )
    assert cfg.n_neurons() == 6 and len(s.network.sha256) == 64
    again = load_config(_write(tmp_path / "resolved.yaml", cfg.resolved()))
    assert again.config_hash() == cfg.config_hash()  # the resolved config re-validates
    nir.write(tmp_path / "g.nir", io_graph(lif(6, tau=0.01, v_th=19.0), 6))
    with pytest.raises(ConfigError, match=r"spiking.network: .*has changed"):
        load_config(tmp_path / "resolved.yaml")


def _write(path: Path, data: dict) -> Path:
    path.write_text(yaml.safe_dump(data))
    return path


def test_config_refuses_fields_the_graph_decides_and_missing_or_bad_graphs(tmp_path: Path) -> None:
    nir.write(tmp_path / "g.nir", io_graph(lif(6, tau=0.01), 6))
    source = {"nir": str(tmp_path / "g.nir")}
    with pytest.raises(ConfigError, match=r"tau_m_ms = 20\.0 disagrees with the NIR graph's 10\.0"):
        load_config(_config(tmp_path, {"network": source, "tau_m_ms": 20.0}))
    with pytest.raises(ConfigError, match=r"spiking.network.*no such file"):
        load_config(_config(tmp_path, {"network": {"nir": str(tmp_path / "none.nir")}}))
    nir.write(tmp_path / "if.nir", io_graph(nir.IF(r=np.ones(2), v_threshold=np.ones(2)), 2))
    with pytest.raises(ConfigError, match="node 'l' \\(IF\\) does not map"):
        load_config(_config(tmp_path, {"network": {"nir": str(tmp_path / "if.nir")}}))
    (tmp_path / "junk.nir").write_bytes(b"not hdf5")
    with pytest.raises(ConfigError, match="not a readable NIR graph"):
        load_config(_config(tmp_path, {"network": {"nir": str(tmp_path / "junk.nir")}}))
    kept = load_config(_config(tmp_path, {"network": source, "refractory_ms": 1.5}))
    assert kept.spiking.refractory_ms == 1.5  # NIR has none: the config may add one
