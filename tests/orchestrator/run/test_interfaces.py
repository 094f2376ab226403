"""The §15 interfaces of the loop: values against independent computations."""

from __future__ import annotations

import math
from itertools import pairwise
from typing import ClassVar

import networkx as nx
import numpy as np
import pytest

from orchestrator.config import load_config
from orchestrator.control.monitor import EntropySnapshot
from orchestrator.control.rule import ControlRule, NextTick, RuleOutcome
from orchestrator.run.assemble import open_backends
from orchestrator.run.loop import FusionLoop


class Reporter(ControlRule):
    """Stands in for the PSN and Jacobian rules: r every tick, det J on odd ticks."""

    name: ClassVar[str] = "reporter"

    def apply(self, reading, proposal: NextTick) -> RuleOutcome:
        fields = {"psn_r": 0.25 + 0.1 * reading.tick}
        if reading.tick % 2:
            fields["jacobian_det"] = -1.5
        return RuleOutcome(proposal, fields)


def _loop(config):
    cfg = load_config(config)
    backends = open_backends(cfg)
    *first, stability = backends.rules
    return FusionLoop(cfg, backends.quantum, backends.spiking, [*first, Reporter(), stability])


@pytest.fixture
def loop(small_config):
    made = _loop(small_config)
    yield made
    made.close()


@pytest.fixture(scope="module")
def shared_loop():
    """One loop for the tests that only check what ``inject_meta_graph`` returns or refuses:
    none of them steps it or asserts anything of its tick or call count (each built its own)."""
    from tests.conftest import ASSETS

    made = _loop(ASSETS / "small.yaml")
    yield made
    made.close()


def test_monitor_reports_the_last_tick_and_its_entropy_slope(loop) -> None:
    assert loop.monitor_entropy() == EntropySnapshot()
    records = [loop.step() for _ in range(4)]
    snap = loop.monitor_entropy()
    last = records[-1]
    x = [r.quantum.entropy.normalised for r in records]
    assert snap.tick == 3
    assert snap.coherence_entropy == last.quantum.entropy.used
    assert snap.coherence_entropy_normalised == x[-1]
    assert snap.entropy_slope == pytest.approx(np.polyfit(np.arange(4), x, 1)[0], abs=1e-12)
    assert snap.coherence_energy == last.spikes.coherence_energy
    assert snap.resonance_violations == last.spikes.phases.violations
    assert (snap.stable, snap.trigger) == (last.verdict.stable, last.verdict.trigger)
    assert snap.psn_r == pytest.approx(0.55) and snap.det_j == -1.5
    loop.step()
    assert loop.monitor_entropy().det_j is None  # not computed on even ticks


def test_monitor_and_phase_history_are_fresh_after_a_rollback(loop) -> None:
    start = loop.state()
    loop.step()
    after_one = loop.state()
    first = loop.monitor_entropy()
    for _ in range(3):
        loop.step()
    loop.restore(*after_one)  # what Rollback.revert does to the loop
    assert loop.monitor_entropy() == first
    assert loop.phase_to_semantic(window=10).ticks.size == 0  # no tick pair left after it
    loop.step()
    assert loop.phase_to_semantic(window=10).ticks.tolist() == [1]
    loop.restore(*start)
    assert loop.monitor_entropy() == EntropySnapshot()


def test_phase_drifts_and_their_projection(loop) -> None:
    psi = [loop.step().quantum.psi for _ in range(6)]
    # independent: the angle of psi_t conj(psi_{t-1}) is the wrapped difference of the phases
    want = np.array([np.angle(b * np.conj(a)) for a, b in pairwise(psi)])[-4:]
    semantics = loop.phase_to_semantic(window=4)
    assert semantics.ticks.tolist() == [2, 3, 4, 5]
    assert semantics.channels == ("q0", "q1", "q2")
    np.testing.assert_allclose(semantics.drift, want, atol=1e-12)
    np.testing.assert_allclose(semantics.projection, want, atol=1e-12)  # identity basis
    assert semantics.components == semantics.channels

    basis = {"sum": [1.0, 1.0, 1.0], "edge": [1.0, 0.0, -1.0]}
    named = loop.phase_to_semantic(basis, window=4)
    assert named.components == ("sum", "edge")
    np.testing.assert_allclose(named.projection[:, 0], want.sum(axis=1), atol=1e-12)
    np.testing.assert_allclose(named.projection[:, 1], want[:, 0] - want[:, 2], atol=1e-12)
    rows = np.random.default_rng(0).normal(size=(2, 3))
    np.testing.assert_allclose(
        loop.phase_to_semantic(rows, window=4).projection, want @ rows.T, atol=1e-12
    )
    default = loop.phase_to_semantic()  # stability.window = 8 ticks, 5 available
    assert default.ticks.tolist() == [1, 2, 3, 4, 5]
    with pytest.raises(ValueError, match="3 entries"):
        loop.phase_to_semantic([[1.0, 2.0]])


