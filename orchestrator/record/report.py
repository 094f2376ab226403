"""Plots of what a run did, drawn from its ledger (the authoritative record).

``report.png``: four panels against the ticks in the order they ran -- coherence entropy H_coh
(normalised, with the ACE threshold and the ticks the stability rule marked stable), fusion
energy <H> and E_coh, average phase difference with the resonance bound and violations, and
the spike raster over the network time that was simulated. Rollbacks (``revert`` events) and
stops are drawn as vertical lines: after a rollback the loop's own tick numbers repeat, so the
x axis counts ticks as they ran (it equals the tick number in a run without rollbacks).

Phase dynamics (issue 11), each panel only when the run recorded its fields: the PSN's order
parameter r(t) at the end of each tick (``psn_r``, spec §9) with the E_coh the coherence flow
predicted before and after its descent steps (``coherence_flow_energies``, spec §5); and J_fusion's
determinant and spectral radius (``jacobian_det``, ``jacobian_spectral_radius``, spec §13) on the
ticks where J was computed, with det = 0 and radius = 1 marked.

A run with ``learning`` (spec §7, §8) gets a fifth panel: the loss and its parts (task energy
<H_E>, neural loss L_N, E_coh) per training epoch, from each epoch's ``learning`` field, with
the fused gradient's norm on a second axis; epochs are in the order they ran (a rollback
repeats epoch numbers).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from orchestrator.record.fsutil import write_atomic
from orchestrator.record.ledger import read_blocks, read_spikes
from orchestrator.record.plot_labels import H_UNITS, run_title
from orchestrator.record.rundir import RunDirectory

__all__ = ["draw_report", "report_figure", "save_report"]

MAX_RASTER_SPIKES = 200_000  # beyond this the raster shows an evenly thinned sample


def draw_report(run_dir: Path) -> Path:
    """Draw ``run_dir/report.png`` from ``run_dir/ledger.sqlite``; return its path."""
    return save_report(report_figure(run_dir), run_dir)


def save_report(fig, run_dir: Path) -> Path:  # fig: a matplotlib Figure (Agg selected)
    """Write ``fig`` to ``run_dir/report.png`` atomically, close it; return the path."""
    import matplotlib.pyplot as plt

    out = RunDirectory(run_dir).report
    tmp = run_dir / f".report.{os.getpid()}.png"
    try:
        fig.savefig(tmp, dpi=100)
        write_atomic(out, tmp.read_bytes())
    finally:
        tmp.unlink(missing_ok=True)
        plt.close(fig)
    return out


def report_figure(run_dir: Path):  # -> matplotlib.figure.Figure
    """The report's figure (the caller closes it): four panels, plus the phase panels."""
    files = RunDirectory(run_dir)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ledger = files.ledger
    genesis: dict = {}
    ticks: list[dict] = []
    order: dict[int, int] = {}  # block height of a tick -> its position in the run
    marks: list[tuple[int, str]] = []  # (position, label) of reverts and stops
    for height, event, _ in read_blocks(ledger):
        kind = event.get("kind")
        if kind == "genesis":
            genesis = event
        elif kind == "tick":
            order[height] = len(ticks)
            ticks.append(event)
        elif kind == "revert":
            marks.append((len(ticks), f"revert to tick {event['tick']}"))
        elif kind == "stop":
            marks.append((len(ticks), f"stop ({event['reason']})"))
    config = genesis.get("config", {})
    tick_ms = float(config.get("spiking", {}).get("tick_ms", 1.0))
    t = np.arange(len(ticks))

    def series(key: str) -> np.ndarray:
        return np.array([np.nan if e.get(key) is None else e[key] for e in ticks], dtype=float)

    has_phase = any("psn_r" in e or "coherence_flow_energies" in e for e in ticks)
    has_jacobian = any(e.get("jacobian_spectral_radius") is not None for e in ticks)
    epochs = [e["learning"] for e in ticks if "learning" in e]
    rows = 4 + has_phase + has_jacobian + bool(epochs)
    fig, axes = plt.subplots(rows, 1, figsize=(10, 3 * rows), constrained_layout=True)
    fig.suptitle(run_title(run_dir, genesis), fontsize=11)
    ax = axes[0]
    ax.plot(t, series("coherence_entropy_normalised"), label="H_coh / (n ln 2)")
    threshold = config.get("ace", {}).get("max_entropy")
    if threshold is not None:
        ax.axhline(threshold, color="red", ls="--", lw=1, label="ACE max_entropy")
    fired = [k for k, e in enumerate(ticks) if e.get("ace_triggered")]
    if fired:
        ax.plot(fired, [1.02] * len(fired), "v", color="red", ms=4, label="ACE recalibration")
    stable = [k for k, e in enumerate(ticks) if e.get("stable")]
    if stable:
        ax.plot(stable, [-0.02] * len(stable), "^", color="green", ms=3, label="stable block")
    ax.set_ylabel("H_coh / (n ln 2) (dimensionless)")
    ax.set_title("Coherence entropy (spec §6)")
    ax.legend(loc="best", fontsize=8)

    ax = axes[1]
    ax.plot(t, series("fusion_energy"), label="fusion energy <H>")
    ax.plot(t, series("coherence_energy"), label="E_coh (spec §5)")
    ax.set_ylabel(f"energy ({H_UNITS})")
    ax.set_title("Energies")
    ax.legend(loc="best", fontsize=8)

    ax = axes[2]
    ax.plot(t, series("avg_phase_diff"), ".-", ms=3, label="avg |phi_psi - phi_S|")
    bound = config.get("safety", {}).get("resonance_bound", math.pi / 4)
    ax.axhline(bound, color="red", ls="--", lw=1, label="resonance bound (spec §14)")
    ax.set_ylabel("phase difference (rad)")
    ax2 = ax.twinx()
    ax2.bar(
        t, series("resonance_violations"), color="orange", alpha=0.3, label="resonance violations"
    )
    ax2.set_ylabel("violations (count per tick)")
    ax.set_title("Phase difference and resonance check")
    _legend(ax, ax2, loc="upper left")

    extra = list(axes[4:])
    if has_phase:
        _phase_panel(extra.pop(0), t, ticks, series)
    if has_jacobian:
        _jacobian_panel(extra.pop(0), t, series)
    learning_ax = extra.pop(0) if epochs else None  # its x axis counts epochs, not ticks

    ax = axes[3]
    neurons, times = [], []
    for height, n, s in read_spikes(ledger):
        neurons.append(n)
        times.append(s + order.get(height, 0) * tick_ms)
    if neurons:
        all_n, all_t = np.concatenate(neurons), np.concatenate(times)
        if all_n.size > MAX_RASTER_SPIKES:
            keep = np.linspace(0, all_n.size - 1, MAX_RASTER_SPIKES).astype(int)
            all_n, all_t = all_n[keep], all_t[keep]
        ax.scatter(
            all_t, all_n, s=1, c="k", marker="|", linewidths=0.5, rasterized=True,
            label=f"spike ({all_n.size} shown)",
        )  # fmt: skip
        ax.legend(loc="upper right", fontsize=8)
    ax.set_xlim(0, max(len(ticks), 1) * tick_ms)
    ax.set_xlabel("network time simulated (ms)")
    ax.set_ylabel("neuron (index)")
    ax.set_title("Spike raster")
    for a in [*axes[:3], *axes[4:]]:
        if a is learning_ax:
            continue
        a.set_xlabel("tick (from 0, in the order they ran)")
        for position, _ in marks:
            a.axvline(position - 0.5, color="purple", ls=":", lw=1)
    for position, label in marks:
        axes[0].annotate(
            label,
            (position - 0.5, 1.0),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            rotation=90,
            va="top",
            ha="right",
            color="purple",
        )
        axes[3].axvline((position - 0.5) * tick_ms, color="purple", ls=":", lw=1)
    if learning_ax is not None:
        _learning_panel(learning_ax, epochs)
    return fig


