"""Peak memory of a checkpoint-every-tick run against validation's estimate (issue 25 item 3).

    flock /tmp/qnf-heavy.lock .venv/bin/python bench/checkpoint_memory.py
    .venv/bin/python bench/checkpoint_memory.py --sizes 10000 --ticks 6     # quick

For each N: configs/demo.yaml with ``spiking.neurons: N``, ``spiking.recurrent: {k: 100,
weight_mv: 0.8}`` (STDP on), a checkpoint every tick, run by ``runner.execute`` in a fresh
subprocess, once per checkpoint format (``new``: deltas + zlib, the default; ``old``:
``full_every: 1, compress: false``). Every 0.2 s the PSS of that process and of its children
(the recorder's writer) is read from /proc/PID/smaps_rollup; the peak of the sum is set against
``config.footprint.estimate``'s total (what ``qnf validate`` prints and refuses by). PSS
splits the pages the forked writer shares with the run between the two, so the sum counts
each page once. Linux only. Reported: the estimate, the peak, estimate / peak (>= 1: the
estimate errs high, as it must), and the peak's checkpoint copies: (peak - the estimate's
other terms) / one checkpoint.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

_CHILD = r"""
import json, sys, tempfile
from pathlib import Path
sys.path.insert(0, {root!r})
from bench.scale_network import _config
from orchestrator.config.footprint import estimate
from orchestrator.run.hooks import RunHooks
from orchestrator.run.runner import execute
cfg = _config({n}, {ticks}, 1, {fmt!r})
fp = estimate(cfg)
print(json.dumps({{"total": fp.total, "checkpoint": fp.checkpoint,
                  "held": fp.checkpoints_held}}), flush=True)
with tempfile.TemporaryDirectory() as tmp:
    result = execute(cfg, Path(tmp) / "run", hooks=RunHooks(), draw_report=False)
assert result.status == "completed", result.status
"""


def _pss(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def _tree(pid: int) -> list[int]:
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as fh:
            children = [int(c) for c in fh.read().split()]
    except OSError:
        children = []
    return [pid] + [p for c in children for p in _tree(c)]


def measure(n: int, ticks: int, fmt: str) -> dict:
    child = _CHILD.format(root=str(ROOT), n=n, ticks=ticks, fmt=fmt)
    proc = subprocess.Popen([sys.executable, "-c", child], stdout=subprocess.PIPE, text=True)
    peak, parts = 0, [0]
    while proc.poll() is None:
        sample = [_pss(pid) for pid in _tree(proc.pid)]
        if sum(sample) > peak:
            peak, parts = sum(sample), sample
        time.sleep(0.2)
    out = proc.stdout.read() if proc.stdout else ""
    if proc.returncode != 0:
        raise SystemExit(f"N = {n} {fmt}: the run failed (exit {proc.returncode})")
    est = json.loads(out.splitlines()[0])
    others = est["total"] - est["held"]
    return {
        "n": n,
        "format": fmt,
        "ticks": ticks,
        "estimate_gib": est["total"] / 2**30,
        "peak_pss_gib": peak / 2**30,
        "run_gib": parts[0] / 2**30,
        "writer_gib": sum(parts[1:]) / 2**30,
        "estimate_over_peak": est["total"] / peak,
        "copies_at_peak": (peak - others) / est["checkpoint"],
        "copies_estimated": est["held"] / est["checkpoint"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--ticks", type=int, default=12)
    parser.add_argument("--formats", nargs="+", default=["new", "old"], choices=["new", "old"])
    args = parser.parse_args()
    print("N        format ticks estimate  peak PSS (run + writer)     est/peak  copies peak/est")
    for n in args.sizes:
        for fmt in args.formats:
            r = measure(n, args.ticks, fmt)
            print(
                f"{n:<8} {fmt:<6} {r['ticks']:>5} {r['estimate_gib']:7.2f} GiB "
                f"{r['peak_pss_gib']:5.2f} GiB ({r['run_gib']:.2f} + {r['writer_gib']:.2f}) "
                f"{r['estimate_over_peak']:9.2f}  {r['copies_at_peak']:5.1f} / "
                f"{r['copies_estimated']:.0f}",
                flush=True,
            )


if __name__ == "__main__":
    main()
