"""det, Cholesky and eigenvalues in plain floats (issue 26) against LAPACK, and their edges."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orchestrator.physics import fixed_linalg


def _cases(count: int):
    rng = np.random.default_rng(7)
    for k in range(count):
        n = int(rng.integers(1, 14))
        a = rng.normal(size=(n, n))
        kind = k % 5
        if kind == 1:
            a = a + a.T  # real spectrum
        elif kind == 2:
            a = np.triu(a)  # the diagonal is the spectrum
        elif kind == 3:
            a = a * np.exp(rng.uniform(-6, 6, size=(n, 1)))  # badly scaled rows
        elif kind == 4:
            t = rng.uniform(0, 2 * math.pi)  # rotations: complex pairs of equal modulus
            turn = [[math.cos(t), -math.sin(t)], [math.sin(t), math.cos(t)]]
            a = np.kron(np.eye(max(n // 2, 1)), turn)
        yield a


def test_spectral_radius_and_eigenvalues_agree_with_lapack() -> None:
    for a in _cases(400):
        reference = np.linalg.eigvals(a)
        got = np.array(fixed_linalg.eigenvalues(a))
        assert got.size == a.shape[0]
        rho = float(np.max(np.abs(reference)))
        assert fixed_linalg.spectral_radius(a) == pytest.approx(rho, rel=1e-10, abs=1e-13)
        # the same multiset: every reference eigenvalue has a computed one nearby
        scale = max(rho, 1.0)
        for value in reference:
            assert np.min(np.abs(got - value)) <= 1e-7 * scale


def test_slogdet_agrees_with_lapack_and_finds_singular_matrices() -> None:
    for a in _cases(200):
        sign, logdet = np.linalg.slogdet(a)
        got_sign, got_logdet = fixed_linalg.slogdet(a)
        assert got_sign == sign
        assert got_logdet == pytest.approx(logdet, rel=1e-10, abs=1e-10)
    assert fixed_linalg.slogdet(np.array([[1.0, 2.0], [2.0, 4.0]])) == (0.0, -math.inf)
    assert fixed_linalg.slogdet(np.zeros((0, 0))) == (1.0, 0.0)


def test_cholesky_reproduces_the_matrix_and_refuses_an_indefinite_one() -> None:
    rng = np.random.default_rng(3)
    a = rng.normal(size=(9, 9))
    spd = a @ a.T + np.eye(9)
    low = fixed_linalg.cholesky(spd)
    np.testing.assert_allclose(low @ low.T, spd, rtol=1e-13, atol=1e-12)
    np.testing.assert_allclose(low, np.linalg.cholesky(spd), rtol=1e-12, atol=1e-13)
    assert np.all(np.triu(low, 1) == 0)
    with pytest.raises(ValueError, match="positive definite"):
        fixed_linalg.cholesky(np.array([[1.0, 2.0], [2.0, 1.0]]))


def test_edges_of_the_eigenvalue_routine() -> None:
    assert fixed_linalg.eigenvalues(np.zeros((0, 0))) == []
    assert fixed_linalg.spectral_radius(np.zeros((0, 0))) == 0.0
    assert fixed_linalg.eigenvalues(np.array([[3.0]])) == [3 + 0j]
    assert fixed_linalg.spectral_radius(np.zeros((4, 4))) == 0.0
    assert fixed_linalg.spectral_radius(np.eye(5) * -2.5) == 2.5
    with pytest.raises(ValueError, match="square"):
        fixed_linalg.eigenvalues(np.ones((2, 3)))
    with pytest.raises(ValueError, match="non-finite"):
        fixed_linalg.slogdet(np.array([[np.nan]]))
