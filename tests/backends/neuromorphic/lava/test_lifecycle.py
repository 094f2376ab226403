"""Lava's worker processes never outlive the backend: closed, failed, interrupted or killed.

Orphans are looked for in /proc (our children, and in the last test a killed child's
children). Python's shared-memory resource tracker is started first: it is the interpreter's
own helper, shared by everything, not a Lava worker. Tests only ever signal processes they
started themselves.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from multiprocessing import resource_tracker

import numpy as np
import pytest
from lava.proc.io.extractor import PyLoihiExtractorModel
from lava.proc.lif.models import PyLifRefractoryModelFloat

from backends.neuromorphic.lava import workers as lava_workers
from backends.neuromorphic.lava.backend import LavaBackend
from backends.neuromorphic.lava.config import LavaConfig
from backends.neuromorphic.lava.processes.host_bridge import PyHostBridgeFloat
from backends.neuromorphic.lava.session import LavaFailure
from orchestrator.contract.spiking import NetworkSpec
from tests.paths import ROOT

CONFIG = LavaConfig.model_validate({"kind": "lava", "lava": {"stop_timeout_s": 5.0}})
NET = NetworkSpec(
    n_neurons=6,
    tau_m_ms=20.0,
    v_th_mv=20.0,
    v_reset_mv=0.0,
    refractory_ms=2.0,
    dt_ms=0.1,
    steps_per_tick=100,
    ticks=3,
    drive_mode="current",
    kick_cap_mv=15.0,
    pre=np.array([0, 1, 2]),
    post=np.array([1, 2, 3]),
    weight_mv=np.full(3, 0.5),
)
DRIVE = np.full(6, 30.0)


@pytest.fixture
def no_orphans() -> Iterator[None]:
    """Fails the test if a child process it started is still alive afterwards."""
    resource_tracker.ensure_running()
    before = lava_workers.children()
    yield
    deadline = time.monotonic() + 5.0
    while (left := lava_workers.children() - before) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert left == set(), f"orphaned child processes: {sorted(left)}"


def workers_of(backend: LavaBackend) -> set[int]:
    assert backend.session is not None
    return set(backend.session.workers)


def test_close_stops_every_worker(no_orphans) -> None:
    backend = LavaBackend(CONFIG, NET)
    workers = workers_of(backend)
    assert len(workers) == 5  # LIF, Dense, HostBridge, Lava's runtime service and its SMM
    backend.advance(DRIVE)
    backend.close()
    backend.close()  # idempotent
    assert backend.session is not None and backend.session.ended_by == "stop"
    assert not any(lava_workers.alive(pid) for pid in workers)
    with pytest.raises(RuntimeError, match="closed"):
        backend.advance(DRIVE)  # never run() a stopped Lava network again (it segfaults)


def test_a_network_that_never_ran_stops_in_order(no_orphans) -> None:
    backend = LavaBackend(CONFIG, NET)
    backend.close()
    assert backend.session is not None and backend.session.ended_by == "stop"  # not killed


def _raise_at(step: int, original):
    def run_spk(self) -> None:
        if self.time_step == step:
            raise ArithmeticError(f"injected failure at step {step}")
        original(self)

    return run_spk


@pytest.mark.parametrize(
    ("model", "io"),
    [
        (PyHostBridgeFloat, "bridge"),
        (PyLoihiExtractorModel, "injector_extractor"),
        (PyLifRefractoryModelFloat, "bridge"),
    ],
    ids=["bridge-fails", "extractor-fails", "lif-fails-run-would-hang"],
)
def test_a_failing_process_model_ends_all_workers(no_orphans, monkeypatch, model, io) -> None:
    """An exception inside Lava: the advance raises, naming it; no worker is left.

    (The LIF case hangs Lava's own run(): the other models wait for its output forever. The
    backend notices the dead worker.) Workers are forked after the patch, so they carry it.
    """
    monkeypatch.setattr(model, "run_spk", _raise_at(150, model.run_spk))
    config = LavaConfig.model_validate({"kind": "lava", "lava": {"io": io}})
    backend = LavaBackend(config, NET)
    workers = workers_of(backend)
    backend.advance(DRIVE)
    with pytest.raises(LavaFailure, match=r"injected failure at step 150|ended during the run"):
        backend.advance(DRIVE)
    assert not any(lava_workers.alive(pid) for pid in workers)
    assert backend.session is not None and backend.session.ended_by == "kill"
    with pytest.raises(RuntimeError):
        backend.advance(DRIVE)
    backend.close()


def test_ctrl_c_during_a_tick_then_close_leaves_no_worker(no_orphans) -> None:
    long_ticks = NetworkSpec(**{**vars(NET), "steps_per_tick": 20_000})
    backend = LavaBackend(CONFIG, long_ticks)
    timer = threading.Timer(0.5, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            backend.advance(DRIVE)  # ~10 s of network time; interrupted after 0.5 s
    finally:
        timer.cancel()
    with pytest.raises(RuntimeError, match="cannot run again"):
        backend.advance(DRIVE)  # the tick's state is unknown: refused
    backend.close()
    assert backend.session is not None and backend.session.ended_by == "stop"


CHILD = """
import json, sys, time
import numpy as np
from backends.neuromorphic.lava.backend import LavaBackend
from backends.neuromorphic.lava.config import LavaConfig
from orchestrator.contract.spiking import NetworkSpec
net = NetworkSpec(n_neurons=4, tau_m_ms=20.0, v_th_mv=20.0, v_reset_mv=0.0, refractory_ms=2.0,
                  dt_ms=0.1, steps_per_tick=100, ticks=2, drive_mode="current",
                  kick_cap_mv=15.0)
backend = LavaBackend(LavaConfig.model_validate({"kind": "lava"}), net)
backend.advance(np.full(4, 30.0))
print(json.dumps(sorted(backend.session.workers)), flush=True)
time.sleep(600)
"""


def test_killing_the_orchestrator_takes_the_workers_with_it(no_orphans) -> None:
    """SIGKILL leaves no chance to stop Lava: the kernel ends the workers (PDEATHSIG)."""
    root = ROOT
    child = subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(CHILD)],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert child.stdout is not None
        workers = set(json.loads(child.stdout.readline()))
        assert len(workers) == 4 and all(lava_workers.alive(pid) for pid in workers)
    finally:
        child.kill()
        child.wait()
    deadline = time.monotonic() + 5.0
    while (left := {p for p in workers if lava_workers.alive(p)}) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in left:  # only ever the killed child's own workers
        os.kill(pid, signal.SIGKILL)
    assert left == set(), f"workers outlived their orchestrator: {sorted(left)}"
