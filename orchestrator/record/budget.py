"""summary.json's ``budget``: the sums of the ``budget`` fields of a ledger's tick events.

Every tick event the ledger holds counts, reverted ticks included (their work was executed:
a rollback does not give shots back); a tick killed before its block was committed does not.
``ticks_counted`` says how many tick events were summed (runs recorded before issue 22 have
no budget fields: their sums are zero and ``ticks_counted`` 0).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = ["BUDGET_COLUMNS", "budget_columns", "budget_totals", "units"]

COUNTS = ("circuits", "spike_readings", "neuron_updates", "evaluations")


def budget_totals(events: Iterable[Mapping[str, Any]]) -> dict[str, Any]:
    """{shots: {basis: sum}, shots_total, circuits, spike_readings, neuron_updates,
    evaluations, ticks_counted} over the tick events of ``events`` (bases sorted)."""
    shots: dict[str, int] = {}
    sums = dict.fromkeys(COUNTS, 0)
    counted = 0
    for event in events:
        budget = event.get("budget") if event.get("kind") == "tick" else None
        if not isinstance(budget, Mapping):
            continue
        counted += 1
        for basis, count in budget.get("shots", {}).items():
            shots[basis] = shots.get(basis, 0) + int(count)
        for key in COUNTS:
            sums[key] += int(budget.get(key, 0))
    return {
        "shots": {b: shots[b] for b in sorted(shots)},
        "shots_total": sum(shots.values()),
        **sums,
        "ticks_counted": counted,
    }


def units(budget: Mapping[str, Any]) -> int:
    """Issue 22's budget units of a ``budget`` mapping (an event's, or summary.json's sums):
    one unit per evaluated candidate a method drew: shots in every basis + spike readings +
    neuron updates (the decoders' ``evaluations`` re-evaluate those, and are not added)."""
    shots = budget.get("shots", {})
    drawn = sum(int(c) for c in shots.values())
    return drawn + int(budget.get("spike_readings", 0)) + int(budget.get("neuron_updates", 0))


BUDGET_COLUMNS = ("budget.units", "budget.shots_total", *(f"budget.{k}" for k in COUNTS))


def budget_columns(summary: Mapping[str, Any]) -> dict[str, Any]:
    """The sweep table's budget columns of a summary: units, sums, shots per basis (empty for
    a summary without ``budget``)."""
    budget = summary.get("budget")
    if not isinstance(budget, Mapping):
        return {}
    out: dict[str, Any] = {"budget.units": units(budget)}
    out["budget.shots_total"] = budget.get("shots_total")
    out.update({f"budget.{k}": budget.get(k) for k in COUNTS})
    out.update({f"budget.shots.{b}": c for b, c in budget.get("shots", {}).items()})
    return out
