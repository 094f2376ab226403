"""Small networks the pynn tests run on every backend alike."""

from __future__ import annotations

from typing import Any

import numpy as np

from orchestrator.contract.spiking import NetworkSpec
from orchestrator.run.assemble import draw_connectivity


def network(
    n: int,
    *,
    p: float = 0.0,
    w: float = 0.5,
    seed: int = 3,
    mixed: bool = False,
    **overrides: Any,
) -> NetworkSpec:
    """N neurons, synapses i -> j with probability p and weight w mV (with ``mixed``, every
    third one -w: inhibitory and excitatory projections both)."""
    pre, post, weights = draw_connectivity(n, p, w, seed)
    if mixed:
        weights = np.where(np.arange(weights.size) % 3 == 0, -weights, weights)
    fields: dict[str, Any] = {
        "n_neurons": n,
        "tau_m_ms": 20.0,
        "v_th_mv": 20.0,
        "v_reset_mv": 0.0,
        "refractory_ms": 2.0,
        "dt_ms": 0.1,
        "steps_per_tick": 100,
        "ticks": 10,
        "drive_mode": "current",
        "kick_cap_mv": 15.0,
        "pre": pre,
        "post": post,
        "weight_mv": weights,
    }
    return NetworkSpec(**{**fields, **overrides})


def drives(n: int, ticks: int, low: float = 10.0, high: float = 40.0, seed: int = 5) -> list:
    rng = np.random.default_rng(seed)
    return [rng.uniform(low, high, n) for _ in range(ticks)]
