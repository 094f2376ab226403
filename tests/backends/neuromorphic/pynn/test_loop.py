"""The fusion loop on NEST: a config moves from Brian2 to NEST by `kind` (and static synapses),
and the loop's ticks are the same, since the two give the same spike trains."""

from __future__ import annotations

import numpy as np

from orchestrator.config.root import load_config
from tests.loops import loop_ticks
from tests.paths import ASSETS


def test_the_loop_on_nest_ticks_as_on_brian2() -> None:
    brian2 = loop_ticks(load_config(ASSETS / "small.yaml", {"run.ticks": 4}), 4)
    nest = loop_ticks(
        load_config(ASSETS / "small.yaml", {"spiking.kind": "pynn", "run.ticks": 4}), 4
    )
    spikes = 0
    for a, b in zip(nest, brian2, strict=True):
        np.testing.assert_array_equal(a.spikes.window.neurons, b.spikes.window.neurons)
        np.testing.assert_array_equal(a.spikes.window.times_ms, b.spikes.window.times_ms)
        np.testing.assert_allclose(a.spikes.window.voltages_mv, b.spikes.window.voltages_mv,
                                   rtol=0, atol=1e-9)
        assert a.spikes.coherence_energy == b.spikes.coherence_energy
        np.testing.assert_array_equal(a.next.preparation.theta, b.next.preparation.theta)
        spikes += len(a.spikes.window.neurons)
    assert spikes > 0
