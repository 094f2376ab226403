"""Exact estimators from a state vector, block by block (design §2b, §7; issue 10).

From the final amplitudes psi (2^n complex, qubit q = bit q of an index) one pass computes

    <H>     = sum_i conj(psi_i) (H psi)_i,
    r_q     = (2 Re rho_q[0,1], -2 Im rho_q[0,1], rho_q[0,0] - rho_q[1,1]),
              rho_q[0,1] = sum_{i: bit q = 0} psi_i conj(psi_{i + 2^q}),
    H_coh   = -sum_i p_i ln p_i,   p_i = |psi_i|^2   (spec §6, nats),

without any 2^n x 2^n operator: O(terms x 2^n) time and O(2^c) extra memory, c = ``block_bits``.

H psi without a matrix. A Pauli string P with X/Y on the bits of x and Z/Y on the bits of z
(``n_Y`` Y letters) has one nonzero per row:

    <i| P |i XOR x> = (-i)^{n_Y} (-1)^{popcount(i AND z)},

so (H psi)_i = sum over distinct flip masks m of H_m(i) psi_{i XOR m}, with H_m(i) the sum of
c_t <i|P_t|i XOR m> over the terms with flip mask m.

Summation order (issue 26: the same bits on every machine). Before issue 10, <H> was ``vdot(psi,
H_csr @ psi)`` with H_csr the sum of the terms' sparse Kronecker products in term order. That fixed
the roundings of H psi: H_m(i) is the sequential sum, in term order, of c_t times a value in {+-1,
+-i} (exact), and row i of the product is the sequential sum over its columns j = i XOR m in
ascending j of H_m(i) psi_j. Here H_m(i) is summed in the same term order, and the masks are added
to row i in ascending i XOR m: that order is a walk of the binary trie of the masks, where at a node
splitting on bit b the half with bit b equal to bit b of i comes first. ``_schedule`` flattens the
walk into a list of additions, each restricted to the rows whose bits agree with a few conditions (a
strided view; rows in short runs are gathered first, ``block_work``); the smaller half of every
split is the one added twice, on complementary rows, so each mask is added exactly once per row.
Every product H_m(i) psi_j has one exactly zero part (entries all real or all imaginary) or is
formed from real products, so no fused multiply-add changes it. Within a block of 2^c amplitudes, H
psi is therefore the sparse product's bit for bit.

The dot products are NOT BLAS calls (``np.vdot`` is OpenBLAS's ``zdotc``, whose kernel, picked
per CPU, decides its roundings: issue 26). Each is a sum of products in numpy's einsum loop
(``optimize=False``: compiled once, no BLAS, no CPU dispatch; its order depends on shapes and
strides only, ``orchestrator.physics.fixed_order``): <H> of a block sums the interleaved
products re*re, im*im of psi and H psi; |psi_i|^2 = re^2 + im^2; <Z_q> = sum_i |psi_i|^2
(1 - 2 bit_q(i)); rho_q[0,1] from the real products of the two halves (``_cross``).
Blocks' partial results are summed in block order, so a register split into more blocks gives
the same numbers to ~1e-15 relative, not bit for bit.

Threads (issue 25: every core, bits unchanged). A block's results (its part of <H>, of H_coh, of
each <Z_q> and rho_q[0,1]) depend on that block and the amplitudes it reads only, so blocks are
computed in threads (numpy releases the GIL inside each ufunc and einsum loop), each thread with its
own work arrays, a contiguous run of blocks at a time; the partial results are then summed in block
order, the serial loop's own order: the same bits whatever the thread count (a test compares 1 and
several threads bit for bit). ``workers`` defaults to the CPUs this process may use
(``os.sched_getaffinity``); a register under 2^18 amplitudes runs on the calling thread.

Memory: the amplitudes are only read, through views. The estimator keeps work arrays of one
block per thread (``orchestrator.physics.block_work``: accumulator, scratch product, gathered
rows in short runs, squares, |psi|^2), the +-1 sign vectors of the low Z-masks in use and of
each low qubit (c 2^c entries), and the entries H_m that do not depend on the block: a few
tens of MiB at c = 16 whatever n is (plus 2^c entries per distinct low Z-mask). A call
allocates at most a few more block-sized temporaries (H_m entries that depend on the block,
the p > 0 selection).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from queue import SimpleQueue
from typing import Any, final

import numpy as np

from orchestrator.physics import fixed_math
from orchestrator.physics.block_schedule import Term as _Term
from orchestrator.physics.block_schedule import parity as _parity
from orchestrator.physics.block_schedule import schedule as _schedule
from orchestrator.physics.block_work import BlockWork, available_cpus, copy_runs, gather, short_runs
from orchestrator.physics.fixed_order import sum_of_products as _sum_of_products
from orchestrator.physics.hamiltonian import PauliHamiltonian

__all__ = ["BLOCK_BITS", "ExactEstimates", "StatevectorEstimator"]

BLOCK_BITS = 14
"""Default block: 2^14 amplitudes (256 KiB complex128): the block's work arrays stay in a core's
L2 cache, and numpy's per-call overhead is small next to a block's work (measured 12 to 17)."""


PARALLEL_AMPLITUDES = 1 << 18
"""Registers smaller than this (n < 18: a few ms an estimate) stay on the calling thread: the
threads' start costs more than they save there."""

