"""The seed streams of a run: one table, one derivation (design §6).

Every stream of randomness derives from ``run.seed`` through numpy's ``SeedSequence`` with a
fixed number per stream, ``derive_seed(run.seed, Stream.X, ...)``, so streams are independent
and a run is reproducible from its config alone. Further keys (a tick, an epoch, a call) index
within a stream. ``quantum.seed``, ``spiking.recurrent.seed``, ``spiking.noise.seed`` and
``spiking.v_init.seed`` override their stream's base. The numbers are part of every recorded
root: a stream keeps its number forever, and a new stream takes a number no stream has
(``unique`` refuses a repeated one when this module is imported).
"""

from __future__ import annotations

from enum import IntEnum, unique
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from orchestrator.config.root import RunConfig

__all__ = ["Stream", "WarmStream", "derive_seed", "quantum_seed_base"]


@unique
class Stream(IntEnum):
    """The number of each stream (the second word of its ``SeedSequence``)."""

    QUANTUM = 1  # the quantum backend's sampling; per tick [base, tick] (run/loop.py)
    CONNECTIVITY = 2  # the recurrent synapses the orchestrator draws (run/assemble.py)
    MEMORY = 13  # the sampled memory's shots; per tick [base, tick] (run/rules.py)
    META = 15  # inject_meta_graph's draws; [seed, META, tick, call] (run/loop.py)
    LEARNING = 21  # the learning rule's parameter-shift batches, per epoch (run/rules.py)
    MUTATION = 22  # meta-evolution's eps_Q with noise: seeded, per epoch (run/rules.py)
    ANNEALER = 23  # the spiking annealer's noise and initial state (run/assemble.py)
    NOISE = 31  # the neurons' noise current; per tick in backends/neuromorphic/common/noise.py
    V_INIT = 32  # random initial membrane potentials (spiking.v_init; run/assemble.py)
    PLACEBO = 41  # the placebo's per-tick channel permutation (config/placebo.py; run/loop.py)


@unique
class WarmStream(IntEnum):
    """Keys under a study arm's own seed (``derive_seed(instance seed, arm seed)``, not
    ``run.seed``) for the warm-start arms of experiment B (``run/study_warm.py``)."""

    SEED_STRINGS = 1  # the seed strings of an annealer_seeded arm (random or GW roundings)
    SHOTS = 2  # the depth-1 QAOA shots of a qaoa arm


def derive_seed(base: int, *keys: int) -> int:
    """A 32-bit seed for the stream ``keys`` of ``base`` (stable across platforms)."""
    return int(np.random.SeedSequence([base, *keys]).generate_state(1, dtype=np.uint32)[0])


def quantum_seed_base(config: RunConfig) -> int:
    """The base of the quantum backend's sampling stream: ``quantum.seed`` when given, else
    derived from ``run.seed`` (``Stream.QUANTUM``); each tick keys ``[base, tick]``."""
    if config.quantum.seed is not None:
        return config.quantum.seed
    return derive_seed(config.run.seed, Stream.QUANTUM)
