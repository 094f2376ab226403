"""What checkpoints and the ledger cost per tick, as a fraction of the tick, on the demo config.

    .venv/bin/python bench/checkpoint_cost.py          # configs/demo.yaml, 100 ticks, 5 rounds
    .venv/bin/python bench/checkpoint_cost.py --ticks 50 --rounds 2

Per round, side by side on the same config and seed:

- bare:      ``FusionLoop.step()`` only: the backends' work and the loop's own arithmetic.
- recorded:  ``orchestrator.run.runner.execute``: the same ticks plus, per tick, a checkpoint (loop
             + network state, encoded, hashed, written atomically with two fsyncs), a ledger
             block (canonical JSON, SHA-256 chain, one SQLite transaction, synchronous=FULL) and
             the CSV rows, made durable by the run's writer process while the loop goes on.
- naive:     the same, but each tick waits until its block is durable before the next one
             starts (what a plain implementation does: write, fsync, commit, go on).

Reported: steady-state ms per tick (first tick's end to the last one's; median over rounds),
the cost of recording as a fraction of the recorded tick ((recorded - bare) / recorded; goal
< 5 %), the same for the naive way, and the durable work itself per tick.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from orchestrator.config import load_config
from orchestrator.record.recorder import RunRecorder
from orchestrator.run.assemble import open_backends
from orchestrator.run.hooks import RunHooks
from orchestrator.run.loop import FusionLoop
from orchestrator.run.runner import execute


def bare(cfg) -> float:
    opened = open_backends(cfg)
    loop = FusionLoop(cfg, opened.quantum, opened.spiking, opened.rules)
    try:
        loop.step()
        start = time.perf_counter()
        for _ in range(cfg.run.ticks - 1):
            loop.step()
        return (time.perf_counter() - start) / (cfg.run.ticks - 1)
    finally:
        loop.close()


def recorded(cfg, run_dir: Path) -> float:
    stamps: list[float] = []
    tick = RunHooks(on_tick=lambda *_: stamps.append(time.perf_counter()))
    execute(cfg, run_dir, tick, draw_report=False)
    return (stamps[-1] - stamps[0]) / (len(stamps) - 1)


class _Synchronous:
    """Patch the recorder to wait for each block to be durable before the next tick (naive)."""

    def __enter__(self) -> None:
        self.saved = RunRecorder.append
        saved = self.saved

        def append(self, *args, **kwargs):
            block = saved(self, *args, **kwargs)
            self.flush()
            return block

        RunRecorder.append = append

    def __exit__(self, *exc: object) -> None:
        RunRecorder.append = self.saved


def _durable_seconds(run_dir: Path) -> float:
    """The writer's time per block, from summary.json."""
    import json

    summary = json.loads((run_dir / "summary.json").read_text())
    return summary["seconds"]["writing"] / summary["blocks"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", type=Path, default=Path("configs/demo.yaml"))
    parser.add_argument("--ticks", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    cfg = load_config(args.config, {"run.ticks": args.ticks, "stability.enabled": False})
    rows: dict[str, list[float]] = {"bare": [], "recorded": [], "naive": [], "writer": []}
    with tempfile.TemporaryDirectory() as tmp:
        recorded(load_config(args.config, {"run.ticks": 3}), Path(tmp) / "warm")
        for r in range(args.rounds):
            rows["bare"].append(bare(cfg))
            rows["recorded"].append(recorded(cfg, Path(tmp) / f"rec{r}"))
            rows["writer"].append(_durable_seconds(Path(tmp) / f"rec{r}"))
            with _Synchronous():
                rows["naive"].append(recorded(cfg, Path(tmp) / f"naive{r}"))
            print(
                f"# round {r}: bare {rows['bare'][-1] * 1e3:.2f} ms, recorded "
                f"{rows['recorded'][-1] * 1e3:.2f} ms, naive {rows['naive'][-1] * 1e3:.2f} ms",
                file=sys.stderr,
                flush=True,
            )
    med = {k: statistics.median(v) for k, v in rows.items()}
    frac = (med["recorded"] - med["bare"]) / med["recorded"]
    naive = (med["naive"] - med["bare"]) / med["naive"]
    print(f"\n{args.config}, {args.ticks} ticks, median of {args.rounds} rounds\n")
    print(
        "| bare ms/tick | recorded ms/tick | naive (synchronous) ms/tick | recording cost, "
        "ours | recording cost, naive | durable work ms/tick |"
    )
    print("|---|---|---|---|---|---|")
    print(
        f"| {med['bare'] * 1e3:.2f} | {med['recorded'] * 1e3:.2f} | {med['naive'] * 1e3:.2f} "
        f"| {frac:.1%} | {naive:.1%} | {med['writer'] * 1e3:.2f} |"
    )


if __name__ == "__main__":
    main()
