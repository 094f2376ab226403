"""The fusion loop on NEST: a config moves from Brian2 to NEST by `kind` (and static synapses),
and the loop's ticks are the same, since the two give the same spike trains."""

from __future__ import annotations

import numpy as np

from orchestrator.config.root import load_config
from tests.loops import loop_ticks
from tests.paths import ASSETS

# small.yaml, with ticks long and drives strong enough for the network to fire
BUSY = {"run.ticks": 5, "spiking.tick_ms": 20.0, "pci.drive_offset_mv": 30.0}


def test_the_loop_on_nest_ticks_as_on_brian2() -> None:
    brian2 = loop_ticks(load_config(ASSETS / "small.yaml", BUSY), 5)
    nest = loop_ticks(load_config(ASSETS / "small.yaml", {**BUSY, "spiking.kind": "pynn"}), 5)
    spikes = 0
    for a, b in zip(nest, brian2, strict=True):
        np.testing.assert_array_equal(a.spikes.window.neurons, b.spikes.window.neurons)
        np.testing.assert_array_equal(a.spikes.window.times_ms, b.spikes.window.times_ms)
        np.testing.assert_allclose(a.spikes.window.voltages_mv, b.spikes.window.voltages_mv,
                                   rtol=0, atol=1e-9)
        assert a.spikes.coherence_energy == b.spikes.coherence_energy
        np.testing.assert_array_equal(a.next.preparation.theta, b.next.preparation.theta)
        spikes += len(a.spikes.window.neurons)
    assert spikes > 10  # the comparison saw spikes, and their feedback into the circuits
