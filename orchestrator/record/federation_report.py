"""Plots of what a federation did (``qnf report`` on a federation's run directory, spec §12).

``report.png``, drawn from the federation ledger's ``round`` events and each node's own
ledger, four panels:

1. per round, how many nodes were members of the consensus, and how many were decoupled,
   rejected (a forged, replayed or unknown contribution) or missing (the node did not answer);
2. each node's coupling to the consensus per round (1 = fully coupled; a decoupled or
   rejoining node ramps back up);
3. the consensus's coherence per round: |mean_c exp(i phi_c)| over the consensus phases
   (1 = every channel at one phase; nothing drawn for a round without consensus);
4. each node's fusion energy <H> against its ticks, from its own ledger.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from orchestrator.record.ledger import read_blocks
from orchestrator.record.report import save_report
from orchestrator.record.rundir import RunDirectory

__all__ = ["draw_federation_report", "federation_figure", "round_counts"]

OUTCOMES = ("members", "decoupled", "rejected", "missing")


def round_counts(rounds: list[dict]) -> dict[str, list[int]]:
    """Per outcome of ``OUTCOMES``, how many nodes had it in each round (in order)."""
    return {name: [len(event.get(name) or ()) for event in rounds] for name in OUTCOMES}


def federation_figure(run_dir: Path, node_dirs: Mapping[str, Path]):  # -> Figure
    """The report's figure (the caller closes it); ``node_dirs``: node id -> run directory."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from orchestrator.record.plot_labels import H_UNITS, run_title

    events = [e for _, e, _ in read_blocks(RunDirectory(run_dir).ledger)]
    rounds = [e for e in events if e.get("kind") == "round"]
    config = events[0].get("config", {}) if events else {}
    genesis = {"seed": config.get("run", {}).get("seed")}  # the nodes' base seed
    x = [e["round"] for e in rounds]
    fig, axes = plt.subplots(4, 1, figsize=(10, 11), sharex=False)
    fig.suptitle(run_title(run_dir, genesis), fontsize=11)
    ax = axes[0]
    for name, counts in round_counts(rounds).items():
        ax.plot(x, counts, marker="o", ms=3, label=name)
    ax.set_ylabel("nodes (count)")
    ax.set_xlabel("round (from 0)")
    ax.set_title(f"federation: {len(node_dirs)} nodes, {len(rounds)} rounds")
    ax.legend(fontsize="small", ncol=4)

    ax = axes[1]
    for node in sorted(node_dirs):
        ax.plot(x, [e.get("coupling", {}).get(node, np.nan) for e in rounds], label=node)
    ax.set_ylabel("coupling to consensus (fraction)")
    ax.set_xlabel("round (from 0)")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(fontsize="small", ncol=6)

    ax = axes[2]
    coherence = [
        np.nan
        if not e.get("consensus")
        else float(np.abs(np.exp(1j * np.array(e["consensus"])).mean()))
        for e in rounds
    ]
    ax.plot(x, coherence, marker="o", ms=3, color="k", label="consensus coherence")
    ax.set_ylabel("|mean exp(i phi)| of consensus (dimensionless)")
    ax.set_xlabel("round (from 0)")
    ax.legend(fontsize="small")
    ax.set_ylim(-0.05, 1.05)

    ax = axes[3]
    for node in sorted(node_dirs):
        ledger = RunDirectory(node_dirs[node]).ledger
        ticks = (
            [e for _, e, _ in read_blocks(ledger) if e.get("kind") == "tick"]
            if ledger.is_file()
            else []
        )
        ax.plot([e["tick"] for e in ticks], [e.get("fusion_energy") for e in ticks], label=node)
    ax.set_xlabel("tick (each node's own, from 0)")
    ax.set_ylabel(f"fusion energy <H> ({H_UNITS})")
    ax.legend(fontsize="small", ncol=6)
    fig.tight_layout()
    return fig


def draw_federation_report(run_dir: Path, node_dirs: Mapping[str, Path]) -> Path:
    """Draw ``run_dir/report.png`` (atomically); return its path."""
    return save_report(federation_figure(run_dir, node_dirs), run_dir)
