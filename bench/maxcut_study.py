"""MaxCut study (issue 15): fusion against each substrate alone, QAOA, classical baselines and
the exact optimum, on the same seeded graphs with the same budget of ticks and shots.

    flock /tmp/qnf-heavy.lock .venv/bin/python bench/maxcut_study.py \
        --families regular3 --sizes 8,12,16 --count 20 --ticks 20 --shots 64 --workers 2
    .venv/bin/python bench/maxcut_study.py --count 2 --sizes 8 --ticks 5   # quick look

Graphs: ``instances.catalogue(family, n, count, base_seed)``. Per graph, every loop method is
one ordinary run (``configs.config_of``: Ising cost + transverse field g, Aer with --shots
shots, Brian2 with 4 neurons per vertex and inhibition along the edges, the ``maxcut`` decoder)
for --ticks ticks, under run.seed = the graph's seed, with these changes:

    fusion      the config as written                   cut read from shots and spikes
    quantum     pci.gamma = 0 (no spike feedback)       cut read from the shots only
    spiking     pci.alpha = pci.beta = 0 (no drive      cut read from the spikes only
                from the quantum side)
    qaoa        depth-1 QAOA trained by issue 12's learning over the ticks (gamma 0,    shots only
                |+>^n held every tick, Adam on <H_C> from the shots, configs.QAOA_LEARNING)
    fusion_qaoa the same learned QAOA layer inside the fusion loop (the spike   shots and spikes
                feedback on: each tick starts from the backward PCI's preparation;
                the ``*_qaoa.yaml`` configs)
    annealer    the spiking Ising annealer alone (``configs.annealer_config_of``:   its assignments
                one stochastic neuron per vertex, 5 sweeps a tick, alpha = beta = 0)
    fusion_annealer  the annealer in the fusion loop: the quantum Bloch     shots and assignments
                components as a bias (alpha = beta = 4 mV), spike feedback on

and, on the same graph, without the loop:

    random      ticks * shots uniform random assignments (the shot budget spent blindly)
    one_exchange  networkx greedy one-flip local search (seed = graph seed)
    gw          Goemans-Williamson, 100 hyperplane roundings of the cvxpy SDP
    sa          dwave-samplers' simulated annealing, one read of ticks x 5 sweeps (the
                annealer's sweeps), its default beta range; the final state's cut
    exact       brute force (n <= 20): the denominator of every ratio

The loop's cut is the decoder's best over the run (``maxcut.best_cut``/``best_quantum``/
``best_spikes`` of the last FusionEvent). For fusion the table also shows what its shots
alone and its spikes alone found (``fusion:q``, ``fusion:s``), so that "the coupling helped"
can be told from "two readers see more than one"; for the annealer arms ``:final`` is the
last tick's assignment (the anneal's final state, what ``sa`` reports). Runs land in
OUT/runs/<graph>/<method>/ (ordinary run directories: rerunning the command reads finished
runs back); OUT/study.csv has
one row per graph and method (cut, optimum, ratio, wall seconds, final_root), OUT/summary.md
the tables of docs/results.md: mean ratio, standard deviation, 95 % bootstrap CI of the mean
(2000 resamples over graphs, rng seed 0), fraction solved exactly, mean wall seconds;
OUT/ratios.png the mean ratios with their CIs against n.
"""

from __future__ import annotations

import argparse
import copy
import csv
import multiprocessing
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orchestrator.tasks.maxcut.configs import (  # noqa: E402
    ANNEALER_SWEEPS_PER_TICK,
    QAOA_LEARNING,
    annealer_config_of,
    config_of,
)
from orchestrator.tasks.maxcut.cut import cut_values  # noqa: E402
from orchestrator.tasks.maxcut.instances import MaxCutInstance, catalogue  # noqa: E402

LOOP_METHODS = ("fusion", "quantum", "spiking", "qaoa", "fusion_qaoa", "annealer",
                "fusion_annealer")
DEFAULT_METHODS = ("fusion", "quantum", "spiking", "qaoa", "fusion_qaoa")
ANNEALER_METHODS = ("annealer", "fusion_annealer")  # configs.annealer_config_of
PAIRED_READINGS = ("fusion", "fusion_qaoa", "fusion_annealer")  # read from shots and spikes
ORDER = (
    "fusion",
    "fusion:q",
    "fusion:s",
    "quantum",
    "spiking",
    "qaoa",
    "fusion_qaoa",
    "fusion_qaoa:q",
    "fusion_qaoa:s",
    "annealer",
    "annealer:final",
    "fusion_annealer",
    "fusion_annealer:q",
    "fusion_annealer:s",
    "fusion_annealer:final",
    "random",
    "one_exchange",
    "gw",
    "sa",
)


