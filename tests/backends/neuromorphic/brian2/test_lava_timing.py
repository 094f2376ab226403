"""Brian2 under ``timing: lava`` against Lava's LIF step written out independently in numpy.

The reference below follows Lava's source (``lava/proc/lif/models.py``, ``PyLifModelFloat`` and
``PyLifRefractoryModelFloat``; ``lava/proc/dense/models.py``, ``PyDenseModelFloat``), not the
backend: u = a_in (du = 1), v = v (1 - dv) + u while not refractory, spike on v > vth, v = 0,
refractory until step t + P, and Dense's output of step t is the input of step t + 1.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from backends.neuromorphic.brian2.backend import Brian2Backend, kick
from backends.neuromorphic.brian2.config import Brian2Config
from orchestrator.contract.spiking import NetworkSpec
from orchestrator.run.assemble import draw_connectivity

CONFIG = Brian2Config.model_validate(
    {"kind": "brian2", "brian2": {"codegen_target": "numpy", "timing": "lava"}}
)


def spec(n: int, *, refractory_ms: float = 2.0, drive_mode: str = "current", ticks: int = 6):
    pre, post, weights = draw_connectivity(n, 0.25, 0.75, seed=5)
    return NetworkSpec(
        n_neurons=n,
        tau_m_ms=20.0,
        v_th_mv=20.0,
        v_reset_mv=0.0,
        refractory_ms=refractory_ms,
        dt_ms=0.1,
        steps_per_tick=100,
        ticks=ticks,
        drive_mode=drive_mode,  # type: ignore[arg-type]
        kick_cap_mv=15.0,
        pre=pre,
        post=post,
        weight_mv=weights,
    )


def lava_reference(net: NetworkSpec, drives: list[np.ndarray]):
    """Lava's equations, step by step: (spike (step, neuron) pairs, V after each tick, number
    of synaptic inputs that arrived while their target was refractory)."""
    n = net.n_neurons
    dv = -np.expm1(-net.dt_ms / net.tau_m_ms)
    period = int((net.refractory_ms + 1e-3 * net.dt_ms) / net.dt_ms) - 1  # Brian2's R, minus 1
    w = np.zeros((n, n))
    w[net.post, net.pre] = net.weight_mv
    v, a_dense, end = np.zeros(n), np.zeros(n), np.zeros(n, dtype=np.int64)
    spikes, ends, dropped = [], [], 0
    t = 0
    for drive in drives:
        if net.drive_mode == "current":
            inject = [drive * dv] * net.steps_per_tick
        else:
            first = (kick(v, drive, net.kick_cap_mv) - v) * (1 - dv)
            inject = [first] + [np.zeros(n)] * (net.steps_per_tick - 1)
        for x in inject:
            t += 1
            u = a_dense + x
            free = end < t
            dropped += int(np.sum(~free & (a_dense != 0)))
            v = np.where(free, v * (1 - dv) + u, v)
            s = v > net.v_th_mv
            v[s] = 0.0
            end[s] = t + max(period, 0)
            a_dense = w @ s.astype(float)
            spikes += [(t - 1, i) for i in np.flatnonzero(s)]
        ends.append(v.copy())
    return spikes, ends, dropped


@pytest.fixture
def build() -> Iterator:
    made: list[Brian2Backend] = []

    def _build(net: NetworkSpec) -> Brian2Backend:
        made.append(Brian2Backend(CONFIG, net))
        return made[-1]

    yield _build
    for backend in made:
        backend.close()


def run(backend: Brian2Backend, drives: list[np.ndarray]):
    spikes, ends = [], []
    spt = backend.network.steps_per_tick
    for k, drive in enumerate(drives):
        w = backend.advance(drive)
        steps = np.rint(w.times_ms / backend.network.dt_ms).astype(int) + k * spt
        spikes += list(zip(steps.tolist(), w.neurons.tolist()))
        ends.append(w.voltages_mv)
    return spikes, ends


@pytest.mark.parametrize("refractory_ms", [2.0, 0.0], ids=["LIFRefractory", "LIF"])
def test_current_drive_matches_lavas_equations(build, refractory_ms: float) -> None:
    net = spec(30, refractory_ms=refractory_ms)
    rng = np.random.default_rng(1)
    drives = [rng.uniform(14.0, 32.0, net.n_neurons) for _ in range(6)]
    got, got_v = run(build(net), drives)
    ref, ref_v, dropped = lava_reference(net, drives)
    assert len(ref) > 50
    assert sorted(got) == sorted(ref)
    np.testing.assert_allclose(np.array(got_v), np.array(ref_v), rtol=0, atol=1e-12)
    assert refractory_ms == 0 or dropped > 0  # input lost while refractory does occur here


def test_kicks_match_lavas_equations(build) -> None:
    net = spec(12, drive_mode="kick")
    rng = np.random.default_rng(2)
    drives = [rng.uniform(-10.0, 30.0, net.n_neurons) for _ in range(5)]
    got, got_v = run(build(net), drives)
    ref, ref_v, _ = lava_reference(net, drives)
    assert sorted(got) == sorted(ref)
    np.testing.assert_allclose(np.array(got_v), np.array(ref_v), rtol=0, atol=1e-12)
    decay_one = np.exp(-net.dt_ms / net.tau_m_ms)
    assert np.max(np.array(got_v)) <= net.kick_cap_mv * decay_one


def test_a_spike_reaches_its_target_one_step_later(build) -> None:
    """One synapse 0 -> 1: neuron 1 jumps by w one step after neuron 0 spikes, undecayed."""
    net = NetworkSpec(
        n_neurons=2, tau_m_ms=20.0, v_th_mv=20.0, v_reset_mv=0.0, refractory_ms=0.0,
        dt_ms=0.1, steps_per_tick=1, ticks=400, drive_mode="current", kick_cap_mv=15.0,
        pre=np.array([0]), post=np.array([1]), weight_mv=np.array([3.0]),
    )  # fmt: skip
    backend = build(net)
    v1 = []
    for _ in range(400):
        w = backend.advance(np.array([40.0, 0.0]))
        v1.append(w.voltages_mv[1])
        if len(w.neurons):
            first = len(v1) - 1
            break
    w = backend.advance(np.array([40.0, 0.0]))
    assert v1[first] == 0.0
    assert w.voltages_mv[1] == 3.0
