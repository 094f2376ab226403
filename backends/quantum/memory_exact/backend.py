"""Exact memory engine: rho_memory = Tr_env(U rho_0 U^dagger) with qiskit.quantum_info.

rho_0 is pure (the system in |+>^n, the cue a product state), so U rho_0 U^dagger is the pure
state U|psi_0>: exp(-i t H) is applied to it by ``orchestrator.physics.evolution`` (a Taylor
series on H_mem as a sparse matrix, planned once per stored set). With psi[e, s] (environment
bits e, system bits s), rho_memory[s, s'] = sum_e psi[e, s] conj(psi[e, s']), so

    o_S = rho_memory[S, S] = sum_e |psi[e, S]|^2,
    Tr(rho_memory^2) = sum_{e, e'} |G[e, e']|^2,   G[e, e'] = sum_s psi[e, s] conj(psi[e', s]),

G over the environment rows that are not exactly zero (one row for a 0/1 cue, whose readings
are then O(4^n); 2^k rows for k fractional cue bits). What reaches the ledger is computed in
a fixed order (real products, numpy's einsum loop: ``orchestrator.physics.memory.
exact_readings``), not by ``partial_trace`` and ``DensityMatrix.purity()``, whose tensordot
and matrix product are BLAS calls rounded by the machine's kernel (issue 26);
``density_matrix`` still gives rho_memory through qiskit.quantum_info (tests, analysis). No
Trotter error, no shots.
"""

from __future__ import annotations

from typing import final

import numpy as np
from qiskit.quantum_info import DensityMatrix, SparsePauliOp, Statevector, partial_trace

from orchestrator.contract.memory import MemoryReading, QuantumMemory
from orchestrator.physics.evolution import Evolution, taylor_evolution
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.memory import cue_angles, exact_readings

__all__ = ["DensityMatrixMemory", "product_state", "trace_environment"]


def product_state(theta: np.ndarray, phi: np.ndarray) -> Statevector:
    """(x)_q RZ(phi_q) RY(theta_q)|0> up to global phases, qubit 0 least significant."""
    state = np.ones(1, dtype=complex)
    for t, p in zip(theta, phi):
        qubit = np.array([np.cos(t / 2), np.exp(1j * p) * np.sin(t / 2)])
        state = np.kron(qubit, state)
    return Statevector(state)


def trace_environment(state: Statevector | DensityMatrix, n_system: int) -> DensityMatrix:
    """Tr_env of a state whose qubits 0..n_system-1 are the system and the rest the environment."""
    return partial_trace(state, list(range(n_system, state.num_qubits)))


@final
class DensityMatrixMemory(QuantumMemory):
    """rho_memory as an exact density matrix (small registers: n <= 12)."""

    _evolution: Evolution | None = None

    def compile(self, hamiltonian: PauliHamiltonian) -> None:
        op = SparsePauliOp.from_sparse_list(hamiltonian.sparse_list(), hamiltonian.n_qubits)
        self._evolution = taylor_evolution(op.to_matrix(sparse=True), self.config.time)

    def statevector(self, cue: np.ndarray) -> np.ndarray:
        """U|psi_0(cue)> on the 2n qubits (the memory must hold a pattern)."""
        assert self._evolution is not None, "the memory holds no pattern"
        return self._evolution(product_state(*cue_angles(cue)).data)

    def density_matrix(self, cue: np.ndarray) -> DensityMatrix:
        """rho_memory for ``cue`` through qiskit.quantum_info (not what is recorded)."""
        return trace_environment(Statevector(self.statevector(cue)), self.n_bits)

    def evolve(self, cue: np.ndarray, seed: int) -> MemoryReading:
        index = self._patterns.astype(np.int64) @ (1 << np.arange(self.n_bits))
        overlaps, purity = exact_readings(self.statevector(cue), self.n_bits, index)
        return MemoryReading(overlaps, purity, None)

    def identity(self) -> dict[str, str]:
        return {"method": "density_matrix", "qubits": str(2 * self.n_bits)}
