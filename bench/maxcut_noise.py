"""Noise in the MaxCut network (issue 21, item 4): what the spike reading does with noise off/on.

    .venv/bin/python bench/maxcut_noise.py --count 5 --sigmas 0,1.5,3,5 --workers 2
    .venv/bin/python bench/maxcut_noise.py --count 1 --sizes 8 --sigmas 0,3   # quick look

Per 3-regular study graph (``instances.catalogue("regular3", n, count, 0)``, n = 8, 12, 16)
and per noise level sigma (``spiking.noise: {kind: ou, sigma_mv: sigma, tau_ms: 5}`` plus
``configs.NOISY_SPIKING``'s random initial potentials; sigma 0 = the configs as they were), the
loop of ``configs.config_of`` runs --ticks ticks in this process (no run directory) under
run.seed = the graph's seed, in two arms: ``fusion`` (the config) and ``spiking`` (alpha =
beta = 0: no drive from the quantum side). Per run, from the ticks' records:

    spikes/tick   mean spikes per tick (of 4n neurons)
    split         of the (tick, vertex) pairs where a vertex's group spiked at all, the fraction
                  whose neurons spiked different numbers of times (0: identical copies)
    cut/tick      mean over ticks of the spike reading's cut (``maxcut.cut_spikes``) / optimum
    best          the run's best spike-reading cut (``maxcut.best_spikes``) / optimum
    random        the expected cut of one uniformly random assignment / optimum (|E|/2 / opt),
                  the baseline of cut/tick
    random best   the expected best of 2 x ticks uniformly random assignments / optimum (the
                  spike reading tries two assignments a tick, rate and phase: the baseline of
                  best; the mean of 200 draws, rng seeded by the graph)

Output: one line per (arm, n, sigma), means over the graphs (and the CSV with --csv).
"""

from __future__ import annotations

import argparse
import copy
import csv
import sys
from collections import defaultdict
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orchestrator.tasks.maxcut.configs import NOISY_SPIKING, config_of  # noqa: E402
from orchestrator.tasks.maxcut.instances import MaxCutInstance, catalogue  # noqa: E402


def run_config(inst: MaxCutInstance, arm: str, sigma: float, ticks: int) -> dict[str, Any]:
    cfg = config_of(inst, ticks=ticks, seed=int(inst.seed or 0))
    if arm == "spiking":
        cfg["pci"].update(alpha=0.0, beta=0.0)
    if sigma > 0:
        cfg["spiking"].update(copy.deepcopy(NOISY_SPIKING))
        cfg["spiking"]["noise"]["sigma_mv"] = sigma
    return cfg


def measure(inst: MaxCutInstance, arm: str, sigma: float, ticks: int) -> dict[str, Any]:
    from orchestrator.config.root import validate_config
    from orchestrator.run.assemble import open_backends
    from orchestrator.run.loop import FusionLoop
    from orchestrator.tasks.maxcut.cut import cut_values
    from orchestrator.tasks.maxcut.exact import brute_force
    from orchestrator.tasks.maxcut.wiring import vertex_groups

    cfg = validate_config(run_config(inst, arm, sigma, ticks))
    backends = open_backends(cfg)
    loop = FusionLoop(cfg, backends.quantum, backends.spiking, backends.rules)
    try:
        records = [loop.step() for _ in range(ticks)]
    finally:
        loop.close()
    n_neurons = cfg.n_neurons()
    groups = vertex_groups(inst.n, n_neurons)
    spikes, active, split, cuts = [], 0, 0, []
    for r in records:
        counts = np.bincount(r.spikes.window.neurons, minlength=n_neurons)
        spikes.append(int(counts.sum()))
        for g in groups:
            if counts[g].any():
                active += 1
                split += int(len(set(counts[g].tolist())) > 1)
        cuts.append(r.fields["maxcut"]["cut_spikes"])
    optimum = brute_force(inst).value
    rng = np.random.default_rng([int(inst.seed or 0), 21])
    draws = rng.integers(0, 2, size=(200 * 2 * ticks, inst.n), dtype=np.uint8)
    random_best = cut_values(inst, draws).reshape(200, 2 * ticks).max(axis=1).mean()
    return {
        "arm": arm,
        "n": inst.n,
        "graph": inst.name,
        "sigma_mv": sigma,
        "spikes_per_tick": float(np.mean(spikes)),
        "split": split / active if active else float("nan"),
        "cut_per_tick": float(np.mean(cuts)) / optimum,
        "best": records[-1].fields["maxcut"]["best_spikes"] / optimum,
        "random": 0.5 * inst.total_weight / optimum,
        "random_best": float(random_best) / optimum,
    }


def _measure(args: tuple[MaxCutInstance, str, float, int]) -> dict[str, Any]:
    return measure(*args)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench/maxcut_noise.py")
    parser.add_argument("--count", type=int, default=5, help="graphs per size")
    parser.add_argument("--sizes", default="8,12,16")
    parser.add_argument("--sigmas", default="0,1.5,3,5", help="noise sigma_mv values (0: off)")
    parser.add_argument("--arms", default="fusion,spiking")
    parser.add_argument("--ticks", type=int, default=20)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--csv", type=Path, default=None, help="write every run's row here")
    args = parser.parse_args(argv)
    jobs = [
        (inst, arm, float(sigma), args.ticks)
        for n in (int(x) for x in args.sizes.split(","))
        for inst in catalogue("regular3", n, args.count, 0)
        for arm in args.arms.split(",")
        for sigma in args.sigmas.split(",")
    ]
    with ProcessPoolExecutor(args.workers) as pool:
        rows = list(pool.map(_measure, jobs))
    if args.csv is not None:
        with args.csv.open("w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
    table: dict[tuple[str, int, float], list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        table[(row["arm"], row["n"], row["sigma_mv"])].append(row)
    print(
        "| arm | n | sigma mV | graphs | spikes/tick | split | cut/tick | random | best "
        "| random best |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for (arm, n, sigma), got in sorted(table.items()):
        mean = {}
        for key in ("spikes_per_tick", "split", "cut_per_tick", "best", "random", "random_best"):
            values = [r[key] for r in got if not np.isnan(r[key])]
            mean[key] = float(np.mean(values)) if values else float("nan")
        print(
            f"| {arm} | {n} | {sigma:g} | {len(got)} | {mean['spikes_per_tick']:.1f} | "
            f"{mean['split']:.2f} | {mean['cut_per_tick']:.3f} | {mean['random']:.3f} | "
            f"{mean['best']:.3f} | {mean['random_best']:.3f} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
