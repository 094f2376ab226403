"""The annealer on a Loihi 2 chip: lava-optimization's QUBO solver, one solve per tick.

lava-optimization 0.5.0 (PyPI; it pins lava-nc 0.10.0 and networkx <= 2.8, so it is not in the
project's lock) is the field's own QUBO solver. On this machine (design §20) its simulated
annealing neurons have Loihi 2 models only (``nebm-sa-refract`` and ``sa``: NoProcessModelFound
on the CPU) and its CPU path (``scif``) did not return on a 12-variable QUBO; so it is the
annealer's engine on ``target: loihi2`` only, where lava-loihi and lava-optimization are both
installed. Nothing here could be run against a chip; the tests replace lava-optimization with
a recording stand-in and say so.

Mapping (SDK-free, ``qubo_of``): the network's energy in mV, F(x) = -(b + d) . x - x W x / 2,
as lava-optimization's cost x^T Q x (binary x, x_i^2 = x_i): Q_ii = -(b_i + d_i),
Q_ij = Q_ji = -W_ij / 2, scaled by s = ``QUBO_RANGE`` / max |Q| and rounded to integers (the
chip's integer weights; the rounding error is at most 1/(2 s) mV per entry). A tick is one
solve of ``steps_per_tick`` time steps at the tick's temperatures (``tick_hyperparameters``:
the schedule's T over the tick's sweeps, times s, as lava-optimization's integer
max/min_temperature with a geometric or linear decay per step), started from the previous
tick's assignment (``init_value``); its read-out is the solver's best state of the tick. On
the chip every neuron updates at every time step: ``n * steps_per_tick`` updates a tick.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import math
import sys
from pathlib import Path
from typing import Any, final

import numpy as np

from orchestrator.contract.spiking import AnnealerSpec, NetworkSpec
from orchestrator.physics.annealing import temperatures

__all__ = [
    "LAVA_OPTIMIZATION_HOWTO",
    "QUBO_RANGE",
    "Loihi2Qubo",
    "lava_optimization_sdk",
    "qubo_of",
    "tick_hyperparameters",
]

QUBO_RANGE = 127  # the largest |Q| entry after scaling (8-bit signed weights on Loihi)
LAVA_OPTIMIZATION_HOWTO = (
    "lava-optimization 0.5.0 beside lava-loihi (pip install lava-optimization==0.5.0; it pins "
    "lava-nc 0.10.0 and networkx <= 2.8, so install it in the chip's environment, not with uv "
    "sync)"
)


def lava_optimization_sdk() -> str | None:
    """Where lava-optimization is installed, or None. Imports nothing (not even ``lava``)."""
    try:
        return f"lava-optimization {importlib.metadata.version('lava-optimization')}"
    except importlib.metadata.PackageNotFoundError:
        pass
    for entry in sys.path:
        where = Path(entry or ".", "lava", "lib")
        if where.is_dir() and importlib.machinery.PathFinder.find_spec(
            "optimization", [str(where)]
        ):
            return str(where / "optimization")
    return None


def qubo_of(network: NetworkSpec, drive_mv: np.ndarray) -> tuple[np.ndarray, float]:
    """(Q int64 (N, N) symmetric, s units per mV): the tick's cost as lava-optimization's."""
    spec = network.annealer
    assert spec is not None
    n = network.n_neurons
    q = np.zeros((n, n))
    np.add.at(q, (network.post, network.pre), -np.asarray(network.weight_mv) / 2.0)
    q[np.diag_indices(n)] = -(np.asarray(spec.bias_mv) + np.asarray(drive_mv))
    largest = float(np.abs(q).max(initial=0.0))
    scale = QUBO_RANGE / largest if largest > 0 else 1.0
    return np.rint(q * scale).astype(np.int64), scale


def tick_hyperparameters(
    spec: AnnealerSpec, tick: int, steps_per_tick: int, scale: float, init: np.ndarray
) -> dict[str, Any]:
    """lava-optimization's SA hyperparameters for one tick (module docstring)."""
    first = tick * steps_per_tick // spec.n_colours
    last = ((tick + 1) * steps_per_tick - 1) // spec.n_colours
    t_hi, t_lo = (
        float(temperatures(spec.schedule, spec.t0_mv, spec.t1_mv, spec.sweeps, s))
        for s in (first, last)
    )
    hi = max(1, min(2**16 - 2, round(t_hi * scale)))
    lo = max(0, min(hi, round(t_lo * scale)))
    steps = max(steps_per_tick, 1)
    if spec.schedule == "geometric" and lo > 0:
        exp = 8  # T <- T * delta / 2^8 each step
        delta = max(1, min(2**exp, round(2**exp * (lo / hi) ** (1.0 / steps))))
        decay = {"annealing_schedule": "geometric", "delta_temperature": delta,
                 "exp_temperature": exp}
    else:
        decay = {"annealing_schedule": "linear",
                 "delta_temperature": max(0, math.ceil((hi - lo) / steps)),
                 "exp_temperature": 0}
    return {
        "neuron_model": "nebm-sa-refract",
        "max_temperature": hi,
        "min_temperature": lo,
        "steps_per_temperature": 1,
        "init_value": np.asarray(init, dtype=int),
        "refract_seed": int(spec.seed + tick) % 2**16,
        **decay,
    }


@final
class Loihi2Qubo:
    """Ticks of the annealer as lava-optimization solves on Loihi 2 (module docstring)."""

    def __init__(self, network: NetworkSpec, start_states: np.ndarray) -> None:
        from lava.lib.optimization.problems.problems import QUBO
        from lava.lib.optimization.solvers.generic.solver import (
            OptimizationSolver,
            SolverConfig,
        )

        self._qubo, self._solver, self._config = QUBO, OptimizationSolver, SolverConfig
        self.network = network
        self._x = np.asarray(start_states, dtype=np.int64).copy()

    def tick(self, tick: int, drive_mv: np.ndarray) -> np.ndarray:
        """One solve; the tick's best assignment (N,) int."""
        net = self.network
        spec = net.annealer
        assert spec is not None
        q, scale = qubo_of(net, drive_mv)
        hyper = tick_hyperparameters(spec, tick, net.steps_per_tick, scale, self._x)
        report = self._solver(self._qubo(q)).solve(
            self._config(
                timeout=net.steps_per_tick,
                backend="Loihi2",
                target_cost=-(2**62),  # run the whole tick (no early stop)
                hyperparameters=hyper,
            )
        )
        self._x = np.asarray(report.best_state, dtype=np.int64).reshape(net.n_neurons)
        return self._x.copy()
