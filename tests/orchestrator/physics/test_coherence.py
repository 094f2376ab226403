"""H_coh, E_coh, phase checks and the ACE rule (spec §5, §6, §14)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from orchestrator.physics import coherence


def test_entropy_of_uniform_distribution_is_n_ln2() -> None:
    p = np.full(16, 1 / 16)
    plug, mm = coherence.entropy(p, shots=None)
    assert plug == pytest.approx(4 * math.log(2)) and mm == plug


def test_miller_madow_correction_reduces_the_bias() -> None:
    """Plug-in entropy of M samples of a uniform 256-outcome law is biased low; MM less so."""
    rng = np.random.default_rng(0)
    truth = 8 * math.log(2)
    plug_err, mm_err = [], []
    for _ in range(50):
        counts = np.bincount(rng.integers(0, 256, size=512), minlength=256)
        p = counts[counts > 0] / 512
        plug, mm = coherence.entropy(p, shots=512)
        plug_err.append(truth - plug)
        mm_err.append(truth - mm)
    assert np.mean(plug_err) > 0.2
    assert abs(np.mean(mm_err)) < np.mean(plug_err) / 2


def test_wrap_maps_into_half_open_interval() -> None:
    angles = np.array([np.pi, -np.pi, 3 * np.pi, 0.5, -7.0])
    out = coherence.wrap(angles)
    assert np.all(out > -np.pi) and np.all(out <= np.pi)
    assert np.allclose(np.exp(1j * out), np.exp(1j * angles))


def test_phase_report_by_hand() -> None:
    """Channels: diffs 0, pi/2, pi, a silent one, a zero psi, and 3pi/4 - (-3pi/4) = 3pi/2,
    which wraps to -pi/2. |d| = 0, pi/2, pi, pi/2: circular mean atan2(1/2, 0) = pi/2."""
    c = np.exp(0.75j * math.pi)
    psi = np.array([1.0, 1j, -1.0, 1.0, 0.0, c])
    f = np.array([1.0, 1.0, 1.0, 0.0, 1.0, np.conj(c)])
    rep = coherence.phase_report(psi, f, math.pi / 4)
    np.testing.assert_allclose(rep.diffs, [0.0, math.pi / 2, math.pi, -math.pi / 2], atol=1e-15)
    assert rep.avg_phase_diff == pytest.approx(math.pi / 2, abs=1e-15)
    assert (rep.violations, rep.silent) == (3, 1)
    # the bound is inclusive (|d| >= bound violates): at pi/2 still 3, just above it only pi
    assert coherence.phase_report(psi, f, math.pi / 2).violations == 3
    assert coherence.phase_report(psi, f, math.pi / 2 + 1e-9).violations == 1
    none = coherence.phase_report(psi, np.zeros(6), math.pi / 4)
    assert none.avg_phase_diff is None and (none.violations, none.silent) == (0, 6)


def test_coherence_energy_by_hand() -> None:
    """psi = (1/2, i/2, 3/10), F = (1/4, -1/4, 0):
    ||psi - F||^2 = 1/16 + (1/16 + 1/4) + 9/100 = 0.465; phase terms over the two channels
    with both phases: 1 - cos(0) = 0 and 1 - cos(pi/2 - pi) = 1, mean 1/2; lambda_c = 2."""
    psi = np.array([0.5, 0.5j, 0.3])
    f = np.array([0.25, -0.25, 0.0])
    assert coherence.coherence_energy(psi, f, lambda_c=2.0) == pytest.approx(0.465 + 1.0)
    assert coherence.coherence_energy(psi, f, lambda_c=0.0) == pytest.approx(0.465)
    # no channel with both phases: the distance alone
    assert coherence.coherence_energy(psi, np.zeros(3), lambda_c=2.0) == pytest.approx(0.59)


def test_bloch_entropies_equal_von_neumann_entropies_of_partial_traces() -> None:
    """Independent answer: qiskit's partial trace of a random entangled 4-qubit state, then the
    von Neumann entropy (nats) of each single-qubit reduced state."""
    from qiskit.quantum_info import Statevector, entropy, partial_trace

    from orchestrator.physics.measurement import bloch_exact

    n = 4
    rng = np.random.default_rng(8)
    psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    psi /= np.linalg.norm(psi)
    state = Statevector(psi)
    expected = [
        entropy(partial_trace(state, [k for k in range(n) if k != q]), base=np.e) for q in range(n)
    ]
    got = coherence.bloch_entropies(bloch_exact(psi, n))
    np.testing.assert_allclose(got, expected, atol=1e-10)
    assert min(expected) > 0.1  # entangled: every qubit is mixed
    assert coherence.mean_bloch_entropy(bloch_exact(psi, n)) == pytest.approx(
        np.mean(expected) / np.log(2), abs=1e-10
    )


def test_bloch_entropy_is_zero_for_pure_qubits_ln2_for_mixed_and_clips_long_vectors() -> None:
    bloch = np.array([[1.0, 0, 0], [0, 0, 0], [0.9, 0.9, 0.9], [0, 0.6, 0.8]])
    got = coherence.bloch_entropies(bloch)
    np.testing.assert_allclose(got, [0.0, np.log(2), 0.0, 0.0], atol=1e-15)
