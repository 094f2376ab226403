"""exp(-i H t) by the fixed-order Taylor series (issue 26) against scipy's dense expm."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg as la
import scipy.sparse as sp

from orchestrator.physics.evolution import taylor_evolution
from tests.orchestrator.physics.test_statevector import random_hamiltonian, ring_tfim


@pytest.mark.parametrize(("n", "time"), [(1, 0.3), (3, 0.25), (6, 2.0), (8, 0.25), (5, 7.5)])
def test_agrees_with_the_dense_exponential(n: int, time: float) -> None:
    h = ring_tfim(n) if n >= 3 else random_hamiltonian(n, 3, n)
    rng = np.random.default_rng(n)
    states = rng.normal(size=(2**n, 4)) + 1j * rng.normal(size=(2**n, 4))
    expected = la.expm(-1j * time * h.to_sparse().toarray()) @ states
    got = taylor_evolution(h.to_sparse(), time)(states)
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-12 * max(1.0, time))


def test_a_vector_a_zero_hamiltonian_and_the_callers_array() -> None:
    h = ring_tfim(4).to_sparse()
    psi = np.zeros(16, dtype=complex)
    psi[3] = 1.0
    kept = psi.copy()
    out = taylor_evolution(h, 0.4)(psi)
    np.testing.assert_array_equal(psi, kept)  # never touched
    np.testing.assert_allclose(out, la.expm(-0.4j * h.toarray()) @ psi, atol=1e-13)
    zero = sp.csr_matrix((16, 16), dtype=complex)
    np.testing.assert_array_equal(taylor_evolution(zero, 3.0)(psi), psi)
    # a diagonal shift: exp(-i c t) exactly as a phase, through the shift mu
    shifted = taylor_evolution(sp.identity(16, format="csr") * 2.0, 0.5)(psi)
    np.testing.assert_allclose(shifted, np.exp(-1j) * psi, atol=1e-15)