def _fusion(cfg: dict[str, Any]) -> None:
    pass


def _quantum(cfg: dict[str, Any]) -> None:
    cfg["pci"]["gamma"] = 0.0


def _spiking(cfg: dict[str, Any]) -> None:
    cfg["pci"]["alpha"] = 0.0
    cfg["pci"]["beta"] = 0.0


def _qaoa(cfg: dict[str, Any]) -> None:
    cfg["pci"].update(gamma=0.0, initial_theta=float(np.pi / 2), initial_phi=0.0)
    cfg["learning"] = {**copy.deepcopy(QAOA_LEARNING), "hold_preparation": True}


def _fusion_qaoa(cfg: dict[str, Any]) -> None:
    cfg["learning"] = copy.deepcopy(QAOA_LEARNING)


CHANGES: dict[str, Callable[[dict[str, Any]], None]] = {
    "fusion": _fusion,
    "quantum": _quantum,
    "spiking": _spiking,
    "qaoa": _qaoa,
    "fusion_qaoa": _fusion_qaoa,
    "annealer": _spiking,
    "fusion_annealer": _fusion,
}


def method_config(inst: MaxCutInstance, method: str, ticks: int, shots: int) -> dict[str, Any]:
    seed = int(inst.seed or 0)
    if method in ANNEALER_METHODS:
        cfg = annealer_config_of(inst, ticks=ticks, shots=shots, seed=seed)
    else:
        cfg = config_of(inst, ticks=ticks, shots=shots, seed=seed)
    CHANGES[method](cfg)
    return cfg


def _run(raw: dict[str, Any], run_dir: str) -> dict[str, Any]:
    """In a worker: run (or read back) one loop run; the decoder's last fields and timings."""
    from orchestrator.config.root import validate_config
    from orchestrator.record.ledger import last_events
    from orchestrator.record.rundir import RunDirectory
    from orchestrator.run.sweep import run_point

    summary = run_point(validate_config(raw), Path(run_dir))
    events = last_events(RunDirectory(Path(run_dir)).ledger, 1)
    fields = events[-1][1].get("maxcut") if events else None
    annealer = (events[-1][1].get("annealer") or {}) if events else {}
    return {
        "status": summary.get("status"),
        "final_root": summary.get("final_root"),
        "wall_seconds": summary.get("wall_seconds"),
        "tick_seconds": (summary.get("seconds") or {}).get("per_tick"),
        "maxcut": fields,
        "neuron_updates": annealer.get("updates_total"),
    }


def classical(inst: MaxCutInstance, ticks: int, shots: int) -> list[dict[str, Any]]:
    from orchestrator.tasks.maxcut.exact import brute_force
    from orchestrator.tasks.maxcut.goemans_williamson import goemans_williamson
    from orchestrator.tasks.maxcut.local_search import one_exchange
    from orchestrator.tasks.maxcut.simulated_annealing import simulated_annealing

    seed = int(inst.seed or 0)
    exact = brute_force(inst)
    started = time.perf_counter()
    rng = np.random.default_rng([seed, 15])
    sampled = rng.integers(0, 2, size=(ticks * shots, inst.n), dtype=np.uint8)
    random_cut = float(cut_values(inst, sampled).max())
    random_s = time.perf_counter() - started
    ox = one_exchange(inst, seed)
    gw = goemans_williamson(inst, seed)
    sa = simulated_annealing(inst, ticks * ANNEALER_SWEEPS_PER_TICK, seed)
    return [
        {"method": "exact", "cut": exact.value, "wall_seconds": exact.wall_seconds},
        {"method": "random", "cut": random_cut, "wall_seconds": random_s},
        {"method": "one_exchange", "cut": ox.value, "wall_seconds": ox.wall_seconds},
        {"method": "gw", "cut": gw.value, "wall_seconds": gw.wall_seconds, "bound": gw.bound},
        {"method": "sa", "cut": sa.value, "wall_seconds": sa.wall_seconds},
    ]


