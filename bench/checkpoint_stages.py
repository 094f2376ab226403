"""Where a checkpoint-every-tick tick goes at scale (issue 25 item 3): per stage, wall and CPU.

    .venv/bin/python bench/checkpoint_stages.py --neurons 100000 --ticks 6 --format replay

bench/scale_network.py's network (configs/demo.yaml, k = 100, STDP) run by ``runner.execute``
with a checkpoint every tick and the storage ``--format`` (its ``FORMATS``); each stage's
function is wrapped with a timer (wall and process CPU time): the quantum tick, the spiking
backend's ``advance``, its ``snapshot``, the digest in place (a replay record's tick), the
whole encode (a whole checkpoint's tick), the packing of a replay record, the session's tick
in all. Means over the ticks after the first; the load average is printed.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

TIMES: dict[str, list[tuple[float, float]]] = {}


def _wrap(owner: object, name: str, label: str) -> None:
    inner = getattr(owner, name)

    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return inner(*args, **kwargs)
        finally:
            TIMES.setdefault(label, []).append(
                (time.perf_counter() - wall, time.process_time() - cpu)
            )

    setattr(owner, name, timed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--neurons", type=int, default=10_000)
    parser.add_argument("--ticks", type=int, default=6)
    parser.add_argument("--format", default="replay")
    args = parser.parse_args()

    import scale_network

    from backends.neuromorphic.brian2.backend import Brian2Backend
    from orchestrator.record import checkpoint
    from orchestrator.run import replay, session
    from orchestrator.run.loop import FusionLoop
    from orchestrator.run.runner import execute

    _wrap(FusionLoop, "measure", "quantum tick (measure)")
    _wrap(FusionLoop, "spike", "spiking advance")
    _wrap(Brian2Backend, "snapshot", "snapshot")
    _wrap(checkpoint, "encoded_digest", "digest in place (record)")
    _wrap(session, "encode_state", "encode whole (no digest)")
    _wrap(replay.Chain, "record", "pack replay record")
    _wrap(session.Session, "tick", "session tick, all")
    config = scale_network._config(args.neurons, args.ticks, 1, args.format)
    print(f"N = {args.neurons}, T = {args.ticks}, format {args.format}; load {os.getloadavg()}")
    with tempfile.TemporaryDirectory(dir=os.environ.get("QNF_BENCH_TMP")) as tmp:
        execute(config, Path(tmp) / "run", draw_report=False)
    for label, times in TIMES.items():
        times = times[1:] if len(times) > 2 else times  # the first: warm-up (or the genesis)
        wall = sum(w for w, _ in times) / len(times)
        cpu = sum(c for _, c in times) / len(times)
        print(f"{label:28s} x{len(times):<3d} wall {wall * 1e3:9.1f} ms   cpu {cpu * 1e3:9.1f} ms")
    print(f"load average at the end: {os.getloadavg()}")


if __name__ == "__main__":
    main()
