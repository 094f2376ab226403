"""``qnf sweep``: one config over a grid of overrides and seeds (``orchestrator.run.sweep``)."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from orchestrator.cli.app import app, err, fail, say

__all__ = ["sweep"]


@app.command()
def sweep(
    config: Annotated[
        Path | None,
        typer.Argument(
            help="Base run config (may be left out when --file names one).", show_default=False
        ),
    ] = None,
    over: Annotated[
        list[str] | None,
        typer.Option(
            "--over",
            help="KEY=V1,V2,... : a dotted config key and its values; repeat for a grid.",
            show_default=False,
        ),
    ] = None,
    seeds: Annotated[
        int | None,
        typer.Option(
            "--seeds", help="Run each point with N seeds: run.seed, run.seed + 1, ...", min=1
        ),
    ] = None,
    sweep_file: Annotated[
        Path | None,
        typer.Option(
            "--file",
            "-f",
            help="Sweep file: {config: PATH, over: {KEY: [V, ...]}, seeds: N}.",
            show_default=False,
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Sweep directory \\[default: sweeps/<config>-<plan digest>]; "
            "the same directory again continues the sweep.",
            show_default=False,
        ),
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers", "-j", help="Points run at once \\[default: one per core].", min=1
        ),
    ] = None,
    pool: Annotated[
        str,
        typer.Option(
            "--pool",
            help="Where points run: local (a process pool here) or ray (Ray tasks; "
            "pip install 'qnfusion\\[ray]').",
        ),
    ] = "local",
    address: Annotated[
        str | None,
        typer.Option(
            "--address",
            help="Ray cluster to run on (auto, or HOST:PORT of its head) \\[default: a "
            "private Ray on this host]. The sweep directory must be the same path on every "
            "host.",
            show_default=False,
        ),
    ] = None,
    metric: Annotated[
        str,
        typer.Option(
            help="Column of table.csv plotted in sweep.png: a last-tick metric, or a task "
            "result such as maxcut.best_cut."
        ),
    ] = "fusion_energy",
) -> None:
    """Run CONFIG over a grid of values and seeds; one table of every point.

    Every point is validated before anything runs. Points run on a local process pool
    (one worker per core), or with --pool ray as Ray tasks (on the cluster at --address, or a
    private Ray on this host); each is an ordinary run directory under DIR/points/. At the end
    DIR/table.csv holds one row per point (overrides, status, final_root, last-tick metrics;
    the same command gives the same table), DIR/timings.csv the wall times, and
    DIR/sweep.png the chosen metric against the first key.

    Ctrl+C (or SIGTERM): no queued point starts, running points stop after their tick, the
    table says which point ended how, exit 130 (143). Killed or interrupted? Run the same
    command again: finished points are read back, unfinished ones resume from their last
    checkpoint, points not started start.

    Examples:

      qnf sweep configs/demo.yaml --over pci.gamma=0.0,0.1,0.3 --seeds 3

      qnf sweep configs/demo.yaml --over pci.gamma=0,0.3 --over ace.max_entropy=0.5,0.9

      qnf sweep --file configs/maxcut/sweep.yaml

      qnf sweep --file configs/maxcut/sweep.yaml --pool ray --address auto
    """
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    from orchestrator.config.errors import ConfigError
    from orchestrator.record.sweep_table import PLOT, TABLE
    from orchestrator.run.interrupt import REPEAT_WINDOW_S, SignalStop, ignore_late_copy
    from orchestrator.run.sweep import pool_plugin, request_stop, run_sweep, tabulate
    from orchestrator.run.sweep_plan import plan_from_options

    try:
        plan, base = plan_from_options(config, over or [], seeds, sweep_file)
        pool_plugin(pool, address)  # known and installed, before a directory is made
    except ConfigError as exc:
        fail(exc.problems)
    out = Path(os.path.abspath(out or Path("sweeps") / f"{base.stem}-{plan.digest[:8]}"))
    err.print(f"sweep: {len(plan.points)} points into {out}", highlight=False)
    progress = Progress(
        TextColumn("[bold]sweep[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[status]}"),
        console=err,
    )

    def on_first(signum: int) -> None:
        request_stop(out, signum)
        err.print(
            f"{signal.Signals(signum).name}: no more points start; running points stop after "
            f"their tick (send it again, {REPEAT_WINDOW_S:g} s or more later, to stop at once)",
            highlight=False,
        )

    interrupt = SignalStop(on_first)
    try:
        with progress, interrupt:
            task = progress.add_task("sweep", total=len(plan.points), status="")

            def on_point(point, summary) -> None:
                how = "read back" if summary.get("skipped") else summary.get("status")
                progress.update(task, advance=1, status=f"{point.name} {how}")

            summaries = run_sweep(plan, out, workers, on_point, pool, address, interrupt)
    except ConfigError as exc:
        fail(exc.problems)
    except KeyboardInterrupt:
        fail([f"interrupted; the same command with --out {out} continues the sweep"], 130)
    finally:  # the stopping signal again (uv's late copy) must not break the table below
        if interrupt.signalled is not None:
            ignore_late_copy(interrupt.signalled)
    rows = tabulate(plan, out, summaries, metric)
    counts: dict[str, int] = {}
    for row in rows:
        counts[str(row["status"])] = counts.get(str(row["status"]), 0) + 1
    say(f"sweep directory: {out}")
    say(f"points:          {', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}")
    say(f"table:           {out / TABLE}")
    say(f"plot:            {out / PLOT}")
    bad = [r for r in rows if r["status"] != "completed"]
    if interrupt.requested:
        fail(
            [
                f"{interrupt.reason}: {', '.join(f'{n} {s}' for s, n in sorted(counts.items()))}"
                f"; the same command (--out {out}) continues the sweep"
            ],
            code=interrupt.exit_code,
        )
    if bad:
        fail(
            [f"{r['point']}: {r['status']}: {r['error']}" for r in bad]
            + [f"continue with the same command (--out {out})"],
            code=1,
        )
