"""The ``memory`` section (spec §10): the quantum-neuromorphic memory joined to the loop.

Absent (the default) means no memory: the run is exactly what it was without this section.
Present, every ``every`` ticks the loop reads the tick's spike pattern as a cue, recalls from
the memory (``orchestrator.contract.memory``) and, with ``write: novel``, stores the cue when no
stored pattern overlaps it by ``novelty`` or more; both are fields of the tick's FusionEvent.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from orchestrator.contract.strict import StrictModel

__all__ = ["EXACT_MAX_BITS", "MemoryConfig"]

EXACT_MAX_BITS = 12  # 2n = 24 qubits: a 2^24 statevector (256 MiB) and a 4096^2 density matrix


class MemoryConfig(StrictModel):
    """Quantum-neuromorphic memory (§10): stored spike patterns, recall from spike cues."""

    engine: str = Field(
        "exact",
        description=(
            "exact: rho_memory as a density matrix (qiskit.quantum_info; bits <= 12); "
            "sampled: the Trotterized U on the run's quantum backend, overlaps and purity "
            "estimated from shots (any size the backend takes)."
        ),
    )
    bits: int | None = Field(
        None, gt=0, le=32, description="Pattern width n; default: the run's qubit count."
    )
    every: int = Field(1, ge=1, description="Read a cue and recall every this many ticks.")
    cue: Literal["binary", "rates"] = Field(
        "binary",
        description=(
            "binary: bit b is 1 when at least half of the neurons of bit b (neuron k belongs "
            "to bit k mod n) spiked in the tick; rates: bit b is that fraction (a cue in "
            "superposition, so rho_memory is mixed)."
        ),
    )
    patterns: list[str] = Field(
        default_factory=list, description="Patterns stored before the run, strings of 0/1."
    )
    couplings: list[list[float]] | None = Field(
        None,
        description="Fixed couplings J (n x n, symmetric); default: Hebbian, from the patterns.",
    )
    time: float = Field(
        math.pi / 4,
        gt=0,
        le=math.pi / 4,
        description="Evolution time t of U = exp(-i t H_mem); pi/4 uses the full field range.",
    )
    write: Literal["never", "novel"] = Field(
        "novel", description="novel: store a cue no stored pattern overlaps by `novelty`."
    )
    novelty: float = Field(
        0.5, gt=0, le=1, description="A cue whose best overlap is below this is novel."
    )
    capacity: int | None = Field(
        None, ge=1, description="Stop writing at this many patterns; default: n."
    )
    purity_bases: int = Field(
        24,
        ge=0,
        le=1000,
        description="sampled: random Pauli bases of the purity estimate (0: purity not read).",
    )

    @field_validator("patterns")
    @classmethod
    def _bit_strings(cls, patterns: list[str]) -> list[str]:
        for p in patterns:
            if not p or set(p) - {"0", "1"}:
                raise ValueError(f"a pattern is a string of 0 and 1 (got {p!r})")
        if len({len(p) for p in patterns}) > 1:
            raise ValueError("patterns must all have the same length")
        return patterns

    @field_validator("couplings")
    @classmethod
    def _symmetric(cls, j: list[list[float]] | None) -> list[list[float]] | None:
        if j is None:
            return j
        n = len(j)
        if n == 0 or any(len(row) != n for row in j):
            raise ValueError("must be a square n x n matrix")
        if any(j[a][b] != j[b][a] for a in range(n) for b in range(n)):
            raise ValueError("must be symmetric (J_ij = J_ji)")
        return j

    @model_validator(mode="after")
    def _widths_agree(self) -> MemoryConfig:
        widths = {len(p) for p in self.patterns}
        if self.couplings is not None:
            widths.add(len(self.couplings))
        if self.bits is not None:
            widths.add(self.bits)
        if len(widths) > 1:
            raise ValueError(f"bits, patterns and couplings disagree on n ({sorted(widths)})")
        return self

    def width(self, n_qubits: int) -> int:
        """The pattern width n of a run with ``n_qubits`` qubits."""
        if self.bits is not None:
            return self.bits
        if self.patterns:
            return len(self.patterns[0])
        if self.couplings is not None:
            return len(self.couplings)
        return n_qubits
