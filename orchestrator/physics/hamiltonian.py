"""Task Hamiltonians as plain data (spec §3.1).

    i hbar d|psi>/dt = H |psi>,    H = sum_t c_t P_t,   P_t a Pauli string, c_t real.

A real linear combination of Pauli strings is Hermitian by construction, so the only checks
left are the ones that can fail: finite coefficients, qubit indices inside the register, no
qubit named twice in one term. The orchestrator keeps H as data (this module imports no quantum
SDK); each quantum backend turns it into its own operator type (Qiskit: ``SparsePauliOp``).

Qubit order: qubit 0 is the least significant bit of a basis-state index, as in Qiskit, so the
dense matrix built here matches ``SparsePauliOp.to_matrix()``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import scipy.sparse as sp

__all__ = ["PauliHamiltonian", "PauliTerm"]

# scipy is imported by to_sparse only (exact references): the config models use this module,
# and `qnf validate` must not pay for scipy (issue 25 item 1).
_PAULI_MATRICES = {"X": [[0, 1], [1, 0]], "Y": [[0, -1j], [1j, 0]], "Z": [[1, 0], [0, -1]]}


@dataclass(frozen=True)
class PauliTerm:
    """One term ``coeff * P`` where ``P`` acts with ``paulis[k]`` on qubit ``qubits[k]``.

    ``paulis`` holds only X, Y, Z (identities are implicit); an empty term is ``coeff * I``.
    """

    paulis: str
    qubits: tuple[int, ...]
    coeff: float

    def __post_init__(self) -> None:
        if len(self.paulis) != len(self.qubits):
            raise ValueError(f"term {self.paulis!r}: {len(self.qubits)} qubits given")
        if set(self.paulis) - set("XYZ"):
            raise ValueError(f"term {self.paulis!r}: only X, Y, Z allowed")
        if len(set(self.qubits)) != len(self.qubits):
            raise ValueError(f"term {self.paulis!r}: a qubit appears twice in {self.qubits}")
        if not math.isfinite(self.coeff):
            raise ValueError(f"term {self.paulis!r}: coefficient must be finite")


@dataclass(frozen=True)
class PauliHamiltonian:
    """``H = sum(term.coeff * term)`` on ``n_qubits`` qubits, coefficients in units of hbar/time."""

    n_qubits: int
    terms: tuple[PauliTerm, ...]

    def __post_init__(self) -> None:
        if self.n_qubits < 1:
            raise ValueError("a Hamiltonian needs at least one qubit")
        for term in self.terms:
            if any(q < 0 or q >= self.n_qubits for q in term.qubits):
                raise ValueError(
                    f"term {term.paulis} on qubits {term.qubits}: register has {self.n_qubits}"
                )

    @classmethod
    def from_terms(
        cls, n_qubits: int, terms: Iterable[tuple[str, Iterable[int], float]]
    ) -> PauliHamiltonian:
        """Build from ``(paulis, qubits, coeff)`` triples, dropping zero coefficients."""
        built = tuple(
            PauliTerm(p, tuple(int(q) for q in qs), float(c)) for p, qs, c in terms if c != 0.0
        )
        return cls(n_qubits, built)

    def sparse_list(self) -> list[tuple[str, list[int], float]]:
        """The ``SparsePauliOp.from_sparse_list`` form of the terms."""
        return [(t.paulis, list(t.qubits), t.coeff) for t in self.terms]

    def to_sparse(self) -> sp.csr_matrix:
        """The ``2^n x 2^n`` matrix (qubit 0 least significant); for exact references."""
        import numpy as np
        import scipy.sparse as sp

        single = {"I": sp.identity(2, format="csr", dtype=complex)}
        for p, m in _PAULI_MATRICES.items():
            single[p] = sp.csr_matrix(np.array(m, dtype=complex))
        dim = 2**self.n_qubits
        out = sp.csr_matrix((dim, dim), dtype=complex)
        for term in self.terms:
            ops = ["I"] * self.n_qubits
            for p, q in zip(term.paulis, term.qubits):
                ops[q] = p
            mat = sp.identity(1, format="csr", dtype=complex)
            for p in reversed(ops):  # kron(q_{n-1}, ..., q_0)
                mat = sp.kron(mat, single[p], format="csr")
            out = out + term.coeff * mat
        return out.tocsr()
