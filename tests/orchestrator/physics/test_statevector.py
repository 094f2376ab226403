"""Exact statevector estimators against independent answers.

- dense Kronecker products (n <= 10): <H> = <psi|H|psi>, r_q = <psi|sigma_q|psi>, and the
  Z-distribution entropy by ``scipy.stats.entropy``;
- the pre-issue-10 path (H as a sparse matrix), rebuilt here from scipy's sparse Kronecker
  products: H psi equal bit for bit while the register is one block, the dot products then
  summed in the order the module documents (no BLAS: issue 26), and to 1e-12 when the register
  is split into blocks (n = 12);
- the extra memory of one estimate (tracemalloc sees numpy's allocations) stays near a block.
"""

from __future__ import annotations

import threading
import tracemalloc

import numpy as np
import pytest
import scipy.sparse as sp
from scipy.stats import entropy as scipy_entropy

from orchestrator.physics import statevector
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.statevector import StatevectorEstimator
from tests.orchestrator.physics.test_hamiltonian import I2, X, Y, Z, _op

PAULI = {"X": X, "Y": Y, "Z": Z}


def random_state(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return psi / np.linalg.norm(psi)


def random_hamiltonian(n: int, terms: int, seed: int) -> PauliHamiltonian:
    """Terms of weight 1-4 over X, Y, Z (mixed real and imaginary entries, repeated masks)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(terms):
        k = int(rng.integers(1, min(n, 4) + 1))
        qubits = rng.choice(n, size=k, replace=False)
        out.append(("".join(rng.choice(list("XYZ"), size=k)), qubits, float(rng.normal())))
    return PauliHamiltonian.from_terms(n, out)


def ring_tfim(n: int) -> PauliHamiltonian:
    zz = [("ZZ", (i, (i + 1) % n), 1.0) for i in range(n)]
    return PauliHamiltonian.from_terms(n, zz + [("X", (i,), -0.8) for i in range(n)])


def dense(h: PauliHamiltonian) -> np.ndarray:
    n = h.n_qubits
    return sum(
        (t.coeff * _op(n, {q: PAULI[p] for p, q in zip(t.paulis, t.qubits)}) for t in h.terms),
        np.zeros((2**n, 2**n), dtype=complex),
    )


def old_sparse_h(h: PauliHamiltonian) -> sp.csr_matrix:
    """H as before issue 10: the terms' sparse Kronecker products summed in term order, qubit
    0 the rightmost factor."""
    single = {"I": I2, **PAULI}
    n = h.n_qubits
    matrix = sp.csr_matrix((2**n, 2**n), dtype=complex)
    for t in h.terms:
        ops = ["I"] * n
        for p, q in zip(t.paulis, t.qubits):
            ops[q] = p
        term = sp.identity(1, format="csr", dtype=complex)
        for p in reversed(ops):
            term = sp.kron(term, sp.csr_matrix(single[p].astype(complex)), format="csr")
        matrix = matrix + t.coeff * term
    return matrix.tocsr()


def old_sparse_energy(h: PauliHamiltonian, psi: np.ndarray) -> float:
    """H psi as before issue 10 (scipy's sparse product, no BLAS), then Re <psi|H psi> as the
    einsum of the interleaved re, im pairs (the module's order)."""
    h_psi = old_sparse_h(h) @ psi
    return float(np.einsum("i,i->", psi.view(np.float64), h_psi.view(np.float64), optimize=False))


def order_bloch(psi: np.ndarray, n: int) -> np.ndarray:
    """Each qubit's halves taken with np.take (as before issue 10), rho_q[0,1] and the halves'
    norms summed in the module's order: Re and Im of conj(a1) a0 from real products, the norms
    as sums of re^2 + im^2 over the index order of the halves."""
    tensor = psi.reshape((2,) * n)
    p = (psi.real * psi.real + psi.imag * psi.imag).reshape((2,) * n)
    out = np.empty((n, 3))
    for q in range(n):
        a0 = np.take(tensor, 0, axis=n - 1 - q)
        a1 = np.take(tensor, 1, axis=n - 1 - q)
        re = np.add.reduce((a1.real * a0.real + a1.imag * a0.imag).ravel())
        im = np.add.reduce((a1.real * a0.imag - a1.imag * a0.real).ravel())
        halves = p.reshape(1 << (n - 1 - q), 2, 1 << q)
        out[q] = (2 * re, -2 * im, halves[:, 0].sum() - halves[:, 1].sum())
    return out


@pytest.mark.parametrize(
    ("n", "block_bits", "seed"),
    [(1, 16, 0), (3, 16, 1), (5, 2, 2), (6, 3, 3), (8, 4, 4), (10, 5, 5), (10, 16, 6)],
)
def test_estimates_match_dense_kronecker_products(n: int, block_bits: int, seed: int) -> None:
    h = ring_tfim(n) if seed % 2 == 0 and n >= 3 else random_hamiltonian(n, 3 * n, seed)
    psi = random_state(n, seed)
    got = StatevectorEstimator(h, block_bits).estimate(psi)
    assert got.energy == pytest.approx(np.vdot(psi, dense(h) @ psi).real, abs=1e-12)
    for q in range(n):
        for k, p in enumerate((X, Y, Z)):
            assert got.bloch[q, k] == pytest.approx(
                np.vdot(psi, _op(n, {q: p}) @ psi).real, abs=1e-12
            )
    assert got.entropy == pytest.approx(scipy_entropy(np.abs(psi) ** 2), abs=1e-12)


def test_identity_and_empty_hamiltonians() -> None:
    psi = random_state(4, 9)
    with_identity = PauliHamiltonian.from_terms(4, [("", (), 2.5), ("Z", (3,), 1.0)])
    got = StatevectorEstimator(with_identity, 2).estimate(psi)
    assert got.energy == pytest.approx(2.5 + np.vdot(psi, _op(4, {3: Z}) @ psi).real, abs=1e-12)
    assert StatevectorEstimator(PauliHamiltonian(4, ()), 2).estimate(psi).energy == 0.0


def test_a_basis_state_has_zero_entropy_and_a_unit_bloch_vector() -> None:
    psi = np.zeros(2**5, dtype=complex)
    psi[0b10110] = 1.0
    got = StatevectorEstimator(ring_tfim(5), 2).estimate(psi)
    assert got.entropy == 0.0
    np.testing.assert_array_equal(got.bloch[:, 2], [1, -1, -1, 1, -1])
    assert got.energy == pytest.approx(np.vdot(psi, dense(ring_tfim(5)) @ psi).real, abs=1e-12)


@pytest.mark.parametrize("seed", [0, 1])
def test_one_block_is_the_sparse_product_in_the_documented_order_and_blocks_to_1e_12(
    seed: int,
) -> None:
    n = 12
    h = ring_tfim(n) if seed == 0 else random_hamiltonian(n, 30, seed)
    psi = random_state(n, 10 + seed)
    whole = StatevectorEstimator(h, block_bits=16).estimate(psi)
    old_energy = old_sparse_energy(h, psi)
    assert whole.energy == old_energy  # one block: H psi as before, summed in the module's order
    np.testing.assert_allclose(whole.bloch, order_bloch(psi, n), rtol=0, atol=1e-15)
    p = psi.real * psi.real + psi.imag * psi.imag
    assert whole.entropy == -float(np.einsum("i,i->", p, np.log(p), optimize=False))
    blocked = StatevectorEstimator(h, block_bits=8).estimate(psi)
    assert abs(blocked.energy - old_energy) <= 1e-12
    np.testing.assert_allclose(blocked.bloch, whole.bloch, rtol=0, atol=1e-12)
    assert abs(blocked.entropy - whole.entropy) <= 1e-12


def test_extra_memory_stays_near_one_block() -> None:
    # n = 14: the bound (a quarter of the 256 KiB state) stands far above what a call needs
    # (~11 KiB: 2^6-amplitude blocks) and what other threads of an xdist worker allocate while
    # tracemalloc counts (a full-suite run measured 16.6 KiB at n = 12 against a 16 KiB bound)
    n, c = 14, 6
    h = ring_tfim(n)
    psi = random_state(n, 3)
    # one estimate first: what a process allocates once and keeps (numpy's void dtypes of the
    # short-run copies, einsum's parsed subscripts: 7-10 KiB here) is not a call's extra
    # memory, and whether an earlier test in the same process paid it decided the peak
    StatevectorEstimator(h, c).estimate(psi)
    estimator = StatevectorEstimator(h, c)
    tracemalloc.start()
    try:
        estimator.estimate(psi)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # masks + accumulator + halves of one block, not a copy of the state
    assert peak < psi.nbytes / 4


def test_refuses_a_wrong_shape_or_precision() -> None:
    estimator = StatevectorEstimator(ring_tfim(3))
    with pytest.raises(ValueError, match="complex128"):
        estimator.estimate(np.ones(8, dtype=np.complex64))
    with pytest.raises(ValueError, match="shape"):
        estimator.estimate(np.ones(4, dtype=complex))


@pytest.mark.parametrize("seed", [0, 1])
def test_threads_give_the_serial_bits(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: blocks computed in threads, partial sums combined in block order: the same
    bits as one thread, at a size that is split into many blocks and runs of blocks."""
    n = 18
    h = ring_tfim(n) if seed == 0 else random_hamiltonian(n, 40, seed)
    psi = random_state(n, 20 + seed)
    serial = StatevectorEstimator(h, block_bits=10, workers=1).estimate(psi)
    threads: set[str] = set()
    block = StatevectorEstimator._block

    def seen(self, blocks, h, work):
        threads.add(threading.current_thread().name)
        return block(self, blocks, h, work)

    monkeypatch.setattr(StatevectorEstimator, "_block", seen)
    assert 1 << n >= statevector.PARALLEL_AMPLITUDES  # so the threaded path runs
    assert (1 << (n - 10)) // statevector.BLOCKS_PER_TASK >= 3  # several runs per thread
    for workers in (2, 3):
        estimator = StatevectorEstimator(h, block_bits=10, workers=workers)
        for _ in range(2):  # the work arrays are reused by the second call
            threaded = estimator.estimate(psi)
            assert threaded.energy == serial.energy
            assert threaded.entropy == serial.entropy
            assert threaded.bloch.tobytes() == serial.bloch.tobytes()
    assert len({t for t in threads if t.startswith("statevector")}) >= 2  # threads did run


def state_with_zeros(n: int, seed: int) -> np.ndarray:
    """A random state with exact zeros: whole amplitudes, real or imaginary parts, -0.0."""
    psi = random_state(n, seed)
    psi[::3] = 0
    psi[1::5] = psi[1::5].real - 0.0j
    psi[2::7] = 1j * psi[2::7].imag
    psi[4::11] = complex(-0.0, -0.0)
    return psi / np.linalg.norm(psi)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_blocks_h_psi_is_the_sparse_product_bit_for_bit(seed: int) -> None:
    """Issue 25: rows in short runs are gathered, multiplied and scattered back; every block's
    H psi (64 blocks of 2^6: flips and selections of every low bit, high partners) is still
    the pre-issue-10 sparse product's, byte for byte, zeros and their signs included."""
    n, c = 12, 6
    h = ring_tfim(n) if seed == 0 else random_hamiltonian(n, 40, seed)
    psi = state_with_zeros(n, 30 + seed) if seed != 1 else random_state(n, 30)
    expected = (old_sparse_h(h) @ psi).reshape(-1, 1 << c)
    estimator = StatevectorEstimator(h, block_bits=c, workers=1)
    blocks = psi.reshape(-1, 1 << c)
    work = estimator._work.get()
    for b in range(blocks.shape[0]):
        got = estimator._h_times(blocks, b, work)
        assert got.tobytes() == expected[b].tobytes(), f"block {b}"
