"""What the fusion loop costs the NEST backend (pynn): tick by tick vs one continuous NEST run.

    .venv/bin/python bench/pynn_tick_overhead.py                  # N = 64, 100, 1000
    .venv/bin/python bench/pynn_tick_overhead.py --neurons 100 --ticks 10 --repeats 1

For each N, the §3.2 network of the loop's defaults (p = 0.1, w = 0.5 mV, tau_m = 20 ms,
v_th = 20 mV, t_ref = 2 ms, dt = 0.1 ms, 10 ms ticks) under a constant drive U(15, 35) mV runs
the same total length three ways, each in a worker process forked from the backend's fork
server (NEST imported once there):

- ``loop``: ``PynnBackend.advance()`` once per tick, as the fusion loop calls it: the drive
  over the pipe to the worker, I_e set, one ``nest.Simulate(tick)``, the tick's spikes and end
  voltages back over the pipe.
- ``driver``: the same ticks inside the worker (``NestDriver.tick``), no pipe: what the
  per-tick NEST work costs by itself.
- ``continuous``: the same network built by the same driver, I_e set once, ONE
  ``nest.Simulate(ticks * tick)`` with the spike recorder attached: what a plain NEST script
  runs for that long.

Wall-clock per tick (10 ms of network time), medians over the repeats, the three ways
interleaved within each repeat. The two ticking ways leave their first tick out (warm-up); the
continuous run is timed whole and divided by the tick count. Building the network (and the
worker's start) is excluded from all three. The spike counts must agree (the same network, the
same drive, the same ticks).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time

import numpy as np

import backends.neuromorphic.pynn.quiet  # noqa: F401 - before NEST: no banner
from backends.neuromorphic.pynn import worker
from backends.neuromorphic.pynn.backend import PynnBackend
from backends.neuromorphic.pynn.config import PynnConfig, PynnOptions
from orchestrator.contract.spiking import NetworkSpec
from orchestrator.run.assemble import draw_connectivity


def make_network(n: int, ticks: int) -> NetworkSpec:
    pre, post, w = draw_connectivity(n, 0.1, 0.5, 1)
    return NetworkSpec(
        n_neurons=n,
        tau_m_ms=20.0,
        v_th_mv=20.0,
        v_reset_mv=0.0,
        refractory_ms=2.0,
        dt_ms=0.1,
        steps_per_tick=100,
        ticks=ticks,
        drive_mode="current",
        kick_cap_mv=15.0,
        pre=pre,
        post=post,
        weight_mv=w,
    )


def loop(net: NetworkSpec, drive: np.ndarray, ticks: int) -> tuple[float, int]:
    backend = PynnBackend(PynnConfig(kind="pynn"), net)
    try:
        spikes = len(backend.advance(drive).neurons)
        start = time.perf_counter()
        for _ in range(ticks - 1):
            spikes += len(backend.advance(drive).neurons)
        return (time.perf_counter() - start) / (ticks - 1), spikes
    finally:
        backend.close()


def _in_worker(way: str, net: NetworkSpec, drive: np.ndarray, ticks: int) -> tuple[float, int]:
    import nest

    from backends.neuromorphic.pynn.nest_driver import NestDriver

    driver = NestDriver(net, PynnOptions())
    try:
        if way == "driver":
            spikes = len(driver.tick(drive)[0])
            start = time.perf_counter()
            for _ in range(ticks - 1):
                spikes += len(driver.tick(drive)[0])
            return (time.perf_counter() - start) / (ticks - 1), spikes
        driver._i_e = driver._mapping.i_offset_na(drive) * driver._pa_per_na
        nest.SetStatus(driver._nodes, [{"I_e": float(x)} for x in driver._i_e])
        start = time.perf_counter()
        nest.Simulate(ticks * net.tick_ms)
        seconds = (time.perf_counter() - start) / ticks
        return seconds, int(driver._spikes.get("n_events"))
    finally:
        driver.close()


def _serve(conn: object, *args: object) -> None:
    conn.send(_in_worker(*args))  # type: ignore[attr-defined]


def in_worker(way: str, net: NetworkSpec, drive: np.ndarray, ticks: int) -> tuple[float, int]:
    context = worker._context(PynnOptions())
    here, there = context.Pipe()
    process = context.Process(target=_serve, args=(there, way, net, drive, ticks))
    process.start()
    try:
        return here.recv()
    finally:
        process.join(60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, nargs="+", default=[64, 100, 1000])
    parser.add_argument("--ticks", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print(f"python {platform.python_version()}, {args.ticks} ticks, {args.repeats} repeats")
    print("| N | loop | driver | continuous | loop / continuous | driver / continuous | spikes |")
    print("|---|---|---|---|---|---|---|")
    for n in args.neurons:
        net = make_network(n, args.ticks)
        drive = np.random.default_rng(7).uniform(15.0, 35.0, n)
        times: dict[str, list[float]] = {"loop": [], "driver": [], "continuous": []}
        counts: dict[str, set[int]] = {way: set() for way in times}
        for _ in range(args.repeats):
            for way in times:
                if way == "loop":
                    seconds, spikes = loop(net, drive, args.ticks)
                else:
                    seconds, spikes = in_worker(way, net, drive, args.ticks)
                times[way].append(seconds)
                counts[way].add(spikes)
        med = {way: statistics.median(t) * 1e3 for way, t in times.items()}
        spikes = "/".join(str(sorted(c)) for c in counts.values())
        print(
            f"| {n} | {med['loop']:.2f} ms | {med['driver']:.2f} ms | "
            f"{med['continuous']:.2f} ms | {med['loop'] / med['continuous']:.2f} | "
            f"{med['driver'] / med['continuous']:.2f} | {spikes} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
