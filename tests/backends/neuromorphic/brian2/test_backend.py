"""Brian2 backend: LIF rates, tick-split invariance against plain Brian2, drive modes, lifecycle.

Numpy code generation only (no test pays Cython compilation); no assertion on wall-clock time.
"""

from __future__ import annotations

import pickle
import signal
import threading
from collections.abc import Iterator
from dataclasses import replace

import brian2 as b2
import numpy as np
import pytest

from backends.neuromorphic.brian2 import ticking as brian2_ticking
from backends.neuromorphic.brian2.backend import Brian2Backend, kick
from backends.neuromorphic.brian2.config import Brian2Config
from backends.neuromorphic.brian2.fixed_math_code import FixedMathNumpyCodeObject
from orchestrator.contract.network_config import StdpConfig
from orchestrator.contract.spiking import NetworkSpec, NetworkState
from orchestrator.run.assemble import draw_connectivity

CONFIG = Brian2Config.model_validate({"kind": "brian2", "brian2": {"codegen_target": "numpy"}})
TAU, V_TH, T_REF, DT = 20.0, 20.0, 2.0, 0.1


def make_spec(
    n: int,
    *,
    steps_per_tick: int = 100,
    ticks: int = 10,
    drive_mode: str = "current",
    p: float = 0.0,
    weight_mv: float = 1.0,
    stdp: StdpConfig | None = None,
    seed: int = 0,
) -> NetworkSpec:
    pre, post, weights = draw_connectivity(n, p, weight_mv, seed)
    return NetworkSpec(
        n_neurons=n,
        tau_m_ms=TAU,
        v_th_mv=V_TH,
        v_reset_mv=0.0,
        refractory_ms=T_REF,
        dt_ms=DT,
        steps_per_tick=steps_per_tick,
        ticks=ticks,
        drive_mode=drive_mode,  # type: ignore[arg-type]
        kick_cap_mv=15.0,
        pre=pre,
        post=post,
        weight_mv=weights,
        stdp=stdp,
    )


@pytest.fixture
def build() -> Iterator:
    made: list[Brian2Backend] = []

    def _build(spec: NetworkSpec) -> Brian2Backend:
        made.append(Brian2Backend(CONFIG, spec))
        return made[-1]

    yield _build
    for backend in made:
        backend.close()


def run_ticks(backend: Brian2Backend, drive: np.ndarray, n_ticks: int):
    """(neuron ids, absolute step indices) of n_ticks constant-drive ticks."""
    ids, steps = [], []
    for k in range(n_ticks):
        w = backend.advance(drive)
        ids.append(w.neurons)
        steps.append(np.rint(w.times_ms / DT).astype(np.int64) + k * backend.network.steps_per_tick)
    return np.concatenate(ids), np.concatenate(steps)


_REFERENCES: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}


def reference_run(spec: NetworkSpec, drive_mv: np.ndarray, n_ticks: int):
    """The same network in plain Brian2, ONE run of n_ticks ticks: (ids, steps, final w mV).

    Made once per network, drive and length (the network's planned ``ticks`` do not enter
    it): the four tick-split cases share the unconnected run they compare with (design §26,
    seventh session). Copies, so a test cannot change another's reference."""
    key = pickle.dumps((replace(spec, ticks=1), np.asarray(drive_mv, dtype=float), n_ticks))
    if key not in _REFERENCES:
        _REFERENCES[key] = _plain_brian2_run(spec, drive_mv, n_ticks)
    return tuple(np.array(a, copy=True) for a in _REFERENCES[key])


