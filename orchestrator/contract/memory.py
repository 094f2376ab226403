"""The memory interface of spec §10: what a quantum-neuromorphic memory does, and its plugins.

A ``QuantumMemory`` stores spike patterns S in {0,1}^n and recalls from a cue:

    store(pattern)             P_S joins the stored set; H_mem is rebuilt from the couplings
    recall(cue, seed) -> Recall
        rho_memory = Tr_env(U rho_0(cue) U^dagger); overlaps o_S = Tr(P_S rho_memory) for every
        stored S, the stored pattern of largest overlap (ties: the first stored; overlaps
        within ``RECALL_TIE`` of the largest count as tied), the purity Tr(rho_memory^2)

The registers, H_mem and the estimators are in ``orchestrator.physics.memory``; the couplings
are Hebbian (``orchestrator.physics.hopfield``) unless the config gives J. An engine implements
``evolve``: the exact one forms rho_memory as a density matrix (qiskit.quantum_info, small
registers), the sampled one runs the Trotterized U on a quantum backend through the batched
``QuantumBackend`` contract and estimates overlaps and purity from shots (larger registers).

Engines register like backends: a ``MemoryPlugin`` (SDK-free) under the entry-point group
``qnfusion.memory``, named after its kind (``memory.engine`` in the config selects it). The
constructor receives the validated ``MemoryConfig``, the pattern width n, and ``open_quantum``:
a callable that builds a quantum backend of the run's ``quantum`` section for a program (the
sampled engine uses it; an exact engine ignores it).

Units and shapes: patterns (p, n) uint8; a cue is (n,) floats in [0, 1] (a 0/1 pattern, or
per-bit spike rates); overlaps (p,) floats summing to at most 1. Errors: ``ValueError`` for a
pattern or cue of the wrong width or values.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from orchestrator.contract.plugin import ImplementationPlugin
from orchestrator.contract.quantum import QuantumBackend, QuantumProgram
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.hopfield import as_patterns, hebbian_couplings
from orchestrator.physics.memory import memory_hamiltonian

if TYPE_CHECKING:
    from orchestrator.contract.memory_config import MemoryConfig

__all__ = [
    "RECALL_TIE",
    "MemoryPlugin",
    "MemoryReading",
    "OpenQuantum",
    "QuantumMemory",
    "Recall",
]

RECALL_TIE = 1e-9
"""Overlaps (probabilities) within this of the largest are a tie, won by the first stored
pattern. Symmetric cues give exactly equal overlaps that an engine's rounding splits either
way (34 of 120 cues at p = 4, k = 0 in design §11's table); the tolerance makes the promised
"first stored" hold whatever rounded up (issue 26). Shot fractions differ by >= 1/shots."""
OpenQuantum = Callable[[QuantumProgram], QuantumBackend]


@dataclass(frozen=True)
class MemoryReading:
    """What one evolution gave: overlaps (p,), purity (None: not estimated), shots (None:
    exact)."""

    overlaps: np.ndarray
    purity: float | None
    shots: int | None


@dataclass(frozen=True)
class Recall:
    """A recall: the cue, the recalled pattern and its index (None if nothing is stored), the
    overlaps with every stored pattern, the purity of rho_memory, the shots behind them."""

    cue: np.ndarray
    index: int | None
    pattern: np.ndarray | None
    overlaps: np.ndarray
    purity: float | None
    shots: int | None

    def as_fields(self) -> dict[str, Any]:
        """JSON-able form for a FusionEvent: bit strings, plain floats."""
        return {
            "cue": [float(x) for x in self.cue],
            "recalled": None if self.pattern is None else "".join(map(str, self.pattern)),
            "index": self.index,
            "overlaps": [float(x) for x in self.overlaps],
            "purity": self.purity,
            "shots": self.shots,
        }


class QuantumMemory(ABC):
    """Stored patterns and recall (see the module docstring). Subclasses are final.

    Subclasses implement ``compile`` (the memory Hamiltonian changed: rebuild what depends on
    it) and ``evolve`` (rho_memory's overlaps and purity for a cue).
    """

    def __init__(self, config: MemoryConfig, n_bits: int, open_quantum: OpenQuantum) -> None:
        self.config = config
        self.n_bits = n_bits
        self.open_quantum = open_quantum
        self._patterns = np.zeros((0, n_bits), dtype=np.uint8)
        self.hamiltonian: PauliHamiltonian | None = None

    @property
    def patterns(self) -> np.ndarray:
        """The stored patterns, (p, n) uint8, in the order stored."""
        return self._patterns.copy()

    def couplings(self) -> np.ndarray:
        """J: the config's, or the Hebbian couplings of the stored patterns."""
        given = self.config.couplings
        if given is not None:
            return np.asarray(given, dtype=float)
        return hebbian_couplings(self._patterns)

    def store(self, pattern: np.ndarray) -> None:
        """Add P_S to the memory (a pattern already stored is kept once)."""
        p = as_patterns(pattern, self.n_bits)
        if any(np.array_equal(p[0], q) for q in self._patterns):
            return
        self.load(np.concatenate([self._patterns, p]))

    def load(self, patterns: np.ndarray) -> None:
        """Replace the stored set (a checkpoint's), rebuilding H_mem."""
        self._patterns = as_patterns(patterns, self.n_bits).reshape(-1, self.n_bits)
        self.hamiltonian = memory_hamiltonian(self.couplings()) if len(self._patterns) else None
        if self.hamiltonian is not None:
            self.compile(self.hamiltonian)

    def recall(self, cue: np.ndarray, seed: int) -> Recall:
        """The stored pattern of largest Tr(P_S rho_memory) for ``cue``; ``seed`` seeds shots."""
        r = np.asarray(cue, dtype=float)
        if r.shape != (self.n_bits,) or not np.all((r >= 0) & (r <= 1)):
            raise ValueError(f"a cue is {self.n_bits} values in [0, 1]")
        if not len(self._patterns):
            return Recall(r, None, None, np.zeros(0), None, None)
        reading = self.evolve(r, seed)
        overlaps = np.asarray(reading.overlaps, dtype=np.float64)
        index = int(np.argmax(overlaps >= overlaps.max() - RECALL_TIE))
        return Recall(
            r,
            index,
            self._patterns[index].copy(),
            reading.overlaps,
            reading.purity,
            reading.shots,
        )

    @abstractmethod
    def compile(self, hamiltonian: PauliHamiltonian) -> None:
        """H_mem changed (a pattern was stored): rebuild what depends on it."""

    @abstractmethod
    def evolve(self, cue: np.ndarray, seed: int) -> MemoryReading:
        """Overlaps with the stored patterns and the purity of rho_memory for ``cue``."""

    def identity(self) -> dict[str, str]:
        """Details only this engine knows, for the ledger (strings); default none."""
        return {}

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the engine holds (a quantum backend). Idempotent."""


@dataclass(frozen=True)
class MemoryPlugin(ImplementationPlugin):
    """A registered memory engine (``ImplementationPlugin``): ``kind`` is the
    ``memory.engine`` value, ``implementation`` the ``"module:Class"`` of a ``QuantumMemory``."""

    role: ClassVar[str] = "memory engine"
    group: ClassVar[str] = "memory"

    def identity(self) -> dict[str, str]:
        return {"engine": self.kind, "package": self.distribution, "version": self.version() or ""}

