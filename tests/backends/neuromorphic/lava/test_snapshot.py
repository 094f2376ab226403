"""Lava checkpoints: a network restored from ``snapshot()`` continues as the uninterrupted one.

The reference is always the same network run without a break (an independent answer: nothing
of the restore path runs in it). Ticks are short (20 steps) so that many boundaries fall in a
neuron's refractory period or right after a spike whose synaptic input is still in Dense's
one-step buffer; the test picks such a boundary and asserts that it did.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import numpy as np
import pytest

from backends.neuromorphic.lava import config as lava_config
from backends.neuromorphic.lava import session as lava_session
from backends.neuromorphic.lava.backend import LavaBackend
from backends.neuromorphic.lava.config import LavaConfig
from orchestrator.contract.network_config import StdpConfig
from orchestrator.contract.spiking import NetworkSpec, NetworkState
from orchestrator.physics.tick_io import SpikeWindow
from orchestrator.run.assemble import draw_connectivity, select_spiking

TICKS = 25


def network(**overrides: Any) -> NetworkSpec:
    pre, post, weights = draw_connectivity(30, 0.25, 1.5, seed=11)
    fields: dict[str, Any] = {
        "n_neurons": 30,
        "tau_m_ms": 20.0,
        "v_th_mv": 20.0,
        "v_reset_mv": 0.0,
        "refractory_ms": 2.0,
        "dt_ms": 0.1,
        "steps_per_tick": 20,
        "ticks": TICKS,
        "drive_mode": "current",
        "kick_cap_mv": 25.0,  # above v_th: kicks alone make the neurons spike
        "pre": pre,
        "post": post,
        "weight_mv": weights,
    }
    return NetworkSpec(**{**fields, **overrides})


def drives(net: NetworkSpec) -> list[np.ndarray]:
    rng = np.random.default_rng(4)
    if net.drive_mode == "kick":  # a kick every tick: up to the cap, or down
        return [rng.uniform(-10.0, 40.0, net.n_neurons) for _ in range(TICKS)]
    return [rng.uniform(25.0, 60.0, net.n_neurons) for _ in range(TICKS)]


@pytest.fixture
def make() -> Iterator[Callable[..., LavaBackend]]:
    made: list[LavaBackend] = []

    def _make(net: NetworkSpec, **lava: Any) -> LavaBackend:
        """Lava's backend as a run selects it (the Brian2 fallback where configured)."""
        selection = select_spiking(LavaConfig.model_validate({"kind": "lava", "lava": lava}))
        made.append(selection.plugin.load()(selection.config, net))
        return made[-1]

    yield _make
    for backend in made:
        backend.close()


def same(a: SpikeWindow, b: SpikeWindow) -> bool:
    return (
        a.t0_ms == b.t0_ms
        and np.array_equal(a.neurons, b.neurons)
        and np.array_equal(a.times_ms, b.times_ms)
        and np.array_equal(a.voltages_mv, b.voltages_mv)
    )


def same_state(a: NetworkState, b: NetworkState) -> bool:
    return (
        a.kind == b.kind
        and a.tick == b.tick
        and a.arrays.keys() == b.arrays.keys()
        and all(
            a.arrays[k].dtype == b.arrays[k].dtype and np.array_equal(a.arrays[k], b.arrays[k])
            for k in a.arrays
        )
    )


def boundary(states: list[NetworkState], refractory: bool) -> int:
    """A tick after which a spike is in flight (and, if ``refractory``, a neuron refractory)."""
    for k, state in enumerate(states[2:-2], start=2):
        in_flight = np.any(state.arrays["dense.a_buff"] != 0)
        held = not refractory or np.any(state.arrays["lif.refractory_left"] > 0)
        if in_flight and held:
            return k
    raise AssertionError("no boundary with a spike in flight: the test network is too quiet")


CASES = {
    "floating-bridge": ({}, {}),
    "floating-injector_extractor": ({"io": "injector_extractor"}, {}),
    # kicks spike at a tick's first step: one-step ticks put those spikes in flight
    "floating-kick": ({}, {"drive_mode": "kick", "steps_per_tick": 1}),
    "floating-no-refractory": ({}, {"refractory_ms": 0.0}),
    "fixed-bridge": ({"select_tag": "fixed_pt"}, {"refractory_ms": 0.0}),
    "fixed-injector_extractor-kick": (
        {"select_tag": "fixed_pt", "io": "injector_extractor"},
        {"refractory_ms": 0.0, "drive_mode": "kick", "steps_per_tick": 1},
    ),
    "stdp-multiplicative": (
        {},
        {"stdp": StdpConfig(enabled=True, rule="multiplicative", a_plus=0.05, a_minus=0.06)},
    ),
    "stdp-additive-injector_extractor": (
        {"io": "injector_extractor"},
        {"stdp": StdpConfig(enabled=True, w_max_mv=2.0, a_plus=0.05, a_minus=0.06)},
    ),
}


