"""A NIR graph written with the nir package's own API runs on Brian2 and on Lava exactly as the
same network written in our config (same spike trains, bit for bit), and maps back to itself."""

from __future__ import annotations

from pathlib import Path

import nir
import numpy as np
import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.contract.nir_graph import graph_from_network
from orchestrator.run.assemble import build_network, open_spiking

N = 8


def _config(tmp_path: Path, kind: str, network: Path | None = None):
    spiking: dict = {"kind": kind, "tick_ms": 10.0}
    if network is None:
        spiking |= {
            "neurons": N,
            "tau_m_ms": 20.0,
            "v_th_mv": 20.0,
            "refractory_ms": 0.0,
            "recurrent": {"p": 0.3, "weight_mv": 4.0, "seed": 7},
        }
    else:
        spiking["network"] = {"nir": str(network)}
    data = {
        "hamiltonian": {"kind": "tfim", "n_qubits": 4, "j": 1.0, "h": 0.8},
        "quantum": {"kind": "aer"},
        "spiking": spiking,
        "run": {"ticks": 6, "seed": 1},
    }
    path = tmp_path / f"{kind}-{'nir' if network else 'own'}.yaml"
    path.write_text(yaml.safe_dump(data))
    return load_config(path)


def _written_with_nir_api(tmp_path: Path, spec) -> Path:
    """The config's network, written by hand with nir's classes (r = tau/dt: W is in mV)."""
    w = np.zeros((N, N))
    w[spec.post, spec.pre] = spec.weight_mv
    graph = nir.NIRGraph(
        nodes={
            "input": nir.Input(np.array([N])),
            "lif": nir.LIF(
                tau=np.full(N, 0.02),
                r=np.full(N, 20.0 / 0.1),
                v_leak=np.zeros(N),
                v_threshold=np.full(N, 20.0),
                v_reset=np.zeros(N),
            ),
            "recurrent": nir.Linear(weight=w),
            "output": nir.Output(np.array([N])),
        },
        edges=[("input", "lif"), ("lif", "recurrent"), ("recurrent", "lif"), ("lif", "output")],
    )
    path = tmp_path / "net.nir"
    nir.write(path, graph)
    return path


@pytest.mark.parametrize("kind", ["brian2", "lava"])
def test_nir_graph_gives_the_spike_trains_of_the_config_network(tmp_path, kind) -> None:
    ours = _config(tmp_path, kind)
    spec = build_network(ours)
    assert spec.pre.size > 5
    theirs = _config(tmp_path, kind, _written_with_nir_api(tmp_path, spec))
    loaded = build_network(theirs)
    for name in ("n_neurons", "tau_m_ms", "v_th_mv", "v_reset_mv", "refractory_ms", "dt_ms"):
        assert getattr(loaded, name) == getattr(spec, name), name
    for name in ("pre", "post", "weight_mv"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(spec, name))
    drives = np.random.default_rng(0).uniform(25.0, 45.0, (6, N))
    a, b = open_spiking(ours), open_spiking(theirs)
    try:
        spikes = 0
        for drive in drives:
            x, y = a.advance(drive), b.advance(drive)
            np.testing.assert_array_equal(x.neurons, y.neurons)
            np.testing.assert_array_equal(x.times_ms, y.times_ms)
            np.testing.assert_array_equal(x.voltages_mv, y.voltages_mv)
            spikes += x.neurons.size
        assert spikes > 20  # the recurrent synapses carry spikes
    finally:
        a.close()
        b.close()


def test_import_then_export_gives_the_graph_back(tmp_path) -> None:
    spec = build_network(_config(tmp_path, "brian2"))
    path = _written_with_nir_api(tmp_path, spec)
    original = nir.read(path)
    net = build_network(_config(tmp_path, "brian2", path))
    again = graph_from_network(
        net.n_neurons, net.tau_m_ms, net.v_th_mv, net.v_reset_mv, net.refractory_ms,
        net.dt_ms, net.pre, net.post, net.weight_mv,
    )
    assert set(again.nodes) == set(original.nodes) and sorted(again.edges) == sorted(original.edges)
    for name, node in original.nodes.items():
        mine = again.nodes[name]
        assert type(mine) is type(node)
        for key, value in node.to_dict().items():
            if isinstance(value, np.ndarray):
                np.testing.assert_array_equal(mine.to_dict()[key], value, err_msg=f"{name}.{key}")
