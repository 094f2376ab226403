"""What the fusion loop costs the Lava backend: tick by tick vs one continuous Lava run.

    .venv/bin/python bench/lava_tick_overhead.py                 # N = 100 and 1000
    .venv/bin/python bench/lava_tick_overhead.py --neurons 100 --ticks 10 --repeats 1

For each N, the §3.2 network of the loop's defaults (p = 0.1, w = 0.5 mV, tau_m = 20 ms,
v_th = 20 mV, t_ref = 2 ms, dt = 0.1 ms, 10 ms ticks, Lava floating_pt on Loihi2SimCfg) with a
constant drive U(15, 35) mV runs the same total length four ways:

- ``loop``: ``LavaBackend.advance()`` once per tick, as the fusion loop calls it: drive in,
  spikes and the tick's voltages out through the HostBridge process (``io: bridge``), one
  ``RunSteps`` per tick.
- ``loop, Lava I/O``: the same with ``io: injector_extractor`` (Lava's Injector and Extractor
  plus the voltage tap: three I/O processes instead of one).
- ``continuous, same I/O``: the ``loop`` process graph, ONE ``RunSteps`` for all ticks, the
  host feeding the inputs and draining spikes and voltages from threads meanwhile.
- ``continuous, bare``: LIF + Dense with the drive as the neurons' bias and Lava's Extractor
  for the spikes (what a plain Lava script would run), ONE ``RunSteps``, drained from a thread.

Times are wall-clock per tick (10 ms of network time), medians over the repeats, the ways
interleaved in each repeat so that load on a shared machine hits them alike; one warm-up tick
of each run is left out. The spike counts of a run must agree (a check that all ways simulate
the same network; ``bare`` adds the drive as bias, a different float rounding).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import threading
import time

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import Dense
from lava.proc.io.extractor import Extractor, PyLoihiExtractorModel
from lava.proc.lif.process import LIFRefractory

from backends.neuromorphic.common.lif import decay, lava_refractory_period
from backends.neuromorphic.lava import workers as lava_workers
from backends.neuromorphic.lava.backend import LavaBackend
from backends.neuromorphic.lava.config import LavaConfig
from orchestrator.contract.spiking import NetworkSpec
from orchestrator.run.assemble import draw_connectivity

STEPS = 100  # per tick: 10 ms at dt = 0.1 ms


def network(n: int, ticks: int) -> NetworkSpec:
    pre, post, weights = draw_connectivity(n, 0.1, 0.5, seed=0)
    return NetworkSpec(
        n_neurons=n, tau_m_ms=20.0, v_th_mv=20.0, v_reset_mv=0.0, refractory_ms=2.0,
        dt_ms=0.1, steps_per_tick=STEPS, ticks=ticks, drive_mode="current", kick_cap_mv=15.0,
        pre=pre, post=post, weight_mv=weights,
    )  # fmt: skip


def drive(n: int) -> np.ndarray:
    return np.random.default_rng(1).uniform(15.0, 35.0, n)


def loop(net: NetworkSpec, ticks: int, io: str = "bridge") -> tuple[float, int]:
    config = LavaConfig.model_validate({"kind": "lava", "lava": {"io": io}})
    backend = LavaBackend(config, net)
    try:
        d = drive(net.n_neurons)
        backend.advance(d)  # warm-up tick
        spikes = 0
        start = time.perf_counter()
        for _ in range(ticks):
            spikes += len(backend.advance(d).neurons)
        return (time.perf_counter() - start) / ticks, spikes
    finally:
        backend.close()


def loop_lava_io(net: NetworkSpec, ticks: int) -> tuple[float, int]:
    return loop(net, ticks, io="injector_extractor")


def _drain(receive, count: int, sink: list) -> threading.Thread:
    def work() -> None:
        for _ in range(count):
            sink.append(receive())

    thread = threading.Thread(target=work, daemon=True)
    thread.start()
    return thread


def continuous_same_io(net: NetworkSpec, ticks: int) -> tuple[float, int]:
    backend = LavaBackend(LavaConfig.model_validate({"kind": "lava"}), net)
    session = backend.session
    assert session is not None
    try:
        d = drive(net.n_neurons)
        backend.advance(d)  # warm-up tick, as in `loop`
        x = d * decay(net.dt_ms, net.tau_m_ms)
        total = ticks * STEPS
        spikes: list = []
        volts: list = []
        (bridge,) = session.io_processes
        feeder = threading.Thread(target=lambda: [bridge.send(x, x) for _ in range(ticks)])
        start = time.perf_counter()
        feeder.start()
        threads = [
            feeder,
            _drain(bridge.receive_spikes, ticks, spikes),
            _drain(bridge.receive_state, ticks, volts),
        ]
        session.lif.run(condition=RunSteps(num_steps=total), run_cfg=session.run_config)
        for thread in threads:
            thread.join()
        return (time.perf_counter() - start) / ticks, int(np.sum(spikes))
    finally:
        backend.close()


def continuous_bare(net: NetworkSpec, ticks: int) -> tuple[float, int]:
    n = net.n_neurons
    dv = decay(net.dt_ms, net.tau_m_ms)
    lif = LIFRefractory(
        shape=(n,), du=1.0, dv=dv, vth=net.v_th_mv, bias_mant=drive(n) * dv,
        refractory_period=lava_refractory_period(net.refractory_ms, net.dt_ms),
    )  # fmt: skip
    weights = np.zeros((n, n))
    weights[net.post, net.pre] = net.weight_mv
    dense = Dense(weights=weights)
    out = Extractor(shape=(n,), buffer_size=STEPS)
    lif.s_out.connect(dense.s_in)
    dense.a_out.connect(lif.a_in)
    lif.s_out.connect(out.in_port)
    cfg = Loihi2SimCfg(
        select_tag="floating_pt", exception_proc_model_map={Extractor: PyLoihiExtractorModel}
    )
    with lava_workers.forking_workers() as workers:
        lif.create_runtime(run_cfg=cfg)
    try:
        port = out.out_port.external_pipe_csp_recv_port
        lif.run(condition=RunSteps(num_steps=STEPS), run_cfg=cfg)  # warm-up tick
        for _ in range(STEPS):
            port.recv()
        spikes: list = []
        start = time.perf_counter()
        thread = _drain(port.recv, ticks * STEPS, spikes)
        lif.run(condition=RunSteps(num_steps=ticks * STEPS), run_cfg=cfg)
        thread.join()
        return (time.perf_counter() - start) / ticks, int(np.sum(spikes))
    finally:
        lif.stop()
        lava_workers.kill(workers)


WAYS = {
    "loop": loop,
    "loop, Lava I/O": loop_lava_io,
    "continuous, same I/O": continuous_same_io,
    "continuous, bare": continuous_bare,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--neurons", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--ticks", type=int, default=20, help="timed ticks per run")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    cpus = len(os.sched_getaffinity(0))
    print(f"# {platform.machine()}, {cpus} CPUs, Python {platform.python_version()}")
    print(f"# {args.ticks} ticks x {STEPS} steps per run, median of {args.repeats} (interleaved)\n")
    print(
        "| N | loop | loop, Lava I/O | continuous, same I/O | continuous, bare "
        "| loop / same I/O | loop / bare | Lava I/O / bare | spikes per run |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.neurons:
        net = network(n, args.ticks + 1)
        times: dict[str, list[float]] = {way: [] for way in WAYS}
        spikes: dict[str, int] = {}
        for _ in range(args.repeats):
            for way, fn in WAYS.items():
                seconds, count = fn(net, args.ticks)
                times[way].append(seconds)
                spikes[way] = count
        med = {way: statistics.median(t) * 1e3 for way, t in times.items()}
        a, b = med["loop"], med["loop, Lava I/O"]
        c, d = med["continuous, same I/O"], med["continuous, bare"]
        counts = "/".join(str(spikes[w]) for w in WAYS)
        print(
            f"| {n} | {a:.1f} ms | {b:.1f} ms | {c:.1f} ms | {d:.1f} ms | {a / c:.2f} "
            f"| {a / d:.2f} | {b / d:.2f} | {counts} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
