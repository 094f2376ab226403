"""The learning rule's optimisers (spec §7, issue 12): SGD and Adam, state as arrays.

    SGD:   Theta <- Theta - lr g
    Adam:  m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2,   t <- t + 1,
           Theta <- Theta - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
           (Kingma & Ba 2015, Algorithm 1)

The state is plain arrays (``state``/``restore``), checkpointed with the learning rule, so a
resumed or rolled-back run continues the same sequence of steps.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import final

import numpy as np

from orchestrator.config.learning import LearningConfig

__all__ = ["Adam", "Optimizer", "Sgd", "make_optimizer"]


class Optimizer(ABC):
    """One step of a first-order optimiser over a parameter vector of fixed size."""

    @abstractmethod
    def step(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """The parameters after one step along ``grad`` (the state advances)."""

    def state(self) -> dict[str, np.ndarray]:
        """Named arrays to checkpoint; default none."""
        return {}

    def restore(self, arrays: Mapping[str, np.ndarray]) -> None:  # noqa: B027 - stateless default
        """Continue from a ``state()``."""


@final
class Sgd(Optimizer):
    """Plain gradient descent, no state."""

    def __init__(self, lr: float) -> None:
        self.lr = lr

    def step(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        return theta - self.lr * grad


@final
class Adam(Optimizer):
    """Adam with bias correction; state m, v (shape of Theta) and t (steps taken)."""

    def __init__(self, lr: float, beta1: float, beta2: float, eps: float, size: int) -> None:
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.m = np.zeros(size)
        self.v = np.zeros(size)
        self.t = 0

    def step(self, theta: np.ndarray, grad: np.ndarray) -> np.ndarray:
        self.t += 1
        self.m = self.beta1 * self.m + (1 - self.beta1) * grad
        self.v = self.beta2 * self.v + (1 - self.beta2) * grad**2
        m_hat = self.m / (1 - self.beta1**self.t)
        v_hat = self.v / (1 - self.beta2**self.t)
        return theta - self.lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def state(self) -> dict[str, np.ndarray]:
        return {"m": self.m.copy(), "v": self.v.copy(), "t": np.array([self.t], dtype=np.int64)}

    def restore(self, arrays: Mapping[str, np.ndarray]) -> None:
        self.m = np.array(arrays["m"], dtype=float)
        self.v = np.array(arrays["v"], dtype=float)
        self.t = int(np.asarray(arrays["t"])[0])


def make_optimizer(config: LearningConfig, size: int) -> Optimizer:
    """The optimiser ``learning.optimizer`` names, for a Theta of ``size`` entries."""
    if config.optimizer == "adam":
        beta1, beta2 = config.adam_betas
        return Adam(config.lr, beta1, beta2, config.adam_eps, size)
    return Sgd(config.lr)
