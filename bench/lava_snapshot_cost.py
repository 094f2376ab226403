"""What checkpointing costs the Lava backend per tick: ``snapshot()`` and the state it copies.

    .venv/bin/python bench/lava_snapshot_cost.py                       # N = 64 and 1000
    .venv/bin/python bench/lava_snapshot_cost.py --neurons 64 --ticks 10
    .venv/bin/python bench/lava_snapshot_cost.py --steps 1 --ticks 400  # one-step ticks

The state a checkpoint needs is read at every tick's end by the host I/O process (v, u, the
refractory ends, Dense's one-step buffer: one RefPort message each) and, with STDP, sent by
``PlasticDense`` (the synapses' weights and the traces: one message), so ``snapshot()`` only
copies arrays. For each N, io mode (``bridge``, ``injector_extractor``) and plasticity
(static, STDP additive) on the demo's network (p = 0.1, w = 0.8 mV, tau_m = 20 ms, v_th = 20
mV, t_ref = 2 ms, dt = 0.1 ms, 10 ms ticks = 100 steps, Lava floating_pt), drive U(15, 35) mV:

- ``advance``: ms per tick (median over the timed ticks; one warm-up tick left out), which
  includes reading the state;
- ``snapshot``: ms per ``snapshot()`` call, taken after every tick as the runner does;
- ``state``: the snapshot's size (what the checkpoint file adds for the network).

What reading the state adds to ``advance`` is measured by running this script on the code
before snapshots existed (there ``snapshot`` shows n/a) and comparing ``advance``; with
``--steps 1`` (one-step ticks, 20 untimed ticks first) the difference is not lost in the
steps' own cost. BENCHMARKS.md says which commit and how.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from backends.neuromorphic.lava.backend import LavaBackend
from backends.neuromorphic.lava.config import LavaConfig
from orchestrator.contract.network_config import StdpConfig
from orchestrator.contract.spiking import NetworkSpec
from orchestrator.run.assemble import draw_connectivity


def network(n: int, stdp: bool, steps: int = 100) -> NetworkSpec:
    pre, post, weights = draw_connectivity(n, 0.1, 0.8, seed=0)
    return NetworkSpec(
        n_neurons=n, tau_m_ms=20.0, v_th_mv=20.0, v_reset_mv=0.0, refractory_ms=2.0,
        dt_ms=0.1, steps_per_tick=steps, ticks=100, drive_mode="current", kick_cap_mv=19.8,
        pre=pre, post=post, weight_mv=weights,
        stdp=StdpConfig(enabled=True, rule="additive") if stdp else None,
    )  # fmt: skip


def measure(n: int, io: str, stdp: bool, ticks: int, steps: int) -> tuple[float, float | None, int]:
    """(advance ms, snapshot ms or None where it cannot, state bytes) medians."""
    config = LavaConfig.model_validate({"kind": "lava", "lava": {"io": io}})
    backend = LavaBackend(config, network(n, stdp, steps))
    drive = np.random.default_rng(1).uniform(15.0, 35.0, n)
    advance, snap, size = [], [], 0
    try:
        for _ in range(1 if steps > 1 else 20):  # warm-up
            backend.advance(drive)
        for _ in range(ticks):
            start = time.perf_counter()
            backend.advance(drive)
            advance.append(time.perf_counter() - start)
            try:
                start = time.perf_counter()
                state = backend.snapshot()
                snap.append(time.perf_counter() - start)
                size = sum(a.nbytes for a in state.arrays.values())
            except NotImplementedError:  # the code before snapshots existed
                pass
    finally:
        backend.close()
    snapshot_ms = 1e3 * statistics.median(snap) if snap else None
    return 1e3 * statistics.median(advance), snapshot_ms, size


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, nargs="+", default=[64, 1000])
    parser.add_argument("--ticks", type=int, default=20, help="timed ticks (static)")
    parser.add_argument("--stdp-ticks", type=int, default=5, help="timed ticks (STDP)")
    parser.add_argument("--io", nargs="+", default=["bridge", "injector_extractor"])
    parser.add_argument("--plasticity", nargs="+", default=["static", "STDP"])
    parser.add_argument("--steps", type=int, default=100, help="steps per tick (0.1 ms each)")
    args = parser.parse_args()
    print(f"# {platform.machine()}, {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")
    print("| N | io | plasticity | advance | snapshot | state |")
    print("|---|---|---|---|---|---|")
    for n in args.neurons:
        for plasticity in args.plasticity:
            stdp = plasticity == "STDP"
            for io in args.io:
                ticks = args.stdp_ticks if stdp else args.ticks
                adv, snap, size = measure(n, io, stdp, ticks, args.steps)
                shown = "n/a" if snap is None else f"{snap:.3f} ms"
                print(
                    f"| {n} | {io} | {plasticity} | {adv:.2f} ms | {shown} | {size / 1e3:.1f} kB |",
                    flush=True,
                )


if __name__ == "__main__":
    main()
