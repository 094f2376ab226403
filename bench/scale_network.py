"""Network scale (issue 10): the fusion loop at N = 10^3, 10^4, 10^5 neurons, in-degree 100.

    flock /tmp/qnf-heavy.lock .venv/bin/python bench/scale_network.py
    .venv/bin/python bench/scale_network.py --sizes 1000 --every 1    # one size, quick
    .venv/bin/python bench/scale_network.py --sizes 100000 --every 1 --formats replay \
        --rounds 2 --base ../base    # beside another checkout's code, the arms alternating

For each N, configs/demo.yaml (8 qubits on Aer shots, Brian2 numpy, STDP additive, 10 ms
ticks) with ``spiking.neurons: N`` and ``spiking.recurrent: {k: 100, weight_mv: 0.8}``, run
three ways, each in a fresh subprocess (its own peak memory):

- ``loop, every K``: ``qnf run`` of that config (``runner.execute``, no report) with
  ``checkpoint.every: K``. Per tick: wall time between the first and the last tick's callback
  over the ticks between (the first tick, with warm-up, is left out), and the spiking backend's
  own share (``advance``). Run directory: its size at the end, its growth per tick, the bytes
  of one checkpoint file and of the ledger.
- ``brian2 alone``: the same network (``assemble.build_network`` of the same config: the same
  synapses and STDP) built with the backend's own ``build_objects`` and run as ONE plain
  ``Network.run`` of the same length, at the constant drive of the loop's first tick (the |+>
  start: 15 + 40 x 1/2 = 35 mV on every neuron). Per tick: run time / ticks.

Peak memory: ``ru_maxrss`` of the subprocess (the recorder's writer process is reported apart).
The spike counts per tick are printed to compare the activity of the loop and the plain run
(the loop's drive moves with the quantum state; the plain run's does not).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from orchestrator.run.hooks import RunHooks

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DEMO = ROOT / "configs" / "demo.yaml"
TICKS = {1000: 20, 10_000: 20, 100_000: 12}


# how checkpoint files are stored (design §27): "old" = each file the checkpoint's bytes
# "delta": deltas without compression (no zlib CPU in the writer)
FORMATS = {
    "old": {"checkpoint.full_every": 1, "checkpoint.compress": False},
    "new": {},
    "delta": {"checkpoint.compress": False},
    # replay records (design §27): the drives since a whole file instead of the network state
    "replay": {"checkpoint.replay": True},
    "replay20": {"checkpoint.replay": True, "checkpoint.full_every": 20},
}


def _config(n: int, ticks: int, every: int, fmt: str = "new"):
    from orchestrator.config import load_config

    return load_config(
        DEMO,
        {
            "spiking.neurons": n,
            "spiking.recurrent": {"k": 100, "weight_mv": 0.8},
            "run.ticks": ticks,
            "checkpoint.every": every,
            **FORMATS[fmt],
        },
    )


def _count_written(log: Path) -> None:
    """Log the size of every checkpoint file written (the writer process, forked from this
    one, inherits the wrapper): bytes written per tick, pruned files included."""
    from orchestrator.record import checkpoint

    write = checkpoint.write

    def counted(path: Path, data: bytes, block: int | None = None) -> None:
        write(path, data, block)
        with open(log, "a") as fh:
            fh.write(f"{len(data)}\n")

    checkpoint.write = counted


def _peak() -> dict[str, float]:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20  # KiB -> GiB
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 2**20
    return {"peak_gib": own, "writer_peak_gib": children}


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the writer, reaped at the end
    return usage.ru_utime + usage.ru_stime


def _read_newest(config, run_dir: Path, path: Path) -> float:
    """Seconds to read a checkpoint file back (a resume's read): the newest replay record
    (its drives replayed through a fresh Brian2 network, build included), else the newest
    file (a chain of deltas decoded)."""
    from orchestrator.record import checkpoint
    from orchestrator.record.ledger import read_blocks
    from orchestrator.run.replay import NetworkReplay

    sha = {h: e.get("checkpoint_sha256") for h, e, _ in read_blocks(run_dir / "ledger.sqlite")}
    replay = NetworkReplay(config)
    start = time.perf_counter()
    try:
        checkpoint.read_bytes(path, sha[int(path.stem)], replay)
    finally:
        replay.close()
    return time.perf_counter() - start


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def one_loop(n: int, ticks: int, every: int, fmt: str) -> dict:
    from orchestrator.run.runner import execute

    config = _config(n, ticks, every, fmt)
    stamps: list[float] = []
    cpu: list[float] = []
    spiking: list[float] = []
    spikes: list[int] = []

    def on_tick(record, done, total) -> None:
        stamps.append(time.perf_counter())
        cpu.append(time.process_time())
        spiking.append(record.spikes.seconds)
        spikes.append(int(record.spikes.window.neurons.size))

    with tempfile.TemporaryDirectory(dir=os.environ.get("QNF_BENCH_TMP")) as tmp:
        run_dir = Path(tmp) / "run"
        log = Path(tmp) / "written"
        _count_written(log)
        start = time.perf_counter()
        result = execute(config, run_dir, hooks=RunHooks(on_tick=on_tick), draw_report=False)
        wall = time.perf_counter() - start
        ckpts = sorted((run_dir / "checkpoints").glob("*.ckpt"))
        records = [p for p in ckpts if p.read_bytes()[:8] == b"QNFCKPR1"]  # replay records
        read_s = _read_newest(config, run_dir, (records or ckpts)[-1]) if ckpts else 0.0
        size = _du(run_dir)
        ledger = (run_dir / "ledger.sqlite").stat().st_size
        ckpt = ckpts[-1].stat().st_size if ckpts else 0
        written = [int(x) for x in log.read_text().split()] if log.exists() else []
    assert result.status == "completed", result.status
    per_tick = (stamps[-1] - stamps[0]) / (len(stamps) - 1)
    return {
        "mode": f"loop, every {every}, {fmt}",
        "n": n,
        "ticks": ticks,
        "s_per_tick": per_tick,
        "cpu_s_per_tick": (cpu[-1] - cpu[0]) / (len(cpu) - 1),
        "writer_cpu_s_per_tick": _children_cpu() / ticks,
        "read_newest_s": read_s,
        "spiking_s_per_tick": sum(spiking[1:]) / (len(spiking) - 1),
        "setup_s": wall - (stamps[-1] - stamps[0]),
        "spikes_per_tick": sum(spikes[1:]) / (len(spikes) - 1),
        "run_dir_bytes": size,
        "run_dir_bytes_per_tick": size / ticks,
        "ledger_bytes_per_tick": ledger / ticks,
        "checkpoint_bytes": ckpt,
        "checkpoint_files": len(ckpts),
        "written_bytes_per_tick": (sum(written) + ledger) / ticks,
        "largest_written": max(written, default=0),
        **_peak(),
    }


def one_plain(n: int, ticks: int) -> dict:
    import brian2 as b2

    from backends.neuromorphic.brian2.backend import build_objects, code_object_class
    from orchestrator.run.assemble import build_network

    config = _config(n, ticks, 1)
    network = build_network(config)
    b2.prefs.logging.file_log = False
    codeobj = code_object_class(config.spiking.brian2.codegen_target)
    clock = b2.Clock(dt=network.dt_ms * b2.ms)
    group, monitor, syn = build_objects(network, clock, codeobj)
    group.variables["I_drive"].get_value()[:] = 35.0e-3  # the loop's first drive, volts
    net = b2.Network(*[obj for obj in (group, monitor, syn) if obj is not None])
    net.schedule = ["start", "groups", "thresholds", "synapses", "resets", "end"]
    net.run(network.tick_ms * b2.ms, namespace={})  # warm-up tick (code generation)
    warm = int(monitor.num_spikes)
    start, cpu = time.perf_counter(), time.process_time()
    net.run((ticks - 1) * network.tick_ms * b2.ms, namespace={})
    seconds = time.perf_counter() - start
    cpu = time.process_time() - cpu
    return {
        "mode": "brian2 alone",
        "n": n,
        "ticks": ticks,
        "s_per_tick": seconds / (ticks - 1),
        "cpu_s_per_tick": cpu / (ticks - 1),
        "spikes_per_tick": (int(monitor.num_spikes) - warm) / (ticks - 1),
        **_peak(),
    }


def child(args: list[str], script: str = __file__, base: Path | None = None) -> dict:
    """Run ``script`` with ``args`` in a fresh interpreter; the JSON of its last stdout line.
    ``base``: another checkout (e.g. ``git worktree add --detach ../base main``) whose code
    and bench script run instead, with this checkout's environment."""
    env = None
    if base is not None:
        script = str(base / "bench" / Path(script).name)
        env = {**os.environ, "PYTHONPATH": str(base)}
    out = subprocess.run(
        [sys.executable, script, *args], capture_output=True, text=True, check=False, env=env
    )
    if out.returncode != 0:
        raise SystemExit(f"{args} failed:\n{out.stderr[-3000:]}")
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if base is not None:
        result["mode"] += " [base]"
    return result


def _row(r: dict) -> str:
    mib = 2**20
    extra = ""
    if r["mode"].startswith("loop"):
        extra = (
            f" | spiking {r['spiking_s_per_tick'] * 1e3:8.1f} ms"
            f" | dir {r['run_dir_bytes'] / mib:8.1f}"
            f" MiB, {r['run_dir_bytes_per_tick'] / mib:7.2f} MiB/tick, written "
            f"{r['written_bytes_per_tick'] / mib:7.2f} MiB/tick, ledger "
            f"{r['ledger_bytes_per_tick'] / 1024:6.1f} KiB/tick, ckpt files "
            f"{r['checkpoint_bytes'] / mib:7.1f} (newest) / {r['largest_written'] / mib:7.1f}"
            f" (largest) MiB, {r['checkpoint_files']} kept"
        )
    if r["mode"] == "brian2 alone":
        extra = f" | cpu {r['cpu_s_per_tick'] * 1e3:8.1f} ms/tick | load {_load()}"
    if r["mode"].startswith("loop"):
        extra += (
            f" | cpu {r['cpu_s_per_tick'] * 1e3:8.1f} ms/tick (loop), writer "
            f"{r['writer_cpu_s_per_tick'] * 1e3:8.1f} ms/tick | read back "
            f"{r['read_newest_s']:6.2f} s | load {_load()}"
        )
    return (
        f"N={r['n']:>6} {r['mode']:<27} {r['s_per_tick'] * 1e3:9.1f} ms/tick | "
        f"peak {r['peak_gib']:5.2f} GiB | spikes/tick {r['spikes_per_tick']:9.0f}{extra}"
    )


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=sorted(TICKS))
    parser.add_argument("--every", type=int, nargs="+", default=[1, 10])
    parser.add_argument(
        "--formats",
        nargs="+",
        choices=sorted(FORMATS),
        default=["old", "new"],
        help="checkpoint storage: old (each file whole, raw), new (deltas, zlib), delta (no "
        "zlib), replay / replay20 (replay records, a whole file every 10 / 20)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run the formats this many times, alternating, so load drift hits every arm",
    )
    parser.add_argument("--ticks", type=int, default=None, help="default: 20, 20, 12 by size")
    parser.add_argument(
        "--base",
        type=Path,
        default=None,
        help="another checkout (the base to compare with): each loop row runs with its code "
        "too, side by side, the arms alternating",
    )
    parser.add_argument(
        "--one", nargs=4, metavar=("MODE", "N", "EVERY", "FMT"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.one:
        mode, n, every, fmt = args.one[0], int(args.one[1]), int(args.one[2]), args.one[3]
        ticks = args.ticks or TICKS.get(n, 20)
        result = one_plain(n, ticks) if mode == "plain" else one_loop(n, ticks, every, fmt)
        print(json.dumps(result))
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cpus; {DEMO.name}, k = 100")
    print(f"load average at start: {_load()}", flush=True)
    extra = ["--ticks", str(args.ticks)] if args.ticks else []
    codes: list[Path | None] = [None] if args.base is None else [args.base.resolve(), None]
    for n in args.sizes:
        plain = [child(["--one", "plain", str(n), "0", "new", *extra])]
        print(_row(plain[-1]), flush=True)
        loops = []
        for every in args.every:
            for r in range(args.rounds):
                arms = [(fmt, code) for fmt in args.formats for code in codes]
                for fmt, code in arms if r % 2 == 0 else arms[::-1]:
                    row = child(["--one", "loop", str(n), str(every), fmt, *extra], base=code)
                    loops.append(row)
                    print(_row(row), flush=True)
                    ratio = row["s_per_tick"] / plain[0]["s_per_tick"]
                    cpu = row["cpu_s_per_tick"] / plain[0]["cpu_s_per_tick"]
                    print(f"{'':>8} loop / alone (before): wall {ratio:.2f}x, cpu {cpu:.2f}x")
        plain.append(child(["--one", "plain", str(n), "0", "new", *extra]))
        print(_row(plain[-1]) + " (again, after the loops)", flush=True)
        _summary(plain, loops)


def _summary(plain: list[dict], loops: list[dict]) -> None:
    """Each arm's mean over its rounds against the mean of the plain runs before and after."""
    wall = sum(r["s_per_tick"] for r in plain) / len(plain)
    cpu = sum(r["cpu_s_per_tick"] for r in plain) / len(plain)
    print(f"brian2 alone, mean of {len(plain)}: {wall * 1e3:.1f} ms/tick, cpu {cpu * 1e3:.1f}")
    for mode in dict.fromkeys(r["mode"] for r in loops):
        rows = [r for r in loops if r["mode"] == mode]
        w = sum(r["s_per_tick"] for r in rows) / len(rows)
        c = sum(r["cpu_s_per_tick"] for r in rows) / len(rows)
        print(
            f"{mode:<34} x{len(rows)}: {w * 1e3:9.1f} ms/tick = {w / wall:.2f}x wall, loop cpu "
            f"{c * 1e3:9.1f} ms = {c / cpu:.2f}x cpu"
        )


if __name__ == "__main__":
    main()
