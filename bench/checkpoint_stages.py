"""Where a checkpoint-every-tick tick goes at scale (issue 25 item 3): per stage, wall and CPU.

    .venv/bin/python bench/checkpoint_stages.py --neurons 100000 --ticks 6 --format replay
    .venv/bin/python bench/checkpoint_stages.py --neurons 100000 --ticks 12 --code ../base

bench/scale_network.py's network (configs/demo.yaml, k = 100, STDP) run by ``runner.execute``
with a checkpoint every tick and the storage ``--format`` (its ``FORMATS``); each stage's
function is wrapped with a timer (wall and process CPU time): the quantum tick, the spiking
backend's ``advance``, its snapshot, the digest (in the loop on the base; in its thread, with
that thread's own CPU, since design §27's "Off the loop's critical path", and the loop's wait
for it), the whole encode, the packing of a replay record, the append, the session's tick in
all; stages a checkout does not have are left out. Means over the ticks after the first; the
load average and the writer process's CPU are printed. ``--code PATH``: time the code of
another checkout (a base: ``git worktree add --detach ../base <commit>``).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# --code PATH: time another checkout's code (e.g. the base: git worktree add --detach)
CODE = Path(sys.argv[sys.argv.index("--code") + 1]) if "--code" in sys.argv else ROOT
sys.path.insert(0, str(CODE))
sys.path.insert(0, str(ROOT / "bench"))
# both packages from CODE, before scale_network puts ROOT first on the path
import backends  # noqa: E402, F401
import orchestrator  # noqa: E402, F401

TIMES: dict[str, list[tuple[float, float]]] = {}


def _wrap(owner: object, name: str, label: str, cpu_clock=time.process_time) -> None:
    """Time ``owner.name`` (if this checkout has it): wall and ``cpu_clock`` (the process's
    CPU, every thread; ``time.thread_time`` for what runs in a thread of its own)."""
    inner = getattr(owner, name, None)
    if inner is None:
        return

    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), cpu_clock()
        try:
            return inner(*args, **kwargs)
        finally:
            TIMES.setdefault(label, []).append((time.perf_counter() - wall, cpu_clock() - cpu))

    setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, default=10_000)
    parser.add_argument("--ticks", type=int, default=6)
    parser.add_argument("--format", default="replay")
    parser.add_argument("--code", type=Path, default=ROOT, help="the checkout whose code runs")
    args = parser.parse_args()

    import scale_network

    from backends.neuromorphic.brian2.backend import Brian2Backend
    from orchestrator.record import checkpoint
    from orchestrator.record.recorder import RunRecorder
    from orchestrator.run import replay, session
    from orchestrator.run.loop import FusionLoop
    from orchestrator.run.rollback import Rollback
    from orchestrator.run.runner import execute

    try:  # this branch: the digest runs in a thread beside the next tick
        from orchestrator.run import checkpointing
    except ImportError:  # the base: the digest in the loop
        checkpointing = None

    _wrap(FusionLoop, "measure", "quantum tick (measure)")
    _wrap(FusionLoop, "spike", "spiking advance")
    _wrap(Brian2Backend, "snapshot", "snapshot()")
    _wrap(Brian2Backend, "snapshot_reusing", "snapshot_reusing (spare)")
    _wrap(checkpoint, "encoded_digest", "digest in place (record)")
    _wrap(session, "encode_state", "encode whole (no digest)")
    _wrap(replay.Chain, "record", "pack replay record")
    _wrap(checkpoint, "digest", "digest of whole bytes")
    if checkpointing is not None:
        _wrap(checkpointing.Taken, "__init__", "take: header, start thread")
        _wrap(replay.Chain, "packer", "record's header (loop)")
        _wrap(checkpoint, "parts_digest", "digest (its thread's cpu)", time.thread_time)
        _wrap(checkpointing.Taken, "result", "wait for the digest")
        _wrap(session.Session, "finish", "finish: append the tick before")
    _wrap(RunRecorder, "append", "append (hash block, send)")
    _wrap(Rollback, "mark", "rollback mark")
    _wrap(session.Session, "tick", "session tick, all")
    config = scale_network._config(args.neurons, args.ticks, 1, args.format)
    print(f"N = {args.neurons}, T = {args.ticks}, format {args.format}, code {session.__file__}")
    print(f"load average at the start: {os.getloadavg()}")
    with tempfile.TemporaryDirectory(dir=os.environ.get("QNF_BENCH_TMP")) as tmp:
        execute(config, Path(tmp) / "run", draw_report=False)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    writer_cpu = usage.ru_utime + usage.ru_stime
    for label, times in TIMES.items():
        times = times[1:] if len(times) > 2 else times  # the first: warm-up (or the genesis)
        wall = sum(w for w, _ in times) / len(times)
        cpu = sum(c for _, c in times) / len(times)
        print(f"{label:28s} x{len(times):<3d} wall {wall * 1e3:9.1f} ms   cpu {cpu * 1e3:9.1f} ms")
    print(f"writer process CPU: {writer_cpu / args.ticks * 1e3:.1f} ms per tick (all its work / T)")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
