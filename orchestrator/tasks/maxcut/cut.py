"""The MaxCut cost of assignments, and its Ising Hamiltonian (spec §3.1, issue 15).

An assignment puts vertex i on side x_i in {0, 1}; its spin is z_i = 1 - 2 x_i in {+1, -1}
(the eigenvalue of Z_i on the basis state |x>). An edge is cut when its ends differ:

    cut(x) = sum_{(i,j,w)} w [x_i != x_j] = sum_{(i,j,w)} w (1 - z_i z_j) / 2.

The task Hamiltonian is the ``ising`` config with these edges and no fields,

    H = sum_{(i,j,w)} w Z_i Z_j,     H |x> = E(x) |x>,     E(x) = sum w z_i z_j = W - 2 cut(x),

with W = sum_{(i,j,w)} w. H is diagonal in the computational basis, so for any state psi,
measured in that basis with outcome probabilities p(x) = |<x|psi>|^2,

    <H>_psi = sum_x p(x) E(x) = W - 2 E_psi[cut],      E_psi[cut] = (W - <H>_psi) / 2,

and min H = W - 2 MaxCut. (With a transverse field g != 0 the config's H has off-diagonal
terms and the first identity no longer holds; the relation is for the cost Hamiltonian.)

The sums over edges are ``orchestrator.physics.fixed_order.matvec`` (numpy's einsum loop), not
``@`` (an OpenBLAS kernel, picked per CPU, would decide the roundings of non-integer weights:
issue 26).

Bit order: vertex k is qubit k, the least significant bit of a basis-state index (as Qiskit
counts it), so ``bits_from_indices`` turns measured outcomes into rows of x.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from orchestrator.physics.fixed_order import matvec
from orchestrator.tasks.maxcut.instances import MaxCutInstance

__all__ = [
    "bits_from_indices",
    "cut_value",
    "cut_values",
    "expected_cut_from_energy",
    "ising_energies",
    "ising_hamiltonian",
]


def ising_hamiltonian(instance: MaxCutInstance) -> dict[str, Any]:
    """The ``hamiltonian:`` config section of the cost H = sum w Z_i Z_j on ``n`` qubits.

    ``{"kind": "ising", "n_qubits": n, "edges": [[i, j, w], ...]}``; ``n_qubits`` is explicit so
    that a vertex with no edge still has its qubit. Raises ``ValueError`` on a graph with no
    edge (the config needs at least one).
    """
    if not instance.edges:
        raise ValueError(f"{instance.name}: no edges, so no Ising cost to write")
    return {
        "kind": "ising",
        "n_qubits": instance.n,
        "edges": [[i, j, w] for i, j, w in instance.edges],
    }


def bits_from_indices(indices: np.ndarray, n: int) -> np.ndarray:
    """Basis-state indices (shape ``(B,)``, ints in ``[0, 2**n)``) -> bits ``(B, n)`` uint8.

    Column k is bit k of the index (vertex k = qubit k, least significant first).
    Raises ``ValueError`` on an index outside the register.
    """
    idx = np.asarray(indices, dtype=np.int64)
    if idx.size and (idx.min() < 0 or idx.max() >= 1 << n):
        raise ValueError(f"basis-state index outside [0, 2**{n})")
    return ((idx[..., None] >> np.arange(n, dtype=np.int64)) & 1).astype(np.uint8)


def _as_bits(instance: MaxCutInstance, bits: np.ndarray) -> np.ndarray:
    x = np.asarray(bits)
    if x.shape[-1:] != (instance.n,):
        raise ValueError(f"{instance.name}: assignments need {instance.n} bits, shape {x.shape}")
    if x.size and not np.isin(x, (0, 1)).all():
        raise ValueError(f"{instance.name}: assignments hold only 0 and 1")
    return x.astype(np.int8)


def _edge_sums(per_edge: np.ndarray, w: np.ndarray) -> np.ndarray:
    """sum_e per_edge[..., e] w_e over the last axis, in a fixed order (module docstring)."""
    if not w.size:
        return np.zeros(per_edge.shape[:-1])
    return matvec(per_edge.reshape(-1, w.size), w).reshape(per_edge.shape[:-1])


def _edge_arrays(instance: MaxCutInstance) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not instance.edges:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, np.zeros(0)
    i, j, w = zip(*instance.edges)
    return np.array(i), np.array(j), np.array(w, dtype=np.float64)


def cut_values(instance: MaxCutInstance, bits: np.ndarray) -> np.ndarray:
    """cut(x) for each row of ``bits`` (shape ``(B, n)`` of 0/1) -> float64 ``(B,)``.

    Raises ``ValueError`` when the last axis is not ``n`` or an entry is not 0 or 1.
    """
    x = _as_bits(instance, bits)
    i, j, w = _edge_arrays(instance)
    return _edge_sums((x[..., i] != x[..., j]).astype(np.float64), w)


def cut_value(instance: MaxCutInstance, bits: np.ndarray) -> float:
    """cut(x) of one assignment (``n`` bits of 0/1)."""
    x = np.asarray(bits)
    if x.ndim != 1:
        raise ValueError(f"one assignment is a vector of {instance.n} bits, got shape {x.shape}")
    return float(cut_values(instance, x[None, :])[0])


def ising_energies(instance: MaxCutInstance, bits: np.ndarray) -> np.ndarray:
    """E(x) = sum w z_i z_j with z = 1 - 2x, for each row of ``bits`` -> float64 ``(B,)``."""
    z = 1 - 2 * _as_bits(instance, bits).astype(np.float64)
    i, j, w = _edge_arrays(instance)
    return _edge_sums(z[..., i] * z[..., j], w)


def expected_cut_from_energy(instance: MaxCutInstance, energy: float) -> float:
    """E_psi[cut] = (W - <H>_psi) / 2 for an energy of the cost Hamiltonian (no field)."""
    return (instance.total_weight - float(energy)) / 2.0
