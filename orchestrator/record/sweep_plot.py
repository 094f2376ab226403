"""``sweep.png``: a metric of a sweep's points against its first swept key, every seed shown.

For each combination of the other swept keys (seeds aside): one thin line per seed through
its points (a seed's run at each x), a marker per point, and the mean over the seeds with
+- one standard deviation as a thick line with error bars. Seeds are drawn one by one because
a mean hides what a few seeds do (the demo's seeds are bimodal). Every series has a legend
entry; the y axis names the metric's unit (``orchestrator.record.plot_labels``); the title
names the sweep, its keys, the seeds and the points that did not complete (left out).
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orchestrator.record.fsutil import write_atomic
from orchestrator.record.plot_labels import metric_label

__all__ = ["PLOT", "plot_sweep", "sweep_figure"]

PLOT = "sweep.png"
SEED = "run.seed"


def sweep_figure(
    rows: Sequence[dict[str, Any]], keys: Sequence[str], metric: str, name: str = "sweep"
):  # -> matplotlib.figure.Figure (the caller closes it)
    """The figure of ``plot_sweep`` (see the module docstring)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    x_key, others = keys[0], [k for k in keys[1:] if k != SEED]
    # combination of the other keys -> seed -> x -> value
    series: dict[tuple[Any, ...], dict[Any, dict[Any, float]]] = defaultdict(
        lambda: defaultdict(dict)
    )
    left_out = 0
    for row in rows:
        if row.get(metric) is None or row.get("status") != "completed":
            left_out += 1
            continue
        combo = tuple(row[k] for k in others)
        series[combo][row.get(SEED)][row[x_key]] = float(row[metric])
    xs_all = list(dict.fromkeys(row[x_key] for row in rows))
    numeric = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in xs_all)
    where = {x: (x if numeric else i) for i, x in enumerate(xs_all)}
    fig, ax = plt.subplots(figsize=(8, 5))
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    seeds_seen: set[Any] = set()
    for k, (combo, by_seed) in enumerate(sorted(series.items(), key=lambda kv: str(kv[0]))):
        colour = colours[k % len(colours)]
        prefix = ", ".join(f"{key}={v}" for key, v in zip(others, combo))
        for seed, points in sorted(by_seed.items(), key=lambda kv: str(kv[0])):
            seeds_seen.add(seed)
            xs = [x for x in xs_all if x in points]
            label = f"seed {seed}" if seed is not None else "run"
            ax.plot(
                [where[x] for x in xs], [points[x] for x in xs], marker="o", ms=3, lw=0.7,
                alpha=0.45, color=colour, label=f"{prefix}, {label}" if prefix else label,
            )  # fmt: skip
        xs = [x for x in xs_all if any(x in p for p in by_seed.values())]
        values = [[p[x] for p in by_seed.values() if x in p] for x in xs]
        ax.errorbar(
            [where[x] for x in xs], [float(np.mean(v)) for v in values],
            yerr=[float(np.std(v)) for v in values], marker="s", ms=5, lw=2, capsize=4,
            color=colour, label=f"{prefix + ', ' if prefix else ''}mean +- sd over seeds",
        )  # fmt: skip
    if not numeric:
        ax.set_xticks(list(where.values()), [str(x) for x in xs_all])
    ax.set_xlabel(metric_label(x_key))
    ax.set_ylabel(f"{metric_label(metric)}, last tick")
    seeds = sorted(str(s) for s in seeds_seen if s is not None)
    dropped = f"; {left_out} points without a value left out" if left_out else ""
    ax.set_title(
        f"{name}: {metric} over {', '.join(k for k in keys if k != SEED)}"
        + (f"; seeds {', '.join(seeds)}" if seeds else "")
        + dropped,
        fontsize=10,
    )
    if series:
        ax.legend(fontsize="small", ncol=1 + len(ax.get_legend_handles_labels()[1]) // 12)
    fig.tight_layout()
    return fig


def plot_sweep(out: Path, rows: Sequence[dict[str, Any]], keys: Sequence[str], metric: str) -> Path:
    """Draw ``out/sweep.png`` (see the module docstring); return its path."""
    import matplotlib.pyplot as plt

    fig = sweep_figure(rows, keys, metric, Path(out).resolve().name)
    path, image = out / PLOT, io.BytesIO()
    try:
        fig.savefig(image, format="png", dpi=110)
    finally:
        plt.close(fig)
    write_atomic(path, image.getvalue())  # private, as a run's files (fsutil)
    return path
