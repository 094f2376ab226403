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


def test_phase_report_and_resonance_count() -> None:
    psi = np.array([1.0, 1j, -1.0, 1.0, 0.0])
    f = np.array([1.0, 1.0, 1.0, 0.0, 1.0])  # diffs 0, pi/2, pi; neuron 3 silent; psi 4 zero
    rep = coherence.phase_report(psi, f, math.pi / 4)
    assert np.allclose(sorted(np.abs(rep.diffs)), [0, math.pi / 2, math.pi])
    assert rep.violations == 2 and rep.silent == 1
    expected = math.atan2(
        np.mean(np.sin([0, math.pi / 2, math.pi])), np.mean(np.cos([0, math.pi / 2, math.pi]))
    )
    assert rep.avg_phase_diff == pytest.approx(expected)
    none = coherence.phase_report(psi, np.zeros(5), math.pi / 4)
    assert none.avg_phase_diff is None and none.violations == 0


def test_coherence_energy() -> None:
    psi = np.array([0.3 + 0.1j, -0.2j])
    assert coherence.coherence_energy(psi, psi, lambda_c=2.0) == pytest.approx(0.0)
    f = psi * np.exp(1j * math.pi / 2)
    distance = float(np.sum(np.abs(psi - f) ** 2))
    assert coherence.coherence_energy(psi, f, lambda_c=2.0) == pytest.approx(distance + 2.0)




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
        entropy(partial_trace(state, [k for k in range(n) if k != q]), base=np.e)
        for q in range(n)
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