BLOCKS_PER_TASK = 8
"""Blocks handed to a thread at a time: long enough runs to keep the GIL's hand-offs rare,
short enough that a thread slowed by a busy machine does not hold back the others."""


@dataclass(frozen=True)
class ExactEstimates:
    """What one state vector gives exactly.

    bloch: (n, 3) Bloch vectors (<X>, <Y>, <Z>) of the single-qubit reduced states.
    energy: <psi|H|psi> (H real combination of Pauli strings, so real).
    entropy: H_coh of the Z-basis distribution, nats (spec §6).
    """

    bloch: np.ndarray
    energy: float
    entropy: float


@dataclass(frozen=True)
class _BlockPart:
    """What block h adds to each running sum (summed over the blocks in block order)."""

    energy: Any  # Re <block|H psi>
    entropy: Any  # sum p ln p over the block's p > 0
    z_low: np.ndarray  # <Z_q> parts of the low qubits q < c
    rho_low: list[complex]  # rho_q[0,1] parts of the low qubits
    norm: float | None  # sum of the block's p (n > c only)
    rho_high: list[complex | None]  # rho_q[0,1] parts of q >= c (None where bit q of h is 1)


_Entries = complex | np.ndarray | tuple[np.ndarray, np.ndarray]
_Part = float | np.ndarray | None


def _plus(total: Any, value: Any) -> Any:
    """A running sum that starts at its first value (not at 0.0: a lone -0.0 stays -0.0)."""
    return value if total is None else total + value


