"""The config's path from ``qnf run`` to the backends revisits no consumer module more than
twice (issue 20's check; ``bench/config_path.py`` measures and prints it)."""

from __future__ import annotations

import importlib.util
from collections import Counter

from tests.paths import ROOT


def _bench():
    spec = importlib.util.spec_from_file_location("config_path", ROOT / "bench/config_path.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_config_reaches_the_backends_without_going_back_and_forth(small_config) -> None:
    bench = _bench()
    path = bench.trace(str(small_config))
    consumers = bench.stays([m for m in path if not bench._own(m)])
    # the path is the real one: the composition root builds both backends and the rules
    for module in ("orchestrator.run.runner", "orchestrator.run.assemble",
                   "backends.quantum.aer.backend", "backends.neuromorphic.brian2.backend",
                   "orchestrator.run.rules", "orchestrator.run.loop"):  # fmt: skip
        assert module in consumers, (module, consumers)
    revisits = {m: n - 1 for m, n in Counter(consumers).items() if n - 1 > 2}
    assert revisits == {}, " -> ".join(consumers)


def test_the_count_sees_a_module_visited_again() -> None:
    """The counter itself: stays merge consecutive calls, a return is a stay again."""
    stays = _bench().stays(["a", "a", "b", "a", "c", "a", "a", "b"])
    assert stays == ["a", "b", "a", "c", "a", "b"]
    assert Counter(stays)["a"] - 1 == 2
