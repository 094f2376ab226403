"""The neurons' noise current (``spiking.noise``), drawn the same way on every spiking backend.

Model (``orchestrator.contract.noise_config``; design §19), V in mV, rest 0::

    tau_m dV/dt = -V + I + eta(t)
    white:  eta = sigma sqrt(2 tau_m) xi(t)
    ou:     tau_n d eta/dt = -eta + s sqrt(2 tau_n) xi(t),   s = sigma sqrt((tau_m + tau_n) / tau_n)

Discretisation over a step dt, with e = exp(-dt/tau_m) and dv = 1 - e (``common.lif.decay``):
the noise is a current i_k held over step k, entering V exactly as the drive does::

    V <- (I + i_k) + (V - I - i_k) e            (Lava: injected input (I + i_k) dv)

    white:  i_k = sigma sqrt((1 + e) / (1 - e)) z_k
    ou:     eta <- a eta + s sqrt(1 - a^2) z_k,  a = exp(-dt/tau_n);   i_k = eta (the new value)

White: i_k dv = sigma sqrt(1 - e^2) z_k, the exact transition of the free membrane potential
(an OU process of stationary standard deviation sigma), for any dt. OU: the exact update of
eta, which is then held over the step (zero-order hold): the free V's stationary variance is
sigma^2 (1 + O(dt / min(tau_m, tau_n))) (design §19 has the exact discrete value).

Random numbers, the same on every backend: z_k, shape (N,), neuron i the i-th entry, is the
next ``standard_normal(N)`` (float64) of the generator of the tick that step k belongs to,
``numpy.random.default_rng(SeedSequence([seed, 0, tick]))`` (PCG64), one draw per step in step
order; a network at rest starts its OU current stationary, eta_0 = s standard_normal(N) of
``default_rng(SeedSequence([seed, 1]))``. So the noise of step j of tick k is a pure function
of (seed, k, j): a checkpoint holds no generator state, only eta (kind ou) and the tick count
it holds anyway, and a restored network draws exactly what the uninterrupted one drew. Nothing
of size N x steps is ever built or handed across: each backend draws one step at a time where
its neurons are updated (Brian2's network operation; the Lava neuron model's own process).
"""

from __future__ import annotations

import math
from typing import final

import numpy as np

from backends.neuromorphic.common.lif import decay
from orchestrator.contract.spiking import NeuronNoise

__all__ = ["NoiseSource", "initial_eta", "tick_generator"]

_TICK_KEY = 0  # SeedSequence([seed, 0, tick]): the generator of one tick's steps
_INIT_KEY = 1  # SeedSequence([seed, 1]): the OU current of a network at rest


def tick_generator(seed: int, tick: int) -> np.random.Generator:
    """The generator of the noise of tick ``tick`` (its steps' z, in order)."""
    return np.random.default_rng(np.random.SeedSequence([seed, _TICK_KEY, tick]))


def _eta_std(noise: NeuronNoise, tau_m_ms: float) -> float:
    """s: the stationary standard deviation of the OU current, mV."""
    assert noise.tau_ms is not None
    return noise.sigma_mv * math.sqrt((tau_m_ms + noise.tau_ms) / noise.tau_ms)


def initial_eta(noise: NeuronNoise, n: int, tau_m_ms: float) -> np.ndarray:
    """The OU current of a network at rest, drawn from its stationary law (kind ou only)."""
    if noise.kind != "ou":
        raise ValueError("white noise has no current state")
    rng = np.random.default_rng(np.random.SeedSequence([noise.seed, _INIT_KEY]))
    return _eta_std(noise, tau_m_ms) * rng.standard_normal(n)


@final
class NoiseSource:
    """The noise currents of one population of ``n`` neurons, step after step (module doc).

    One per backend, used by the thread or process that updates the neurons. ``current(step,
    eta)`` for absolute steps in order; a network may begin (or be restored) at a tick's first
    step only.
    """

    def __init__(
        self,
        noise: NeuronNoise,
        *,
        n: int,
        tau_m_ms: float,
        dt_ms: float,
        steps_per_tick: int,
    ) -> None:
        self.noise = noise
        self._n = n
        self._spt = steps_per_tick
        if noise.kind == "white":
            dv = decay(dt_ms, tau_m_ms)
            self._a = 0.0
            self._gain = noise.sigma_mv * math.sqrt((2.0 - dv) / dv)  # sqrt((1 + e) / (1 - e))
        else:
            assert noise.tau_ms is not None
            self._a = math.exp(-dt_ms / noise.tau_ms)
            spread = math.sqrt(-math.expm1(-2 * dt_ms / noise.tau_ms))  # sqrt(1 - a^2)
            self._gain = _eta_std(noise, tau_m_ms) * spread
        self._rng: np.random.Generator | None = None
        self._tick = -1
        self._next = 0  # the step of the tick expected next

    @property
    def stateful(self) -> bool:
        """Whether the noise has a current state (``eta``, kind ou) that checkpoints hold."""
        return self.noise.kind == "ou"

    def current(self, step: int, eta: np.ndarray | None = None) -> np.ndarray:
        """The noise current held over absolute step ``step`` (0-based), mV, shape (n,).

        kind ou: ``eta`` (the OU current, shape (n,)) is updated in place and returned.
        Raises RuntimeError when steps come out of order (the numbers would differ).
        """
        tick, j = divmod(step, self._spt)
        if tick != self._tick:
            if j != 0:
                raise RuntimeError(f"noise: step {step} is not the first step of tick {tick}")
            self._rng, self._tick, self._next = tick_generator(self.noise.seed, tick), tick, 0
        if j != self._next:
            raise RuntimeError(f"noise: step {step} comes out of order (expected step {j})")
        self._next = j + 1
        assert self._rng is not None
        z = self._rng.standard_normal(self._n)
        if self.noise.kind == "white":
            return self._gain * z
        assert eta is not None
        eta[:] = self._a * eta + self._gain * z
        return eta
