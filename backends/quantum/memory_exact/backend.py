"""Exact memory engine: rho_memory = Tr_env(U rho_0 U^dagger) with qiskit.quantum_info.

rho_0 is pure (the system in |+>^n, the cue a product state), so U rho_0 U^dagger is the pure
state U|psi_0>: it is evolved as a ``Statevector`` (exp(-i t H) applied with scipy's
``expm_multiply`` to H_mem as a sparse matrix, built once per stored set), and
``partial_trace`` over the environment qubits gives rho_memory as a ``DensityMatrix``
(2^n x 2^n). Overlaps are its diagonal entries at the stored patterns; purity is
``DensityMatrix.purity()``. No Trotter error, no shots.
"""

from __future__ import annotations

from typing import final

import numpy as np
from qiskit.quantum_info import DensityMatrix, SparsePauliOp, Statevector, partial_trace
from scipy.sparse.linalg import expm_multiply

from orchestrator.contract.memory import MemoryReading, QuantumMemory
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.memory import cue_angles

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

    _matrix = None

    def compile(self, hamiltonian: PauliHamiltonian) -> None:
        op = SparsePauliOp.from_sparse_list(hamiltonian.sparse_list(), hamiltonian.n_qubits)
        self._matrix = op.to_matrix(sparse=True)

    def density_matrix(self, cue: np.ndarray) -> DensityMatrix:
        """rho_memory for ``cue`` (the memory must hold a pattern)."""
        n = self.n_bits
        psi0 = product_state(*cue_angles(cue))
        psi = expm_multiply(-1j * self.config.time * self._matrix, psi0.data)
        return trace_environment(Statevector(psi), n)

    def evolve(self, cue: np.ndarray, seed: int) -> MemoryReading:
        rho = self.density_matrix(cue)
        index = self._patterns.astype(np.int64) @ (1 << np.arange(self.n_bits))
        overlaps = np.real(np.diag(rho.data)[index])
        return MemoryReading(overlaps, float(np.real(rho.purity())), None)

    def identity(self) -> dict[str, str]:
        return {"method": "density_matrix", "qubits": str(2 * self.n_bits)}
