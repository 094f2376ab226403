"""A warm-started annealer (``AnnealerSpec.initial_x``, design §28) on Brian2 and on Lava's CPU
simulator: for the same seed and the same initial string the two take the same decisions step
for step; the string changes the path (it is used), and a string that does not fit is refused
in one line (naming the field) when the backend is built, before it runs."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.contract.registry import plugins
from orchestrator.testing.annealer import annealer_network, random_problem


def _path(kind: str, initial_x: np.ndarray | None, ticks: int = 6) -> list[tuple]:
    plugin = plugins("spiking")[kind]
    net = annealer_network(random_problem(16, 4, p=0.3), seed=9, ticks=ticks, steps_per_tick=5,
                           t0_mv=2.0, t1_mv=0.5, sweeps=ticks * 5, initial_x=initial_x)
    backend = plugin.load_annealer()(plugin.config.model_validate({"kind": kind}), net)
    try:
        windows = [backend.advance(np.zeros(16)) for _ in range(ticks)]
    finally:
        backend.close()
    return [(w.neurons.tolist(), np.rint(w.times_ms / net.dt_ms).tolist(), w.states.tolist(),
             w.neuron_updates) for w in windows]


def test_brian2_and_lava_take_the_same_decisions_from_a_given_string() -> None:
    x0 = np.random.default_rng(5).integers(0, 2, 16).astype(np.uint8)
    brian2, lava = _path("brian2", x0), _path("lava", x0)
    assert brian2 == lava  # dyadic couplings: every potential is exact in floats
    assert brian2 != _path("brian2", None)  # the string is the start, not the seeded bits
    assert brian2 != _path("brian2", 1 - x0)
    assert sum(len(ids) for ids, *_ in brian2) > 0


@pytest.mark.parametrize("kind", ["brian2", "lava"])
def test_a_string_that_does_not_fit_is_refused_when_the_backend_is_built(kind: str) -> None:
    with pytest.raises(ValueError, match=r"^spiking\.annealer\.initial_x: needs 16 values"):
        _path(kind, np.zeros(15, dtype=np.uint8))
    with pytest.raises(ValueError, match=r"^spiking\.annealer\.initial_x: every value"):
        _path(kind, np.full(16, 2))
