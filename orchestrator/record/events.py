"""Reading FusionEvents (spec §11) back: the CSV rows derived from them, ticks counted.

``metrics.csv`` and ``qubits.csv`` are views of the tick events (``metrics_row``,
``qubit_rows``), so a resumed run can rebuild them from the ledger; ``ticks_done`` counts the
ticks of a ledger's final timeline (reverted ticks left out). What each kind of event holds,
and the builder of each: ``orchestrator.record.ledger_events``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "METRICS_COLUMNS",
    "last_tick_metrics",
    "metrics_row",
    "qubit_rows",
    "ticks_done",
]

METRICS_COLUMNS = (
    "tick",
    "H_coh",
    "H_coh_normalised",
    "E_coh",
    "avg_phase_diff",
    "fusion_energy",
    "resonance_violations",
    "spike_count",
    "alpha",
    "beta",
    "gamma",
    "H_coh_plugin",
    "ace_triggered",
    "stable",
    "block",
)


def metrics_row(event: dict[str, Any]) -> list[Any]:
    """The metrics.csv row of a tick event."""
    c = event["coupling"]
    avg = event["avg_phase_diff"]
    return [
        event["tick"],
        event["coherence_entropy"],
        event["coherence_entropy_normalised"],
        event["coherence_energy"],
        "" if avg is None else avg,
        event["fusion_energy"],
        event["resonance_violations"],
        event["spike_count"],
        c["alpha"],
        c["beta"],
        c["gamma"],
        event["coherence_entropy_plugin"],
        int(event["ace_triggered"]),
        int(event["stable"]),
        event["block"],
    ]


def qubit_rows(event: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The qubits.csv rows of a tick event: (tick, qubit, <X>, <Y>, <Z>)."""
    return [(event["tick"], q, x, y, z) for q, (x, y, z) in enumerate(event["bloch"])]


def last_tick_metrics(event: dict[str, Any]) -> dict[str, Any]:
    """summary.json's ``last_tick``: the metrics.csv row of the tick ``event``."""
    row = dict(zip(METRICS_COLUMNS, metrics_row(event)))
    return {k: (None if v == "" else v) for k, v in row.items()}


def ticks_done(events: Iterable[Mapping[str, Any]]) -> int:
    """Ticks on a ledger's final timeline after ``events`` (in block order): a tick event
    ends at its tick + 1, a revert goes back to its tick."""
    ticks = 0
    for event in events:
        if event.get("kind") == "tick":
            ticks = event["tick"] + 1
        elif event.get("kind") == "revert":
            ticks = event["tick"]
    return ticks
