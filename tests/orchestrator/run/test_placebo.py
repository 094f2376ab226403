"""The placebo of the spike feedback (issue 22, ``config/placebo.py``), on Aer + Brian2.

Tick by tick, the placebo changes the same number of preparation angles by pushes of the same
sizes as the real coupling would have from the same reading: only which channel gets which
push differs. Checked against the real push gamma F_c recomputed from the tick's own phasors.
"""

from __future__ import annotations

import numpy as np

from orchestrator.config import load_config
from orchestrator.run.assemble import open_backends
from orchestrator.run.loop import FusionLoop
from tests.paths import ASSETS

TICKS = 8


def _changed(a, b) -> np.ndarray:
    """Channels whose preparation angles (theta, phi) differ between two requests."""
    return ~(np.isclose(a.theta, b.theta, atol=1e-12) & np.isclose(a.phi, b.phi, atol=1e-12))


def test_the_placebo_pushes_as_many_angles_by_the_same_amounts_tick_by_tick() -> None:
    config = load_config(
        ASSETS / "small.yaml",
        {"run.ticks": TICKS, "spiking.neurons": 12, "placebo": {"permute": "channels"}},
    )
    backends = open_backends(config)
    loop = FusionLoop(config, backends.quantum, backends.spiking, backends.rules)
    permutations = []
    pushed_ticks = 0
    try:
        for _ in range(TICKS):
            record = loop.step()
            perm = np.array(record.placebo)
            permutations.append(tuple(perm))
            gamma = record.coupling.gamma
            phasors = np.asarray(record.spikes.phasors)
            real_push, placebo_push = gamma * phasors, gamma * phasors[perm]
            # same sizes of push (the same multiset of |gamma F|), the same number pushed
            assert np.array_equal(np.sort(np.abs(real_push)), np.sort(np.abs(placebo_push)))
            assert np.count_nonzero(real_push) == np.count_nonzero(placebo_push)
            # and the preparation the run goes on from is psi + gamma F_perm, angle for angle
            quantum = record.quantum
            unpushed = loop.propose(quantum, phasors, 0.0)
            real = loop.propose(quantum, phasors, gamma)
            placebo = loop.propose(quantum, phasors[perm], gamma)
            nxt = record.next.preparation
            assert np.array_equal(nxt.theta, placebo.theta) and np.array_equal(nxt.phi, placebo.phi)
            assert _changed(real, unpushed).sum() == _changed(placebo, unpushed).sum()
            pushed_ticks += int(np.count_nonzero(real_push) > 0)
    finally:
        loop.close()
    assert pushed_ticks > 0  # the network fired: there was something to scramble
    assert len(set(permutations)) > 1  # a fresh permutation each tick
    assert any(p != tuple(range(len(p))) for p in permutations)


def test_the_permutation_is_drawn_from_the_seed_and_tick_alone() -> None:
    config = load_config(ASSETS / "small.yaml", {"placebo": {}})
    backends = open_backends(config)
    loop = FusionLoop(config, backends.quantum, backends.spiking, backends.rules)
    try:
        first = [tuple(loop.placebo_permutation()) for loop.tick in range(4)]
        again = [tuple(loop.placebo_permutation()) for loop.tick in range(4)]
    finally:
        loop.close()
    assert first == again
