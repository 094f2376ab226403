"""Parameter-shift gradients of the trainable Trotter evolution (spec §7, issue 12).

The trainable evolution. H = sum_k c_k P_k (Pauli strings P_k, real c_k) is split into two
term groups: ``cost`` (every term made of Z letters only: diagonal in the computational basis)
and ``driver`` (every other term). With L layers of free group angles a[l, g],

    U(a) = prod_{l = L-1 .. 0} [ prod_{k in driver} exp(-i a[l, driver] c_k P_k)
                                 prod_{k in cost}   exp(-i a[l, cost]   c_k P_k) ]

(the cost group acts first in each layer). One layer is exactly QAOA's: with H = H_C - B
(B = sum_i X_i, the Ising model's transverse field g = 1), a[0, cost] = gamma_QAOA and
a[0, driver] = beta_QAOA give exp(-i beta B) exp(-i gamma H_C) up to the sign convention of
beta. With every a[l, g] = t / L it is the Lie-Trotter formula of exp(-i H t) with L steps.

The backend receives the per-term angles x[l, k] = a[l, g(k)] c_k (``term_angles``) and
applies exp(-i x[l, k] P_k) (``orchestrator.contract.quantum.QuantumProgram.layers``).

Parameter shift. For one term, P_k^2 = 1, so exp(-i x P_k) = cos x - i sin x P_k and any
expectation value f(x) = <O> of the final state is A + B cos 2x + C sin 2x; hence, exactly,

    df/dx = f(x + pi/4) - f(x - pi/4)                                   (two-term rule)

for EVERY observable O (energies, Bloch components) and every term (the other angles held).
The group angle enters several terms, so the chain rule gives

    df/da[l, g] = sum_{k in g} c_k df/dx[l, k].

The two-term rule may NOT be applied to a[l, g] directly: exp(-i a sum_{k in g} c_k P_k) has
a generator with many eigenvalue gaps (for a ring of 8 with unit ZZ weights the cost
generator's spectrum is {-8, -4, 0, 4, 8}, gaps 4, 8, 12, 16), so f(a) is a trigonometric
polynomial with several frequencies and no single shift pair is exact. The per-term rule
costs 2 L K circuits (K terms), all sent in one batched backend call (``shifted_angles``),
plus the unshifted circuit first; on shots each evaluation carries shot noise of its own, and
the estimate is unbiased because each shifted value is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from orchestrator.physics.hamiltonian import PauliHamiltonian

__all__ = [
    "GROUPS",
    "SHIFT",
    "TermLayout",
    "group_gradient",
    "shift_derivative",
    "shifted_angles",
    "term_layout",
]

GROUPS = ("cost", "driver")
"""The two term groups, in the order of the second axis of a group-angle array."""

SHIFT = math.pi / 4
"""The per-term shift: df/dx = f(x + SHIFT) - f(x - SHIFT) for exp(-i x P), P^2 = 1."""


@dataclass(frozen=True)
class TermLayout:
    """Which term of H each column of a per-term angle array is, and its group.

    terms: indices into ``hamiltonian.terms``, cost group first, each group in H's order
        (the ``QuantumProgram.layer_terms`` of a trainable program).
    group: shape (K,), 0 (cost) or 1 (driver) for each column.
    coeff: shape (K,), c_k of each column.
    """

    terms: tuple[int, ...]
    group: np.ndarray
    coeff: np.ndarray

    @property
    def n_terms(self) -> int:
        return len(self.terms)

    def term_angles(self, angles: np.ndarray) -> np.ndarray:
        """x[l, k] = a[l, group(k)] c_k from group angles a of shape (L, 2); shape (L, K)."""
        angles = np.asarray(angles, dtype=float)
        return angles[:, self.group] * self.coeff[None, :]


def term_layout(hamiltonian: PauliHamiltonian) -> TermLayout:
    """Split H's terms into the cost (Z letters only) and driver groups; see the docstring."""
    cost = [i for i, t in enumerate(hamiltonian.terms) if t.paulis and set(t.paulis) == {"Z"}]
    driver = [i for i, t in enumerate(hamiltonian.terms) if t.paulis and i not in cost]
    order = tuple(cost + driver)
    return TermLayout(
        terms=order,
        group=np.array([0] * len(cost) + [1] * len(driver), dtype=np.intp),
        coeff=np.array([hamiltonian.terms[i].coeff for i in order], dtype=float),
    )


def shifted_angles(x: np.ndarray) -> np.ndarray:
    """The per-term angles of one gradient batch, shape (1 + 2 L K, L, K).

    Entry 0 is ``x`` itself; entry 1 + 2 (l K + k) is x with x[l, k] + SHIFT and the entry
    after it x with x[l, k] - SHIFT.
    """
    x = np.asarray(x, dtype=float)
    n_terms = x.shape[1]
    out = np.repeat(x[None], 1 + 2 * x.size, axis=0)
    for j in range(x.size):
        layer, k = divmod(j, n_terms)
        out[1 + 2 * j, layer, k] += SHIFT
        out[2 + 2 * j, layer, k] -= SHIFT
    return out


def shift_derivative(values: np.ndarray, n_layers: int, n_terms: int) -> np.ndarray:
    """df/dx[l, k] from the values of f at a ``shifted_angles`` batch (first axis), any
    trailing shape (a scalar energy, a vector of Bloch components, ...): shape
    (L, K, *trailing)."""
    values = np.asarray(values)
    plus = values[1::2]
    minus = values[2::2]
    if plus.shape[0] != n_layers * n_terms or minus.shape[0] != plus.shape[0]:
        raise ValueError(f"expected {1 + 2 * n_layers * n_terms} values, got {values.shape[0]}")
    return (plus - minus).reshape(n_layers, n_terms, *values.shape[1:])


def group_gradient(dx: np.ndarray, layout: TermLayout) -> np.ndarray:
    """df/da[l, g] = sum_{k in g} c_k df/dx[l, k]: shape (L, 2, *trailing) from (L, K, ...)."""
    dx = np.asarray(dx)
    weighted = dx * layout.coeff.reshape(1, -1, *([1] * (dx.ndim - 2)))
    out = np.zeros((dx.shape[0], len(GROUPS), *dx.shape[2:]), dtype=dx.dtype)
    for g in range(len(GROUPS)):
        out[:, g] = weighted[:, layout.group == g].sum(axis=1)
    return out
