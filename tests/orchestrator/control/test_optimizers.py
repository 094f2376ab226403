"""SGD and Adam (control/optimizers.py) against Kingma & Ba's closed forms; state round trip."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.control.optimizers import Adam, Sgd


def test_sgd_is_a_plain_step() -> None:
    np.testing.assert_allclose(
        Sgd(0.1).step(np.array([1.0, -2.0]), np.array([3.0, 4.0])), [0.7, -2.4]
    )


def test_adam_first_step_is_lr_times_the_sign() -> None:
    """After bias correction m_hat = g, v_hat = g^2: the first step is lr g / (|g| + eps)."""
    adam = Adam(0.05, 0.9, 0.999, 1e-8, 3)
    g = np.array([3.0, -0.002, 0.0])
    np.testing.assert_allclose(adam.step(np.zeros(3), g), -0.05 * g / (np.abs(g) + 1e-8))


def test_adam_matches_the_recurrence_written_out() -> None:
    rng = np.random.default_rng(0)
    grads = rng.normal(size=(5, 2))
    adam = Adam(0.01, 0.8, 0.99, 1e-6, 2)
    theta = np.array([0.5, -0.5])
    m = v = np.zeros(2)
    expected = theta.copy()
    for t, g in enumerate(grads, start=1):
        theta = adam.step(theta, g)
        m, v = 0.8 * m + 0.2 * g, 0.99 * v + 0.01 * g * g
        expected = expected - 0.01 * (m / (1 - 0.8**t)) / (np.sqrt(v / (1 - 0.99**t)) + 1e-6)
    np.testing.assert_allclose(theta, expected, rtol=1e-12)


def test_adam_state_round_trip_continues_the_same_steps() -> None:
    a, b = Adam(0.1, 0.9, 0.999, 1e-8, 2), Adam(0.1, 0.9, 0.999, 1e-8, 2)
    theta = np.array([1.0, 2.0])
    for g in ([1.0, -1.0], [0.5, 0.2]):
        theta = a.step(theta, np.array(g))
    b.restore(a.state())
    g = np.array([-0.3, 0.7])
    assert b.step(theta, g) == pytest.approx(a.step(theta, g))
