"""The pynn backend's worker processes: isolation, failures, ends; and the NEST driver's
end-of-tick voltages against NEST's own V_m (inside a worker, where NEST lives)."""

from __future__ import annotations

import os
import signal

import numpy as np
import pytest

from backends.neuromorphic.pynn import worker
from backends.neuromorphic.pynn.backend import PynnBackend
from backends.neuromorphic.pynn.config import PynnConfig, PynnOptions
from orchestrator.contract.spiking import NetworkSpec
from tests.backends.neuromorphic.pynn.networks import drives, network


def _nest_voltages_against_kernel(net: NetworkSpec, inputs: list[np.ndarray]) -> list[float]:
    """In a worker: the driver's end-of-tick V minus NEST's V_m (GetStatus), per tick."""
    from backends.neuromorphic.pynn.nest_driver import NestDriver

    driver = NestDriver(net, PynnOptions())
    try:
        out = []
        for d in inputs:
            _, _, v = driver.tick(d)
            kernel = np.asarray(driver._nodes.get("V_m"), dtype=float)
            out.append(float(np.max(np.abs(v - kernel))))
        return out
    finally:
        driver.close()


def _in_worker(result: object, *args: object) -> None:
    conn, fn = result
    conn.send(fn(*args))


def in_a_worker(fn: object, *args: object) -> object:
    context = worker._context(PynnOptions())
    here, there = context.Pipe()
    process = context.Process(target=_in_worker, args=((there, fn), *args))
    process.start()
    try:
        return here.recv()
    finally:
        process.join(30)


@pytest.mark.parametrize(
    ("overrides", "ticks"),
    [
        ({"p": 0.2, "w": 2.0, "mixed": True}, 10),  # several inputs in the last step
        ({"p": 0.2, "w": 1.0, "refractory_ms": 0.0}, 6),  # no hold, bursts
        ({"p": 0.2, "w": 1.0, "steps_per_tick": 1}, 40),  # a tick of one step
        ({"p": 0.2, "w": 1.0, "drive_mode": "kick"}, 6),
    ],
)
def test_end_of_tick_voltages_are_nests_own(overrides: dict, ticks: int) -> None:
    net = network(40, **overrides)
    low = -8.0 if net.drive_mode == "kick" else 15.0
    differences = in_a_worker(_nest_voltages_against_kernel, net, drives(40, ticks, low=low))
    assert max(differences) <= 1e-12


def test_two_networks_run_side_by_side_without_touching_each_other() -> None:
    """Each backend owns its NEST kernel: interleaved ticks give each one's solo result."""
    a_net, b_net = network(30, p=0.2, w=1.5, seed=1), network(30, p=0.1, w=2.0, seed=2)
    a_in, b_in = drives(30, 5, seed=1), drives(30, 5, seed=2)
    config = PynnConfig(kind="pynn")
    a, b = PynnBackend(config, a_net), PynnBackend(config, b_net)
    together = [(a.advance(x), b.advance(y)) for x, y in zip(a_in, b_in)]
    a.close()
    b.close()
    for net, inputs, side in ((a_net, a_in, 0), (b_net, b_in, 1)):
        alone = PynnBackend(config, net)
        for d, pair in zip(inputs, together):
            w = alone.advance(d)
            np.testing.assert_array_equal(w.neurons, pair[side].neurons)
            np.testing.assert_array_equal(w.times_ms, pair[side].times_ms)
            np.testing.assert_array_equal(w.voltages_mv, pair[side].voltages_mv)
        alone.close()
    assert sum(len(x.neurons) + len(y.neurons) for x, y in together) > 0


def test_a_killed_worker_is_reported_not_waited_for() -> None:
    backend = PynnBackend(PynnConfig(kind="pynn"), network(10))
    backend.advance(np.full(10, 25.0))
    session = backend._session
    assert isinstance(session, worker.WorkerSession)
    os.kill(session._process.pid, signal.SIGKILL)
    with pytest.raises(RuntimeError, match="pynn worker died"):
        backend.advance(np.full(10, 25.0))
    backend.close()


def test_closing_ends_the_worker_process() -> None:
    backend = PynnBackend(PynnConfig(kind="pynn"), network(10, p=0.3))
    process = backend._session._process
    assert process.is_alive()
    backend.close()
    assert not process.is_alive() and process.exitcode == 0


def test_what_the_backend_does_not_run_is_refused_before_a_worker_starts() -> None:
    from orchestrator.contract.network_config import StdpConfig
    from orchestrator.contract.spiking import NetworkState

    config = PynnConfig(kind="pynn")
    with pytest.raises(ValueError, match=r"stdp\.enabled"):
        PynnBackend(config, network(5, p=0.5, stdp=StdpConfig(enabled=True)))
    state = NetworkState(kind="pynn", tick=3, arrays={"voltages_mv": np.zeros(5)})
    with pytest.raises(ValueError, match="cannot restore"):
        PynnBackend(config, network(5, start=state))


def test_more_nest_threads_run_the_same_network() -> None:
    net = network(40, p=0.2, w=2.0, mixed=True)
    inputs = drives(40, 6)
    runs = []
    for threads in (1, 2):
        backend = PynnBackend(PynnConfig(kind="pynn", pynn={"threads": threads}), net)
        runs.append([backend.advance(d) for d in inputs])
        assert backend.identity()["threads"] == str(threads)
        backend.close()
    for a, b in zip(*runs, strict=True):
        np.testing.assert_array_equal(a.neurons, b.neurons)
        np.testing.assert_array_equal(a.times_ms, b.times_ms)
        np.testing.assert_allclose(a.voltages_mv, b.voltages_mv, rtol=0, atol=1e-12)
    assert sum(len(w.neurons) for w in runs[0]) > 0
