"""The annealer contract (``NetworkSpec.annealer``; ``BackendPlugin.annealer``) as a test suite.

Every test builds the plugin's annealer implementation on a small random Ising problem and
checks one clause against an answer computed here from the spec's arrays:

- a window holds spikes only at the neurons' update steps (step t updates class t mod C), the
  assignment x (0/1, each neuron's decision at its last update), the potentials
  u = b + d + W x, and the number of updates the tick's steps hold;
- splitting a run into ticks (or planning fewer ticks) does not change the path;
- at a vanishing temperature every update sets x_k = [u_k > 0], so the energy never rises;
- the drive is a bias: a large positive (negative) drive holds a neuron on (off);
- a given initial string (``AnnealerSpec.initial_x``, a warm start) is x at step 0: the first
  step's class decides from it, every other neuron still holds it;
- a snapshot restored into a fresh backend continues bit for bit (capability ``snapshot``);
- ``advance`` after ``close`` raises, a drive of the wrong shape is refused, weights are the
  couplings; a case that declares ``refuses["annealer"]`` refuses to build one.

Sampling the right distribution is a statistical check with its own budget
(``tests/backends/neuromorphic/test_annealer_boltzmann.py``).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from orchestrator.contract.registry import BackendPlugin
from orchestrator.contract.spiking import NetworkSpec, SpikingBackend
from orchestrator.physics.ising import IsingProblem
from orchestrator.physics.tick_io import SpikeWindow
from orchestrator.run.assemble import annealer_spec
from orchestrator.testing.cases import PluginCase, Suite

__all__ = ["AnnealerBackendSuite", "annealer_network", "random_problem"]

Build = Callable[..., SpikingBackend]


def annealer_network(
    problem: IsingProblem,
    *,
    t0_mv: float,
    t1_mv: float,
    sweeps: int,
    seed: int,
    steps_per_tick: int = 0,
    sweeps_per_tick: int = 0,
    ticks: int = 4,
    mv_per_unit: float = 1.0,
    initial_x: np.ndarray | None = None,
    **overrides: Any,
) -> NetworkSpec:
    """``run.assemble.annealer_spec`` of ``problem`` (started from ``initial_x`` when given)
    with ``overrides`` of NetworkSpec fields."""
    net = annealer_spec(
        problem, seed=seed, ticks=ticks, steps_per_tick=steps_per_tick,
        sweeps_per_tick=sweeps_per_tick, mv_per_unit=mv_per_unit, t0_mv=t0_mv, t1_mv=t1_mv,
        sweeps=sweeps,
    )
    if initial_x is not None:
        assert net.annealer is not None
        net = replace(net, annealer=replace(net.annealer, initial_x=initial_x))
    return replace(net, **overrides)


def random_problem(n: int, seed: int, p: float = 0.4) -> IsingProblem:
    """Couplings and fields in {-2, -1, 1, 2} / 2 (dyadic: every sum is exact in floats)."""
    rng = np.random.default_rng(seed)
    i, j = np.triu_indices(n, 1)
    keep = rng.random(i.size) < p
    values = np.array([-1.0, -0.5, 0.5, 1.0])
    return IsingProblem.of(
        n, i[keep], j[keep], rng.choice(values, keep.sum()), rng.choice(values, n)
    )


def _weights(net: NetworkSpec) -> np.ndarray:
    w = np.zeros((net.n_neurons, net.n_neurons))
    np.add.at(w, (net.post, net.pre), net.weight_mv)
    return w


def _energy(net: NetworkSpec, x: np.ndarray) -> float:
    """-(b x + x W x / 2): the energy (in mV) whose heat-bath the neurons run."""
    spec = net.annealer
    assert spec is not None
    x = np.asarray(x, dtype=float)
    return float(-(spec.bias_mv @ x) - x @ _weights(net) @ x / 2)


class AnnealerBackendSuite(Suite):
    """Subclass with ``plugin = YOUR_PLUGIN`` (which names ``annealer``) to run the contract."""

    def plugins_under_test(self) -> list[BackendPlugin]:
        return [p for p in super().plugins_under_test() if p.annealer is not None]

    @pytest.fixture
    def build(self, case: PluginCase) -> Iterator[Build]:
        """``build(problem, **annealer_network options)``: the plugin's annealer on it."""
        refusal = case.case.refuses.get("annealer")
        made: list[SpikingBackend] = []

        def _build(problem: IsingProblem, **options: Any) -> SpikingBackend:
            cls = case.plugin.load_annealer()
            options = {"t0_mv": 3.0, "t1_mv": 0.5, "sweeps": 40, "seed": 11,
                       "steps_per_tick": 7, **options}
            made.append(cls(case.config(), annealer_network(problem, **options)))
            return made[-1]

        if refusal is not None:
            with pytest.raises(ValueError, match=refusal):
                _build(random_problem(6, 0))
            pytest.skip(f"case {case.name} refuses annealer networks (asserted)")
        yield _build
        for backend in made:
            backend.close()

    def test_a_window_holds_the_updates_the_assignment_and_the_potentials(
        self, build: Build
    ) -> None:
        backend = build(random_problem(12, 1))
        net = backend.network
        spec = net.annealer
        assert spec is not None
        c, spt = spec.n_colours, net.steps_per_tick
        rng = np.random.default_rng(0)
        x_prev = None
        total_spikes = 0
        for k in range(6):
            drive = rng.normal(0.0, 0.5, net.n_neurons)
            w = backend.advance(drive)
            assert w.states is not None and w.states.shape == (net.n_neurons,)
            assert set(np.unique(w.states)) <= {0, 1}
            steps = np.rint(w.times_ms / net.dt_ms).astype(np.int64)
            absolute = k * spt + steps
            assert np.all(absolute % c == spec.colours[w.neurons])  # only at their updates
            window_steps = range(k * spt, (k + 1) * spt)
            expected = sum(int(np.sum(spec.colours == t % c)) for t in window_steps)
            assert w.neuron_updates == expected
            for n_id in range(net.n_neurons):  # x = the decision at the last update
                updates = [t for t in window_steps if t % c == spec.colours[n_id]]
                if updates:
                    fired = np.any((w.neurons == n_id) & (absolute == updates[-1]))
                    assert w.states[n_id] == int(fired)
                elif x_prev is not None:
                    assert w.states[n_id] == x_prev[n_id]
            u = spec.bias_mv + drive + _weights(net) @ w.states
            np.testing.assert_allclose(w.voltages_mv, u, atol=1e-9)
            x_prev = w.states
            total_spikes += w.neurons.size
        assert total_spikes > 0

    def test_splitting_a_run_into_ticks_does_not_change_the_path(self, build: Build) -> None:
        problem = random_problem(10, 2)
        drive = np.random.default_rng(1).normal(0.0, 0.3, 10)

        def run(**options: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            backend = build(problem, **options)
            spt, dt = backend.network.steps_per_tick, backend.network.dt_ms
            windows: list[SpikeWindow] = [backend.advance(drive) for _ in range(48 // spt)]
            ids = np.concatenate([w.neurons for w in windows])
            steps = np.concatenate([np.rint((w.t0_ms + w.times_ms) / dt) for w in windows])
            order = np.lexsort((ids, steps))
            return ids[order], steps[order], windows[-1].states

        ids, steps, x = run(steps_per_tick=6)
        for options in ({"steps_per_tick": 12}, {"steps_per_tick": 6, "ticks": 2}):
            other_ids, other_steps, other_x = run(**options)
            np.testing.assert_array_equal(other_steps, steps)
            np.testing.assert_array_equal(other_ids, ids)
            np.testing.assert_array_equal(other_x, x)

    def test_at_a_vanishing_temperature_the_energy_never_rises(self, build: Build) -> None:
        backend = build(random_problem(14, 3, p=0.5), t0_mv=1e-9, t1_mv=1e-9, steps_per_tick=1)
        net = backend.network
        energies = [_energy(net, backend.advance(np.zeros(14)).states) for _ in range(40)]
        assert all(b <= a + 1e-12 for a, b in itertools.pairwise(energies))
        assert energies[-1] < energies[0]  # it did descend

    def test_a_given_initial_string_is_the_start(self, build: Build) -> None:
        problem = random_problem(12, 8, p=0.5)
        rng = np.random.default_rng(3)
        for x0 in (rng.integers(0, 2, 12).astype(np.uint8), np.ones(12, dtype=np.uint8)):
            backend = build(problem, t0_mv=1e-9, t1_mv=1e-9, steps_per_tick=1, initial_x=x0)
            net = backend.network
            spec = net.annealer
            assert spec is not None
            w = backend.advance(np.zeros(12))  # step 0: class 0 decides from x0 at T -> 0
            u0 = spec.bias_mv + _weights(net) @ x0
            active = spec.colours == 0
            expected = np.where(active, (u0 > 0).astype(np.uint8), x0)
            np.testing.assert_array_equal(w.states, expected)

    def test_the_drive_is_a_bias(self, build: Build) -> None:
        backend = build(random_problem(8, 4), t0_mv=1.0, t1_mv=1.0)
        drive = np.zeros(8)
        drive[0], drive[1] = 1000.0, -1000.0
        for _ in range(5):
            w = backend.advance(drive)
            assert w.states[0] == 1 and w.states[1] == 0

    def test_snapshot_then_restore_continues_exactly(self, build: Build) -> None:
        problem = random_problem(12, 5)
        rng = np.random.default_rng(2)
        drives = [rng.normal(0.0, 0.5, 12) for _ in range(8)]
        a = build(problem)
        if not a.capabilities.snapshot:
            pytest.skip("this case declares no snapshot capability")
        full = [a.advance(d) for d in drives]
        b = build(problem)
        first = [b.advance(d) for d in drives[:3]]
        state = b.snapshot()
        assert state.tick == 3 and state.arrays["voltages_mv"].shape == (12,)
        c = build(problem, start=state)
        again = c.snapshot()  # before a tick: the start itself
        for name, values in state.arrays.items():
            assert np.array_equal(again.arrays[name], values), name
        rest = [c.advance(d) for d in drives[3:]]
        for x, y in zip(full, first + rest, strict=True):
            assert x.t0_ms == y.t0_ms and x.neuron_updates == y.neuron_updates
            assert np.array_equal(x.neurons, y.neurons) and np.array_equal(x.times_ms, y.times_ms)
            assert np.array_equal(x.states, y.states)
            assert np.array_equal(x.voltages_mv, y.voltages_mv)

    def test_a_closed_backend_refuses_and_a_bad_drive_is_refused(self, build: Build) -> None:
        backend = build(random_problem(5, 6))
        for bad in (np.zeros(4), np.array([0.0, 0.0, np.nan, 0.0, 0.0])):
            with pytest.raises(ValueError):
                backend.advance(bad)
        backend.advance(np.zeros(5))
        backend.close()
        backend.close()
        with pytest.raises(RuntimeError):
            backend.advance(np.zeros(5))

    def test_weights_are_the_couplings(self, build: Build) -> None:
        backend = build(random_problem(9, 7))
        if not backend.capabilities.weights:
            pytest.skip("this case declares no weights capability")
        np.testing.assert_array_equal(backend.weights_mv(), backend.network.weight_mv)