def _phase_panel(ax, t: np.ndarray, ticks: list[dict], series) -> None:
    """r(t) of the PSN (left axis) and the coherence flow's predicted E_coh (right axis)."""
    if any("psn_r" in e for e in ticks):
        ax.plot(t, series("psn_r"), ".-", ms=3, color="tab:blue", label="PSN r (end of tick)")
    ax.set_ylim(-0.02, 1.02)
    ax.set_ylabel("order parameter r (dimensionless)")
    ax2 = None
    flows = [e.get("coherence_flow_energies") for e in ticks]
    if any(flows):
        before = np.array([f[0] if f else np.nan for f in flows], dtype=float)
        after = np.array([f[-1] if f else np.nan for f in flows], dtype=float)
        ax2 = ax.twinx()
        ax2.plot(t, before, "x", color="tab:orange", ms=4, label="E_coh predicted, before")
        ax2.plot(t, after, "o", color="tab:green", ms=3, label="after descent")
        ax2.vlines(t, after, before, color="gray", lw=0.8, label="descent")
        ax2.set_ylabel(f"predicted E_coh ({H_UNITS})")
    _legend(ax, ax2, loc="upper left")
    ax.set_title("Phase synchronization (spec §9) and coherence flow (spec §5)")


def _jacobian_panel(ax, t: np.ndarray, series) -> None:
    """det J_fusion (left axis) and its spectral radius (right axis) where J was computed."""
    ax.plot(t, series("jacobian_det"), "s", ms=3, color="tab:purple", label="det J")
    ax.axhline(0.0, color="red", ls="--", lw=1, label="det J = 0")
    ax.set_ylabel("det J (dimensionless)")
    ax2 = ax.twinx()
    ax2.plot(
        t, series("jacobian_spectral_radius"), "^", ms=3, color="tab:brown", label="spectral radius"
    )
    ax2.axhline(1.0, color="tab:brown", ls=":", lw=1, label="spectral radius = 1")
    ax2.set_ylabel("spectral radius (dimensionless)")
    _legend(ax, ax2, loc="upper left")
    ax.set_title("Stability Jacobian (spec §13)")


def _learning_panel(ax, epochs: list[dict]) -> None:
    """Loss and its parts per epoch, fused gradient norm on a twin axis."""
    x = np.arange(len(epochs))
    for key, label in (
        ("total", "loss L"),
        ("energy", "task energy <H_E>"),
        ("neural", "neural loss L_N"),
        ("coherence", "E_coh"),
    ):
        ax.plot(x, [e["loss"][key] for e in epochs], ".-", ms=3, label=label)
    ax.set_xlabel("training epoch (from 0, in the order they ran)")
    ax.set_ylabel(f"loss ({H_UNITS})")
    ax2 = ax.twinx()
    ax2.plot(
        x, [e["grad_norm"]["fused"] for e in epochs], color="gray", lw=1, alpha=0.6,
        label="|fused gradient|",
    )  # fmt: skip
    ax2.set_ylabel("|fused gradient| (per rad)", color="gray")
    ax.set_title("Learning (spec §7, §8): loss and its parts per epoch")
    _legend(ax, ax2, loc="best")


def _legend(ax, twin, loc: str) -> None:
    """One legend on ``ax`` for the series of ``ax`` and its twin axis ``twin`` (or None)."""
    handles, labels = ax.get_legend_handles_labels()
    if twin is not None:
        more = twin.get_legend_handles_labels()
        handles, labels = handles + more[0], labels + more[1]
    if handles:
        ax.legend(handles, labels, loc=loc, fontsize=8)
