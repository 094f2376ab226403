"""Sampled memory engine: the Trotterized U on the run's quantum backend, read from shots.

Each stored set compiles one ``QuantumProgram`` on 2n qubits (H_mem, time t, Lie-Trotter with
one step: the terms commute, so that is U exactly and only shot noise separates this engine
from the exact one) measured in the all-Z basis and ``purity_bases`` random Pauli bases on the
system (drawn from a fixed seed, so every run, resume and rebuild measures the same bases).
A recall is one batched ``execute`` of one product preparation (``cue_angles``): overlaps from
the Z basis, purity from the random bases (``orchestrator.physics.memory``). A store rebuilds
the backend (the program changed): storing is rare, recalling is per K ticks. Imports no SDK.
"""

from __future__ import annotations

from typing import final

import numpy as np

from orchestrator.contract.memory import MemoryReading, QuantumMemory
from orchestrator.contract.quantum import QuantumBackend, QuantumProgram
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.memory import (
    cue_angles,
    overlaps_from_samples,
    purity_from_samples,
    random_pauli_bases,
)
from orchestrator.physics.tick_io import QuantumRequest

__all__ = ["SampledMemory"]

BASES_SEED = 0x5EED_0013


@final
class SampledMemory(QuantumMemory):
    """rho_memory's overlaps and purity estimated from shots of a quantum backend."""

    _backend: QuantumBackend | None = None

    def compile(self, hamiltonian: PauliHamiltonian) -> None:
        self.close()
        n = self.n_bits
        purity = random_pauli_bases(n, 2 * n, self.config.purity_bases, BASES_SEED)
        program = QuantumProgram(
            hamiltonian=hamiltonian,
            time=self.config.time,
            order=1,
            reps=1,
            preserve_order=True,
            bases=("Z" * (2 * n), *purity),
        )
        self._backend = self.open_quantum(program)

    def evolve(self, cue: np.ndarray, seed: int) -> MemoryReading:
        assert self._backend is not None
        theta, phi = cue_angles(cue)
        (result,) = self._backend.execute([QuantumRequest(theta=theta, phi=phi)], seed).results
        if not result.samples:
            raise ValueError("the sampled memory needs shots; this quantum backend gave none")
        z, *random = result.samples
        overlaps = overlaps_from_samples(z, self._patterns)
        purity = purity_from_samples(random, self.n_bits) if random else None
        return MemoryReading(overlaps, purity, int(z.shape[0]))

    def identity(self) -> dict[str, str]:
        return {
            "method": "sampled",
            "qubits": str(2 * self.n_bits),
            "purity_bases": str(self.config.purity_bases),
        }

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None
