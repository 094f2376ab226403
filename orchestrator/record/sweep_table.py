"""A sweep's table: ``table.csv`` (one row per point), ``timings.csv`` and ``sweep.png``.

``table.csv`` holds only what the runs' ledgers determine, so the same sweep gives the same
bytes (roots included): the point's name, its overrides (one column per swept key), status,
ticks, final_root, the last tick's metrics (``metrics.csv`` columns), what the run spent
(summary.json's ``budget``: units, shots in all and per basis, circuits, spike readings, neuron
updates, evaluations; issue 22), then the task and
learning results: every scalar of the sections ``SECTIONS`` of the last FusionEvent that
carries them (within the last ``LOOKBACK`` blocks), dotted (``maxcut.best_cut``,
``learning.loss.energy``; lists are left out), columns sorted, empty where a point has none.
Wall times differ between identical runs and go to ``timings.csv`` (point, wall_seconds,
seconds per tick, whether it was read back, and ``host:pid`` of the worker that had it).

``sweep.png`` (``orchestrator.record.sweep_plot``) plots a metric against the first swept key,
every seed visible.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orchestrator.record.budget import BUDGET_COLUMNS, budget_columns
from orchestrator.record.events import METRICS_COLUMNS
from orchestrator.record.fsutil import write_atomic
from orchestrator.record.sweep_plot import PLOT, plot_sweep

__all__ = [
    "PLOT",
    "SECTIONS",
    "TABLE",
    "TIMINGS",
    "plot_sweep",
    "section_values",
    "table_rows",
    "write_table",
]

TABLE, TIMINGS = "table.csv", "timings.csv"
LAST_TICK = tuple(c for c in METRICS_COLUMNS if c not in ("tick", "block"))
SECTIONS = ("maxcut", "learning", "memory")  # event sections whose scalars join the table
LOOKBACK = 64  # blocks searched back for the last event carrying a section


def section_values(ledger: Path) -> dict[str, Any]:
    """``{"maxcut.best_cut": 9, ...}``: the scalar leaves of each of ``SECTIONS`` in the last
    tick event (of the last ``LOOKBACK`` blocks) that carries it; {} without a ledger."""
    from orchestrator.record.ledger import last_events

    found: dict[str, Any] = {}
    events = [e for _, e in last_events(ledger, LOOKBACK) if e.get("kind") == "tick"]
    for section in SECTIONS:
        latest = next((e[section] for e in reversed(events) if section in e), None)
        if isinstance(latest, dict):
            found.update(_leaves(latest, section))
    return found


def _leaves(value: dict[str, Any], prefix: str) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = f"{prefix}.{key}"
        if isinstance(item, dict):
            out.update(_leaves(item, name))
        elif item is None or isinstance(item, (bool, int, float, str)):
            out[name] = item
    return out


def table_rows(
    names: Sequence[str],
    overrides: Sequence[dict[str, Any]],
    summaries: Sequence[dict[str, Any]],
    sections: Sequence[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """One row per point: name, overrides, status, ticks, final_root, last-tick metrics and
    (``sections``, per point) the event sections' scalars."""
    rows = []
    extra = sections if sections is not None else [{} for _ in names]
    for name, over, summary, values in zip(names, overrides, summaries, extra):
        last = summary.get("last_tick") or {}
        row: dict[str, Any] = {"point": name, **over}
        row.update(
            status=summary.get("status"),
            ticks=summary.get("ticks"),
            final_root=summary.get("final_root"),
            error=summary.get("error") or "",
        )
        row.update({column: last.get(column) for column in LAST_TICK})
        row.update(budget_columns(summary))
        row.update(values)
        rows.append(row)
    return rows


def _csv(rows: Sequence[dict[str, Any]], columns: Sequence[str]) -> bytes:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({c: ("" if row.get(c) is None else row.get(c)) for c in columns})
    return buffer.getvalue().encode()


def write_table(
    out: Path,
    names: Sequence[str],
    overrides: Sequence[dict[str, Any]],
    summaries: Sequence[dict[str, Any]],
    run_dirs: Sequence[Path] | None = None,
) -> list[dict[str, Any]]:
    """Write ``table.csv`` and ``timings.csv`` into ``out`` (atomically); returns the rows.
    ``run_dirs``: the points' run directories, for the event sections' columns."""
    from orchestrator.record.rundir import RunDirectory

    sections = (
        None if run_dirs is None else [section_values(RunDirectory(d).ledger) for d in run_dirs]
    )
    rows = table_rows(names, overrides, summaries, sections)
    keys = list(dict.fromkeys(k for over in overrides for k in over))
    found = sorted({k for values in sections or [] for k in values})
    bases = sorted({k for row in rows for k in row if k.startswith("budget.shots.")})
    spent = [*BUDGET_COLUMNS, *bases] if any("budget.units" in row for row in rows) else []
    columns = ["point", *keys, "status", "ticks", "final_root", *LAST_TICK, *spent, *found]
    columns.append("error")
    write_atomic(out / TABLE, _csv(rows, columns))
    timings = [
        {
            "point": name,
            "wall_seconds": s.get("wall_seconds"),
            "seconds_per_tick": (s.get("seconds") or {}).get("per_tick"),
            "read_back": s.get("skipped"),
            "worker": s.get("worker"),
        }
        for name, s in zip(names, summaries)
    ]
    write_atomic(out / TIMINGS, _csv(timings, list(timings[0]) if timings else ["point"]))
    return rows
