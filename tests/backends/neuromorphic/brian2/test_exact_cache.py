"""Brian2's exact integration read back from disk is the code Brian2 computes, and a change of
the equations or of a constant misses (backends/neuromorphic/brian2/exact_cache.py).

Real Brian2 and sympy; the cache folder is this test's own (``QNF_CACHE``).
"""

from __future__ import annotations

import importlib

import pytest

from backends.neuromorphic.brian2 import exact_cache
from backends.neuromorphic.brian2.sdk import b2
from tests.orchestrator.run.golden import GOLDEN, run_case

exact_module = importlib.import_module("brian2.stateupdaters.exact")

TRACES = """
dapost/dt = -apost / tau_post : 1 (event-driven)
dapre/dt = -apre / tau_pre : 1 (event-driven)
"""


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QNF_CACHE", str(tmp_path / "cache"))
    exact_cache.install()
    return tmp_path / "cache" / "brian2-exact"


def computed(equations, variables):
    """What Brian2 computes for the call, past both caches (its memory and ours)."""
    raw = exact_module.LinearStateUpdater.__call__.__wrapped__.__wrapped__
    return raw(exact_module.linear, equations, variables, None)


def synapse_call(tau_pre_ms: float = 20.0, equations: str = TRACES):
    """Equations and variables of a real Synapses object, as its state updater gets them."""
    group = b2.NeuronGroup(2, "v : 1")
    synapses = b2.Synapses(
        group,
        group,
        "w : 1",
        namespace={"tau_pre": tau_pre_ms * b2.ms, "tau_post": 20 * b2.ms},
    )
    eqs = b2.Equations(equations)
    variables = synapses.resolve_all(
        sorted(eqs.identifiers), {"tau_pre": tau_pre_ms * b2.ms, "tau_post": 20 * b2.ms}
    )
    variables.update(synapses.variables)
    return eqs, variables


def test_a_hit_returns_what_brian2_computes(cache) -> None:
    eqs, variables = synapse_call()
    first = exact_module.linear(eqs, variables, None)
    assert len(list(cache.glob("*.txt"))) == 1
    exact_module.LinearStateUpdater.__call__.__wrapped__._cache.clear()  # Brian2's memory
    second = exact_module.linear(eqs, variables, None)
    assert first == second == computed(eqs, variables)
    assert "exp" in first and "apre" in first


def test_a_change_misses(cache) -> None:
    eqs, variables = synapse_call()
    base = exact_cache.key_text(eqs, variables, None)
    assert base is not None
    other_eqs, other_vars = synapse_call(
        equations=TRACES.replace("-apre / tau_pre", "-2 * apre / tau_pre")
    )
    assert exact_cache.key_text(other_eqs, other_vars, None) != base
    slower_eqs, slower_vars = synapse_call(tau_pre_ms=21.0)
    assert exact_cache.key_text(slower_eqs, slower_vars, None) != base
    assert exact_cache.key_text(eqs, variables, {"simplify": False}) != base


def test_a_key_that_holds_an_address_is_not_stored(cache) -> None:
    class Opaque:
        pass

    eqs = b2.Equations("dv/dt = -v / (10*ms) : 1")
    assert exact_cache.key_text(eqs, {"x": Opaque()}, None) is None


def test_the_demo_reaches_its_root_on_a_miss_and_on_a_hit(cache, tmp_path) -> None:
    roots = []
    for attempt in ("miss", "hit"):
        roots.append(run_case("demo", tmp_path / attempt).final_root)
        assert len(list(cache.glob("*.txt"))) >= 1
    assert roots == [GOLDEN["demo"]["final_root"]] * 2