@pytest.mark.parametrize(("lava", "overrides"), CASES.values(), ids=CASES.keys())
def test_a_restored_network_continues_exactly(make, lava, overrides) -> None:
    net = network(**overrides)
    inputs = drives(net)
    whole = make(net, **lava)
    windows, states = [], [whole.snapshot()]
    for d in inputs:
        windows.append(whole.advance(d))
        states.append(whole.snapshot())  # every tick, as the runner checkpoints
    assert sum(len(w.neurons) for w in windows) > 20
    k = boundary(states, refractory=net.refractory_ms > 0)
    state = states[k]
    assert state.tick == k and state.kind == "lava"

    restored = make(replace(net, start=state), **lava)
    assert same_state(restored.snapshot(), state)
    for i in range(k, TICKS):
        assert same(restored.advance(inputs[i]), windows[i]), f"tick {i}"
        assert same_state(restored.snapshot(), states[i + 1]), f"state after tick {i}"
    if net.stdp is not None:
        assert not np.array_equal(states[-1].arrays["weights_mv"], net.weight_mv)


def test_the_state_holds_what_the_next_tick_needs(make) -> None:
    """Names, dtypes and meaning: v in mV (floating point) or units; steps left; the buffer."""
    net = network()
    backend = make(net)
    rest = backend.snapshot()
    assert rest.tick == 0 and sorted(rest.arrays) == [
        "dense.a_buff",
        "lif.refractory_left",
        "lif.u",
        "lif.v",
        "voltages_mv",
    ]
    assert all(not np.any(a) for a in rest.arrays.values())
    backend.advance(drives(net)[0])
    state = backend.snapshot()
    assert state.arrays["lif.refractory_left"].dtype == np.int64
    assert np.all(state.arrays["lif.refractory_left"] <= 19)  # P = R - 1 = 19 steps
    assert np.array_equal(state.arrays["lif.v"], state.arrays["voltages_mv"])
    # Dense's buffer is W s(t) of the last step: what the neurons spiking then send.
    assert state.arrays["dense.a_buff"].shape == (30,)
    fixed = make(network(refractory_ms=0.0), select_tag="fixed_pt")
    fixed.advance(drives(net)[0])
    registers = fixed.snapshot()
    assert registers.arrays["lif.v"].dtype == np.int64
    assert "lif.refractory_left" not in registers.arrays
    scale = fixed.fixed_point.scale  # type: ignore[union-attr]
    assert np.array_equal(registers.arrays["lif.v"] / scale, registers.arrays["voltages_mv"])


def test_a_state_that_does_not_fit_is_refused(make) -> None:
    net = network()
    backend = make(net)
    backend.advance(drives(net)[0])
    state = backend.snapshot()
    brian2 = NetworkState("brian2", 1, state.arrays)
    with pytest.raises(ValueError, match="cannot restore a 'brian2' network state into lava"):
        make(replace(net, start=brian2))
    missing = NetworkState("lava", 1, {k: v for k, v in state.arrays.items() if k != "lif.u"})
    with pytest.raises(ValueError, match=r"'lif\.u' is missing"):
        make(replace(net, start=missing))
    with pytest.raises(ValueError, match="not integers"):  # a floating-point state, fixed net
        make(replace(net, refractory_ms=0.0, start=state), select_tag="fixed_pt")
    backend.close()
    with pytest.raises(RuntimeError, match="closed"):
        backend.snapshot()


def test_the_brian2_fallback_snapshots_brian2_state(make, monkeypatch) -> None:
    monkeypatch.setattr(lava_config, "loihi2_sdk", lambda: None)
    net = network()
    lava = {"target": "loihi2", "fallback": "brian2"}
    inputs = drives(net)[:4]
    whole = make(net, **lava)
    windows = [whole.advance(d) for d in inputs]
    part = make(net, **lava)
    part.advance(inputs[0])
    part.advance(inputs[1])
    state = part.snapshot()
    assert state.kind == "brian2"  # Brian2 runs: its state, which a Lava engine refuses
    restored = make(replace(net, start=state), **lava)
    assert all(same(restored.advance(d), w) for d, w in zip(inputs[2:], windows[2:], strict=True))


class _CpuStandInForLoihi2HwCfg(lava_session.Loihi2SimCfg):
    """What the chip would run, on the CPU: Lava's bit-accurate fixed-point models."""


def test_loihi2_does_not_snapshot_mock_loihi(make, monkeypatch) -> None:
    """The chip's state is not read back: snapshot says so, and a restore is refused."""
    monkeypatch.setattr(lava_config, "loihi2_sdk", lambda: "/opt/lava-loihi (mock)")
    monkeypatch.setattr(lava_session, "Loihi2HwCfg", _CpuStandInForLoihi2HwCfg)
    net = network(refractory_ms=0.0)
    chip = make(net, target="loihi2")
    chip.advance(drives(net)[0])
    with pytest.raises(NotImplementedError, match="Lava on Loihi 2 does not snapshot"):
        chip.snapshot()
    sim = make(net, select_tag="fixed_pt")
    sim.advance(drives(net)[0])
    with pytest.raises(ValueError, match="Loihi 2 cannot restore"):
        make(replace(net, start=sim.snapshot()), target="loihi2")
