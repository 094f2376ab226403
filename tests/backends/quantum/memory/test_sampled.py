"""The sampled memory engine on Aer: overlaps and purity from shots against the exact engine."""

from __future__ import annotations

import numpy as np

from backends.quantum.aer.config import AerConfig
from backends.quantum.memory_exact.backend import DensityMatrixMemory
from backends.quantum.memory_sampled.backend import SampledMemory
from orchestrator.contract.memory_config import MemoryConfig
from orchestrator.contract.quantum import QuantumProgram


def aer(shots: int):
    from backends.quantum.aer.backend import AerBackend

    def open_quantum(program: QuantumProgram):
        return AerBackend(AerConfig(kind="aer", shots=shots), program)

    return open_quantum


def test_sampled_overlaps_and_purity_agree_with_the_exact_engine() -> None:
    rng = np.random.default_rng(2)
    patterns = rng.integers(0, 2, (3, 3)).astype(np.uint8)
    cfg = MemoryConfig(engine="sampled", purity_bases=60, time=0.7)
    sampled = SampledMemory(cfg, 3, aer(4000))
    exact = DensityMatrixMemory(cfg, 3, aer(1))
    sampled.load(patterns)
    exact.load(patterns)
    try:
        for cue in (np.array([1.0, 0.0, 1.0]), np.array([0.3, 0.8, 0.5])):
            want = exact.evolve(cue, seed=0)
            got = sampled.evolve(cue, seed=7)
            assert got.shots == 4000
            # binomial standard deviation <= 0.008 at 4000 shots: 5 sd
            np.testing.assert_allclose(got.overlaps, want.overlaps, atol=0.04)
            assert abs(got.purity - want.purity) < 0.08, (got.purity, want.purity)
        # the same seed gives the same shots; another seed other shots
        a, b = sampled.evolve(cue, seed=3), sampled.evolve(cue, seed=3)
        np.testing.assert_array_equal(a.overlaps, b.overlaps)
        assert not np.array_equal(a.overlaps, sampled.evolve(cue, seed=4).overlaps)
    finally:
        sampled.close()


def test_recall_stores_rebuild_and_close_the_backend() -> None:
    opened = []

    def open_quantum(program):
        backend = aer(200)(program)
        opened.append(backend)
        return backend

    m = SampledMemory(MemoryConfig(engine="sampled", purity_bases=0), 4, open_quantum)
    assert m.recall(np.ones(4), seed=1).index is None  # nothing stored: nothing run
    m.store(np.array([1, 1, 0, 0]))
    m.store(np.array([0, 1, 1, 0]))
    m.store(np.array([0, 1, 1, 0]))  # already stored: kept once, no rebuild
    assert len(opened) == 2 and m.patterns.shape == (2, 4)
    recall = m.recall(np.array([1.0, 1.0, 0.0, 0.0]), seed=1)
    assert recall.purity is None and recall.index == 0
    np.testing.assert_array_equal(recall.pattern, [1, 1, 0, 0])
    m.close()
    m.close()
