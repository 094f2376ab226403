"""The contract every registered spiking backend must meet (``orchestrator.backend_api``).

Parametrised over ``plugins("spiking")``, one case per entry of ``CASES`` (a backend with no
entry runs once, with its defaults); a backend is skipped only when its SDK is missing. Each
case runs with fast test options, e.g. Brian2 on numpy code.

Rate tolerance: 3 % covers spikes sitting on the dt grid (the analytic rate is a continuous-
time answer; Brian2 comes out up to ~1 % high at dt = 0.1 ms). Lava fixed point adds its
quantisation (``backends/neuromorphic/lava_mapping.py``): the decay 20/4096 instead of
1 - e^{-0.005} lengthens tau_m by 2.15 %, so intervals are up to 2.15 % long, and the drive's
64/s-mV steps move V_inf by <= 0.1 mV (<= 0.6 % of the rate at these drives): 3 + 2.15 + 0.6
-> 6 %. Fixed point has no refractory model on Lava's CPU simulator: that case runs with
``refractory_ms: 0``.

``REFUSED`` lists what a case does not run, with the error that must say so (asserted, never
skipped): STDP on Lava fixed point is refused when the backend is built.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from orchestrator.assemble import draw_connectivity
from orchestrator.backend_api import NetworkSpec, SpikeWindow, SpikingBackend
from orchestrator.registry import plugins

CASES: dict[str, dict[str, dict[str, Any]]] = {
    "brian2": {
        "brian2": {"brian2": {"codegen_target": "numpy"}},
        "brian2-lava-timing": {"brian2": {"codegen_target": "numpy", "timing": "lava"}},
    },
    "lava": {
        "lava-floating_pt": {"lava": {"select_tag": "floating_pt"}},
        "lava-fixed_pt": {"lava": {"select_tag": "fixed_pt"}, "refractory_ms": 0.0},
    },
}
RATE_TOLERANCE = {"lava-fixed_pt": 0.06}
DEFAULT_RATE_TOLERANCE = 0.03
REFUSED: dict[tuple[str, str], tuple[type[Exception], str]] = {
    ("lava-fixed_pt", "stdp"): (ValueError, "stdp.enabled: Lava's fixed-point learning engine"),
}

Build = Callable[..., SpikingBackend]


def _cases() -> list[Any]:
    out = []
    for kind in sorted(plugins("spiking")):
        for case, options in CASES.get(kind, {kind: {}}).items():
            out.append(pytest.param((kind, case, options), id=case))
    return out


@pytest.fixture(params=_cases())
def build(request: pytest.FixtureRequest) -> Iterator[Build]:
    """``build(n, **spec_overrides)``: a backend of this case on a small network, closed after."""
    kind, case, options = request.param
    plugin = plugins("spiking")[kind]
    gone = plugin.missing()
    if gone:
        pytest.skip(f"spiking backend '{kind}' needs {', '.join(gone)}: {plugin.install}")
    cls = plugin.load()
    config = plugin.config.model_validate({"kind": kind, **options})
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

    _build.case = case  # type: ignore[attr-defined]
    yield _build
    for backend in made:
        backend.close()


def spike_steps(windows: list[SpikeWindow], dt_ms: float) -> tuple[np.ndarray, np.ndarray]:
    """(neuron ids, absolute step indices) of consecutive windows, ordered by (step, id)."""
    ids = np.concatenate([w.neurons for w in windows]).astype(np.int64)
    steps = np.concatenate([np.rint((w.t0_ms + w.times_ms) / dt_ms) for w in windows])
    order = np.lexsort((ids, steps))
    return ids[order], steps.astype(np.int64)[order]


def drive_of(n: int, low: float = 15.0, high: float = 35.0) -> np.ndarray:
    return np.random.default_rng(7).uniform(low, high, n)


def test_spike_window_contract(build: Build) -> None:
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
    assert identity["kind"] == backend.config.kind and identity["version"]


def test_tick_split_invariance(build: Build) -> None:
    n, ticks = 20, 8
    drive = drive_of(n)
    base = build(n, p=0.2)
    steps_per_tick, dt_ms = base.network.steps_per_tick, base.network.dt_ms
    windows = [base.advance(drive) for _ in range(ticks)]
    ids, steps = spike_steps(windows, dt_ms)
    assert len(steps) > 0
    # Same inputs, fresh instance: identical output, window by window.
    twin = build(n, p=0.2)
    for w in windows:
        again = twin.advance(drive)
        np.testing.assert_array_equal(again.neurons, w.neurons)
        np.testing.assert_array_equal(again.times_ms, w.times_ms)
        np.testing.assert_array_equal(again.voltages_mv, w.voltages_mv)
    # Ticks twice as long, or fewer planned ticks than advanced: the same spike trains.
    for overrides in ({"steps_per_tick": 2 * steps_per_tick}, {"ticks": 3}):
        other = build(n, p=0.2, **overrides)
        n_ticks = ticks * steps_per_tick // other.network.steps_per_tick
        split = [other.advance(drive) for _ in range(n_ticks)]
        other_ids, other_steps = spike_steps(split, dt_ms)
        np.testing.assert_array_equal(other_steps, steps)
        np.testing.assert_array_equal(other_ids, ids)
        np.testing.assert_allclose(split[-1].voltages_mv, windows[-1].voltages_mv, atol=1e-9)


def test_rate_matches_analytic_lif(build: Build) -> None:
    drives = np.array([22.0, 30.0, 45.0])
    backend = build(len(drives), steps_per_tick=1000)
    net = backend.network
    ids, steps = spike_steps([backend.advance(drives) for _ in range(15)], net.dt_ms)
    for i, ri in enumerate(drives):
        t = steps[ids == i] * net.dt_ms
        assert len(t) >= 10
        measured = (len(t) - 1) / (t[-1] - t[0])
        analytic = 1.0 / (net.refractory_ms + net.tau_m_ms * np.log(ri / (ri - net.v_th_mv)))
        tolerance = RATE_TOLERANCE.get(build.case, DEFAULT_RATE_TOLERANCE)  # type: ignore[attr-defined]
        assert measured == pytest.approx(analytic, rel=tolerance)


def test_close_is_idempotent(build: Build) -> None:
    backend = build(5)
    backend.advance(np.full(5, 25.0))
    backend.close()
    backend.close()
    fresh = build(5)
    fresh.close()
    fresh.close()


@pytest.mark.parametrize("stdp", [False, True], ids=["static", "stdp"])
def test_snapshot_then_restore_continues_exactly(build: Build, stdp: bool) -> None:
    """A checkpoint's network state, restored into a fresh backend, continues bit for bit."""
    from orchestrator.config.base import StdpConfig

    rule = StdpConfig(enabled=True, a_plus=0.05, a_minus=0.06) if stdp else None
    refused = REFUSED.get((build.case, "stdp" if stdp else "static"))  # type: ignore[attr-defined]
    if refused is not None:
        error, reason = refused
        with pytest.raises(error, match=reason):
            build(24, p=0.3, seed=5, w=1.5, stdp=rule)
        return
    rng = np.random.default_rng(3)
    drives = [rng.uniform(10.0, 40.0, 24) for _ in range(9)]
    a = build(24, p=0.3, seed=5, w=1.5, stdp=rule)
    full = [a.advance(d) for d in drives]
    weights_full = a.snapshot().arrays.get("weights_mv")
    a.close()

    b = build(24, p=0.3, seed=5, w=1.5, stdp=rule)
    first = [b.advance(d) for d in drives[:4]]
    state = b.snapshot()
    b.close()
    assert state.tick == 4 and state.kind == a.config.kind
    assert state.arrays["voltages_mv"].shape == (24,)
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
    weights_rest = end.arrays.get("weights_mv")
    c.close()

    for x, y in zip(full, first + rest, strict=True):
        assert x.t0_ms == y.t0_ms
        assert np.array_equal(x.neurons, y.neurons) and np.array_equal(x.times_ms, y.times_ms)
        assert np.array_equal(x.voltages_mv, y.voltages_mv)
    if stdp:
        assert np.array_equal(weights_full, weights_rest)
    assert end.tick == 9
    assert sum(len(w.neurons) for w in full) > 20  # the check saw real activity
    if stdp:
        assert not np.allclose(weights_full, 1.5)  # and plasticity did change the weights
