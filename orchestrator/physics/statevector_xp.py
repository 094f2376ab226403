"""Exact estimators from a state vector, written against an array namespace (design §30).

The same numbers as ``orchestrator.physics.statevector`` (spec §6; design §15):

    <H>    = sum_t c_t <P_t>,
    r_q    = (2 Re rho_q[0,1], -2 Im rho_q[0,1], <Z_q>),   rho_q[0,1] = sum_{bit q = 0}
             psi_i conj(psi_{i + 2^q}),
    H_coh  = -sum_i p_i ln p_i,   p_i = |psi_i|^2   (nats),

computed with whole-array operations of a namespace ``xp`` (numpy here; cupy on a GPU: the
arrays live where ``xp`` puts them, the code is the same). This module imports no GPU library:
the caller passes ``xp`` and a state of that namespace.

Marginals, not H psi. A Pauli string with X/Y on the bits of x, Z/Y on the bits of z, n_Y
Y letters has <i|P|i XOR x> = (-i)^{n_Y} (-1)^{popcount(i AND z)}, so

    <P> = (-i)^{n_Y} sum_b (-1)^{popcount(b AND z)} F_x(b),
    F_x(b) = sum_{i: bits K of i = b} conj(psi_i) psi_{i XOR x},

a small marginal over the bits K = the bits of z (plus q for a single flip x = 2^q, so that
F_{2^q}(b_q = 1) = rho_q[0,1] serves the Bloch vector and every X_q, Y_q term at once, and
F_{2^q}(0) = conj F_{2^q}(1), so only the rows with bit q = 1 are summed; a diagonal term's F_0
is the marginal of p). One marginal is one pass: the state (a chunk of it)
reshaped so that each bit of x and K is an axis of length 2 (a view), the x axes reversed (a
view), the product with the conjugate, and a sum over every other axis. <Z_q> of every qubit
comes from one halving pass over p (p summed over its top bit, then the next: 2 2^c
additions for every low qubit together).

Chunks: the state is cut into 2^(n-c) chunks of 2^c amplitudes (c = ``chunk_bits``, high bits
fixed), so temporaries are a few chunks whatever n is; a flip of a high bit pairs a chunk with
its partner, a kept high bit indexes the marginal by the chunk's high bits. Per-chunk
marginals are added on the namespace's device, in chunk order; the host reads the small sums
once at the end.

Not bit-identical to ``statevector.StatevectorEstimator``: that sums the rows of H psi in the
sparse matrix's order with numpy's einsum loop (issue 26's fixed order); here the sums are the
namespace's reductions (numpy's pairwise sum; cupy's tree reduction on the GPU), in another
grouping (term by term). Both are sums of the same 2^n products, so they agree to a few ulp
times the number of terms, ~1e-15 relative (the tests check 1e-12). The CPU path keeps the
einsum estimator: the golden roots do not move.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, final

import numpy as np

from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.statevector import ExactEstimates

__all__ = ["CHUNK_BITS", "MAX_AXES_BITS", "ArrayEstimator"]

CHUNK_BITS = 24
"""Default chunk: 2^24 amplitudes (256 MiB complex128); a GPU kernel over it is long enough to
hide its launch (a few microseconds), and the temporaries (two chunks) stay small next to the
state."""

MAX_AXES_BITS = 15
"""A marginal reshapes a chunk into 2k + 1 axes for its k flipped or kept low bits; numpy 1.x
allows 32 axes, so k <= 15 (Pauli strings of weight up to 15)."""


@dataclass(frozen=True)
class _Marginal:
    """F_x over the kept bits: ``low`` (descending, axes of the chunk) and ``high`` (bits of the
    chunk index, descending); the flipped bits ``x_low`` < c and ``x_high`` = x >> c."""

    x_low: int
    x_high: int
    low: tuple[int, ...]
    high: tuple[int, ...]


@dataclass(frozen=True)
class _TermPlan:
    coeff: complex  # c_t (-i)^{n_Y}
    key: _Marginal
    z: int  # the term's z mask (over the kept bits)


def _bits(mask: int) -> list[int]:
    return [b for b in range(mask.bit_length()) if mask >> b & 1]


@final
class ArrayEstimator:
    """Exact <H>, Bloch vectors and H_coh of state vectors of ``h``'s register in namespace
    ``xp`` (numpy, cupy, ...). Build once per Hamiltonian, call ``estimate`` per state."""

    def __init__(self, h: PauliHamiltonian, xp: Any = np, chunk_bits: int = CHUNK_BITS) -> None:
        """``xp``: the array namespace of the states to come; ``chunk_bits``: log2 of the
        amplitudes handled per pass (>= 1). Raises ``ValueError`` for a term whose flipped and
        kept low bits exceed ``MAX_AXES_BITS``."""
        if chunk_bits < 1:
            raise ValueError("chunk_bits must be at least 1")
        n = h.n_qubits
        self.n, self.xp = n, xp
        self.c = min(n, chunk_bits)
        self._keys: dict[_Marginal, int] = {}
        self._terms: list[_TermPlan] = []
        self._constant = 0.0
        # the Bloch vector's rho_q[0,1]: F_{2^q} kept on bit q. Such a key (also every X_q and
        # Y_q term's) is "paired": F(0) = conj F(1), so only F(1) is summed, on half the rows.
        self._paired = {self._key(1 << q, 1 << q) for q in range(n)}
        for term in h.terms:
            x = z = n_y = 0
            for p, q in zip(term.paulis, term.qubits):
                x |= (p in "XY") << q
                z |= (p in "ZY") << q
                n_y += p == "Y"
            if x == 0 and z == 0:
                self._constant += term.coeff
                continue
            kept = z | x if x & (x - 1) == 0 else z  # a single flip keeps its own bit
            coeff = term.coeff * (1, -1j, -1, 1j)[n_y % 4]
            self._terms.append(_TermPlan(coeff, self._key(x, kept), z))

    def _key(self, x: int, kept: int) -> _Marginal:
        c = self.c
        low = tuple(sorted(_bits(kept & ((1 << c) - 1)), reverse=True))
        high = tuple(sorted(_bits(kept >> c), reverse=True))
        key = _Marginal(x & ((1 << c) - 1), x >> c, low, high)
        if len(set(low) | set(_bits(key.x_low))) > MAX_AXES_BITS:
            raise ValueError(
                f"a Pauli term flips or reads {len(set(low) | set(_bits(key.x_low)))} bits "
                f"below 2^{c}; the array estimator handles up to {MAX_AXES_BITS}"
            )
        self._keys.setdefault(key, len(self._keys))
        return key

    # ------------------------------------------------------------------ per state

    def estimate(self, statevector: Any) -> ExactEstimates:
        """Estimates of ``statevector`` ((2^n,), complex128, an array of ``xp``; only read)."""
        xp, n, c = self.xp, self.n, self.c
        if tuple(statevector.shape) != (1 << n,) or statevector.dtype != np.complex128:
            raise ValueError(f"need a complex128 state vector of shape ({1 << n},)")
        chunks = statevector.reshape(1 << (n - c), 1 << c)
        sums = {
            key: xp.zeros((1 << len(key.high),) + (2,) * len(key.low), dtype=np.complex128)
            for key in self._keys
        }
        z_low = xp.zeros(c)
        norms = xp.zeros(1 << (n - c))
        entropy = xp.zeros(())
        for h in range(1 << (n - c)):
            a = chunks[h]
            p = a.real * a.real + a.imag * a.imag
            positive = p > 0
            entropy += xp.sum(xp.where(positive, p * xp.log(xp.where(positive, p, 1.0)), 0.0))
            m = p
            for q in range(c - 1, -1, -1):  # <Z_q> of the low qubits, halving p
                halves = m.reshape(2, 1 << q)
                s = xp.sum(halves, axis=1)
                z_low[q] += s[0] - s[1]
                m = halves[0] + halves[1]
            norms[h] = m[0]
            for key, total in sums.items():
                index = 0
                for b in key.high:
                    index = index << 1 | (h >> b & 1)
                if key in self._paired:  # F(1) only; F(0) = conj F(1) at the end
                    if key.x_low:
                        total[0, 1] += self._rho01(a, key.x_low)
                    elif index == 1:
                        total[1] += xp.sum(xp.conj(a) * chunks[h ^ key.x_high])
                    continue
                total[index] += self._marginal(a, chunks[h ^ key.x_high], p, key)
        # the small sums, read once
        z = list(z_low.tolist())
        norm_list = norms.tolist()
        for q in range(c, n):
            bit = 1 << (q - c)
            z.append(sum(-v if h & bit else v for h, v in enumerate(norm_list)))
        values = {k: np.asarray(t.tolist(), dtype=np.complex128) for k, t in sums.items()}
        for key in self._paired:
            flat = values[key].reshape(-1)
            flat[0] = np.conj(flat[1])
        bloch = np.empty((n, 3))
        for q in range(n):
            key = self._key(1 << q, 1 << q)
            rho01 = complex(values[key].reshape(-1)[1])  # F at bit q = 1: rho_q[0,1]
            bloch[q] = (2 * rho01.real, -2 * rho01.imag, z[q])
        energy = self._constant
        for term in self._terms:
            energy += (term.coeff * self._signed_sum(values[term.key], term.key, term.z)).real
        return ExactEstimates(bloch=bloch, energy=float(energy), entropy=float(-entropy.item()))

    def _rho01(self, a: Any, x_low: int) -> Any:
        """rho_q[0,1] part of one chunk, q < c: sum over bit q = 1 of conj(psi_i) psi_{i-2^q}
        (half the products of the general marginal)."""
        q = x_low.bit_length() - 1
        halves = a.reshape(-1, 2, 1 << q)
        return self.xp.sum(self.xp.conj(halves[:, 1, :]) * halves[:, 0, :])

    def _marginal(self, a: Any, other: Any, p: Any, key: _Marginal) -> Any:
        """F_x of one chunk over the kept low bits: a (2,)*len(low) array."""
        xp, c = self.xp, self.c
        flipped = _bits(key.x_low)
        bits = sorted(set(key.low) | set(flipped), reverse=True)
        shape: list[int] = []
        axes: dict[int, int] = {}
        top = c
        for b in bits:
            shape += [1 << (top - 1 - b), 2]
            axes[b] = len(shape) - 1
            top = b
        shape.append(1 << top)
        if key.x_low == 0 and key.x_high == 0:
            product = p.reshape(shape)
        else:
            partner = other.reshape(shape)
            if flipped:
                partner = xp.flip(partner, axis=tuple(axes[f] for f in flipped))
            product = xp.conj(a.reshape(shape)) * partner
        others = tuple(i for i in range(len(shape)) if i not in {axes[b] for b in key.low})
        return xp.sum(product, axis=others)

    def _signed_sum(self, table: np.ndarray, key: _Marginal, z: int) -> complex:
        """sum_b (-1)^{popcount(b AND z)} F_x(b) over the kept bits (high index, low axes)."""
        c = self.c
        signs = np.ones(table.shape)
        for i, b in enumerate(key.high):
            if z >> (b + c) & 1:
                shift = len(key.high) - 1 - i
                row = np.array([1.0 - 2.0 * (h >> shift & 1) for h in range(table.shape[0])])
                signs *= row.reshape((-1,) + (1,) * len(key.low))
        for i, b in enumerate(key.low):
            if z >> b & 1:
                shape = [1] * table.ndim
                shape[1 + i] = 2
                signs *= np.array([1.0, -1.0]).reshape(shape)
        return complex(np.sum(table * signs))
