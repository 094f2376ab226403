"""The exact memory engine: partial trace against analytic cases, rho_memory against the closed
form of orchestrator.physics.memory written out independently here."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st
from qiskit.quantum_info import DensityMatrix, Statevector

from backends.quantum.memory_exact.backend import DensityMatrixMemory, trace_environment
from orchestrator.contract.memory_config import MemoryConfig
from orchestrator.physics.hopfield import hebbian_couplings
from orchestrator.physics.memory import analytic_overlaps


def _unused(program):  # the exact engine never opens a quantum backend
    raise AssertionError("the exact engine asked for a quantum backend")


def memory(patterns: np.ndarray, **options) -> DensityMatrixMemory:
    m = DensityMatrixMemory(MemoryConfig(**options), patterns.shape[1], _unused)
    m.load(patterns)
    return m


def test_bell_pair_traces_to_the_maximally_mixed_qubit() -> None:
    bell = Statevector(np.array([1, 0, 0, 1]) / math.sqrt(2))
    rho = trace_environment(bell, 1)
    np.testing.assert_allclose(rho.data, np.eye(2) / 2, atol=1e-15)
    assert math.isclose(rho.purity().real, 0.5)


def test_product_state_gives_its_system_factor_back() -> None:
    rng = np.random.default_rng(3)
    system = rng.normal(size=4) + 1j * rng.normal(size=4)
    env = rng.normal(size=8) + 1j * rng.normal(size=8)
    system /= np.linalg.norm(system)
    env /= np.linalg.norm(env)
    rho = trace_environment(Statevector(np.kron(env, system)), 2)  # qubit 0 least significant
    np.testing.assert_allclose(rho.data, np.outer(system, system.conj()), atol=1e-14)


@settings(max_examples=40, deadline=None)
@given(
    n_sys=st.integers(1, 3),
    n_env=st.integers(1, 3),
    seed=st.integers(0, 2**32 - 1),
    mixed=st.booleans(),
)
def test_reduced_state_is_a_state_and_matches_an_einsum(n_sys, n_env, seed, mixed) -> None:
    rng = np.random.default_rng(seed)
    dim = 2 ** (n_sys + n_env)
    if mixed:
        a = rng.normal(size=(dim, dim)) + 1j * rng.normal(size=(dim, dim))
        full = a @ a.conj().T
        full /= np.trace(full)
        state = DensityMatrix(full)
    else:
        psi = rng.normal(size=dim) + 1j * rng.normal(size=dim)
        psi /= np.linalg.norm(psi)
        full = np.outer(psi, psi.conj())
        state = Statevector(psi)
    rho = trace_environment(state, n_sys).data
    ds = 2**n_sys
    t = full.reshape(dim // ds, ds, dim // ds, ds)  # (env, sys, env', sys')
    np.testing.assert_allclose(rho, np.einsum("eaeb->ab", t), atol=1e-12)
    assert math.isclose(np.trace(rho).real, 1.0, abs_tol=1e-12)
    np.testing.assert_allclose(rho, rho.conj().T, atol=1e-13)
    assert np.linalg.eigvalsh(rho).min() > -1e-12


def _mixture(j: np.ndarray, cue: np.ndarray, time: float) -> np.ndarray:
    """sum_c P(c) |psi_c><psi_c|, each psi_c the product of RY(2 t h_i)|+> (numpy only)."""
    n = j.shape[0]
    scale = np.abs(j).sum(axis=1).max()
    rho = np.zeros((2**n, 2**n), dtype=complex)
    for index in range(2**n):
        bits = (index >> np.arange(n)) & 1
        weight = np.prod(np.where(bits == 1, cue, 1 - cue))
        h = j @ (2 * bits - 1) / scale
        state = np.ones(1)
        for i in range(n):
            angle = 2 * time * h[i]  # RY(angle)|+>: Bloch (cos a, 0, -sin a)
            qubit = np.array([math.cos(angle / 2 + math.pi / 4), math.sin(angle / 2 + math.pi / 4)])
            state = np.kron(qubit, state)
        rho += weight * np.outer(state, state)
    return rho


def test_rho_memory_is_the_closed_form_mixture_for_soft_cues() -> None:
    rng = np.random.default_rng(11)
    patterns = rng.integers(0, 2, (3, 4)).astype(np.uint8)
    m = memory(patterns, time=0.6)
    for _ in range(3):
        cue = rng.uniform(0, 1, 4)
        rho = m.density_matrix(cue).data
        expected = _mixture(hebbian_couplings(patterns), cue, 0.6)
        np.testing.assert_allclose(rho, expected, atol=1e-10)
        reading = m.evolve(cue, seed=0)
        index = patterns.astype(int) @ (1 << np.arange(4))
        np.testing.assert_allclose(reading.overlaps, np.diag(expected).real[index], atol=1e-10)
        np.testing.assert_allclose(
            reading.overlaps, analytic_overlaps(hebbian_couplings(patterns), patterns, cue, 0.6)
        )
        assert math.isclose(reading.purity, np.trace(expected @ expected).real, abs_tol=1e-10)
        assert reading.purity < 1 - 1e-6  # a cue in superposition leaves rho_memory mixed


def test_a_basis_cue_leaves_rho_memory_pure() -> None:
    patterns = np.array([[1, 0, 1, 1, 0], [0, 0, 1, 0, 1]], dtype=np.uint8)
    reading = memory(patterns).evolve(np.array([1.0, 0, 1, 0, 0]), seed=0)
    assert math.isclose(reading.purity, 1.0, abs_tol=1e-12)


def test_one_stored_pattern_is_recalled_from_every_cue_with_few_flips() -> None:
    rng = np.random.default_rng(5)
    pattern = rng.integers(0, 2, 8).astype(np.uint8)
    m = memory(pattern[None, :])
    for flips in (0, 1, 2, 3):
        cue = pattern.copy()
        cue[rng.choice(8, flips, replace=False)] ^= 1
        # field h_i = s_i (7 - 2 k'_i) / 7 > 0 toward the pattern: every bit leans its way
        rho = m.density_matrix(cue.astype(float))
        probs = np.real(np.diag(rho.data))
        assert probs.argmax() == int(pattern.astype(int) @ (1 << np.arange(8)))


def test_a_tie_goes_to_the_first_stored_pattern_whatever_rounded_up() -> None:
    """[0,0,1,1] and [1,1,0,0] store the same couplings (s and -s), so a cue of rates 1/2
    overlaps both equally; the two overlaps come out one ulp apart, the later one larger when
    [0,0,1,1] is stored first. The recall takes the first stored within RECALL_TIE (issue 26),
    in either order, where a plain argmax took whichever rounded up."""
    for first, second in (([0, 0, 1, 1], [1, 1, 0, 0]), ([1, 1, 0, 0], [0, 0, 1, 1])):
        m = memory(np.array([first, second, [1, 0, 0, 1]], dtype=np.uint8))
        recall = m.recall(np.full(4, 0.5), seed=0)
        assert abs(recall.overlaps[0] - recall.overlaps[1]) < 1e-15
        assert recall.index == 0 and list(recall.pattern) == first
    tied = memory(np.array([[0, 0, 1, 1], [1, 1, 0, 0]], dtype=np.uint8))
    overlaps = tied.evolve(np.full(4, 0.5), seed=0).overlaps
    assert overlaps[1] > overlaps[0]  # the rounding a plain argmax would have followed