@final
class StatevectorEstimator:
    """Exact <H>, Bloch vectors and H_coh of state vectors of ``h``'s register; see the module
    docstring. Build once per Hamiltonian (it plans the row sums), call ``estimate`` per state.
    """

    def __init__(
        self, h: PauliHamiltonian, block_bits: int = BLOCK_BITS, workers: int | None = None
    ) -> None:
        """``workers``: threads one ``estimate`` may use (None: every CPU this process may use;
        the results are the same bits for any count)."""
        if block_bits < 1:
            raise ValueError("block_bits must be at least 1")
        n = h.n_qubits
        self.n = n
        self.c = c = min(n, block_bits)
        low = (1 << c) - 1
        groups: dict[int, list[_Term]] = {}
        for term in h.terms:
            x = z = n_y = 0
            for p, q in zip(term.paulis, term.qubits):
                if p in "XY":
                    x |= 1 << q
                if p in "ZY":
                    z |= 1 << q
                n_y += p == "Y"
            sign = (1.0, -1.0, -1.0, 1.0)[n_y % 4]  # (-i)^{n_Y} = 1, -i, -1, i
            groups.setdefault(x, []).append(_Term(term.coeff * sign, n_y % 2 == 1, z & low, z >> c))
        self._groups = groups
        self._masks = sorted(groups)
        self._plan = _schedule(self._masks, c) if groups else []
        # +-1 of (-1)^{popcount(l AND z)} for every low z in use, over the block's indices
        local = np.arange(1 << c, dtype=np.int64)
        zs = {t.z_low for ts in groups.values() for t in ts if t.z_low}
        self._signs = {z: self._sign_vector(local, z) for z in zs}
        self.workers = max(1, available_cpus() if workers is None else workers)
        # one set of block work arrays per thread that may run at once, reused across calls
        self._work: SimpleQueue[BlockWork] = SimpleQueue()
        self._work.put(BlockWork(c))
        self._made = 1
        # per low qubit q (rows): 1 - 2 bit_q(l) over the block's indices l
        low_q = np.arange(c, dtype=np.int64)[:, None]
        self._z_signs = 1.0 - 2.0 * ((local[None, :] >> low_q) & 1).astype(np.float64)
        # c_t (-1)^{popcount(l AND z_low)} of every term over a block (a scalar if z_low = 0)
        self._scaled: dict[_Term, float | np.ndarray] = {
            t: t.coeff * self._signs[t.z_low] if t.z_low else t.coeff
            for ts in groups.values()
            for t in ts
        }
        # the leading terms of each group whose signs do not depend on the block: summed once
        self._prefix: dict[int, tuple[int, _Part, _Part]] = {}
        self._fixed: dict[int, _Entries] = {}
        for m, terms in groups.items():
            k = next((i for i, t in enumerate(terms) if t.z_high), len(terms))
            re, im = self._sum(terms[:k], 0, None, None)
            self._prefix[m] = (k, re, im)
            if k == len(terms):
                self._fixed[m] = self._finish(re, im)

    @staticmethod
    def _sign_vector(local: np.ndarray, z: int) -> np.ndarray:
        parity = np.zeros(local.size, dtype=np.int64)
        bits = local & z
        while np.any(bits):
            parity ^= bits & 1
            bits >>= 1
        return 1.0 - 2.0 * parity.astype(np.float64)

    # ------------------------------------------------------------------ per state

    def estimate(self, statevector: np.ndarray) -> ExactEstimates:
        """Estimates of ``statevector`` (shape (2^n,), complex128; read, never copied whole)."""
        n, c = self.n, self.c
        psi = np.asarray(statevector)
        if psi.shape != (1 << n,) or psi.dtype != np.complex128:
            raise ValueError(f"need a complex128 state vector of shape ({1 << n},)")
        psi = np.ascontiguousarray(psi)  # a view unless the caller passed a strided one
        blocks = psi.reshape(1 << (n - c), 1 << c)  # a view: row h = high bits
        parts = self._parts(blocks)
        # running sums over the blocks, in block order (whichever thread computed a block)
        energy = entropy = None
        rho01: list = [None] * n
        z: list = [None] * n  # <Z_q> = sum_i |psi_i|^2 (1 - 2 bit_q(i))
        for h, part in enumerate(parts):
            energy = _plus(energy, part.energy)
            for q in range(c):
                z[q] = _plus(z[q], float(part.z_low[q]))
                rho01[q] = _plus(rho01[q], part.rho_low[q])
            entropy = _plus(entropy, part.entropy)
            if n > c:
                norm = part.norm
                for q in range(c, n):
                    bit = 1 << (q - c)
                    z[q] = _plus(z[q], -norm if h & bit else norm)
                    if not h & bit:
                        rho01[q] = _plus(rho01[q], part.rho_high[q - c])
        bloch = np.empty((n, 3))
        for q in range(n):
            r = rho01[q]
            bloch[q] = (2 * r.real, -2 * r.imag, z[q])
        return ExactEstimates(bloch=bloch, energy=float(energy), entropy=float(-entropy))

    def _parts(self, blocks: np.ndarray) -> Iterator[_BlockPart]:
        """Every block's part, in block order; runs of blocks in threads when there are
        several runs and ``workers`` > 1 (consumed as they finish, in order: the parts kept
        at once are those of the runs finished ahead of the one summed next)."""
        count = blocks.shape[0]
        step = BLOCKS_PER_TASK
        runs = [range(h, min(h + step, count)) for h in range(0, count, step)]
        threads = min(self.workers, len(runs))
        if threads <= 1 or blocks.size < PARALLEL_AMPLITUDES:
            work = self._work.get()
            try:
                for h in range(count):
                    yield self._block(blocks, h, work)
            finally:
                self._work.put(work)
            return
        while self._made < threads:  # work arrays for every thread that may run at once
            self._work.put(BlockWork(self.c))
            self._made += 1
        with ThreadPoolExecutor(threads, thread_name_prefix="statevector") as pool:
            for done in pool.map(lambda run: self._run(blocks, run), runs):
                yield from done

    def _run(self, blocks: np.ndarray, run: range) -> list[_BlockPart]:
        work = self._work.get()  # never empty: one set per thread
        try:
            return [self._block(blocks, h, work) for h in run]
        finally:
            self._work.put(work)

    def _block(self, blocks: np.ndarray, h: int, work: BlockWork) -> _BlockPart:
        """Block h's part of every sum (the serial loop's body, with ``work``'s arrays)."""
        n, c = self.n, self.c
        block = blocks[h]
        flat = block.view(np.float64)  # re, im interleaved
        pairs = flat.reshape(-1, 2)
        hv = self._h_times(blocks, h, work).view(np.float64)
        energy = _sum_of_products(flat, hv)  # Re <block|H psi>
        np.multiply(flat, flat, out=work.sq)
        p = np.add(work.sq[0::2], work.sq[1::2], out=work.p)  # |psi_i|^2 = re^2 + im^2
        z_low = np.einsum("qi,i->q", self._z_signs, p, optimize=False)  # every low qubit
        half0, half1 = work.half
        rho_low = []
        for q in range(c):
            # the halves bit q = 0 / 1, copied out (a strided view is slow to sum over)
            halves = block.reshape(1 << (c - 1 - q), 2, 1 << q)
            copy_runs(half0.reshape(halves.shape[0], -1), halves[:, 0, :])
            copy_runs(half1.reshape(halves.shape[0], -1), halves[:, 1, :])
            rho_low.append(self._cross(work.half_pairs[1], work.half_pairs[0]))
        positive = p[p > 0]
        entropy = _sum_of_products(positive, fixed_math.log(positive))
        norm = None
        rho_high: list[complex | None] = []
        if n > c:
            norm = float(np.add.reduce(p))
            for q in range(c, n):
                bit = 1 << (q - c)
                if h & bit:
                    rho_high.append(None)
                else:
                    other = blocks[h | bit].view(np.float64).reshape(-1, 2)
                    rho_high.append(self._cross(other, pairs))
        return _BlockPart(energy, entropy, z_low, rho_low, norm, rho_high)

    @staticmethod
    def _cross(a: np.ndarray, b: np.ndarray) -> complex:
        """sum conj(a_i) b_i for float views whose last axis is (re, im): Re = sum(ar br + ai
        bi), Im = sum(ar bi) - sum(ai br), each a sum of products in numpy's einsum loop."""
        re = _sum_of_products(a, b)
        im = _sum_of_products(a[..., 0], b[..., 1]) - _sum_of_products(a[..., 1], b[..., 0])
        return complex(re, im)

    def _h_times(self, blocks: np.ndarray, h: int, work: BlockWork) -> np.ndarray:
        """Rows h * 2^c ... of H psi, summed in the sparse-matrix path's order."""
        acc = work.acc
        acc.fill(0)
        entries: dict[int, _Entries] = {}
        for step in self._plan:
            if any(((h >> bit) & 1) != value for bit, value in step.high):
                continue
            m = step.mask
            entry = entries.get(m)
            if entry is None:
                entry = entries[m] = self._entries(h, m)
            source = blocks[h ^ (m >> self.c)].reshape(step.shape)[step.source]
            view = acc.reshape(step.shape)[step.rows]
            entry_rows = None
            if not isinstance(entry, complex):  # one entry per row (or a (re, im) pair)
                parts = entry if isinstance(entry, tuple) else (entry,)
                entry_rows = [np.reshape(e, step.shape)[step.rows] for e in parts]
            rows = view
            if short_runs(view):
                # rows in short runs (a low bit selects them): the rows and their operands
                # gathered into contiguous arrays first, the sum scattered back (copies of
                # whole runs, elementwise arithmetic in between: the same bits)
                rows = gather(view, work.rows)
                source = gather(source, work.source)
                if entry_rows is not None:
                    entry_rows = [np.ascontiguousarray(e) for e in entry_rows]
            if isinstance(entry, tuple):  # complex entries: each real product rounded as in C
                re, im = entry_rows
                prod = np.empty(source.shape, dtype=np.complex128)
                prod.real = re * source.real - im * source.imag
                prod.imag = re * source.imag + im * source.real
            else:
                prod = work.scratch[: source.size].reshape(source.shape)
                if entry_rows is None:
                    np.multiply(source, entry, out=prod)
                else:
                    np.multiply(entry_rows[0], source, out=prod)
            np.add(rows, prod, out=rows)
            if rows is not view:
                copy_runs(view, rows)
        return acc

    def _entries(self, h: int, m: int) -> _Entries:
        """H_m(i) over block h, summed over the terms with flip mask m in term order: a complex
        scalar or array when every entry is real or every entry imaginary (one of the two
        products of each part is then exactly zero), else the (real, imaginary) parts."""
        fixed = self._fixed.get(m)
        if fixed is not None:
            return fixed
        k, re, im = self._prefix[m]
        return self._finish(*self._sum(self._groups[m][k:], h, re, im))

    def _sum(self, terms: Sequence[_Term], h: int, re: _Part, im: _Part) -> tuple[_Part, _Part]:
        """Continue the term-order sums of the real and imaginary entries over ``terms`` (in
        place on arrays this call made; c_t S_t precomputed, the block's sign applied as an
        add or a subtract: the same roundings as adding (+-c_t) S_t)."""
        parts: list[_Part] = [re, im]
        owned = [False, False]
        for t in terms:
            value = self._scaled[t]
            negative = _parity(h & t.z_high) == 1
            k = int(t.imaginary)
            part = parts[k]
            if part is None:
                part = -value if negative else value
                owned[k] = negative and isinstance(value, np.ndarray)
            elif owned[k]:
                (np.subtract if negative else np.add)(part, value, out=part)
            else:
                part = part - value if negative else part + value
                owned[k] = isinstance(part, np.ndarray)
            parts[k] = part
        return parts[0], parts[1]

    def _finish(self, re: _Part, im: _Part) -> _Entries:
        size = 1 << self.c
        if re is not None and im is not None:
            return (re * np.ones(size), im * np.ones(size))
        part = re if im is None else im
        if part is None:  # an empty group cannot happen; keep the type total
            return 0j
        if np.ndim(part) == 0:
            return complex(part, 0.0) if im is None else complex(0.0, part)
        out = np.zeros(size, dtype=np.complex128)
        if im is None:
            out.real = part
        else:
            out.imag = part
        return out
