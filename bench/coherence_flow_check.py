"""Control of issue 22 (item 4): does the §5 coherence flow's model predict the next tick's
E_coh? Its predicted next-tick E_coh against the one the loop then measures, and against a
naive predictor (persistence: next tick's E_coh = this tick's).

    .venv/bin/python bench/coherence_flow_check.py --out bench/results/flow_check
    .venv/bin/python bench/coherence_flow_check.py --seeds 1 2 3 --ticks 100 --out ...

Each seed runs ``configs/demo.yaml`` (Aer 1024 shots, Brian2 64 neurons, 100 ticks) with the
flow its comment suggests, ``coherence_flow: {eta: 0.05, steps: 2, params: [phi, alpha]}``,
and ``run.seed`` = the seed, into OUT/seed<k> (a real run: ledger, ``qnf ledger verify``).
A tick event's ``coherence_flow_energies`` are the model's E_coh of the NEXT tick before and
after the descent steps (design §5 "coherence flow"); the prediction for tick t + 1 is the last
one (after the steps: the parameters the next tick runs with). Pairs (t, t + 1) are taken
where the ledger holds tick t + 1 right after tick t (a revert between them breaks the pair).

Per seed and pooled over the seeds:
- r(model)        Pearson correlation of predicted with measured E_coh(t + 1);
- r(persistence)  correlation of E_coh(t) with E_coh(t + 1);
- r(changes)      correlation of the predicted change E_pred(t + 1) - E_coh(t) with the
                  measured change E_coh(t + 1) - E_coh(t): whether the model knows which way
                  E_coh moves, which persistence cannot;
- MAE of each predictor and MAE(model) - MAE(persistence);
- a second naive baseline, the running mean (the mean of E_coh over ticks 0..t of the run):
  its r and its r(changes). E_coh that fluctuates around a level makes any predictor of
  "back towards the mean" score a positive r(changes); the model's must beat this one to
  show it knows more than the level.
95 % CIs by a moving-block bootstrap over the pairs of a run (blocks of 10 ticks, 10,000
resamples, ``default_rng(0)``; the pairs are a time series, so single pairs are not
independent); pooled: blocks drawn within each seed.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

FLOW = {"eta": 0.05, "steps": 2, "params": ["phi", "alpha"]}
BLOCK = 10


def pairs(events: list[dict]) -> np.ndarray:
    """Rows (E_coh(t), predicted E_coh(t + 1), E_coh(t + 1), running mean of E_coh to t) over
    consecutive tick events."""
    rows = []
    seen: list[float] = []
    for a, b in itertools.pairwise(events):
        if a.get("kind") != "tick":
            continue
        seen.append(a["coherence_energy"])
        if b.get("kind") != "tick" or b["tick"] != a["tick"] + 1:
            continue
        flow = a.get("coherence_flow_energies")
        if not flow:
            continue
        rows.append((a["coherence_energy"], flow[-1], b["coherence_energy"], np.mean(seen)))
    return np.array(rows, dtype=float)


def statistics(data: np.ndarray) -> dict[str, float]:
    now, pred, nxt, level = data[:, 0], data[:, 1], data[:, 2], data[:, 3]
    return {
        "r_mean": float(np.corrcoef(level, nxt)[0, 1]) if np.std(level) > 0 else float("nan"),
        "r_changes_mean": float(np.corrcoef(level - now, nxt - now)[0, 1]),
        "mae_mean": float(np.mean(np.abs(level - nxt))),
        "r_model": float(np.corrcoef(pred, nxt)[0, 1]),
        "r_persistence": float(np.corrcoef(now, nxt)[0, 1]),
        "r_changes": float(np.corrcoef(pred - now, nxt - now)[0, 1]),
        "mae_model": float(np.mean(np.abs(pred - nxt))),
        "mae_persistence": float(np.mean(np.abs(now - nxt))),
        "mae_diff": float(np.mean(np.abs(pred - nxt)) - np.mean(np.abs(now - nxt))),
    }


def block_bootstrap(runs: list[np.ndarray], resamples: int = 10_000) -> dict[str, tuple]:
    """95 % CIs of ``statistics`` by moving blocks drawn within each run."""
    rng = np.random.default_rng(0)
    draws: dict[str, list[float]] = {}
    for _ in range(resamples):
        parts = []
        for data in runs:
            m = len(data)
            starts = rng.integers(0, m - BLOCK + 1, size=int(np.ceil(m / BLOCK)))
            idx = np.concatenate([np.arange(s, s + BLOCK) for s in starts])[:m]
            parts.append(data[idx])
        for key, value in statistics(np.concatenate(parts)).items():
            draws.setdefault(key, []).append(value)
    return {k: (float(np.nanpercentile(v, 2.5)), float(np.nanpercentile(v, 97.5)))
            for k, v in draws.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1])
    ap.add_argument("--ticks", type=int, default=100)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()

    from orchestrator.api.runs import open_run, run

    runs: list[np.ndarray] = []
    labels: list[str] = []
    for seed in args.seeds:
        target = args.out / f"seed{seed}"
        started = time.perf_counter()
        if (target / "summary.json").is_file():
            done = open_run(target)  # a rerun reads a completed run back
        else:
            done = run(ROOT / "configs/demo.yaml", target, report=False,
                       overrides={"coherence_flow": FLOW, "run.seed": seed,
                                  "run.ticks": args.ticks})
        events = done.events(kinds=None)
        data = pairs(events)
        reverts = sum(e.get("kind") == "revert" for e in events)
        print(f"seed {seed}: {len(data)} pairs, {reverts} reverts, final root "
              f"{done.final_root} ({time.perf_counter() - started:.0f} s)", flush=True)
        runs.append(data)
        labels.append(f"seed {seed}")
    if len(runs) > 1:
        labels.append("pooled")
    print("\n| run | pairs | r(model) [95% CI] | r(persistence) [95% CI] | r(changes) [95% CI] |"
          " MAE model | MAE persistence | MAE model - persistence [95% CI] | running mean: r, "
          "r(changes) [95% CI], MAE |")
    print("|---|---|---|---|---|---|---|---|---|")
    sets = [[r] for r in runs] + ([runs] if len(runs) > 1 else [])
    for label, group in zip(labels, sets):
        s = statistics(np.concatenate(group))
        ci = block_bootstrap(group)

        def cell(key: str, fmt: str = "+.3f", s=s, ci=ci) -> str:
            return f"{s[key]:{fmt}} [{ci[key][0]:{fmt}}, {ci[key][1]:{fmt}}]"

        print(f"| {label} | {sum(len(g) for g in group)} | {cell('r_model')} | "
              f"{cell('r_persistence')} | {cell('r_changes')} | {s['mae_model']:.4f} | "
              f"{s['mae_persistence']:.4f} | {cell('mae_diff', '+.4f')} | {s['r_mean']:+.3f}, "
              f"{cell('r_changes_mean')}, {s['mae_mean']:.4f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
