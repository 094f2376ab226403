"""A run's result, read from its ledger: summary.json's ``result``, ``learning.csv``.

What a run found, by task (the FusionEvent sections it carries; the last one that applies):

    maxcut    {task, best_cut, best_assignment, best_tick, best_quantum, best_spikes,
               total_weight, cut_fraction}   (cut_fraction = best_cut / total_weight)
    learning  {task, epochs, final_loss {total, energy, neural, coherence}, theta_names,
               theta, expected_cut_fraction}  (expected_cut_fraction = (1 - <H_C>/W) / 2 for
               an ``ising`` Hamiltonian learned on its cost terms (W = sum of the edge
               weights, the cut value being (W - <H_C>)/2); null otherwise; <H_C> is the
               last epoch's measured task energy, before that epoch's update)
    memory    {task, recalls, writes, stored, mean_best_overlap, last {tick, op, recalled,
               index, best_overlap}}   (mean_best_overlap: the largest overlap with a stored
               pattern, averaged over the recall ops that found one)
    fusion    {task, ticks, final {fusion_energy, E_coh, H_coh_normalised, avg_phase_diff},
               mean {the same four over the run's ticks}}   (when no task section is present)

A run with a task section also carries ``fusion``'s fields under ``result.fusion``. Only
ticks on the run's final timeline count: a ``revert`` block drops the ticks it rolled back
(their blocks stay in the ledger). Numbers come straight from the events, so ``qnf ledger
verify`` recomputes the result and compares (``orchestrator.record.audit``).

``learning.csv``: one row per epoch of the final timeline: epoch, tick, loss_total,
loss_energy, loss_neural, loss_coherence, grad_norm_fused, expected_cut_fraction (empty where
not defined), then Theta after the epoch's update (one column per name).
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["LEARNING_COLUMNS", "ResultReader", "describe", "learning_csv", "run_result"]

LEARNING_COLUMNS = (
    "epoch",
    "tick",
    "loss_total",
    "loss_energy",
    "loss_neural",
    "loss_coherence",
    "grad_norm_fused",
    "expected_cut_fraction",
)
_FUSION = {
    "fusion_energy": "fusion_energy",
    "E_coh": "coherence_energy",
    "H_coh_normalised": "coherence_entropy_normalised",
    "avg_phase_diff": "avg_phase_diff",
}


def _cut_weight(config: Mapping[str, Any]) -> float | None:
    """W = sum of the edge weights of an ``ising`` Hamiltonian, else None."""
    ham = config.get("hamiltonian")
    if not isinstance(ham, Mapping) or ham.get("kind") != "ising":
        return None
    edges = ham.get("edges")
    if not isinstance(edges, list) or not edges:
        return None
    try:
        total = float(sum(float(e[2]) for e in edges))
    except (TypeError, ValueError, IndexError):
        return None
    return total if total > 0 and math.isfinite(total) else None


def _learned_on_cost(config: Mapping[str, Any]) -> bool:
    learning = config.get("learning")
    loss = learning.get("loss") if isinstance(learning, Mapping) else None
    return isinstance(loss, Mapping) and loss.get("energy_terms", "cost") == "cost"


class ResultReader:
    """Folds a run's events, in ledger order from its genesis block, into its result (see the
    module docstring); the genesis block's config says what the cut weight W is."""

    def __init__(self) -> None:
        self.weight: float | None = None
        self.cost_loss = False
        self.ticks: dict[int, dict[str, Any]] = {}  # tick -> the fields the result reads

    def add(self, event: Mapping[str, Any]) -> None:
        """Take one event (genesis, tick, revert: the others change nothing)."""
        kind = event.get("kind")
        if kind == "genesis" and isinstance(event.get("config"), Mapping):
            self.weight = _cut_weight(event["config"])
            self.cost_loss = _learned_on_cost(event["config"]) and self.weight is not None
        elif kind == "revert":
            back = event.get("tick")
            if isinstance(back, int):
                self.ticks = {t: v for t, v in self.ticks.items() if t < back}
        elif kind == "tick":
            keep: dict[str, Any] = {k: event.get(v) for k, v in _FUSION.items()}
            for section in ("maxcut", "learning", "memory"):
                if isinstance(event.get(section), Mapping):
                    keep[section] = event[section]
            self.ticks[int(event["tick"])] = keep

    def add_all(self, events: Iterable[Mapping[str, Any]]) -> ResultReader:
        for event in events:
            self.add(event)
        return self

    def expected_cut_fraction(self, energy: Any) -> float | None:
        if not self.cost_loss or not isinstance(energy, (int, float)) or self.weight is None:
            return None
        return (1.0 - float(energy) / self.weight) / 2.0

    def fusion(self) -> dict[str, Any]:
        ticks = [self.ticks[t] for t in sorted(self.ticks)]
        final = {k: ticks[-1][k] for k in _FUSION} if ticks else None
        mean = {}
        for key in _FUSION:
            values = [t[key] for t in ticks if isinstance(t[key], (int, float))]
            mean[key] = math.fsum(values) / len(values) if values else None
        return {"task": "fusion", "ticks": len(ticks), "final": final, "mean": mean}

    def maxcut(self) -> dict[str, Any] | None:
        last = next(
            (
                self.ticks[t]["maxcut"]
                for t in sorted(self.ticks, reverse=True)
                if "maxcut" in self.ticks[t]
            ),
            None,
        )
        if last is None:
            return None
        best = last.get("best_cut")
        fraction = best / self.weight if isinstance(best, (int, float)) and self.weight else None
        return {
            "task": "maxcut",
            **{
                k: last.get(k)
                for k in ("best_cut", "best_assignment", "best_tick", "best_quantum", "best_spikes")
            },
            "total_weight": self.weight,
            "cut_fraction": fraction,
        }

    def epochs(self) -> list[tuple[int, dict[str, Any]]]:
        """(tick, learning section) of every epoch on the final timeline, in order."""
        return [
            (t, self.ticks[t]["learning"])
            for t in sorted(self.ticks)
            if "learning" in self.ticks[t]
            and self.ticks[t]["learning"].get("epoch") is not None
            and self.ticks[t]["learning"].get("loss") is not None
        ]

    def learning(self) -> dict[str, Any] | None:
        epochs = self.epochs()
        if not epochs:
            return None
        last = epochs[-1][1]
        loss = last.get("loss") or {}
        return {
            "task": "learning",
            "epochs": len(epochs),
            "final_loss": {k: loss.get(k) for k in ("total", "energy", "neural", "coherence")},
            "theta_names": last.get("theta_names"),
            "theta": last.get("theta"),
            "expected_cut_fraction": self.expected_cut_fraction(loss.get("energy")),
        }

    def memory(self) -> dict[str, Any] | None:
        ops = [
            (t, self.ticks[t]["memory"]) for t in sorted(self.ticks) if "memory" in self.ticks[t]
        ]
        if not ops:
            return None
        best = []
        for _, op in ops:
            overlaps = op.get("overlaps") or []
            if op.get("op") == "recall" and op.get("index") is not None and overlaps:
                best.append(max(float(x) for x in overlaps))
        tick, last = ops[-1]
        overlaps = last.get("overlaps") or []
        return {
            "task": "memory",
            "recalls": sum(op.get("op") == "recall" for _, op in ops),
            "writes": sum(op.get("op") == "write" for _, op in ops),
            "stored": last.get("stored"),
            "mean_best_overlap": math.fsum(best) / len(best) if best else None,
            "last": {
                "tick": tick,
                "op": last.get("op"),
                "recalled": last.get("recalled"),
                "index": last.get("index"),
                "best_overlap": max(float(x) for x in overlaps) if overlaps else None,
            },
        }

    def result(self) -> dict[str, Any]:
        """summary.json's ``result``: the task's (maxcut, learning, memory: the first present),
        with the fusion summary under ``fusion``; the fusion summary alone otherwise."""
        fusion = self.fusion()
        for task in (self.maxcut(), self.learning(), self.memory()):
            if task is not None:
                return {**task, "fusion": fusion}
        return fusion

    def learning_rows(self) -> list[list[Any]]:
        rows = []
        for tick, learn in self.epochs():
            loss = learn.get("loss") or {}
            grad = learn.get("grad_norm") or {}
            fraction = self.expected_cut_fraction(loss.get("energy"))
            rows.append(
                [
                    learn["epoch"],
                    tick,
                    loss.get("total"),
                    loss.get("energy"),
                    loss.get("neural"),
                    loss.get("coherence"),
                    grad.get("fused"),
                    fraction,
                    *(learn.get("theta") or []),
                ]
            )
        return rows

    def learning_names(self) -> list[str]:
        epochs = self.epochs()
        return list(epochs[-1][1].get("theta_names") or []) if epochs else []


