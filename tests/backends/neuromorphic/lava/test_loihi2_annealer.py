"""The annealer's Loihi 2 path (lava-optimization's QUBO solver), with no chip here.

lava-loihi and lava-optimization are absent on this machine (lava-optimization's SA neurons
have no CPU model: design §20), so these tests replace both with stand-ins: the probes say
they are installed, and lava-optimization's ``QUBO`` and ``OptimizationSolver`` are recording
mocks whose "chip" returns the exact minimiser of x^T Q x found by enumeration. What is tested
is our side: the QUBO handed over, the tick's hyperparameters, the state carried from tick to
tick, the read-out, and the refusals.
"""

from __future__ import annotations

import sys
import types
from typing import Any

import numpy as np
import pytest

from backends.neuromorphic.lava import config as lava_config
from backends.neuromorphic.lava.annealer import LavaAnnealer
from backends.neuromorphic.lava.config import LavaConfig
from orchestrator.config import ConfigError, validate_config
from orchestrator.physics.ising import IsingProblem
from orchestrator.testing.annealer import annealer_network

N = 6
PAIRS = [(0, 1, 1.0), (1, 2, 1.0), (2, 0, 1.0), (2, 3, -0.5), (3, 4, 1.0), (4, 5, 1.0), (5, 3, 1.0)]
FIELDS = np.array([0.25, 0.0, -0.5, 0.0, 0.5, 0.0])
CHIP = LavaConfig.model_validate({"kind": "lava", "lava": {"target": "loihi2"}})


class _Chip:
    """What the mocks record: every QUBO and every solver config."""

    def __init__(self) -> None:
        self.q: list[np.ndarray] = []
        self.configs: list[Any] = []


def _install_mock_lava_optimization(monkeypatch: pytest.MonkeyPatch) -> _Chip:
    chip = _Chip()

    class QUBO:
        def __init__(self, q: np.ndarray) -> None:
            assert issubclass(q.dtype.type, np.integer) and np.array_equal(q, q.T)
            chip.q.append(q)
            self.q = q

    class SolverConfig:
        def __init__(self, **options: Any) -> None:
            self.__dict__.update(options)

    class OptimizationSolver:
        def __init__(self, problem: QUBO) -> None:
            self.problem = problem

        def solve(self, config: SolverConfig) -> Any:
            chip.configs.append(config)
            q = self.problem.q
            index = np.arange(1 << q.shape[0])
            x = (index[:, None] >> np.arange(q.shape[0])) & 1
            cost = np.einsum("bi,ij,bj->b", x, q, x)
            return types.SimpleNamespace(best_state=x[int(np.argmin(cost))])

    problems = types.ModuleType("lava.lib.optimization.problems.problems")
    problems.QUBO = QUBO  # type: ignore[attr-defined]
    solver = types.ModuleType("lava.lib.optimization.solvers.generic.solver")
    solver.OptimizationSolver = OptimizationSolver  # type: ignore[attr-defined]
    solver.SolverConfig = SolverConfig  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, problems.__name__, problems)
    monkeypatch.setitem(sys.modules, solver.__name__, solver)
    monkeypatch.setattr(lava_config, "loihi2_sdk", lambda: "/opt/lava-loihi (mock)")
    monkeypatch.setattr(lava_config, "lava_optimization_sdk", lambda: "lava-optimization (mock)")
    return chip


def _ground_state() -> np.ndarray:
    index = np.arange(1 << N)
    x = (index[:, None] >> np.arange(N)) & 1
    s = 1.0 - 2.0 * x
    e = s @ FIELDS + sum(c * s[:, i] * s[:, j] for i, j, c in PAIRS)
    return x[int(np.argmin(e))]


def test_ticks_are_lava_optimization_solves_on_loihi2_mock_chip(monkeypatch) -> None:
    chip = _install_mock_lava_optimization(monkeypatch)
    problem = IsingProblem.of(
        N, [p[0] for p in PAIRS], [p[1] for p in PAIRS], [p[2] for p in PAIRS], FIELDS
    )
    net = annealer_network(problem, t0_mv=8.0, t1_mv=0.5, sweeps=12, seed=3, sweeps_per_tick=3,
                           ticks=4)
    backend = LavaAnnealer(CHIP, net)
    assert backend.identity()["engine"] == "loihi2"
    windows = [backend.advance(np.zeros(N)) for _ in range(4)]
    ground = _ground_state()
    for w in windows:  # the mock chip's exact minimiser is the Ising ground state
        assert np.array_equal(w.states, ground)
        assert w.neuron_updates == N * net.steps_per_tick and w.neurons.size == 0
    assert len(chip.q) == 4
    configs = chip.configs
    assert all(c.backend == "Loihi2" and c.timeout == net.steps_per_tick for c in configs)
    hot = [c.hyperparameters["max_temperature"] for c in configs]
    assert hot == sorted(hot, reverse=True) and hot[0] > hot[-1]  # annealed over the ticks
    init = [c.hyperparameters["init_value"] for c in configs]
    spec = net.annealer
    assert spec is not None
    from orchestrator.physics.annealing import initial_state

    assert np.array_equal(init[0], initial_state(spec.seed, N))  # the seeded start
    assert all(np.array_equal(i, ground) for i in init[1:])  # then the previous tick's state
    with pytest.raises(NotImplementedError, match="does not snapshot"):
        backend.snapshot()
    backend.close()


def test_the_drive_reaches_the_qubo_diagonal_mock_chip(monkeypatch) -> None:
    chip = _install_mock_lava_optimization(monkeypatch)
    problem = IsingProblem.of(N, [0], [1], [1.0])
    net = annealer_network(problem, t0_mv=2.0, t1_mv=1.0, sweeps=4, seed=0, sweeps_per_tick=1)
    backend = LavaAnnealer(CHIP, net)
    drive = np.array([0.0, 0.0, 3.0, -3.0, 0.0, 0.0])
    w = backend.advance(drive)
    q = chip.q[-1]
    assert q[2, 2] < 0 < q[3, 3]  # a positive drive lowers the cost of x = 1
    assert w.states[2] == 1 and w.states[3] == 0
    backend.close()


def test_without_lava_optimization_the_loihi2_annealer_is_refused(monkeypatch) -> None:
    monkeypatch.setattr(lava_config, "loihi2_sdk", lambda: "/opt/lava-loihi (mock)")
    monkeypatch.setattr(lava_config, "lava_optimization_sdk", lambda: None)
    raw = {
        "hamiltonian": {"kind": "ising", "edges": [[0, 1, 1.0]]},
        "quantum": {"kind": "aer", "shots": 8},
        "spiking": {"kind": "lava", "annealer": {}, "lava": {"target": "loihi2"}},
        "pci": {"drive": "current"},
    }
    with pytest.raises(ConfigError) as info:
        validate_config(raw)
    assert any("lava-optimization's QUBO solver" in p for p in info.value.problems)