def bootstrap_ci(values: np.ndarray, rounds: int = 2000) -> tuple[float, float]:
    rng = np.random.default_rng(0)
    means = rng.choice(values, size=(rounds, values.size), replace=True).mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def summarise(rows: list[dict[str, Any]]) -> str:
    groups: dict[tuple[str, int, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["method"] != "exact" and r.get("ratio") is not None:
            groups[(r["family"], r["n"], r["method"])].append(r)
    lines = []
    for family in sorted({k[0] for k in groups}):
        lines += [
            f"\n### {family}\n",
            "| n | method | graphs | mean ratio | std | 95% CI of mean | solved exactly "
            "| mean wall s |",
            "|---|---|---|---|---|---|---|---|",
        ]
        for n in sorted({k[1] for k in groups if k[0] == family}):
            for method in ORDER:
                got = groups.get((family, n, method))
                if not got:
                    continue
                ratio = np.array([r["ratio"] for r in got])
                lo, hi = bootstrap_ci(ratio)
                solved = np.mean([r["solved"] for r in got])
                walls = [r["wall_seconds"] for r in got if r.get("wall_seconds") is not None]
                wall = f"{np.mean(walls):.3f}" if walls else "-"
                lines.append(
                    f"| {n} | {method} | {ratio.size} | {ratio.mean():.4f} | "
                    f"{ratio.std(ddof=1) if ratio.size > 1 else 0.0:.4f} | "
                    f"[{lo:.4f}, {hi:.4f}] | {solved:.2f} | {wall} |"
                )
    lines += paired(rows)
    return "\n".join(lines) + "\n"


PAIRS = (
    ("fusion", "quantum"),
    ("fusion", "random"),
    ("fusion", "one_exchange"),
    ("quantum", "random"),
    ("fusion", "qaoa"),
    ("fusion_qaoa", "qaoa"),
    ("fusion_qaoa", "fusion"),
    ("fusion_annealer", "annealer"),
    ("annealer", "random"),
    ("annealer:final", "sa"),
)


def paired(rows: list[dict[str, Any]]) -> list[str]:
    """Per family and size: graph by graph, method A against method B (same graphs)."""
    ratio = {(r["graph"], r["method"]): r["ratio"] for r in rows if r.get("ratio") is not None}
    graphs = defaultdict(list)
    for r in rows:
        if r["method"] == "exact":
            graphs[(r["family"], r["n"])].append(r["graph"])
    lines = [
        "\n### Paired, graph by graph (ratio of A minus ratio of B)\n",
        "| family | n | A | B | A better | tie | B better | mean difference | 95% CI |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for (family, n), names in sorted(graphs.items()):
        for a, b in PAIRS:
            both = [g for g in names if (g, a) in ratio and (g, b) in ratio]
            if not both:
                continue
            d = np.array([ratio[(g, a)] - ratio[(g, b)] for g in both])
            lo, hi = bootstrap_ci(d)
            lines.append(
                f"| {family} | {n} | {a} | {b} | {int((d > 1e-12).sum())} | "
                f"{int((abs(d) <= 1e-12).sum())} | {int((d < -1e-12).sum())} | "
                f"{d.mean():+.4f} | [{lo:+.4f}, {hi:+.4f}] |"
            )
    return lines


PLOTTED = ("fusion", "quantum", "qaoa", "fusion_qaoa", "random", "one_exchange", "gw")


def plot(rows: list[dict[str, Any]], title: str, path: Path) -> None:
    """OUT/ratios.png: mean ratio (95 % bootstrap CI) against n, one panel per family, one
    line per method (spiking alone is left out: it decodes cut 0)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    families = sorted({r["family"] for r in rows})
    fig, axes = plt.subplots(1, len(families), figsize=(5.5 * len(families), 4.2), squeeze=False)
    for ax, family in zip(axes[0], families):
        for k, method in enumerate(PLOTTED):
            xs, means, lows, highs = [], [], [], []
            for n in sorted({r["n"] for r in rows if r["family"] == family}):
                got = [
                    r["ratio"]
                    for r in rows
                    if (r["family"], r["n"], r["method"]) == (family, n, method)
                    and r.get("ratio") is not None
                ]
                if got:
                    ratio = np.array(got)
                    lo, hi = bootstrap_ci(ratio)
                    xs.append(n + 0.25 * (k - len(PLOTTED) / 2))
                    means.append(ratio.mean())
                    lows.append(ratio.mean() - lo)
                    highs.append(hi - ratio.mean())
            if xs:
                ax.errorbar(xs, means, yerr=[lows, highs], marker="o", capsize=2, label=method)
        ax.set_xticks(sorted({r["n"] for r in rows if r["family"] == family}))
        ax.set_title(family)
        ax.set_xlabel("vertices n")
        ax.set_ylabel("approximation ratio (mean, 95 % CI)")
        ax.grid(alpha=0.3)
    axes[0][-1].legend(fontsize="small", loc="lower left")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/maxcut_study.py")
    parser.add_argument("--families", default="regular3")
    parser.add_argument("--sizes", default="8,12,16")
    parser.add_argument("--count", type=int, default=20, help="graphs per family and size")
    parser.add_argument("--base-seed", type=int, default=0)
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--shots", type=int, default=64)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--methods",
        default=",".join(DEFAULT_METHODS),
        help=f"loop methods, of {','.join(LOOP_METHODS)}",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/results/maxcut-study"))
    args = parser.parse_args(argv)

    methods = [m for m in args.methods.split(",") if m]
    unknown = sorted(set(methods) - set(LOOP_METHODS))
    if unknown:
        parser.error(f"--methods: unknown {', '.join(unknown)}; known: {', '.join(LOOP_METHODS)}")
    graphs = [
        inst
        for family in args.families.split(",")
        for n in (int(s) for s in args.sizes.split(","))
        for inst in catalogue(family, n, args.count, args.base_seed)  # type: ignore[arg-type]
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    rows: list[dict[str, Any]] = []
    optimum: dict[str, float] = {}
    for inst in graphs:
        for r in classical(inst, args.ticks, args.shots):
            if r["method"] == "exact":
                optimum[inst.name] = r["cut"]
            rows.append({"graph": inst.name, "family": inst.family, "n": inst.n, **r})
    print(f"classical baselines: {time.perf_counter() - started:.1f} s", flush=True)

    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=args.workers, mp_context=context) as pool:
        futures = {
            pool.submit(
                _run,
                method_config(inst, m, args.ticks, args.shots),
                str(args.out / "runs" / inst.name / m),
            ): (inst, m)
            for inst in graphs
            for m in methods
        }
        for done, future in enumerate(as_completed(futures), 1):
            inst, m = futures[future]
            got = future.result()
            mc = got["maxcut"] or {}
            base = {"graph": inst.name, "family": inst.family, "n": inst.n}
            timing = {
                "wall_seconds": got["wall_seconds"],
                "final_root": got["final_root"],
                "neuron_updates": got["neuron_updates"],
            }
            if m in ANNEALER_METHODS:  # the last tick's assignment: the anneal's final state
                rows.append({**base, "method": f"{m}:final", "cut": mc.get("cut_spikes")})
            if m in PAIRED_READINGS:
                rows.append({**base, "method": m, "cut": mc.get("best_cut"), **timing})
                rows.append({**base, "method": f"{m}:q", "cut": mc.get("best_quantum")})
                rows.append({**base, "method": f"{m}:s", "cut": mc.get("best_spikes")})
            elif m in ("spiking", "annealer"):
                rows.append({**base, "method": m, "cut": mc.get("best_spikes"), **timing})
            else:
                rows.append({**base, "method": m, "cut": mc.get("best_quantum"), **timing})
            if done % 10 == 0 or done == len(futures):
                print(
                    f"{done}/{len(futures)} runs, {time.perf_counter() - started:.0f} s",
                    flush=True,
                )
    for r in rows:
        opt = optimum[r["graph"]]
        cut = r.get("cut")
        r["optimum"] = opt
        r["ratio"] = None if cut is None else cut / opt
        r["solved"] = None if cut is None else bool(cut >= opt - 1e-9)
    rows.sort(key=lambda r: (r["family"], r["n"], r["graph"], r["method"]))
    columns = [
        "graph",
        "family",
        "n",
        "method",
        "cut",
        "optimum",
        "ratio",
        "solved",
        "wall_seconds",
        "final_root",
        "bound",
        "neuron_updates",
    ]
    with open(args.out / "study.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, columns, extrasaction="ignore", lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    total = time.perf_counter() - started
    text = (
        f"ticks {args.ticks}, shots {args.shots}, {args.count} graphs per size, "
        f"loop methods {','.join(methods)}, {total:.0f} s wall\n" + summarise(rows)
    )
    (args.out / "summary.md").write_text(text)
    plot(rows, f"MaxCut, {args.ticks} ticks x {args.shots} shots", args.out / "ratios.png")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
