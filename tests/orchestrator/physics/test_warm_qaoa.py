"""Warm-started depth-1 QAOA (design §28) against independent answers: the product formula
for the preparation's amplitudes, Qiskit's own circuit simulation (``qiskit.quantum_info``:
RY, RZ and RZZ gates, its own qubit order) for the whole layer, an exact eigendecomposition
for the mixer's ground state, and the full state vector for the light-cone expectation."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from orchestrator.physics.warm_qaoa import (
    expected_cut,
    mixer_matrices,
    optimal_angles,
    product_state,
    sample_bits,
    statevector,
    tilt_angles,
    warm_values,
)

N = 6
EDGES = [(0, 1, 0.3), (1, 2, 0.9), (2, 0, 0.5), (2, 3, 0.7), (3, 4, 0.2), (4, 5, 1.0),
         (5, 3, 0.4), (0, 5, 0.8)]


def _theta(seed: int = 0) -> np.ndarray:
    c = warm_values(np.random.default_rng(seed).random(N), 0.1)
    return tilt_angles(c)


def test_warm_values_clip_to_epsilon_and_refuse_bad_input() -> None:
    c = warm_values([0.0, 1.0, 0.4, 0.9], 0.25)
    np.testing.assert_array_equal(c, [0.25, 0.75, 0.4, 0.75])
    np.testing.assert_array_equal(warm_values([0, 1, 0.3], 0.5), [0.5, 0.5, 0.5])
    for bad, eps in (([0.2], 0.6), ([0.2], -0.1), ([1.2], 0.25), ([np.nan], 0.25)):
        with pytest.raises(ValueError):
            warm_values(bad, eps)


def test_the_preparation_is_the_product_formula() -> None:
    theta = _theta(1)
    psi = product_state(theta)
    for index in range(2**N):
        bits = [(index >> q) & 1 for q in range(N)]
        expected = np.prod([np.sin(t / 2) if b else np.cos(t / 2) for t, b in zip(theta, bits)])
        assert psi[index] == pytest.approx(expected, abs=1e-15)
    c = np.sin(theta / 2) ** 2  # P(x_q = 1) = c_q
    marg = [(np.abs(psi) ** 2)[[(i >> q) & 1 == 1 for i in range(2**N)]].sum() for q in range(N)]
    np.testing.assert_allclose(marg, c, atol=1e-14)


def test_the_mixer_ground_state_is_the_tilted_qubit() -> None:
    theta = _theta(2)
    beta = 0.37
    m = mixer_matrices(theta, np.array([beta]))[0]
    for q, t in enumerate(theta):
        # H_q = -(sin t X + cos t Z): exp(-i beta H_q) must be the mixer, |phi_q> its ground
        h = -(np.sin(t) * np.array([[0, 1], [1, 0]]) + np.cos(t) * np.array([[1, 0], [0, -1]]))
        w, v = np.linalg.eigh(h)
        ground = v[:, 0] * np.sign(v[0, 0])
        np.testing.assert_allclose(ground, [np.cos(t / 2), np.sin(t / 2)], atol=1e-14)
        expm = v @ np.diag(np.exp(-1j * beta * w)) @ v.conj().T
        np.testing.assert_allclose(m[q], expm, atol=1e-14)
    # the whole mixer leaves |phi> alone up to a phase: it is H_M's ground state
    psi = statevector([], N, theta, 0.0, beta)
    phi = product_state(theta)
    assert abs(np.vdot(phi, psi)) == pytest.approx(1.0, abs=1e-13)


def _qiskit_layer(theta: np.ndarray, gamma: float, beta: float, plus: bool) -> np.ndarray:
    from qiskit import QuantumCircuit
    from qiskit.quantum_info import Statevector

    qc = QuantumCircuit(N)
    for q, t in enumerate(theta):
        if plus:
            qc.h(q)
        else:
            qc.ry(t, q)
    for i, j, w in EDGES:  # exp(-i gamma w [x_i != x_j]) = exp(-i gamma w / 2) RZZ(-gamma w)
        qc.rzz(-gamma * w, i, j)
    for q, t in enumerate(theta):
        if plus:
            qc.rx(-2 * beta, q)  # exp(i beta X)
        else:
            qc.ry(-t, q)
            qc.rz(-2 * beta, q)
            qc.ry(t, q)
    return Statevector(qc).data


def _same_up_to_phase(a: np.ndarray, b: np.ndarray, atol: float) -> None:
    k = int(np.argmax(np.abs(b)))
    np.testing.assert_allclose(a * (b[k] / a[k]) / abs(b[k] / a[k]), b, atol=atol)


@pytest.mark.parametrize("gamma, beta", [(0.0, 0.0), (0.8, 0.3), (2.1, 2.9)])
def test_the_layer_matches_qiskit_warm_and_standard(gamma: float, beta: float) -> None:
    theta = _theta(3)
    _same_up_to_phase(statevector(EDGES, N, theta, gamma, beta),
                      _qiskit_layer(theta, gamma, beta, plus=False), 1e-12)
    plus = tilt_angles(warm_values(np.random.default_rng(4).random(N), 0.5))
    np.testing.assert_allclose(plus, np.pi / 2, rtol=0, atol=1e-15)  # eps = 1/2: all c = 1/2
    _same_up_to_phase(statevector(EDGES, N, plus, gamma, beta),
                      _qiskit_layer(plus, gamma, beta, plus=True), 1e-12)


def test_epsilon_one_half_is_standard_qaoa_to_round_off() -> None:
    bits = np.array([1, 0, 1, 1, 0, 0])
    warm = tilt_angles(warm_values(bits, 0.5))
    std = np.full(N, np.pi / 2)
    for gamma, beta in itertools.product((0.4, 1.3), (0.2, 1.9)):
        a, b = statevector(EDGES, N, warm, gamma, beta), statevector(EDGES, N, std, gamma, beta)
        np.testing.assert_allclose(a, b, atol=1e-15)
        assert expected_cut(EDGES, N, warm, gamma, beta)[0] == pytest.approx(
            expected_cut(EDGES, N, std, gamma, beta)[0], abs=1e-14)


def test_the_light_cone_expectation_is_the_full_state_vectors() -> None:
    theta = _theta(5)
    idx = np.arange(2**N)
    cut = sum(w * (((idx >> i) ^ (idx >> j)) & 1) for i, j, w in EDGES)
    gammas, betas = np.array([0.0, 0.5, 1.7, 4.0]), np.array([0.0, 0.9, 0.2, 2.5])
    cones = expected_cut(EDGES, N, theta, gammas, betas)
    for g, b, value in zip(gammas, betas, cones, strict=True):
        full = np.abs(statevector(EDGES, N, theta, g, b)) ** 2 @ cut
        assert value == pytest.approx(full, abs=1e-12)
    # at gamma = beta = 0 it is the product state's: sum w (c_i (1 - c_j) + c_j (1 - c_i))
    c = np.sin(theta / 2) ** 2
    assert cones[0] == pytest.approx(sum(w * (c[i] * (1 - c[j]) + c[j] * (1 - c[i]))
                                         for i, j, w in EDGES), abs=1e-13)


def test_the_chosen_angles_beat_every_grid_point_and_sampling_follows_the_state() -> None:
    theta = np.full(N, np.pi / 2)
    best = optimal_angles(EDGES, N, theta, grid=24)
    gs, bs = np.meshgrid(np.linspace(0, 2 * np.pi, 61), np.linspace(0, np.pi, 31))
    assert best.expected_cut >= expected_cut(EDGES, N, theta, gs.ravel(), bs.ravel()).max() - 1e-3
    assert best.expected_cut > sum(w for *_, w in EDGES) / 2  # better than |+>^n alone
    psi = statevector(EDGES, N, theta, best.gamma, best.beta)
    bits = sample_bits(psi, N, 200_000, np.random.default_rng(0))
    idx = bits @ (1 << np.arange(N))
    freq = np.bincount(idx, minlength=2**N) / len(idx)
    p = np.abs(psi) ** 2
    assert np.abs(freq - p).max() < 5 * np.sqrt(p.max() / len(idx))  # 5 sigma


def test_a_state_vector_past_the_limit_is_refused_in_one_line() -> None:
    with pytest.raises(ValueError, match="at most 24 qubits"):
        product_state(np.zeros(30))
