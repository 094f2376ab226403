"""A study's statistics and its summary.md (issue 22): per-arm metrics and paired contrasts.

Per size and arm: units spent (min and max over the graphs: the budget rule makes them equal),
mean p_hit (candidates reaching the optimum per unit), median TTS99 over the graphs
(ln 0.01 / ln(1 - p_hit) units; inf where an arm never hit), how many graphs have a finite
TTS99, mean best-of-budget ratio (best cut / optimum) with its bootstrap 95 % CI, graphs solved.

Contrasts (pre-registered in the study file): for each size, graph by graph, p_hit of A minus
p_hit of B: A better / tie / B better, mean difference, 95 % percentile bootstrap CI
(``bootstrap`` resamples over the graphs, ``default_rng(0)``), two-sided Wilcoxon signed-rank
p (scipy, zeros dropped; 1.0 when every difference is 0), and Holm's step-down adjustment over
EVERY contrast x size of the study (one family). The ratio difference is reported beside it
(secondary, CI only).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from orchestrator.config.study import StudyConfig

if TYPE_CHECKING:
    from orchestrator.run.study import ArmRow

__all__ = ["bootstrap_ci", "holm", "summary_markdown", "wilcoxon_p"]


def bootstrap_ci(values: np.ndarray, resamples: int) -> tuple[float, float]:
    """95 % percentile bootstrap CI of the mean of ``values`` (rng seed 0)."""
    v = np.asarray(values, dtype=float)
    if v.size == 0:
        return (math.nan, math.nan)
    rng = np.random.default_rng(0)
    means = v[rng.integers(0, v.size, size=(resamples, v.size))].mean(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def wilcoxon_p(differences: np.ndarray) -> float:
    """Two-sided Wilcoxon signed-rank p of paired differences (1.0 when all are 0)."""
    from scipy.stats import wilcoxon

    d = np.asarray(differences, dtype=float)
    if not np.any(d != 0):
        return 1.0
    return float(wilcoxon(d, zero_method="wilcox", alternative="two-sided").pvalue)


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the input order."""
    m = len(pvalues)
    order = sorted(range(m), key=lambda i: pvalues[i])
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * pvalues[i]))
        adjusted[i] = running
    return adjusted


def _g(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:.4g}"


def summary_markdown(config: StudyConfig, rows: Sequence[ArmRow]) -> str:
    """The study's summary.md (deterministic: no wall times)."""
    from orchestrator.run.study import tts99

    g = config.graphs
    lines = [
        f"# Study `{config.study}`",
        "",
        f"Graphs: {g.family}, n = {', '.join(map(str, g.sizes))}, {g.count} per size from "
        f"seed {g.base_seed}; optimum: {g.reference}. Budget: {config.budget.units} units per "
        "arm and graph (one unit = one evaluated candidate: a shot in any basis, a spike "
        "reading, a neuron update, a classical flip proposal or cut evaluation).",
        "",
        "| n | arm | kind | units (min-max) | mean p_hit | median TTS99 (units) | finite TTS99 "
        "| mean ratio [95% CI] | solved |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    by: dict[tuple[int, str], list[ArmRow]] = defaultdict(list)
    for row in rows:
        by[(row.n, row.arm)].append(row)
    arms = [a.name for a in config.arms]
    for n in g.sizes:
        for arm in arms:
            rs = by[(n, arm)]
            units = [r.units for r in rs]
            p = np.array([r.p_hit for r in rs])
            tts = [tts99(x) for x in p]
            ratio = np.array([r.best_cut / r.optimum for r in rs])
            lo, hi = bootstrap_ci(ratio, config.bootstrap)
            solved = sum(r.as_row()["solved"] for r in rs)
            lines.append(
                f"| {n} | {arm} | {rs[0].kind} | {min(units)}-{max(units)} | {p.mean():.4g} | "
                f"{_g(float(np.median(tts)))} | {sum(not math.isinf(t) for t in tts)} of "
                f"{len(rs)} | {ratio.mean():.4f} [{lo:.4f}, {hi:.4f}] | {solved} of {len(rs)} |"
            )
    contrast_rows: list[dict[str, Any]] = []
    for a, b in config.contrasts:
        for n in g.sizes:
            ra = {r.graph: r for r in by[(n, a)]}
            rb = {r.graph: r for r in by[(n, b)]}
            graphs = sorted(ra.keys() & rb.keys())
            d = np.array([ra[k].p_hit - rb[k].p_hit for k in graphs])
            dr = np.array([ra[k].best_cut / ra[k].optimum - rb[k].best_cut / rb[k].optimum
                           for k in graphs])
            contrast_rows.append({
                "n": n, "a": a, "b": b, "d": d, "dr": dr, "p": wilcoxon_p(d),
                "units": (sorted({ra[k].units for k in graphs}),
                          sorted({rb[k].units for k in graphs})),
            })
    if contrast_rows:
        adjusted = holm([c["p"] for c in contrast_rows])
        lines += [
            "",
            "Paired contrasts, graph by graph (A minus B). Primary: p_hit; Wilcoxon signed-rank "
            f"p, Holm-adjusted over all {len(contrast_rows)} contrasts of the study. Secondary: "
            "best-of-budget ratio (CI only).",
            "",
            "| n | A | B | units A / B | A better | tie | B better | mean diff p_hit [95% CI] "
            "| Wilcoxon p | Holm p | mean diff ratio [95% CI] |",
            "|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for c, p_holm in zip(contrast_rows, adjusted):
            d, dr = c["d"], c["dr"]
            lo, hi = bootstrap_ci(d, config.bootstrap)
            rlo, rhi = bootstrap_ci(dr, config.bootstrap)
            ua, ub = (",".join(map(str, u)) for u in c["units"])
            lines.append(
                f"| {c['n']} | {c['a']} | {c['b']} | {ua} / {ub} | {int((d > 0).sum())} | "
                f"{int((d == 0).sum())} | {int((d < 0).sum())} | {d.mean():+.4g} "
                f"[{lo:+.4g}, {hi:+.4g}] | {c['p']:.3g} | {p_holm:.3g} | {dr.mean():+.4f} "
                f"[{rlo:+.4f}, {rhi:+.4f}] |"
            )
    return "\n".join(lines) + "\n"