def run_result(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """The ``result`` of a run whose ledger holds ``events`` (genesis first)."""
    return ResultReader().add_all(events).result()


def learning_csv(reader: ResultReader) -> bytes | None:
    """learning.csv's bytes, or None when the run has no learning epochs."""
    rows = reader.learning_rows()
    if not rows:
        return None
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([*LEARNING_COLUMNS, *(f"theta[{n}]" for n in reader.learning_names())])
    for row in rows:
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue().encode()


def _num(value: Any, digits: int = 4) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return "-"
    return (
        f"{value:.{digits}g}"
        if abs(value) >= 1e4
        else f"{value:.{digits}f}".rstrip("0").rstrip(".")
    )


def describe(result: Mapping[str, Any] | None) -> list[str]:
    """The result in a few lines for people (``qnf run``'s closing lines, ``Run.describe``)."""
    if not result:
        return []
    task = result.get("task")
    lines = []
    if task == "maxcut":
        fraction = result.get("cut_fraction")
        of = f" of {_num(result.get('total_weight'))}" if result.get("total_weight") else ""
        share = f" ({_num(fraction, 3)})" if fraction is not None else ""
        lines.append(
            f"best cut {_num(result.get('best_cut'))}{of}{share} at tick "
            f"{result.get('best_tick')}, assignment {result.get('best_assignment') or '-'}"
        )
        lines.append(
            f"best by substrate: quantum {_num(result.get('best_quantum'))}, "
            f"spikes {_num(result.get('best_spikes'))}"
        )
    elif task == "learning":
        loss = result.get("final_loss") or {}
        cut = result.get("expected_cut_fraction")
        tail = f"; expected cut fraction {_num(cut)}" if cut is not None else ""
        lines.append(
            f"{result.get('epochs')} epochs; final loss {_num(loss.get('total'))} "
            f"(energy {_num(loss.get('energy'))}){tail}"
        )
    elif task == "memory":
        last = result.get("last") or {}
        lines.append(
            f"{result.get('recalls')} recalls, {result.get('writes')} writes, "
            f"{result.get('stored')} stored; mean best overlap "
            f"{_num(result.get('mean_best_overlap'))}"
        )
        lines.append(
            f"last (tick {last.get('tick')}): {last.get('op')} -> pattern "
            f"{last.get('index')} {last.get('recalled') or ''}".rstrip()
        )
    fusion = result.get("fusion", result) if task != "fusion" else result
    mean = fusion.get("mean") or {}
    lines.append(
        f"mean over {fusion.get('ticks')} ticks: fusion energy {_num(mean.get('fusion_energy'))}, "
        f"E_coh {_num(mean.get('E_coh'))}, H_coh/(n ln 2) {_num(mean.get('H_coh_normalised'))}"
    )
    return lines
