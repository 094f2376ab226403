"""With noise on, Brian2 under Lava's timing and Lava floating_pt stay spike for spike identical.

Both draw the noise of every step from the same per-tick generator in the same order
(``backends/neuromorphic/common/noise.py``) and add it at the same place of the same float
operations (Brian2: ``a = u + x + n``; Lava: ``a_in + i dv`` before its LIF update), so the same
seed gives the same spike trains and voltages bit for bit: a recurrent network (where the
per-neuron statistics of test_noise_statistics.py cannot be used), both noise kinds,
refractory or not, current and kick drive, both of Lava's host I/O paths, random initial
potentials. Brian2's own timing integrates the same noise with its exact solver and is
compared statistically (test_noise_statistics.py).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from backends.neuromorphic.brian2.backend import Brian2Backend
from backends.neuromorphic.brian2.config import Brian2Config
from backends.neuromorphic.lava.backend import LavaBackend
from backends.neuromorphic.lava.config import LavaConfig
from orchestrator.contract.spiking import NetworkSpec, NeuronNoise, SpikingBackend
from orchestrator.run.assemble import draw_connectivity

N = 40
NOISES = {
    "white": NeuronNoise("white", 4.0, None, 9),
    "ou": NeuronNoise("ou", 4.0, 3.0, 9),
    "ou-loud": NeuronNoise("ou", 8.0, 3.0, 9),  # kicks alone: V decays from the cap between
}


def network(noise: NeuronNoise, refractory_ms: float, drive_mode: str) -> NetworkSpec:
    pre, post, weights = draw_connectivity(N, 0.2, 1.0, 3)
    return NetworkSpec(
        n_neurons=N,
        tau_m_ms=20.0,
        v_th_mv=20.0,
        v_reset_mv=0.0,
        refractory_ms=refractory_ms,
        dt_ms=0.1,
        steps_per_tick=100,
        ticks=10,
        drive_mode=drive_mode,  # type: ignore[arg-type]
        kick_cap_mv=15.0,
        pre=pre,
        post=post,
        weight_mv=weights,
        noise=noise,
        v_init_mv=np.random.default_rng(5).uniform(0.0, 19.0, N),
    )


@pytest.fixture
def make() -> Iterator:
    made: list[SpikingBackend] = []

    def _make(cls: type, config: Any, net: NetworkSpec) -> SpikingBackend:
        made.append(cls(config, net))
        return made[-1]

    yield _make
    for backend in made:
        backend.close()


def trains(backend: SpikingBackend, drives: list[np.ndarray]) -> list[tuple[Any, ...]]:
    out = []
    for drive in drives:
        w = backend.advance(drive)
        out.append((w.neurons.tolist(), w.times_ms.tolist(), w.voltages_mv.tobytes()))
    return out


@pytest.mark.parametrize(
    ("kind", "refractory_ms", "drive_mode", "io"),
    [
        ("white", 2.0, "current", "bridge"),
        ("ou", 2.0, "current", "bridge"),
        ("ou-loud", 0.0, "kick", "bridge"),
        ("white", 0.0, "current", "injector_extractor"),
    ],
)
def test_lava_and_brian2_with_lava_timing_draw_the_same_noise(
    make, kind: str, refractory_ms: float, drive_mode: str, io: str
) -> None:
    net = network(NOISES[kind], refractory_ms, drive_mode)
    rng = np.random.default_rng(8)
    if drive_mode == "current":
        drives = [np.full(N, 16.0)] * 10  # one drive for all: the noise makes them differ
    else:
        drives = [rng.uniform(-5.0, 30.0, N) for _ in range(10)]
    lava = make(LavaBackend, LavaConfig.model_validate({"kind": "lava", "lava": {"io": io}}), net)
    lava_timing = Brian2Config.model_validate({"kind": "brian2", "brian2": {"timing": "lava"}})
    brian2 = make(Brian2Backend, lava_timing, net)
    got, ref = trains(lava, drives), trains(brian2, drives)
    assert got == ref
    spikes = sum(len(ids) for ids, _, _ in got)
    assert spikes > 20 and len({i for ids, _, _ in got for i in ids}) > N // 4
    other = replace(net, noise=replace(NOISES[kind], seed=10))  # another seed, other noise
    assert got != trains(make(LavaBackend, LavaConfig(kind="lava"), other), drives)