def _plain_brian2_run(spec: NetworkSpec, drive_mv: np.ndarray, n_ticks: int):
    """``reference_run`` itself.
    Brian2's numpy code with the backend's exp (the C library's, design §6): the comparison is
    of the tick hand-off, bit for bit, not of numpy's exp against the C library's."""
    dt = spec.dt_ms * b2.ms
    group = b2.NeuronGroup(
        spec.n_neurons,
        """dv/dt = (I - v) / tau : volt (unless refractory)
        I : volt
        u : volt""",
        threshold="v >= theta",
        reset="v = v_r",
        refractory=spec.refractory_ms * b2.ms,
        method="exact",
        namespace={
            "tau": spec.tau_m_ms * b2.ms,
            "theta": spec.v_th_mv * b2.mV,
            "v_r": spec.v_reset_mv * b2.mV,
        },
        dt=dt,
        codeobj_class=FixedMathNumpyCodeObject,
    )
    group.I_[:] = drive_mv * 1e-3
    # recurrent input lands in V the step after the spike, after integration, before the
    # threshold, unless refractory (so V < V_th at every step's end, spec §14)
    group.run_regularly("v += u * int(not_refractory)\nu = 0 * volt", when="groups", order=1)
    monitor = b2.SpikeMonitor(group, codeobj_class=FixedMathNumpyCodeObject)
    net = b2.Network(group, monitor)
    syn = None
    if len(spec.pre):
        s = spec.stdp
        if s is None:
            model, on_pre, on_post, ns = "w : volt", "u_post += w", None, {}
        else:
            mult = s.rule == "multiplicative"
            model = """w : volt
            dx/dt = -x / tx : volt (event-driven)
            dy/dt = -y / ty : volt (event-driven)"""
            dep = "y * w / wm" if mult else "y"
            pot = "x * (1 - w / wm)" if mult else "x"
            on_pre = f"u_post += w\nx += ap * wm\nw = clip(w + {dep}, 0 * volt, wm)"
            on_post = f"y -= am * wm\nw = clip(w + {pot}, 0 * volt, wm)"
            ns = {
                "tx": s.tau_pre_ms * b2.ms,
                "ty": s.tau_post_ms * b2.ms,
                "ap": s.a_plus,
                "am": s.a_minus,
                "wm": s.w_max_mv * b2.mV,
            }
        syn = b2.Synapses(
            group,
            group,
            model,
            on_pre=on_pre,
            on_post=on_post,
            namespace=ns,
            dt=dt,
            codeobj_class=FixedMathNumpyCodeObject,
        )
        syn.connect(i=spec.pre, j=spec.post)
        syn.w_[:] = spec.weight_mv * 1e-3
        net.add(syn)
    net.run(n_ticks * spec.steps_per_tick * dt, namespace={})
    steps = np.rint(monitor.t_[:] / float(dt)).astype(np.int64)
    weights = syn.w_[:] * 1e3 if syn is not None else np.zeros(0)
    return np.asarray(monitor.i_[:], dtype=np.int64), steps, weights


# ------------------------------------------------------------------------------ LIF rate


def test_rate_matches_analytic_lif(build) -> None:
    drives = np.array([19.0, 21.0, 25.0, 30.0, 40.0, 60.0])
    spec = make_spec(len(drives), steps_per_tick=1000, ticks=15)
    ids, steps = run_ticks(build(spec), drives, 15)  # 1.5 s
    assert not np.any(ids == 0)  # sub-threshold drive: silent
    for i, ri in enumerate(drives[1:], start=1):
        t = steps[ids == i] * DT
        assert len(t) >= 20
        measured = (len(t) - 1) / (t[-1] - t[0])
        analytic = 1.0 / (T_REF + TAU * np.log(ri / (ri - V_TH)))
        assert measured == pytest.approx(analytic, rel=0.02)


# ------------------------------------------------------------------------------ tick split

SPLIT_CASES = {
    "recurrent": (12, None),
    "past-planned-ticks": (5, None),
    "stdp-additive": (4, StdpConfig(enabled=True, a_plus=0.05, a_minus=0.06)),
    "stdp-multiplicative": (
        12,
        StdpConfig(enabled=True, rule="multiplicative", a_plus=0.05, a_minus=0.06),
    ),
}


@pytest.mark.parametrize("case", list(SPLIT_CASES))
def test_ticks_give_the_spikes_of_one_plain_run(build, case: str) -> None:
    planned, stdp = SPLIT_CASES[case]
    n_ticks = 20  # ticks of 37 steps: boundaries fall at many phases of the firing
    spec = make_spec(40, steps_per_tick=37, ticks=planned, p=0.2, weight_mv=0.5, stdp=stdp, seed=3)
    drive = np.random.default_rng(4).uniform(16.0, 30.0, spec.n_neurons)
    backend = build(spec)
    ids, steps = run_ticks(backend, drive, n_ticks)
    ref_ids, ref_steps, ref_w = reference_run(spec, drive, n_ticks)
    np.testing.assert_array_equal(steps, ref_steps)
    np.testing.assert_array_equal(ids, ref_ids)
    # Synaptic events do cross tick boundaries: spikes on the last step of some tick.
    assert np.any(steps % spec.steps_per_tick == spec.steps_per_tick - 1)
    if stdp is not None:
        np.testing.assert_array_equal(backend.weights_mv(), ref_w)
        assert not np.array_equal(ref_w, spec.weight_mv)  # plasticity did act
    # The recurrent input matters (otherwise this test would not see it).
    plain = make_spec(40, steps_per_tick=37, ticks=planned, p=0.0)
    assert not np.array_equal(reference_run(plain, drive, n_ticks)[1], ref_steps)


