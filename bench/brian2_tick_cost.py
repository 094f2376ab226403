"""What the Brian2 backend's ``advance`` costs per tick beside one continuous ``Network.run``.

    flock /tmp/qnf-heavy.lock .venv/bin/python bench/brian2_tick_cost.py --sizes 10000 100000

Issue 25 item 3 (docs/design.md §7, last paragraph). The network is bench/scale_network.py's
(configs/demo.yaml at N neurons, k = 100, STDP additive, Brian2 numpy, 10 ms ticks of 0.1 ms),
at the constant drive of the loop's first tick (35 mV on every neuron) in both arms, so both
fire the same spikes and do the same synaptic work:

- ``plain``: the backend's own ``build_objects``, one warm-up tick, then ONE ``Network.run``
  of T - 1 ticks (what bench/scale_network.py calls "brian2 alone").
- ``backend``: ``Brian2Backend`` built from the same config, one warm-up ``advance``, then
  T - 1 ``advance`` calls (the backend's one continuous run handed off at tick boundaries).

Each arm runs in a fresh subprocess, arms alternating (plain, backend, plain, backend ...).
Per tick: wall time and the process's CPU time (``time.process_time``: every thread), spikes,
and, in the backend arm, how often Brian2 did its per-run work while ticking (calls of
``Network.before_run`` and of the spike queue's ``prepare``, counted by wrapping them in this
process only), which spike queue class ran, and the main thread's time reading spikes and
voltages. The load average is printed with every row: the machine may be shared.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

DRIVE_MV = 35.0  # the loop's first drive (|+> start: 15 + 40 x 1/2), as scale_network.py


def _network(n: int, ticks: int):
    from scale_network import _config

    from orchestrator.run.assemble import build_network

    config = _config(n, ticks, 1)
    return config, build_network(config)


def _count(cls: type, name: str, counts: dict[str, int]) -> None:
    """Count calls of ``cls.name`` in this process (instrumentation of the benchmark only)."""
    original = getattr(cls, name)
    key = f"{cls.__name__}.{name}"
    counts[key] = 0

    def counted(self, *args, **kwargs):
        counts[key] += 1
        return original(self, *args, **kwargs)

    setattr(cls, name, counted)


def one_plain(n: int, ticks: int) -> dict:
    from backends.neuromorphic.brian2.backend import SCHEDULE, build_objects, code_object_class
    from backends.neuromorphic.brian2.sdk import b2

    config, network = _network(n, ticks)
    b2.prefs.logging.file_log = False
    codeobj = code_object_class(config.spiking.brian2.codegen_target)
    clock = b2.Clock(dt=network.dt_ms * b2.ms)
    group, monitor, syn = build_objects(network, clock, codeobj)
    group.variables["I_drive"].get_value()[:] = DRIVE_MV * 1e-3
    net = b2.Network(*[obj for obj in (group, monitor, syn) if obj is not None])
    net.schedule = SCHEDULE
    net.run(network.tick_ms * b2.ms, namespace={})  # warm-up tick (code generation)
    warm = int(monitor.num_spikes)
    # Brian2's per-run work alone (before_run: namespaces, code objects, the spike queue's
    # prepare; after_run): a run of no time. The timed run below does it once too.
    per_run = time.process_time()
    net.run(0 * b2.ms, namespace={})
    per_run = time.process_time() - per_run
    load0 = os.getloadavg()[0]
    wall, cpu = time.perf_counter(), time.process_time()
    net.run((ticks - 1) * network.tick_ms * b2.ms, namespace={})
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    return {
        "arm": "plain",
        "n": n,
        "per_run_cpu_ms": per_run * 1e3,
        "ms_per_tick": wall / (ticks - 1) * 1e3,
        "cpu_ms_per_tick": cpu / (ticks - 1) * 1e3,
        "spikes_per_tick": (int(monitor.num_spikes) - warm) / (ticks - 1),
        "load": [load0, os.getloadavg()[0]],
        "queue": type(syn._pathways[0].queue).__module__ if syn is not None else "",
    }


_ZLIB = """
import zlib
import numpy as np
data = np.random.default_rng(0).standard_normal(5_000_000).tobytes()
while True:
    zlib.compress(data, 1)
