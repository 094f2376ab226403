"""The spiking backend contract (``orchestrator.contract.spiking``) as a test suite.

Every test builds the backend of a conformance case on a small network and checks one clause
of the contract against an answer that does not come from the backend:

- a window holds spikes on the dt grid, inside the window, sorted, and every end voltage;
- splitting a run into ticks does not change the spikes (the same run in ticks twice as long,
  or with fewer ticks planned than advanced, gives the same spike trains);
- an unconnected LIF neuron under constant drive R I fires at the analytic rate
  f = 1 / (t_ref + tau_m ln(R I / (R I - v_th))) (within the case's ``rate_tolerance``);
- ``advance`` after ``close`` raises ``RuntimeError``, and ``close`` may be called twice;
- capability ``snapshot``: a snapshot restored into a fresh backend continues bit for bit,
  with static and with plastic synapses; capability ``weights``: ``weights_mv`` reports the
  configured weights before any tick, and what the snapshot holds under STDP;
- what a case declares it refuses (``ConformanceCase.refuses``) is refused when built;
- noise (``NetworkSpec.noise``, white and OU): a seeded noisy network gives the same spikes
  twice and other spikes under another seed; identically driven neurons fire differently; a
  snapshot restored continues bit for bit; the free membrane potential (no threshold reached)
  fluctuates with the standard deviation the noise's definition gives it (white: sigma;
  OU held over each step: the discrete formula, computed here), within four standard errors
  of the sample's standard deviation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from orchestrator.contract.network_config import StdpConfig
from orchestrator.contract.spiking import NetworkSpec, NeuronNoise, SpikingBackend
from orchestrator.physics.tick_io import SpikeWindow
from orchestrator.run.assemble import draw_connectivity
from orchestrator.testing.cases import PluginCase, Suite

__all__ = ["SpikingBackendSuite"]

Build = Callable[..., SpikingBackend]
PLASTIC = StdpConfig(enabled=True, a_plus=0.05, a_minus=0.06)


def spike_steps(windows: list[SpikeWindow], dt_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """(neuron ids, absolute step indices) of consecutive windows, ordered by (step, id)."""
    ids = np.concatenate([w.neurons for w in windows]).astype(np.int64)
    steps = np.concatenate([np.rint((w.t0_ms + w.times_ms) / dt_ms) for w in windows])
    order = np.lexsort((ids, steps))
    return ids[order], steps.astype(np.int64)[order]


def drive_of(n: int, low: float = 15.0, high: float = 35.0) -> np.ndarray:
    return np.random.default_rng(7).uniform(low, high, n)


NOISES = {
    "white": NeuronNoise("white", 3.0, None, 11),
    "ou": NeuronNoise("ou", 3.0, 2.0, 11),
}


def free_std_mv(noise: NeuronNoise, tau_m_ms: float, dt_ms: float) -> float:
    """The stationary standard deviation of the free V under the per-step scheme (independent
    of the code): white, the exact OU transition, sigma; OU held over each step, with
    V' = e V + (1 - e) eta', eta' = a eta + ..., Var(eta) = s^2:
    Var(V) = (1 - e)^2 s^2 (1 + a e) / ((1 - e^2)(1 - a e))."""
    if noise.kind == "white":
        return noise.sigma_mv
    assert noise.tau_ms is not None
    e, a = np.exp(-dt_ms / tau_m_ms), np.exp(-dt_ms / noise.tau_ms)
    s2 = noise.sigma_mv**2 * (tau_m_ms + noise.tau_ms) / noise.tau_ms
    return float(np.sqrt((1 - e) ** 2 * s2 * (1 + a * e) / ((1 - e * e) * (1 - a * e))))


class SpikingBackendSuite(Suite):
    """Subclass with ``plugin = YOUR_PLUGIN`` to run the spiking contract on your backend."""

    @pytest.fixture
    def build(self, case: PluginCase) -> Iterator[Build]:
        """``build(n, p=, seed=, w=, **spec_overrides)``: a backend on a small network."""
        cls = case.load()
        config = case.config()
        made: list[SpikingBackend] = []

        def _build(
            n: int, *, p: float = 0.0, seed: int = 0, w: float = 0.5, **overrides: Any
        ) -> SpikingBackend:
            pre, post, weights = draw_connectivity(n, p, w, seed)
            fields: dict[str, Any] = {
                "n_neurons": n,
                "tau_m_ms": config.tau_m_ms,
                "v_th_mv": config.v_th_mv,
                "v_reset_mv": config.v_reset_mv,
                "refractory_ms": config.refractory_ms,
                "dt_ms": config.dt_ms,
                "steps_per_tick": config.steps_per_tick,
                "ticks": 4,
                "drive_mode": "current",
                "kick_cap_mv": 0.75 * config.v_th_mv,
                "pre": pre,
                "post": post,
                "weight_mv": weights,
            }
            made.append(cls(config, NetworkSpec(**{**fields, **overrides})))
            return made[-1]

        yield _build
        for backend in made:
            backend.close()

    def test_a_window_holds_the_ticks_spikes_and_voltages(self, build: Build) -> None:
        backend = build(20, p=0.2)
        net = backend.network
        total = 0
        for k in range(6):
            w = backend.advance(drive_of(20))
            assert w.t0_ms == pytest.approx(k * net.tick_ms)
            assert w.neurons.shape == w.times_ms.shape and w.neurons.ndim == 1
            assert np.issubdtype(w.neurons.dtype, np.integer)
            assert np.all((w.neurons >= 0) & (w.neurons < net.n_neurons))
            assert np.all(np.diff(w.times_ms) >= 0)
            assert np.all((w.times_ms >= 0) & (w.times_ms < net.tick_ms))
            grid = w.times_ms / net.dt_ms
            np.testing.assert_allclose(grid, np.rint(grid), atol=1e-6)
            assert w.voltages_mv.shape == (net.n_neurons,)
            assert np.all(np.isfinite(w.voltages_mv))
            total += len(w.neurons)
        assert total > 0
        identity = backend.identity()
        assert all(isinstance(k, str) and isinstance(v, str) for k, v in identity.items())

    def test_splitting_a_run_into_ticks_does_not_change_the_spikes(self, build: Build) -> None:
        n, ticks = 20, 8
        drive = drive_of(n)
        base = build(n, p=0.2)
        steps_per_tick, dt_ms = base.network.steps_per_tick, base.network.dt_ms
        windows = [base.advance(drive) for _ in range(ticks)]
        ids, steps = spike_steps(windows, dt_ms)
        assert len(steps) > 0
        twin = build(n, p=0.2)  # same inputs, fresh instance: identical output
        for w in windows:
            again = twin.advance(drive)
            np.testing.assert_array_equal(again.neurons, w.neurons)
            np.testing.assert_array_equal(again.times_ms, w.times_ms)
            np.testing.assert_array_equal(again.voltages_mv, w.voltages_mv)
        for overrides in ({"steps_per_tick": 2 * steps_per_tick}, {"ticks": 3}):
            other = build(n, p=0.2, **overrides)
            n_ticks = ticks * steps_per_tick // other.network.steps_per_tick
            split = [other.advance(drive) for _ in range(n_ticks)]
            other_ids, other_steps = spike_steps(split, dt_ms)
            np.testing.assert_array_equal(other_steps, steps)
            np.testing.assert_array_equal(other_ids, ids)
            np.testing.assert_allclose(split[-1].voltages_mv, windows[-1].voltages_mv, atol=1e-9)

    def test_rate_matches_the_analytic_lif_rate(self, build: Build, case: PluginCase) -> None:
        drives = np.array([22.0, 30.0, 45.0])
        backend = build(len(drives), steps_per_tick=1000)
        net = backend.network
        ids, steps = spike_steps([backend.advance(drives) for _ in range(15)], net.dt_ms)
        for i, ri in enumerate(drives):
            t = steps[ids == i] * net.dt_ms
            assert len(t) >= 10
            measured = (len(t) - 1) / (t[-1] - t[0])
            analytic = 1.0 / (net.refractory_ms + net.tau_m_ms * np.log(ri / (ri - net.v_th_mv)))
            assert measured == pytest.approx(analytic, rel=case.case.rate_tolerance)

    def test_a_closed_backend_refuses_to_advance(self, build: Build) -> None:
        backend = build(5)
        backend.advance(np.full(5, 25.0))
        backend.close()
        backend.close()
        with pytest.raises(RuntimeError):
            backend.advance(np.full(5, 25.0))

    def test_a_drive_that_does_not_fit_is_refused(self, build: Build) -> None:
        backend = build(5)
        for bad in (np.full(4, 25.0), np.array([25.0, 25.0, np.nan, 25.0, 25.0])):
            with pytest.raises(ValueError):
                backend.advance(bad)

    def test_weights_are_reported(self, build: Build, case: PluginCase) -> None:
        backend = build(12, p=0.4, seed=2, w=1.25)
        if not backend.capabilities.weights:
            pytest.skip("this case declares no weights capability")
        np.testing.assert_allclose(backend.weights_mv(), backend.network.weight_mv, rtol=1e-6)

    @pytest.mark.parametrize("stdp", [False, True], ids=["static", "stdp"])
    def test_snapshot_then_restore_continues_exactly(
        self, build: Build, case: PluginCase, stdp: bool
    ) -> None:
        rule = PLASTIC if stdp else None
        refusal = case.case.refuses.get("stdp") if stdp else None
        if refusal is not None:
            with pytest.raises(ValueError, match=refusal):
                build(24, p=0.3, seed=5, w=1.5, stdp=rule)
            return
        rng = np.random.default_rng(3)
        drives = [rng.uniform(10.0, 40.0, 24) for _ in range(9)]
        a = build(24, p=0.3, seed=5, w=1.5, stdp=rule)
        if not a.capabilities.snapshot:
            pytest.skip("this case declares no snapshot capability")
        full = [a.advance(d) for d in drives]
        weights_full = a.snapshot().arrays.get("weights_mv")
        if stdp and a.capabilities.weights:
            np.testing.assert_array_equal(a.weights_mv(), weights_full)
        a.close()

        b = build(24, p=0.3, seed=5, w=1.5, stdp=rule)
        first = [b.advance(d) for d in drives[:4]]
        state = b.snapshot()
        b.close()
        assert state.tick == 4 and state.arrays["voltages_mv"].shape == (24,)
        if stdp:
            assert state.arrays["weights_mv"].shape == (len(a.network.pre),)
        else:  # static weights are the spec's own: not repeated in every checkpoint
            assert "weights_mv" not in state.arrays
        c = build(24, p=0.3, seed=5, w=1.5, stdp=rule, start=state)
        again = c.snapshot()  # before a tick: the start itself (a revert checkpoints it at once)
        assert again.tick == 4 and again.arrays.keys() == state.arrays.keys()
        for name, values in state.arrays.items():
            assert np.array_equal(again.arrays[name], values), name
        rest = [c.advance(d) for d in drives[4:]]
        end = c.snapshot()
        c.close()

        for x, y in zip(full, first + rest, strict=True):
            assert x.t0_ms == y.t0_ms
            assert np.array_equal(x.neurons, y.neurons) and np.array_equal(x.times_ms, y.times_ms)
            assert np.array_equal(x.voltages_mv, y.voltages_mv)
        assert end.tick == 9
        assert sum(len(w.neurons) for w in full) > 20  # the check saw real activity
        if stdp:
            assert np.array_equal(weights_full, end.arrays["weights_mv"])
            assert not np.allclose(weights_full, 1.5)  # and plasticity did change the weights

    def test_a_snapshot_into_a_spare_state_is_the_snapshot(
        self, build: Build, case: PluginCase
    ) -> None:
        """``snapshot_reusing(spare)`` gives ``snapshot()``'s arrays, bit for bit, and leaves
        every other state it returned as it was (a checkpoint every tick reuses the state of
        the tick before; design §27)."""
        stdp = None if case.case.refuses.get("stdp") else PLASTIC
        b = build(24, p=0.3, seed=5, w=1.5, stdp=stdp)
        if not b.capabilities.snapshot:
            pytest.skip("this case declares no snapshot capability")
        drives = np.random.default_rng(4).uniform(10.0, 40.0, (3, 24))
        b.advance(drives[0])
        spare, kept = b.snapshot(), b.snapshot()
        kept_bytes = {k: np.asarray(v).tobytes() for k, v in kept.arrays.items()}
        b.advance(drives[1])
        b.advance(drives[2])
        fresh = b.snapshot()
        reused = b.snapshot_reusing(spare)
        assert (reused.kind, reused.tick) == (fresh.kind, fresh.tick) == (b.snapshot().kind, 3)
        assert reused.arrays.keys() == fresh.arrays.keys()
        for name, values in fresh.arrays.items():
            got = np.asarray(reused.arrays[name])
            assert got.dtype == np.asarray(values).dtype and got.shape == np.shape(values), name
            assert got.tobytes() == np.asarray(values).tobytes(), name
        assert {k: np.asarray(v).tobytes() for k, v in kept.arrays.items()} == kept_bytes
        now = np.asarray(fresh.arrays["voltages_mv"]).tobytes()
        assert now != kept_bytes["voltages_mv"]  # two ticks later the state did move

    @pytest.mark.parametrize("kind", sorted(NOISES))
    def test_noise_is_seeded_and_restores_exactly(
        self, build: Build, case: PluginCase, kind: str
    ) -> None:
        noise = NOISES[kind]
        refusal = case.case.refuses.get("noise")
        if refusal is not None:
            with pytest.raises(ValueError, match=refusal):
                build(8, noise=noise)
            return
        n, drive = 24, np.full(24, 17.0)  # one drive for all: only the noise tells them apart
        a = build(n, p=0.3, seed=5, w=1.0, noise=noise)
        full = [a.advance(drive) for _ in range(8)]
        ids, _ = spike_steps(full, a.network.dt_ms)
        assert len(np.unique(ids)) > n // 2  # most neurons fire ...
        assert len(np.unique(np.bincount(ids, minlength=n))) > 1  # ... and not all alike
        other = build(n, p=0.3, seed=5, w=1.0, noise=NeuronNoise(kind, 3.0, noise.tau_ms, 12))
        other_ids, _ = spike_steps([other.advance(drive) for _ in range(8)], a.network.dt_ms)
        assert not np.array_equal(other_ids, ids)  # another seed, other spikes
        if not a.capabilities.snapshot:
            return
        b = build(n, p=0.3, seed=5, w=1.0, noise=noise)  # the same seed: the same spikes
        first = [b.advance(drive) for _ in range(3)]
        state = b.snapshot()
        c = build(n, p=0.3, seed=5, w=1.0, noise=noise, start=state)
        rest = [c.advance(drive) for _ in range(5)]
        for x, y in zip(full, first + rest, strict=True):
            assert np.array_equal(x.neurons, y.neurons) and np.array_equal(x.times_ms, y.times_ms)
            assert np.array_equal(x.voltages_mv, y.voltages_mv)

    @pytest.mark.parametrize("kind", sorted(NOISES))
    def test_free_membrane_fluctuates_with_the_noises_sigma(
        self, build: Build, case: PluginCase, kind: str
    ) -> None:
        if case.case.refuses.get("noise") is not None:
            pytest.skip("this case refuses noise (asserted by the test above)")
        noise, n, drive = NOISES[kind], 400, 2.0
        backend = build(n, noise=noise, v_th_mv=1000.0, steps_per_tick=1000)
        net = backend.network
        samples = [backend.advance(np.full(n, drive)).voltages_mv for _ in range(4)][1:]
        v = np.concatenate(samples)  # tick ends 100 ms = 5 tau_m apart: nearly independent
        want = free_std_mv(noise, net.tau_m_ms, net.dt_ms)
        se = want / np.sqrt(2 * (len(v) - 1))  # standard error of a Gaussian sample's std
        assert abs(v.std(ddof=1) - want) < 4 * se, (v.std(ddof=1), want, se)
        assert abs(v.mean() - drive) < 4 * want / np.sqrt(len(v))
