"""An example quantum backend: the program's product formula applied to a numpy statevector.

Each Pauli term c P of H becomes exp(-i c P s) = cos(c s) I - i sin(c s) P, applied in O(2^n)
through the action of P on basis states: P|i> = phase(i) |i XOR x(P)>, with x(P) the qubits
where P has X or Y, and phase(i) = i^{#Y} (-1)^{|i AND z(P)|}, z(P) the qubits where P has Z
or Y (Y = i X Z). Lie-Trotter applies the terms in order, ``reps`` times per evolution; Suzuki
of order 2k recurses on the symmetric second-order step S_2(s) = prod_j e^{-i H_j s/2}
prod_{j reversed} e^{-i H_j s/2}. Measuring basis b rotates each X qubit by H and each Y qubit
by Sdg then H, and samples ``shots`` outcomes from |psi|^2 with ``numpy.random.default_rng``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import final

import numpy as np

from orchestrator.backend_api import (
    QuantumBackend,
    QuantumProgram,
    QuantumRequest,
    QuantumResult,
    RequestResult,
)
from tests.examples.numpy_backend.config import NumpyStatevectorConfig

__all__ = ["NumpyStatevectorBackend"]

_ROTATE = {
    "X": np.array([[1, 1], [1, -1]]) / np.sqrt(2),  # H
    "Y": np.array([[1, 1], [1, -1]]) / np.sqrt(2) @ np.diag([1, -1j]),  # H Sdg
}


@final
class NumpyStatevectorBackend(QuantumBackend):
    """Exact Trotter evolution in numpy; see the module docstring."""

    def __init__(self, config: NumpyStatevectorConfig, program: QuantumProgram) -> None:
        super().__init__(config, program)
        n = program.n_qubits
        if n > config.max_qubits:
            raise ValueError(f"numpy_sv: {n} qubits exceed max_qubits = {config.max_qubits}")
        index = np.arange(2**n)
        parity = [np.zeros(2**n, dtype=np.int64) for _ in program.hamiltonian.terms]
        self._terms = []  # (coefficient, flip mask, phase per basis state) of each term
        for term, par in zip(program.hamiltonian.terms, parity):
            flip = sum(1 << q for p, q in zip(term.paulis, term.qubits) if p in "XY")
            for p, q in zip(term.paulis, term.qubits):
                if p in "ZY":
                    par ^= (index >> q) & 1
            phase = (1j) ** term.paulis.count("Y") * (1 - 2 * par)
            self._terms.append((term.coeff, flip, phase))
        self._index = index

    def _exp(self, psi: np.ndarray, k: int, s: float) -> np.ndarray:
        """exp(-i c_k P_k s) psi."""
        coeff, flip, phase = self._terms[k]
        p_psi = np.empty_like(psi)
        p_psi[self._index ^ flip] = phase * psi
        return np.cos(coeff * s) * psi - 1j * np.sin(coeff * s) * p_psi

    def _step(self, psi: np.ndarray, order: int, s: float) -> np.ndarray:
        terms = range(len(self._terms))
        if order == 1:
            for k in terms:
                psi = self._exp(psi, k, s)
            return psi
        if order == 2:
            for k in terms:
                psi = self._exp(psi, k, s / 2)
            for k in reversed(terms):
                psi = self._exp(psi, k, s / 2)
            return psi
        p = 1 / (4 - 4 ** (1 / (order - 1)))
        for scale in (p, p, 1 - 4 * p, p, p):
            psi = self._step(psi, order - 2, scale * s)
        return psi

    def _prepare(self, request: QuantumRequest) -> np.ndarray:
        n = self.program.n_qubits
        if self.program.preparation == "amplitudes":
            amplitudes = np.asarray(request.amplitudes, dtype=complex)
            if amplitudes.shape != (2**n,):
                raise ValueError(f"amplitudes preparation needs a state of shape ({2**n},)")
            return amplitudes
        theta, phi = request.theta, request.phi
        if theta is None or phi is None or np.shape(theta) != (n,) or np.shape(phi) != (n,):
            raise ValueError(f"product preparation needs {n} theta and {n} phi angles")
        psi = np.ones(1, dtype=complex)
        for t, f in zip(theta, phi):  # qubit 0 is the least significant bit
            psi = np.kron([np.cos(t / 2), np.exp(1j * f) * np.sin(t / 2)], psi)
        return psi

    def _sample(self, psi: np.ndarray, basis: str, rng: np.random.Generator) -> np.ndarray:
        n = self.program.n_qubits
        state = psi.reshape((2,) * n)  # axis n-1-q is qubit q
        for q, letter in enumerate(basis):
            if letter in _ROTATE:
                state = np.moveaxis(
                    np.tensordot(_ROTATE[letter], state, ([1], [n - 1 - q])), 0, n - 1 - q
                )
        probabilities = np.abs(state.reshape(-1)) ** 2
        outcomes = rng.choice(2**n, size=self.config.shots, p=probabilities / probabilities.sum())
        return ((outcomes[:, None] >> np.arange(n)) & 1).astype(np.uint8)

    def execute(self, requests: Sequence[QuantumRequest], seed: int) -> QuantumResult:
        program = self.program
        rng = np.random.default_rng(seed)
        results = []
        for request in requests:
            psi = self._prepare(request)
            for _ in range(program.reps):
                psi = self._step(psi, program.order, program.time / program.reps)
            samples = tuple(self._sample(psi, b, rng) for b in program.bases)
            statevector = psi if program.want_statevector else None
            results.append(RequestResult(samples=samples, statevector=statevector))
        return QuantumResult(results=tuple(results))