"""


def one_backend(n: int, ticks: int, snap: bool = False, zlib: bool = False) -> dict:
    """The backend arm; with ``snap``, ``snapshot()`` after every tick as the loop does with a
    checkpoint every tick (the last one kept), timed apart from ``advance``; with ``zlib``, a
    process compressing 40 MB of floats at level 1 in a loop beside the ticks (what the
    checkpoint writer does on the other core)."""
    import numpy as np

    from backends.neuromorphic.brian2.backend import Brian2Backend
    from backends.neuromorphic.brian2.sdk import b2

    counts: dict[str, int] = {}
    _count(b2.Network, "before_run", counts)
    from brian2.synapses.spikequeue import SpikeQueue
    from brian2.synapses.synapses import SynapticPathway

    _count(SpikeQueue, "prepare", counts)  # the Python queue (the Cython one is a C type)
    _count(SynapticPathway, "initialise_queue", counts)  # calls either queue's prepare
    config, network = _network(n, ticks)
    backend = Brian2Backend(config.spiking, network)
    drive = np.full(n, DRIVE_MV)
    backend.advance(drive)  # warm-up tick
    before = dict(counts)
    load0 = os.getloadavg()[0]
    beside = subprocess.Popen([sys.executable, "-c", _ZLIB]) if zlib else None
    if beside is not None:
        time.sleep(1.0)  # its buffer built
    spikes = 0
    wall = cpu = snap_wall = snap_cpu = 0.0
    kept = None
    for _ in range(ticks - 1):
        w0, c0 = time.perf_counter(), time.process_time()
        window = backend.advance(drive)
        w1, c1 = time.perf_counter(), time.process_time()
        wall, cpu = wall + w1 - w0, cpu + c1 - c0
        spikes += window.neurons.size
        if snap:
            kept = None
            kept = backend.snapshot()
            snap_wall += time.perf_counter() - w1
            snap_cpu += time.process_time() - c1
    del kept
    if beside is not None:
        beside.terminate()
        beside.wait()
    # the main thread's reads, timed apart (the same reads advance makes, after the last tick)
    t0 = time.perf_counter()
    for _ in range(10):
        backend._group.variables["v"].get_value() * backend._v_mv
    read = (time.perf_counter() - t0) / 10
    queue = ""
    if backend._synapses is not None:
        queue = type(backend._synapses._pathways[0].queue).__module__
    backend.close()
    return {
        "arm": "snapshot" if snap else "zlib" if zlib else "backend",
        "snapshot_ms_per_tick": snap_wall / (ticks - 1) * 1e3,
        "snapshot_cpu_ms_per_tick": snap_cpu / (ticks - 1) * 1e3,
        "n": n,
        "ms_per_tick": wall / (ticks - 1) * 1e3,
        "cpu_ms_per_tick": cpu / (ticks - 1) * 1e3,
        "spikes_per_tick": spikes / (ticks - 1),
        "load": [load0, os.getloadavg()[0]],
        "queue": queue,
        "per_run_calls_while_ticking": {k: counts[k] - before[k] for k in counts},
        "per_run_calls_at_start": before,
        "voltage_read_ms": read * 1e3,
    }


def _old_snapshot_arrays(backend) -> dict:
    """The snapshot's Brian2 arrays as taken before issue 25 item 3: ``_full_state()`` of each
    owner (every array copied), the connectivity dropped after the copy."""
    from backends.neuromorphic.brian2.backend import _STATIC_SYNAPSE_STATE

    arrays = {}
    for role, owner in backend._state_owners():
        for name, (values, _size) in owner._full_state().items():
            if role == "synapses" and name in _STATIC_SYNAPSE_STATE:
                continue
            arrays[f"{role}.{name}"] = values
    return arrays


def one_snapshot_ab(n: int, ticks: int, rounds: int = 4) -> dict:
    """``snapshot()`` against the old way (``_old_snapshot_arrays``), alternating in one
    process after ``ticks`` plastic ticks; the Brian2 arrays must be the same bytes."""
    import numpy as np

    from backends.neuromorphic.brian2.backend import Brian2Backend

    config, network = _network(n, ticks)
    backend = Brian2Backend(config.spiking, network)
    drive = np.full(n, DRIVE_MV)
    for _ in range(ticks):
        backend.advance(drive)
    load0 = os.getloadavg()[0]
    times = {"old": [0.0, 0.0], "new": [0.0, 0.0]}
    for _ in range(rounds):
        for way in ("old", "new"):
            w0, c0 = time.perf_counter(), time.process_time()
            got = _old_snapshot_arrays(backend) if way == "old" else backend.snapshot().arrays
            times[way][0] += time.perf_counter() - w0
            times[way][1] += time.process_time() - c0
            del got
    old = _old_snapshot_arrays(backend)
    new = backend.snapshot().arrays
    same = list(old) == [k for k in new if k not in ("voltages_mv", "weights_mv")] and all(
        new[k].dtype == v.dtype and new[k].tobytes() == v.tobytes() for k, v in old.items()
    )
    backend.close()
    return {
        "arm": "snapshot-ab",
        "n": n,
        "old_ms": times["old"][0] / rounds * 1e3,
        "old_cpu_ms": times["old"][1] / rounds * 1e3,
        "new_ms": times["new"][0] / rounds * 1e3,
        "new_cpu_ms": times["new"][1] / rounds * 1e3,
        "same_bytes": same,
        "load": [load0, os.getloadavg()[0]],
    }


def main() -> None:
    from scale_network import child  # bench/ is on sys.path (above)

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--ticks", type=int, default=None, help="default: 20 (10^4), 7 (10^5)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument(
        "--arms",
        nargs="+",
        choices=("plain", "backend", "snapshot", "zlib", "snapshot-ab"),
        default=["plain", "backend"],
    )
    parser.add_argument("--one", nargs=3, metavar=("ARM", "N", "T"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        arm, n, t = args.one[0], int(args.one[1]), int(args.one[2])
        if arm == "snapshot-ab":
            print(json.dumps(one_snapshot_ab(n, t)))
        elif arm == "plain":
            print(json.dumps(one_plain(n, t)))
        else:
            print(json.dumps(one_backend(n, t, arm == "snapshot", arm == "zlib")))
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus, load {os.getloadavg()}")
    for n in args.sizes:
        ticks = args.ticks or (20 if n <= 10_000 else 7)
        for r in range(args.rounds):
            for arm in args.arms:
                row = child(["--one", arm, str(n), str(ticks)], __file__)
                if arm == "snapshot-ab":
                    print(
                        f"N={n:>6} snapshot, old way {row['old_ms']:.1f} ms wall"
                        f" {row['old_cpu_ms']:.1f} ms CPU, snapshot() {row['new_ms']:.1f} ms"
                        f" wall {row['new_cpu_ms']:.1f} ms CPU (mean of 4, alternating)"
                        f" | same bytes: {row['same_bytes']}"
                        f" | load {row['load'][0]:.2f} -> {row['load'][1]:.2f}",
                        flush=True,
                    )
                    continue
                extra = ""
                if arm == "plain":
                    extra = f" | one run of no time: {row['per_run_cpu_ms']:.1f} ms CPU"
                if arm == "snapshot":
                    extra = (
                        f" | snapshot {row['snapshot_ms_per_tick']:.1f} ms wall"
                        f" {row['snapshot_cpu_ms_per_tick']:.1f} ms CPU per tick, apart"
                    )
                if arm == "backend":
                    extra = (
                        f" | per-run calls while ticking {row['per_run_calls_while_ticking']}"
                        f" at start {row['per_run_calls_at_start']}"
                        f" | v read {row['voltage_read_ms']:.2f} ms"
                    )
                print(
                    f"N={n:>6} T={ticks} round {r + 1} {arm:<8}"
                    f" {row['ms_per_tick']:9.1f} ms/tick wall"
                    f" {row['cpu_ms_per_tick']:9.1f} ms/tick CPU"
                    f" | spikes/tick {row['spikes_per_tick']:8.0f}"
                    f" | load {row['load'][0]:.2f} -> {row['load'][1]:.2f}"
                    f" | queue {row['queue']}{extra}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
