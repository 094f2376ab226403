"""The spiking Ising annealer as a MaxCut solver against simulated annealing and
Goemans-Williamson, on random 3-regular graphs (issue 21).

    flock /tmp/qnf-heavy.lock .venv/bin/python bench/annealer.py \
        --sizes 100,500,2000,10000 --sweeps 10,30,100,300,1000
    .venv/bin/python bench/annealer.py --sizes 100 --sweeps 10,100 --backends brian2  # quick

Per size n: one graph, ``networkx.random_regular_graph(3, n, seed)``, unit weights. Methods,
side by side in one process:

    annealer[brian2|lava]  the spiking annealer (design §20) as the backend runs it, no loop:
                           one anneal of S sweeps (10 ticks of S/10 sweeps), kappa = 1,
                           T0 -> T1 geometric (the default temperatures of the network);
                           its cut: the final state's (and the best of the 10 readings)
    sa_metropolis          dwave-samplers SimulatedAnnealingSampler, one read of S sweeps,
                           the SAME schedule: beta from 1/T0 to 1/T1 geometric (kappa = 1, so
                           T mV is T energy units), Metropolis acceptance
    sa_gibbs               the same with heat-bath acceptance (the neurons' rule)
    gw                     Goemans-Williamson: cvxpy's SDP (CLARABEL) + 100 roundings, where
                           n <= --sdp-limit; the low-rank factor's 100 roundings above it
    bound                  the certified upper bound on MaxCut: the SDP's dual (cvxpy) where it
                           ran, else the certificate of the low-rank factor
                           (``tasks.maxcut.burer_monteiro``: an upper bound, tight when the
                           factor has converged; the factor's own value is only a heuristic
                           LOWER bound on the SDP and is reported as such)

Each anneal is repeated with --reads sampler seeds (seed, seed + 1, ...; the graph stays);
Lava runs the first only: with the same seed it takes the annealer's decisions exactly as
Brian2 does (the cut is the same; its time is Lava's). Work is counted in the unit of design
§20: one neuron update = one single-flip proposal, so S sweeps are S n of either. Time to
0.99: the mean wall time of the shortest anneal (over the sweep grid) whose MEAN final cut
over the reads reaches 0.99 of the best cut any method found; the annealer's time is its
ticks (the simulator's build, code generation and process start are reported apart).
Output: OUT/runs.csv (every run), OUT/summary.md (the BENCHMARKS.md table).
"""

from __future__ import annotations

import argparse
import csv
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orchestrator.physics.ising import IsingProblem  # noqa: E402
from orchestrator.run.assemble import annealer_spec  # noqa: E402
from orchestrator.tasks.maxcut.cut import cut_values  # noqa: E402
from orchestrator.tasks.maxcut.instances import MaxCutInstance  # noqa: E402

READINGS = 10  # ticks per anneal: the annealer is read 10 times


def graph(n: int, seed: int) -> MaxCutInstance:
    import networkx as nx

    g = nx.random_regular_graph(3, n, seed=seed)
    return MaxCutInstance.from_edges(f"regular3-n{n}-seed{seed}", n,
                                     ((i, j, 1.0) for i, j in g.edges()))


def problem_of(inst: MaxCutInstance) -> IsingProblem:
    e = np.array(inst.edges, dtype=np.float64)
    return IsingProblem.of(inst.n, e[:, 0].astype(np.int64), e[:, 1].astype(np.int64), e[:, 2])


