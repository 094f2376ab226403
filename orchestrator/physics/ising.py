"""Classical Ising and QUBO problems, the translation between them, and the neuron parameters
of the spiking annealer that samples them (issue 21; design §20).

Conventions (vertex k = qubit k = neuron k; the bit x_k is what a Z-basis measurement of qubit
k reads, and what neuron k's binary state reads):

    spin   s_k = 1 - 2 x_k  in {+1, -1}     (x_k = 0 <-> Z eigenvalue +1)
    Ising  E(s) = offset + sum_{e=(i,j)} J_e s_i s_j + sum_k h_k s_k            (i < j)
    QUBO   f(x) = sum_k a_k x_k + sum_{i<j} B_ij x_i x_j    (a_k = Q_kk, B_ij = Q_ij + Q_ji)

The ``ising`` Hamiltonian H = sum w Z_i Z_j + sum h_i Z_i is diagonal in x with E(x) its
eigenvalue: J = w, h = h (its transverse field is the quantum side's, not part of E).

QUBO -> Ising (substitute x = (1 - s)/2):
    J_ij = B_ij / 4,   h_k = -a_k / 2 - sum_j B_kj / 4,   offset = sum a / 2 + sum B / 4.
Ising -> QUBO (substitute s = 1 - 2x):
    B_ij = 4 J_ij,     a_k = -2 h_k - 2 sum_j J_kj,       constant = offset + sum J + sum h.
Both are exact: f(x) = E(1 - 2x) + constant for every x (tested by enumeration).

The annealer's neurons (``neural_parameters``): with kappa mV per unit of energy, neuron k has
bias b_k and synapses W_kj (mV)

    b_k = -kappa a_k = 2 kappa (h_k + sum_j J_kj),    W_kj = W_jk = -kappa B_kj = -4 kappa J_kj,

so that its membrane potential u_k = b_k + sum_j W_kj x_j is kappa times the energy it saves
by being on: u_k = kappa [E(x; x_k = 0) - E(x; x_k = 1)]. A neuron that fires with probability
sigma(u_k / T) (T in mV) is then the heat-bath (Glauber) update of x_k at the temperature
T / kappa in units of energy, whose stationary law is exp(-E / (T / kappa)) (derivation:
docs/design.md §20).

Everything here is O(n + E): no n x n matrix is built. ``boltzmann`` enumerates 2^n states
and is for references at small n only (n <= 24).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, final

import numpy as np

from orchestrator.physics import fixed_math

if TYPE_CHECKING:
    from orchestrator.physics.hamiltonian import PauliHamiltonian

__all__ = [
    "IsingProblem",
    "NeuralParameters",
    "boltzmann",
    "energies",
    "ising_from_qubo",
    "ising_of_hamiltonian",
    "local_fields",
    "neural_parameters",
    "qubo_from_ising",
]

MAX_ENUMERATED = 24  # boltzmann() refuses larger n: 2^24 states is 128 MiB of float64


@final
@dataclass(frozen=True)
class IsingProblem:
    """E(s) = offset + sum_e J_e s_i s_j + sum_k h_k s_k on n spins (module docstring).

    i, j: (E,) int64 with 0 <= i < j < n, each pair once, sorted by (i, j); coupling: (E,)
    float64 J_e (no zeros); field: (n,) float64 h. Build it with ``of`` (which canonicalises).
    """

    n: int
    i: np.ndarray
    j: np.ndarray
    coupling: np.ndarray
    field: np.ndarray
    offset: float = 0.0

    @classmethod
    def of(
        cls,
        n: int,
        i: np.ndarray,
        j: np.ndarray,
        coupling: np.ndarray,
        field: np.ndarray | None = None,
        offset: float = 0.0,
    ) -> IsingProblem:
        """Canonical form: pairs ordered i < j, a pair given twice summed, zeros dropped.

        Raises ``ValueError`` on a self-coupling, an index outside [0, n), unequal lengths,
        or a non-finite number.
        """
        a = np.asarray(i, dtype=np.int64).ravel()
        b = np.asarray(j, dtype=np.int64).ravel()
        c = np.asarray(coupling, dtype=np.float64).ravel()
        h = np.zeros(n) if field is None else np.asarray(field, dtype=np.float64).ravel()
        if not (a.size == b.size == c.size) or h.size != n:
            raise ValueError(
                f"Ising problem: {a.size}, {b.size}, {c.size} couplings, {h.size} fields"
            )
        if a.size and (min(a.min(), b.min()) < 0 or max(a.max(), b.max()) >= n):
            raise ValueError(f"Ising problem: a coupling names a spin outside 0..{n - 1}")
        if np.any(a == b):
            raise ValueError("Ising problem: a spin coupled to itself (put it in the field)")
        if not (np.all(np.isfinite(c)) and np.all(np.isfinite(h)) and np.isfinite(offset)):
            raise ValueError("Ising problem: couplings, fields and offset must be finite")
        lo, hi = np.minimum(a, b), np.maximum(a, b)
        key = lo * n + hi
        unique, inverse = np.unique(key, return_inverse=True)
        summed = np.bincount(inverse, weights=c, minlength=unique.size)
        keep = summed != 0.0
        return cls(
            n=int(n),
            i=(unique // n)[keep].astype(np.int64),
            j=(unique % n)[keep].astype(np.int64),
            coupling=summed[keep],
            field=h.copy(),
            offset=float(offset),
        )

    def degrees(self) -> np.ndarray:
        """(n,) number of couplings at each spin."""
        return np.bincount(np.concatenate([self.i, self.j]), minlength=self.n)


def energies(problem: IsingProblem, bits: np.ndarray) -> np.ndarray:
    """E of each row of ``bits`` ((B, n) or (n,), values 0/1): shape (B,) float64."""
    x = np.asarray(bits).reshape(-1, problem.n)
    s = 1.0 - 2.0 * x.astype(np.float64)
    pair = (s[:, problem.i] * s[:, problem.j]) @ problem.coupling if problem.i.size else 0.0
    return problem.offset + pair + s @ problem.field


def local_fields(problem: IsingProblem, bits: np.ndarray) -> np.ndarray:
    """dE_k = E(x; x_k = 0) - E(x; x_k = 1) for one assignment ``bits`` (n,): shape (n,).

    Flipping x_k on lowers E by dE_k (raises it when negative); the annealer's membrane
    potential is kappa times this (module docstring).
    """
    s = 1.0 - 2.0 * np.asarray(bits, dtype=np.float64).reshape(problem.n)
    neighbour = np.zeros(problem.n)
    np.add.at(neighbour, problem.i, problem.coupling * s[problem.j])
    np.add.at(neighbour, problem.j, problem.coupling * s[problem.i])
    return 2.0 * (problem.field + neighbour)


def ising_from_qubo(
    n: int, i: np.ndarray, j: np.ndarray, q: np.ndarray
) -> IsingProblem:
    """The Ising form of f(x) = sum_t q_t x_{i_t} x_{j_t} (i_t == j_t: the linear term q x_i).

    Exact: ``energies(result, x) == f(x)`` for every x (module docstring for the formulas).
    """
    a_idx = np.asarray(i, dtype=np.int64).ravel()
    b_idx = np.asarray(j, dtype=np.int64).ravel()
    q = np.asarray(q, dtype=np.float64).ravel()
    if not (a_idx.size == b_idx.size == q.size):
        raise ValueError(f"QUBO: {a_idx.size}, {b_idx.size}, {q.size} entries")
    if q.size and (min(a_idx.min(), b_idx.min()) < 0 or max(a_idx.max(), b_idx.max()) >= n):
        raise ValueError(f"QUBO: an entry names a variable outside 0..{n - 1}")
    diagonal = a_idx == b_idx
    linear = np.bincount(a_idx[diagonal], weights=q[diagonal], minlength=n)
    pi, pj, pq = a_idx[~diagonal], b_idx[~diagonal], q[~diagonal]
    pair_sum = np.zeros(n)  # sum_j B_kj
    np.add.at(pair_sum, pi, pq)
    np.add.at(pair_sum, pj, pq)
    return IsingProblem.of(
        n,
        pi,
        pj,
        pq / 4.0,
        field=-linear / 2.0 - pair_sum / 4.0,
        offset=float(linear.sum() / 2.0 + pq.sum() / 4.0),
    )


def ising_of_hamiltonian(hamiltonian: PauliHamiltonian) -> IsingProblem:
    """The classical part of H: its Z and ZZ terms as an Ising problem on its n qubits.

    Terms holding X or Y (a transverse field: off-diagonal, the quantum side's) are left out,
    and so is the identity's constant. Raises ``ValueError`` for a Z-only term on three or
    more qubits (the annealer's neurons have pairwise synapses only) or when H has no Z or ZZ
    term at all (nothing to anneal).
    """
    n = hamiltonian.n_qubits
    field = np.zeros(n)
    i, j, c = [], [], []
    for term in hamiltonian.terms:
        if set(term.paulis) != {"Z"}:
            continue
        if len(term.qubits) == 1:
            field[term.qubits[0]] += term.coeff
        elif len(term.qubits) == 2:
            i.append(term.qubits[0])
            j.append(term.qubits[1])
            c.append(term.coeff)
        else:
            raise ValueError(
                f"the term {term.paulis} on qubits {list(term.qubits)} couples "
                f"{len(term.qubits)} spins; the annealer takes Z and ZZ terms only"
            )
    if not c and not np.any(field):
        raise ValueError("H has no Z or ZZ term: there is no classical energy to anneal")
    return IsingProblem.of(n, np.array(i, dtype=np.int64), np.array(j, dtype=np.int64),
                           np.array(c, dtype=np.float64), field)


def qubo_from_ising(problem: IsingProblem) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """(i, j, q, constant): f(x) = sum_t q_t x_i x_j (i == j: linear) with
    f(x) + constant = E(1 - 2x) for every x (module docstring)."""
    n = problem.n
    coupled = np.zeros(n)  # sum_j J_kj
    np.add.at(coupled, problem.i, problem.coupling)
    np.add.at(coupled, problem.j, problem.coupling)
    linear = -2.0 * problem.field - 2.0 * coupled
    diag = np.arange(n, dtype=np.int64)
    constant = problem.offset + float(problem.coupling.sum()) + float(problem.field.sum())
    return (
        np.concatenate([diag, problem.i]),
        np.concatenate([diag, problem.j]),
        np.concatenate([linear, 4.0 * problem.coupling]),
        constant,
    )


@final
@dataclass(frozen=True)
class NeuralParameters:
    """Biases and synapses of the annealer's neurons, mV (module docstring).

    bias_mv: (n,); pre, post, weight_mv: (2E,) both directions of every coupling, the i -> j
    synapse of coupling e at 2e, its j -> i twin at 2e + 1.
    """

    bias_mv: np.ndarray
    pre: np.ndarray
    post: np.ndarray
    weight_mv: np.ndarray


def neural_parameters(problem: IsingProblem, mv_per_unit: float) -> NeuralParameters:
    """b_k = 2 kappa (h_k + sum_j J_kj), W_kj = -4 kappa J_kj (kappa = ``mv_per_unit`` > 0)."""
    if not mv_per_unit > 0:
        raise ValueError(f"mv_per_unit must be > 0, got {mv_per_unit}")
    kappa = float(mv_per_unit)
    coupled = np.zeros(problem.n)
    np.add.at(coupled, problem.i, problem.coupling)
    np.add.at(coupled, problem.j, problem.coupling)
    w = -4.0 * kappa * problem.coupling
    return NeuralParameters(
        bias_mv=2.0 * kappa * (problem.field + coupled),
        pre=np.stack([problem.i, problem.j], axis=1).ravel(),
        post=np.stack([problem.j, problem.i], axis=1).ravel(),
        weight_mv=np.repeat(w, 2),
    )


def boltzmann(problem: IsingProblem, temperature: float) -> np.ndarray:
    """p(x) = exp(-E(x)/T) / Z over all 2^n assignments, index sum_k x_k 2^k: shape (2^n,).

    For references at small n; ``ValueError`` above ``MAX_ENUMERATED`` spins or for T <= 0.
    """
    if problem.n > MAX_ENUMERATED:
        raise ValueError(f"boltzmann enumerates 2^n states; n = {problem.n} > {MAX_ENUMERATED}")
    if not temperature > 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    index = np.arange(1 << problem.n, dtype=np.int64)
    bits = (index[:, None] >> np.arange(problem.n)) & 1
    e = energies(problem, bits)
    w = fixed_math.exp(-(e - e.min()) / temperature)
    return w / w.sum()
