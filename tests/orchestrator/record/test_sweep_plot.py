"""sweep.png (issue 24): every seed visible beside the mean, units, a legend entry per series."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest

from orchestrator.record.sweep_plot import plot_sweep, sweep_figure
from tests.orchestrator.record.plot_checks import check_axes

# bimodal seeds: seed 1 and 3 high, seed 2 low, at each gamma; one point failed
ROWS = [
    {"pci.gamma": g, "run.seed": s, "status": "completed", "fusion_energy": v}
    for g, values in ((0.0, (-1.0, -5.0, -1.2)), (0.3, (-0.8, -5.5, -0.9)))
    for s, v in zip((1, 2, 3), values)
] + [{"pci.gamma": 0.6, "run.seed": 1, "status": "failed", "fusion_energy": None}]


@pytest.fixture
def figure():
    fig = sweep_figure(ROWS, ["pci.gamma", "run.seed"], "fusion_energy", "gamma-sweep")
    yield fig
    plt.close(fig)


def test_each_seed_is_a_line_of_its_own_points_beside_the_mean(figure) -> None:
    (ax,) = figure.axes
    seeds = {line.get_label(): line for line in ax.lines if line.get_label().startswith("seed")}
    assert set(seeds) == {"seed 1", "seed 2", "seed 3"}
    for s in (1, 2, 3):
        line = seeds[f"seed {s}"]
        mine = [r for r in ROWS if r["run.seed"] == s and r["status"] == "completed"]
        assert list(line.get_xdata()) == [r["pci.gamma"] for r in mine]
        assert list(line.get_ydata()) == [r["fusion_energy"] for r in mine]
    (mean,) = [c for c in ax.containers if c.get_label() == "mean +- sd over seeds"]
    mean_line = mean.lines[0]
    for g, y in zip(mean_line.get_xdata(), mean_line.get_ydata()):
        values = [r["fusion_energy"] for r in ROWS if r["pci.gamma"] == g and r["status"] ==
                  "completed"]  # fmt: skip
        assert y == pytest.approx(np.mean(values))


def test_units_title_and_legend(figure) -> None:
    check_axes(figure)
    (ax,) = figure.axes
    assert ax.get_ylabel() == "fusion_energy (units of H's coefficients), last tick"
    assert ax.get_xlabel() == "pci.gamma (dimensionless)"
    title = ax.get_title()
    assert title.startswith("gamma-sweep: fusion_energy over pci.gamma; seeds 1, 2, 3")
    assert "1 points without a value left out" in title
    legend = {t.get_text() for t in ax.get_legend().get_texts()}
    assert legend == {"seed 1", "seed 2", "seed 3", "mean +- sd over seeds"}


def test_a_second_key_gets_its_own_seeds_and_mean(tmp_path) -> None:
    rows = [dict(r, **{"ace.max_entropy": m}) for m in (0.5, 0.9) for r in ROWS[:6]]
    fig = sweep_figure(rows, ["pci.gamma", "ace.max_entropy", "run.seed"], "fusion_energy")
    try:
        check_axes(fig)
        legend = {t.get_text() for t in fig.axes[0].get_legend().get_texts()}
        assert "ace.max_entropy=0.5, seed 2" in legend
        assert "ace.max_entropy=0.9, mean +- sd over seeds" in legend
    finally:
        plt.close(fig)
    assert plot_sweep(tmp_path, rows, ["pci.gamma", "ace.max_entropy"], "fusion_energy").stat()