def run_annealer(kind: str, inst: MaxCutInstance, sweeps: int, seed: int) -> dict[str, Any]:
    from backends.neuromorphic.brian2.config import Brian2Config
    from backends.neuromorphic.lava.config import LavaConfig
    from orchestrator.contract.registry import plugins

    per_tick = max(1, sweeps // READINGS)
    net = annealer_spec(problem_of(inst), seed=seed, ticks=READINGS, sweeps_per_tick=per_tick)
    config = (
        Brian2Config.model_validate({"kind": "brian2"})
        if kind == "brian2"
        else LavaConfig.model_validate({"kind": "lava"})
    )
    started = time.perf_counter()
    backend = plugins("spiking")[kind].load_annealer()(config, net)
    built = time.perf_counter()
    try:
        drive = np.zeros(inst.n)
        windows = [backend.advance(drive) for _ in range(READINGS)]
    finally:
        backend.close()
    wall = time.perf_counter() - built
    cuts = cut_values(inst, np.array([w.states for w in windows]))
    spec = net.annealer
    assert spec is not None
    return {
        "method": f"annealer[{kind}]",
        "cut": float(cuts[-1]),
        "best_reading": float(cuts.max()),
        "wall_seconds": wall,
        "build_seconds": built - started,
        "updates": int(sum(w.neuron_updates or 0 for w in windows)),
        "colours": spec.n_colours,
        "t0": spec.t0_mv,
        "t1": spec.t1_mv,
    }


def run_sa(inst: MaxCutInstance, sweeps: int, seed: int, t0: float, t1: float,
           acceptance: str) -> dict[str, Any]:
    from orchestrator.tasks.maxcut.simulated_annealing import simulated_annealing

    result = simulated_annealing(
        inst, sweeps, seed, beta_range=(1.0 / t0, 1.0 / t1), acceptance=acceptance  # type: ignore[arg-type]
    )
    return {
        "method": f"sa_{acceptance.lower()}",
        "cut": result.value,
        "wall_seconds": result.wall_seconds,
        "updates": sweeps * inst.n,
    }


def run_gw(inst: MaxCutInstance, seed: int, sdp_limit: int) -> list[dict[str, Any]]:
    from orchestrator.tasks.maxcut.burer_monteiro import low_rank_sdp

    rows: list[dict[str, Any]] = []
    low = low_rank_sdp(inst, seed)
    rows.append({
        "method": "gw_low_rank",
        "cut": low.cut,
        "wall_seconds": low.seconds[0] + low.seconds[2],
        "bound": low.bound,
        "sdp_lower": low.value,
        "certificate_seconds": low.seconds[1],
        "factor_sweeps": low.sweeps,
    })
    if inst.n <= sdp_limit:
        from orchestrator.tasks.maxcut.goemans_williamson import goemans_williamson

        gw = goemans_williamson(inst, seed)
        rows.append({
            "method": "gw",
            "cut": gw.value,
            "wall_seconds": gw.wall_seconds,
            "bound": gw.bound,
            "sdp_value": gw.sdp_value,
        })
    return rows


def summarise(rows: list[dict[str, Any]], sizes: list[int], grid: list[int]) -> str:
    shown = [g for g in grid if g in (grid[0], 100, grid[-1])]
    head = " | ".join(f"cut/bound S={g}" for g in shown)
    lines = [
        f"| n | method | reads | {head} | wall s at S={grid[-1]} | time to 0.99 best |",
        "|---|---|---|" + "---|" * len(shown) + "---|---|",
    ]
    for n in sizes:
        here = [r for r in rows if r["n"] == n]
        bound = min(r["bound"] for r in here if r.get("bound") is not None)
        best = max(r["cut"] for r in here)
        methods = sorted({r["method"] for r in here}, key=lambda m: (m.startswith("gw"), m))
        for m in methods:
            runs = [r for r in here if r["method"] == m]
            by_s: dict[Any, list[dict[str, Any]]] = {}
            for r in runs:
                by_s.setdefault(r.get("sweeps"), []).append(r)
            cells, ttt = [], "not reached"
            for g in (shown if None not in by_s else [None]):
                got = by_s.get(g, [])
                if not got:
                    cells.append("-")
                    continue
                cut = np.array([r["cut"] for r in got]) / bound
                spread = f" ± {cut.std(ddof=1):.4f}" if cut.size > 1 else ""
                cells.append(f"{cut.mean():.4f}{spread}")
            for g in sorted(by_s, key=lambda v: -1 if v is None else v):
                got = by_s[g]
                if np.mean([r["cut"] for r in got]) >= 0.99 * best:
                    wall = float(np.mean([r["wall_seconds"] for r in got]))
                    ttt = f"{wall:.3g} s" + ("" if g is None else f" (S = {g})")
                    break
            cells += ["-"] * (len(shown) - len(cells))
            last = by_s.get(grid[-1]) or by_s.get(None) or []
            wall = np.mean([r["wall_seconds"] for r in last]) if last else float("nan")
            reads = len(by_s.get(grid[-1]) or by_s.get(None) or [])
            row = " | ".join(cells)
            lines.append(f"| {n} | {m} | {reads} | {row} | {wall:.3g} | {ttt} |")
        lines.append(f"| {n} | *best cut; certified bound* | | {best:.0f}; {bound:.1f} "
                     f"(best / bound {best / bound:.4f}) |" + " |" * (len(shown) + 1))
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/annealer.py", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="100,500,2000,10000")
    parser.add_argument("--sweeps", default="10,30,100,300,1000", help="anneal lengths S")
    parser.add_argument("--backends", default="brian2,lava", help="annealer backends")
    parser.add_argument("--seed", type=int, default=0, help="graph seed, first sampler seed")
    parser.add_argument("--reads", type=int, default=5, help="sampler seeds per anneal length")
    parser.add_argument("--sdp-limit", type=int, default=100,
                        help="largest n given to cvxpy's SDP (CLARABEL)")
    parser.add_argument("--out", type=Path, default=Path("bench/results/annealer"))
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    grid = [int(s) for s in args.sweeps.split(",")]
    backends = [b for b in args.backends.split(",") if b]
    args.out.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    for n in sizes:
        inst = graph(n, args.seed)
        started = time.perf_counter()
        for r in run_gw(inst, args.seed, args.sdp_limit):
            rows.append({"n": n, **r})
            print(f"n={n} {r['method']}: cut {r['cut']:.0f} bound {r['bound']:.2f} "
                  f"({r['wall_seconds']:.1f} s)", flush=True)
        probe = annealer_spec(problem_of(inst), seed=args.seed, ticks=1, sweeps_per_tick=1)
        assert probe.annealer is not None
        t0, t1 = probe.annealer.t0_mv, probe.annealer.t1_mv
        for sweeps in grid:
            for read in range(args.reads):
                seed = args.seed + read
                for acceptance in ("Metropolis", "Gibbs"):
                    r = run_sa(inst, sweeps, seed, t0, t1, acceptance)
                    rows.append({"n": n, "sweeps": sweeps, "seed": seed, **r})
                for kind in backends if read == 0 else backends[:1]:
                    r = run_annealer(kind, inst, sweeps, seed)
                    rows.append({"n": n, "sweeps": sweeps, "seed": seed, **r})
                    print(f"n={n} S={sweeps} seed {seed} {r['method']}: cut {r['cut']:.0f} "
                          f"({r['wall_seconds']:.2f} s + build {r['build_seconds']:.2f} s)",
                          flush=True)
        print(f"n={n}: {time.perf_counter() - started:.0f} s", flush=True)
    columns = ["n", "method", "sweeps", "seed", "cut", "best_reading", "bound", "sdp_value",
               "sdp_lower", "factor_sweeps", "wall_seconds", "build_seconds",
               "certificate_seconds", "updates",
               "colours", "t0", "t1"]
    with open(args.out / "runs.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    text = (
        f"`{' '.join(['bench/annealer.py', *(argv if argv is not None else sys.argv[1:])])}`, "
        f"graph seed {args.seed}, {args.reads} sampler seeds\n\n" + summarise(rows, sizes, grid)
    )
    (args.out / "summary.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
