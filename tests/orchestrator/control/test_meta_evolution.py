"""Meta-evolution (control/meta_evolution.py, §8): with eta_Q = 0 it is gradient descent on
L_N step for step; with eta_N = 0 the mutations have the configured covariance."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import scipy.stats
import yaml

from orchestrator.config import load_config
from orchestrator.control.meta_evolution import cholesky_factor, mutation, quantum_generator
from orchestrator.run.seeds import Stream, derive_seed
from tests.conftest import ASSETS
from tests.loops import loop_ticks

FALSE_ALARM = 1e-3
COVARIANCE = np.array([[0.04, 0.01, 0.0], [0.01, 0.09, -0.02], [0.0, -0.02, 0.25]])


def _thetas(tmp_path, learning: dict, ticks: int = 6) -> list[dict]:
    data = yaml.safe_load((ASSETS / "small.yaml").read_text())
    data["learning"] = {"params": ["angles", "beta"], "epoch_ticks": 1, **learning}
    data["run"]["ticks"] = ticks
    path = tmp_path / "learn.yaml"
    path.write_text(yaml.safe_dump(data))
    cfg = load_config(path)
    return [record.fields["learning"] for record in loop_ticks(cfg, ticks)]


def test_with_eta_q_zero_it_is_gradient_descent_on_the_neural_loss(tmp_path) -> None:
    eta = 0.02
    zero = {"energy": 0.0, "neural": 0.0, "phase": 0.0, "target_rate_hz": 300.0}
    meta = _thetas(
        tmp_path,
        {"optimizer": "sgd", "lr": 0.0, "loss": zero, "meta": {"eta_q": 0.0, "eta_n": eta}},
    )
    descent = _thetas(tmp_path, {"optimizer": "sgd", "lr": eta, "loss": {**zero, "neural": 1.0}})
    assert [m["theta"] for m in meta] == [d["theta"] for d in descent]
    assert all(m["grad_norm"]["neural"] > 0 for m in meta)  # the steps were not empty
    moved = [m["theta"][-1] for m in meta]  # beta
    assert len(set(moved)) == len(moved)


def test_with_eta_n_zero_theta_moves_by_the_seeded_mutation(tmp_path) -> None:
    """In the loop: each epoch's change of Theta is eta_Q C z, z from the epoch's seed."""
    eta_q = 0.5
    history = _thetas(
        tmp_path,
        {
            "optimizer": "sgd",
            "lr": 0.0,
            "loss": {"energy": 0.0},
            "meta": {"eta_q": eta_q, "eta_n": 0.0, "covariance": COVARIANCE.tolist()},
        },
        ticks=4,
    )
    factor = cholesky_factor(COVARIANCE)
    seed = 3  # small.yaml's run.seed
    for before, after in itertools.pairwise(history):
        rng = np.random.default_rng(derive_seed(seed, Stream.MUTATION, after["epoch"]))
        delta = np.array(after["theta"]) - np.array(before["theta"])
        np.testing.assert_allclose(delta, eta_q * mutation(factor, rng), rtol=0, atol=1e-12)


def _covariance_lrt(samples: np.ndarray, covariance: np.ndarray) -> tuple[float, float]:
    """Likelihood-ratio statistic of H0: samples ~ N(0, covariance), and its chi^2 threshold
    at FALSE_ALARM (m (tr S - ln det S - p) ~ chi^2 with p(p+1)/2 dof, S the whitened sample
    covariance about the known mean 0; Anderson 2003, §10.8)."""
    m, p = samples.shape
    whitened = np.linalg.solve(np.linalg.cholesky(covariance), samples.T).T
    s = whitened.T @ whitened / m
    statistic = m * (np.trace(s) - np.linalg.slogdet(s)[1] - p)
    return statistic, scipy.stats.chi2.ppf(1 - FALSE_ALARM, p * (p + 1) // 2)


@pytest.mark.parametrize("noise", ["seeded", "quantum"])
def test_mutations_have_the_configured_covariance(noise) -> None:
    """eta_Q eps_Q over 4000 epochs against eta_Q^2 Sigma_Q; false-alarm rate 1e-3. And the
    test has power: the same draws are refused against Sigma_Q scaled by 1.2."""
    eta_q, factor = 0.3, cholesky_factor(COVARIANCE)
    bits = np.random.default_rng(5)
    draws = []
    for epoch in range(4000):
        if noise == "seeded":
            rng = np.random.default_rng(derive_seed(3, Stream.MUTATION, epoch))
        else:  # bits of a 4-qubit tick, 256 shots, 3 bases (a stand-in for a backend's)
            rng = quantum_generator(
                [bits.integers(0, 2, (256, 4), dtype=np.uint8) for _ in range(3)], epoch
            )
        draws.append(eta_q * mutation(factor, rng))
    samples = np.array(draws)
    statistic, threshold = _covariance_lrt(samples, eta_q**2 * COVARIANCE)
    assert statistic < threshold
    wrong, _ = _covariance_lrt(samples, 1.2 * eta_q**2 * COVARIANCE)
    assert wrong > threshold


def test_quantum_generator_depends_on_every_bit_and_the_epoch() -> None:
    bits = [np.zeros((8, 3), dtype=np.uint8)]
    flipped = [bits[0].copy()]
    flipped[0][5, 2] = 1
    a = quantum_generator(bits, 0).standard_normal(3)
    assert not np.array_equal(a, quantum_generator(flipped, 0).standard_normal(3))
    assert not np.array_equal(a, quantum_generator(bits, 1).standard_normal(3))
    np.testing.assert_array_equal(a, quantum_generator(bits, 0).standard_normal(3))