def test_snapshot_holds_what_brians_full_state_holds(build) -> None:
    """The snapshot copies Brian2's own state (``_full_state``, the connectivity left out)
    bit for bit, in Brian2's order, after plastic ticks with spikes (issue 25 item 3: the
    connectivity is no longer copied to be dropped)."""
    stdp = StdpConfig(enabled=True, a_plus=0.05, a_minus=0.06)
    spec = make_spec(40, steps_per_tick=37, ticks=12, p=0.2, weight_mv=0.5, stdp=stdp, seed=3)
    backend = build(spec)
    drive = np.random.default_rng(4).uniform(16.0, 30.0, spec.n_neurons)
    ids, _ = run_ticks(backend, drive, 12)
    assert len(ids) > 0
    brians: dict[str, np.ndarray] = {}
    for role, owner in (("neurons", backend._group), ("synapses", backend._synapses)):
        for name, (values, size) in owner._full_state().items():
            assert len(values) == size
            brians[f"{role}.{name}"] = values
    static = {"_synaptic_pre", "_synaptic_post", "N_incoming", "N_outgoing", "N"}
    expected = {k: v for k, v in brians.items() if k.split(".", 1)[1] not in static}
    assert not np.array_equal(expected["synapses.w"], spec.weight_mv * 1e-3)  # STDP acted
    got = backend.snapshot().arrays
    mine = {k: v for k, v in got.items() if k not in ("voltages_mv", "weights_mv")}
    assert list(mine) == list(expected)
    for key, values in expected.items():
        assert mine[key].dtype == values.dtype, key
        assert mine[key].tobytes() == values.tobytes(), key


def test_a_snapshot_into_a_spare_state_writes_its_arrays_and_owns_none_of_brians(build) -> None:
    """``snapshot_reusing`` copies into the spare's own arrays (no new allocation per
    checkpoint; design §27), gives ``snapshot()``'s bytes, and what it returns does not move
    with the network afterwards (it is a copy, not Brian2's live arrays)."""
    stdp = StdpConfig(enabled=True, a_plus=0.05, a_minus=0.06)
    spec = make_spec(40, steps_per_tick=37, ticks=12, p=0.2, weight_mv=0.5, stdp=stdp, seed=3)
    backend = build(spec)
    drive = np.random.default_rng(4).uniform(16.0, 30.0, spec.n_neurons)
    run_ticks(backend, drive, 2)
    spare = backend.snapshot()
    run_ticks(backend, drive, 3)
    expected = backend.snapshot()
    got = backend.snapshot_reusing(spare)
    assert got.tick == expected.tick == 5
    assert list(got.arrays) == list(expected.arrays)
    for key, values in expected.arrays.items():
        assert got.arrays[key] is spare.arrays[key], key  # written in place
        assert got.arrays[key].tobytes() == values.tobytes(), key
    before = {k: v.tobytes() for k, v in got.arrays.items()}
    ids, _ = run_ticks(backend, drive, 3)
    assert len(ids) > 0
    assert {k: v.tobytes() for k, v in got.arrays.items()} == before
    assert backend.snapshot().arrays["synapses.w"].tobytes() != before["synapses.w"]
    # a spare of another shape (another network's) is not written: fresh arrays instead
    small = NetworkState("brian2", 0, {"synapses.w": np.zeros(3), "voltages_mv": np.zeros(3)})
    again = backend.snapshot_reusing(small)
    assert again.arrays["synapses.w"] is not small.arrays["synapses.w"]
    assert again.arrays["synapses.w"].tobytes() == backend.snapshot().arrays["synapses.w"].tobytes()
    assert not small.arrays["voltages_mv"].any()


