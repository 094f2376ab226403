"""Experiment C of issue 22 at full size: the spiking annealer alone against SA and GW.

    .venv/bin/python bench/experiment_c.py --sizes 500 1000 2000 --graphs 5 \
        --out docs/results/studies/c_full

Weighted 3-regular graphs (``regular3_weighted``, seeds 0 .. graphs-1 per size), one budget
per size in units (one unit = one evaluated candidate, design §24): ``ticks`` annealer ticks
of ``sweeps`` sweeps, ticks (n sweeps + 1) units. Arms, each stopped at that budget:

- annealer_alone  the spiking annealer on Brian2, no loop (``run.study.run_arm``);
- sa              dwave-samplers, reads of ``ticks x sweeps`` sweeps (one read at the default);
- local_search    multi-start steepest ascent (n units a pass);
- gw_low_rank     hyperplane roundings of the low-rank SDP factor (issue 21's
                  ``tasks.maxcut.burer_monteiro.mixing_factor``, rng seed 0): one rounding =
                  one unit; the factor is NOT counted in units (as the study's GW, whose cvxpy
                  SDP does not fit past n ~ 200 here). Roundings are drawn in chunks of 4096
                  (the rng's normals in the same order as one draw would give them).

Random sampling is left out at these sizes (0.71 of the bound at n = 100; its units x n bits
would not fit memory at n = 2000). Reference: the best cut any arm found on the graph
(p_hit counts it); the certified bound is the low-rank factor's dual certificate
(``low_rank_sdp(inst, 0).bound``: an upper bound on MaxCut whatever the factor's accuracy).
Writes OUT/rows.csv and OUT/summary.md (``run.study_stats``: the same columns and contrasts as
``qnf study``), OUT/bound.md (best cut / certified bound per arm, and annealer minus SA graph
by graph with a bootstrap CI), OUT/timings.csv. Rows (roots included) are the same on a
rerun; timings differ.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import math
import sys
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orchestrator.config.study import StudyConfig  # noqa: E402
from orchestrator.run.seeds import derive_seed  # noqa: E402
from orchestrator.run.study import COLUMNS, ArmRow, _hits, run_arm  # noqa: E402
from orchestrator.run.study_stats import bootstrap_ci, summary_markdown  # noqa: E402
from orchestrator.tasks.maxcut.burer_monteiro import (  # noqa: E402
    _adjacency,
    low_rank_sdp,
    mixing_factor,
)
from orchestrator.tasks.maxcut.cut import cut_values  # noqa: E402
from orchestrator.tasks.maxcut.instances import MaxCutInstance, catalogue  # noqa: E402

CHUNK = 4096
CONTRASTS = [
    ["annealer_alone", "sa"],
    ["annealer_alone", "gw_low_rank"],
    ["sa", "gw_low_rank"],
    ["annealer_alone", "local_search"],
]


def gw_low_rank(inst: MaxCutInstance, units: int, arm_seed: int) -> ArmRow:
    started = time.perf_counter()
    v, _, _ = mixing_factor(_adjacency(inst), np.random.default_rng(0))
    rng = np.random.default_rng(derive_seed(inst.seed if inst.seed is not None else 0, arm_seed))
    cuts = []
    for start in range(0, units, CHUNK):
        count = min(CHUNK, units - start)
        normals = rng.standard_normal((v.shape[1], count))
        cuts.append(cut_values(inst, (v @ normals < 0).T.astype(np.uint8)))
    all_cuts = np.concatenate(cuts)
    digest = hashlib.sha256(np.round(np.sort(all_cuts), 9).tobytes()).hexdigest()
    seconds = time.perf_counter() - started
    return ArmRow(inst.n, inst.name, inst.digest(), "gw_low_rank", "gw", units, len(all_cuts),
                  0, float(all_cuts.max()), math.nan, digest, seconds, all_cuts,
                  scale=max(1.0, sum(abs(w) for _, _, w in inst.edges)))


def study_config(sizes: list[int], graphs: int, units: int, sweeps: int, ticks: int) -> StudyConfig:
    return StudyConfig.model_validate({
        "study": "c-full",
        "graphs": {"family": "regular3_weighted", "sizes": sizes, "count": graphs,
                   "base_seed": 0, "reference": "best_found"},
        "budget": {"units": units},
        "arms": [
            {"name": "annealer_alone", "kind": "annealer_alone", "sweeps": sweeps},
            {"name": "sa", "kind": "sa", "sweeps": sweeps * ticks},
            {"name": "local_search", "kind": "local_search"},
            {"name": "gw_low_rank", "kind": "gw"},
        ],
        "contrasts": CONTRASTS,
    })


def _csv(rows: list[dict], columns) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 1000, 2000])
    ap.add_argument("--graphs", type=int, default=5, help="graphs per size")
    ap.add_argument("--sweeps", type=int, default=10, help="annealer sweeps per tick")
    ap.add_argument("--ticks", type=int, default=10, help="annealer ticks")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)

    rows: list[ArmRow] = []
    bounds: dict[str, float] = {}
    summaries = []
    for n in args.sizes:
        units = args.ticks * (n * args.sweeps + 1)
        config = study_config([n], args.graphs, units, args.sweeps, args.ticks)
        size_rows: list[ArmRow] = []
        for inst in catalogue("regular3_weighted", n, args.graphs, 0):
            started = time.perf_counter()
            bounds[inst.name] = low_rank_sdp(inst, 0).bound
            bound_s = time.perf_counter() - started
            for arm in config.arms:
                if arm.name == "gw_low_rank":
                    row = gw_low_rank(inst, units, arm.seed)
                else:
                    row = run_arm(arm, inst, units, math.nan, args.out)
                size_rows.append(row)
                print(f"n {n} {inst.name} {arm.name}: units {row.units} best {row.best_cut:.4f}"
                      f" / bound {bounds[inst.name]:.4f} ({row.seconds:.1f} s; bound"
                      f" {bound_s:.1f} s)", flush=True)
        best: dict[str, float] = {}
        for row in size_rows:
            best[row.graph] = max(best.get(row.graph, -math.inf), row.best_cut)
        for row in size_rows:
            row.optimum = best[row.graph]
            row.hits = _hits(row.cuts, row.optimum, row.scale)
        rows += size_rows
        summaries.append(summary_markdown(config, size_rows))

    (args.out / "rows.csv").write_text(_csv([r.as_row() for r in rows], COLUMNS))
    (args.out / "timings.csv").write_text(_csv(
        [{"n": r.n, "graph": r.graph, "arm": r.arm, "seconds": f"{r.seconds:.4f}"} for r in rows],
        ("n", "graph", "arm", "seconds")))
    (args.out / "summary.md").write_text("\n\n".join(summaries))

    ratio: dict[tuple[int, str], dict[str, float]] = defaultdict(dict)
    for r in rows:
        ratio[(r.n, r.arm)][r.graph] = r.best_cut / bounds[r.graph]
    lines = ["| n | arm | units | mean best cut / certified bound | min | max |",
             "|---|---|---|---|---|---|"]
    for (n, arm), per in ratio.items():
        v = np.array(list(per.values()))
        spent = sorted({r.units for r in rows if r.n == n and r.arm == arm})
        lines.append(f"| {n} | {arm} | {'-'.join(map(str, spent))} | {v.mean():.4f} |"
                     f" {v.min():.4f} | {v.max():.4f} |")
    lines += ["", "Paired by graph, best cut / bound of A minus B (bootstrap 95 % CI over graphs):",
              "", "| n | A | B | mean diff [95% CI] | A better | B better |",
              "|---|---|---|---|---|---|"]
    for n in args.sizes:
        for a, b in CONTRASTS:
            d = np.array([ratio[(n, a)][g] - ratio[(n, b)][g] for g in ratio[(n, a)]])
            lo, hi = bootstrap_ci(d, 10_000)
            lines.append(f"| {n} | {a} | {b} | {d.mean():+.4f} [{lo:+.4f}, {hi:+.4f}] |"
                         f" {int((d > 0).sum())} | {int((d < 0).sum())} |")
    lines += ["", "Bounds per graph: " + ", ".join(f"{k} {v:.4f}" for k, v in bounds.items())]
    (args.out / "bound.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