GRAPH = {
    "nodes": {
        "alpha": {"value": 40.0, "sigma": 2.0, "unit": "mV"},
        "beta": {"value": 40.0, "sigma": 1.0},
        "gamma": {"value": 0.5, "sigma": 0.0},
    },
    "edges": [["alpha", "beta", {"correlation": -0.6}], ["beta", "gamma"]],
}


def test_meta_graph_perturbations_have_the_covariance_of_the_graph(loop) -> None:
    draws = np.array(
        [[n["perturbation"] for n in loop.inject_meta_graph(GRAPH)["nodes"].values()]
         for _ in range(3000)]
    )
    sigma = np.array([[4.0, -1.2, 0.0], [-1.2, 1.0, 0.0], [0.0, 0.0, 0.0]])
    np.testing.assert_allclose(np.cov(draws.T), sigma, atol=0.25)
    assert np.abs(draws.mean(axis=0)).max() < 0.12  # 3.4 standard errors of alpha's mean
    assert not draws[:, 2].any()  # sigma 0: gamma never moves


def test_meta_graph_is_reproducible_per_tick_and_call_and_keeps_attributes(
    loop, small_config
) -> None:
    out = loop.inject_meta_graph(GRAPH, eta=0.5)
    for name, node in out["nodes"].items():
        assert node["value"] == pytest.approx(GRAPH["nodes"][name]["value"] + node["perturbation"])
    assert out["nodes"]["alpha"]["unit"] == "mV" and GRAPH["nodes"]["alpha"]["value"] == 40.0
    second = loop.inject_meta_graph(GRAPH, eta=0.5)
    assert second["nodes"]["alpha"]["value"] != out["nodes"]["alpha"]["value"]
    cfg = load_config(small_config)
    backends = open_backends(cfg)
    other = FusionLoop(cfg, backends.quantum, backends.spiking, backends.rules)
    try:
        assert other.inject_meta_graph(GRAPH, eta=0.5) == out  # same seed, tick 0, first call
        other.step()
        assert other.inject_meta_graph(GRAPH, eta=0.5) != out  # another tick, another draw
    finally:
        other.close()


def test_meta_graph_from_networkx(shared_loop) -> None:
    loop = shared_loop
    g = nx.Graph()
    g.add_node("alpha", value=40.0, sigma=1.0)
    g.add_node("gamma", value=0.5, sigma=0.0)
    g.add_edge("alpha", "gamma", correlation=0.3)
    out = loop.inject_meta_graph(g)
    assert isinstance(out, nx.Graph) and out is not g and g.nodes["alpha"]["value"] == 40.0
    assert out.nodes["gamma"]["value"] == 0.5
    assert out.nodes["alpha"]["value"] == 40.0 + out.nodes["alpha"]["perturbation"]
    assert math.isfinite(out.nodes["alpha"]["perturbation"])


@pytest.mark.parametrize(
    ("graph", "message"),
    [
        ({"nodes": {"a": {"sigma": 1.0}}}, "node 'a': value must be a finite number"),
        ({"nodes": {"a": {"value": 1.0, "sigma": -1.0}}}, "node 'a': sigma must be >= 0"),
        ({"nodes": {"a": {"value": 1.0}}, "edges": [["a", "b"]]}, "unknown node 'b'"),
        (
            {
                "nodes": {"a": {"value": 1.0}, "b": {"value": 2}},
                "edges": [["a", "b", {"correlation": 2}]],
            },
            "correlation must be in",
        ),
        (
            {
                "nodes": {k: {"value": 0.0, "sigma": 1.0} for k in "abc"},
                "edges": [[u, v, {"correlation": -0.9}] for u, v in ("ab", "bc", "ac")],
            },
            "indefinite",
        ),
        ([1, 2], "networkx graph or a dict"),
    ],
)
def test_meta_graph_validation_names_the_problem(shared_loop, graph, message) -> None:
    with pytest.raises(ValueError, match=message):
        shared_loop.inject_meta_graph(graph)


def test_the_documented_example_runs(capsys, monkeypatch) -> None:
    from tests.paths import ROOT

    monkeypatch.chdir(ROOT)  # the example names its config relative to the repository
    doc = (ROOT / "docs" / "design.md").read_text()
    block = doc.split("Runnable (`tests/orchestrator/run/test_interfaces.py` runs this block):")[1]
    code = block.split("```python\n", 1)[1].split("```", 1)[0]
    exec(compile(code, "docs/design.md", "exec"), {})
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("4 ") and "('sync', 'twist')" in lines[1]
    assert "'perturbation'" in lines[-1]
