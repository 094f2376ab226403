"""``qnf events RUN_DIR``: a run's FusionEvents, by tick range and field, without sqlite."""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer

from orchestrator.cli.app import RunDirArg, app, fail, out


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, separators=(",", ":"))
    return str(value)


@app.command()
def events(
    run_dir: RunDirArg,
    field: Annotated[
        list[str] | None,
        typer.Option(
            "--field",
            "-f",
            metavar="PATH",
            help="A dotted field of the event (coupling.alpha, maxcut.best_cut, "
            "learning.loss.total); repeat for several. Default: tick, block, H_coh/(n ln 2), "
            "E_coh, fusion energy, spike count.",
            show_default=False,
        ),
    ] = None,
    ticks: Annotated[
        str | None,
        typer.Option(
            "--ticks",
            "-t",
            metavar="A:B",
            help="Ticks A..B-1, numbered from 0 (5, 3:10, :10, 90:). Default: all.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json",
            help="One JSON object per line (JSON Lines), whole events unless --field names fields.",
        ),
    ] = False,
    every_kind: Annotated[
        bool,
        typer.Option("--all", help="Every block (genesis, revert, stop, ...), not only ticks."),
    ] = False,
) -> None:
    """Print RUN_DIR's FusionEvents from its ledger (no sqlite needed): a table, or JSON Lines.

    Ticks are numbered from 0, as in metrics.csv and every other output. A tick rolled back
    and run again shows once per block.

    Examples:

      qnf events runs/demo --ticks 0:5

      qnf events runs/demo --field tick --field coupling.alpha --field maxcut.best_cut

      qnf events runs/demo --json --ticks 99 | python -m json.tool
    """
    from orchestrator.record.event_query import DEFAULT_FIELDS, TickRange, iter_events, select
    from orchestrator.record.ledger import LedgerError
    from orchestrator.record.rundir import RunDirectory

    files = RunDirectory(run_dir)
    if not files.is_run():
        fail(
            [
                f"{run_dir}: not a run directory (no {files.LEDGER}); give the directory "
                "`qnf run` wrote"
            ]
        )
    try:
        window = TickRange.parse(ticks)
    except ValueError as exc:
        fail([str(exc)])
    fields = list(field) if field else (None if as_json else list(DEFAULT_FIELDS))
    kinds = None if every_kind else ("tick",)
    if fields is not None and every_kind and "kind" not in fields:
        fields = ["kind", *fields]
    try:
        if as_json:
            for event in iter_events(files.ledger, window, kinds):
                out.file.write(json.dumps(select(event, fields)) + "\n")
            return
        assert fields is not None
        rows = [
            [_cell(v) for v in select(e, fields).values()]
            for e in iter_events(files.ledger, window, kinds)
        ]
    except (LedgerError, ValueError, OSError) as exc:
        fail([f"{files.ledger}: {exc}"], code=4)
    widths = [max([len(f), *(len(r[i]) for r in rows)]) for i, f in enumerate(fields)]
    for line in [fields, *rows]:
        out.file.write("  ".join(c.ljust(w) for c, w in zip(line, widths)).rstrip() + "\n")