def test_emptying_the_monitor_loses_no_spike(build, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(brian2_ticking, "_TRIM_SPIKES", 7)  # empty it after almost every tick
    spec = make_spec(40, ticks=5, p=0.2, weight_mv=0.5, seed=3)
    drive = np.random.default_rng(4).uniform(16.0, 30.0, spec.n_neurons)
    ids, steps = run_ticks(build(spec), drive, 12)
    ref_ids, ref_steps, _ = reference_run(spec, drive, 12)
    np.testing.assert_array_equal(steps, ref_steps)
    np.testing.assert_array_equal(ids, ref_ids)


# ------------------------------------------------------------------------------ drive modes


def test_kick_mode_respects_the_cap(build) -> None:
    spec = make_spec(4, drive_mode="kick")
    backend = build(spec)
    decay = np.exp(-spec.tick_ms / TAU)
    kicks = [[5.0, 20.0, -3.0, 0.0], [100.0, 2.0, -50.0, 14.0], [100.0, 100.0, 1.0, 14.0]]
    v = np.zeros(4)
    for d in kicks:
        w = backend.advance(np.array(d))
        start = kick(v, np.array(d), spec.kick_cap_mv)
        assert np.all(start <= spec.kick_cap_mv)
        np.testing.assert_allclose(w.voltages_mv, start * decay, atol=1e-9)  # drive stays 0
        assert len(w.neurons) == 0
        v = w.voltages_mv
    assert np.max(v / decay) == pytest.approx(spec.kick_cap_mv)  # kicked exactly to the cap


def test_current_drive_changes_at_tick_start(build) -> None:
    spec = make_spec(1)
    backend = build(spec)
    decay = np.exp(-spec.tick_ms / TAU)
    v = 0.0
    for drive in (10.0, 15.0, 0.0):
        w = backend.advance(np.array([drive]))
        v = drive + (v - drive) * decay
        assert len(w.neurons) == 0
        assert w.voltages_mv[0] == pytest.approx(v, abs=1e-9)
    # A strong drive from tick start: the first spike on the step the exact update predicts.
    strong, step, step_decay = 1000.0, 0, np.exp(-DT / TAU)
    while True:
        v = strong + (v - strong) * step_decay
        if v >= V_TH:
            break
        step += 1
    w = backend.advance(np.array([strong]))
    assert w.times_ms[0] == pytest.approx(step * DT)


# ------------------------------------------------------------------------------ contract


def test_spike_window_contract(build) -> None:
    spec = make_spec(30, ticks=3, p=0.2)
    backend = build(spec)
    drive = np.random.default_rng(2).uniform(18.0, 40.0, spec.n_neurons)
    seen = 0
    for k in range(6):
        w = backend.advance(drive)
        assert w.t0_ms == pytest.approx(k * spec.tick_ms)
        assert w.neurons.shape == w.times_ms.shape
        assert np.all(np.diff(w.times_ms) >= 0)
        assert np.all((w.times_ms >= 0) & (w.times_ms < spec.tick_ms))
        np.testing.assert_allclose(w.times_ms / DT, np.rint(w.times_ms / DT), atol=1e-9)
        assert np.all((w.neurons >= 0) & (w.neurons < spec.n_neurons))
        assert w.voltages_mv.shape == (spec.n_neurons,)
        assert np.all(w.voltages_mv < V_TH)
        seen += len(w.neurons)
    assert seen > 0
    with pytest.raises(ValueError, match="drive_mv"):
        backend.advance(np.zeros(spec.n_neurons + 1))
    assert backend.identity()["codegen_target"] == "numpy"


# ------------------------------------------------------------------------------ lifecycle


def test_close_leaves_no_thread() -> None:
    before = set(threading.enumerate())
    backend = Brian2Backend(CONFIG, make_spec(5, ticks=2))
    assert set(threading.enumerate()) - before  # the simulation thread runs
    backend.advance(np.full(5, 25.0))
    backend.close()
    backend.close()  # idempotent
    assert set(threading.enumerate()) <= before
    with pytest.raises(RuntimeError, match="closed"):
        backend.advance(np.full(5, 25.0))


def test_simulation_error_surfaces_in_advance(monkeypatch: pytest.MonkeyPatch) -> None:
    before = set(threading.enumerate())
    backend = Brian2Backend(CONFIG, make_spec(5, ticks=2))
    backend.advance(np.full(5, 25.0))

    def boom(drive_v: np.ndarray) -> None:
        raise ArithmeticError("boom in the network operation")

    monkeypatch.setattr(backend, "_apply", boom)
    for _ in range(2):  # and again: an error, never a hang
        with pytest.raises(RuntimeError, match="boom in the network operation"):
            backend.advance(np.full(5, 25.0))
    backend.close()
    assert set(threading.enumerate()) <= before


def test_ctrl_c_interrupts_the_caller(build) -> None:
    backend = build(make_spec(5, ticks=2))  # its run is in progress
    with pytest.raises(KeyboardInterrupt):
        signal.raise_signal(signal.SIGINT)
    backend.advance(np.full(5, 25.0))  # the simulation itself was not stopped


def test_no_brian_files_in_tmpdir() -> None:
    from brian2.utils.logger import BrianLogger

    assert BrianLogger.tmp_log is None and BrianLogger.file_handler is None
    assert BrianLogger.tmp_script is None
