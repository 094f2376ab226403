"""Job commands that read jobs: jobs, status, results, watch, logs (``jobs`` changes them)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orchestrator.cli.app import (
    EXIT_IO,
    app,
    err,
    fail,
    out,
    say,
)
from orchestrator.cli.federation import node_lines
from orchestrator.cli.jobs import JobArg, JsonOpt, job_or_exit, store_or_exit
from orchestrator.record.rundir import RunDirectory, read_summary

if TYPE_CHECKING:  # rich's tables, live views and bars, and the job store: imported by the
    # commands that draw or open them, not by every `qnf` start (docs/design.md §25)
    from rich.table import Table

    from orchestrator.jobs.store import Job


def _age(seconds: float) -> str:
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds / size:.0f}{unit}"
    return f"{seconds:.0f}s"


@app.command("jobs")
def list_jobs(
    as_json: JsonOpt = False,
    rebuild: Annotated[
        bool,
        typer.Option(
            "--rebuild",
            help="Move the job store aside (kept as jobs.sqlite.<time>.bad) and rebuild the "
            "list from the run directories in QNF_HOME/runs (for a corrupt store).",
        ),
    ] = False,
) -> None:
    """List jobs: state, ticks done, backends, age.

    Examples:

      qnf jobs

      qnf jobs --json
    """
    from rich.table import Table

    from orchestrator.jobs.store import JobStoreError

    if rebuild:
        from orchestrator.jobs.recover import rebuild_store
        from orchestrator.jobs.store import qnf_home

        try:
            moved, count = rebuild_store(qnf_home())
        except JobStoreError as exc:
            fail([str(exc)], code=EXIT_IO)
        if moved is not None:
            say(f"moved the old store aside: {moved}")
        say(f"rebuilt {count} job(s) from the run directories in {qnf_home() / 'runs'}")
    store = store_or_exit(write=False)
    jobs = store.list()
    if as_json:
        out.print_json(json.dumps([j.as_dict() for j in jobs]))
        return
    table = Table(title=f"qnfusion jobs ({store.home})")
    for col in ("id", "state", "ticks", "backends", "age", "config"):
        table.add_column(col)
    now = time.time()
    for j in jobs:
        table.add_row(
            j.id,
            j.state,
            f"{j.ticks_done}/{j.ticks_total}",
            j.backends,
            _age(now - j.created_at),
            j.config_path,
        )
    out.print(table)


def _status_dict(job: Job) -> dict[str, Any]:
    data = job.as_dict()
    data["resume_with"] = (
        f"qnf resume {job.id}" if job.state in ("failed", "cancelled", "interrupted") else None
    )
    return data


@app.command()
def status(job_id: JobArg, as_json: JsonOpt = False) -> None:
    """State of a job: state, ticks done, worker pid, final root when done.

    Example:

      qnf status 3f9a2c01bd --json
    """
    job = job_or_exit(store_or_exit(write=False), job_id)
    data = _status_dict(job)
    if as_json:
        out.print_json(json.dumps(data))
        return
    for key in (
        "id",
        "state",
        "ticks_done",
        "ticks_total",
        "backends",
        "worker_pid",
        "run_dir",
        "config_path",
        "final_root",
        "error",
        "resume_with",
    ):
        if data.get(key) is not None:
            say(f"{key:12} {data[key]}")
    if job.last_metrics:
        m = job.last_metrics
        say(f"{'last tick':12} H_coh/(n ln 2) {m['H_coh_normalised']:.4f}, E_coh {m['E_coh']:.4f}")
    monitor = (job.last_metrics or {}).get("monitor")
    if monitor:
        shown = ", ".join(f"{k} {v}" for k, v in monitor.items() if v is not None)
        say(f"{'monitor':12} {shown or 'no tick since the last start or rollback'}")


@app.command()
def results(job_id: JobArg, as_json: JsonOpt = False) -> None:
    """A job's results: its summary.json, the path to its plots and how to check the ledger.

    Example:

      qnf results 3f9a2c01bd
    """
    job = job_or_exit(store_or_exit(write=False), job_id)
    files = RunDirectory(job.run_dir)
    summary = read_summary(files)
    report = files.report
    data = {
        "id": job.id,
        "state": job.state,
        "ticks_done": job.ticks_done,
        "final_root": job.final_root,
        "run_dir": str(job.run_dir),
        "report": str(report) if report.is_file() else None,
        "summary": summary,
    }
    if as_json:
        out.print_json(json.dumps(data))
        return
    if summary is None:
        fail([f"job {job.id} is {job.state} and has no results yet (qnf watch {job.id})"], 1)
    for key in ("status", "ticks", "final_root", "reverts", "wall_seconds"):
        say(f"{key:14} {summary.get(key)}")
    for key, value in (summary.get("last_tick") or {}).items():
        say(f"{'last ' + key:14} {value}")
    from orchestrator.record.result import describe

    for i, line in enumerate(describe(summary.get("result"))):
        say(f"{'result' if i == 0 else '':14} {line}")
    say(f"{'run directory':14} {job.run_dir}")
    if data["report"]:
        say(f"{'plots':14} {data['report']}")
    say(f"{'check it':14} qnf ledger verify {job.run_dir}")


def _last_events(run_dir: Path, count: int = 4) -> list[str]:
    from orchestrator.record.ledger import last_events  # numpy: only where a ledger is read

    lines = []
    for height, e in last_events(RunDirectory(run_dir).ledger, count):
        if e["kind"] == "tick":
            lines.append(
                f"block {height}: tick {e['tick']}  H_coh/(n ln 2) "
                f"{e['coherence_entropy_normalised']:.4f}  E_coh {e['coherence_energy']:.4f}  "
                f"spikes {e['spike_count']}"
            )
        elif e["kind"] == "round":
            lines.append(
                f"block {height}: round {e['round']} at tick {e['tick']}  members "
                f"{len(e['members'])}  decoupled {len(e['decoupled'])}  rejected "
                f"{len(e['rejected'])}  missing {len(e['missing'])}"
            )
        else:
            lines.append(f"block {height}: {e['kind']} {e.get('reason', '')}".rstrip())
    return lines


def _monitor_text(monitor: dict[str, Any]) -> str:
    """One line of the spec §15 snapshot the loop continues from (``qnf watch``)."""
    slope = monitor["entropy_slope"]
    extra = "".join(f" {k} {monitor[k]:.3f}" for k in ("psn_r", "det_j") if monitor[k] is not None)
    return (
        f"tick {monitor['tick']} H_coh {monitor['coherence_entropy_normalised']:.3f} "
        f"slope {'-' if slope is None else f'{slope:+.4f}'} "
        f"E_coh {monitor['coherence_energy']:.4f} "
        f"{'stable' if monitor['stable'] else 'unstable'}{extra}"
    )


@app.command()
def watch(
    job_id: JobArg,
    interval: Annotated[float, typer.Option(help="Seconds between refreshes.")] = 0.5,
) -> None:
    """Follow a job live: progress, current H_coh / E_coh, last events. Ends with the job.

    Exit 0 when the job completes, 1 when it fails, is cancelled or interrupted.

    Example:

      qnf watch 3f9a2c01bd
    """
    from rich.live import Live
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )
    from rich.table import Table

    from orchestrator.jobs.store import TERMINAL

    store = store_or_exit(write=False)
    job = job_or_exit(store, job_id)
    progress = Progress(
        TextColumn(f"[bold]{job.id}[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.fields[state]} {task.fields[metrics]}"),
    )
    task = progress.add_task("job", total=job.ticks_total, state=job.state, metrics="")
    events = Table.grid()

    def render() -> Table:
        grid = Table.grid()
        grid.add_row(progress)
        grid.add_row(events)
        return grid

    with Live(render(), console=err, refresh_per_second=4) as live:
        while True:
            job = store.get(job.id)
            m = job.last_metrics
            metrics = f"H_coh {m['H_coh_normalised']:.3f} E_coh {m['E_coh']:.4f}" if m else ""
            monitor = (m or {}).get("monitor") or {}
            if monitor.get("tick") is not None:
                metrics = _monitor_text(monitor)
            progress.update(task, completed=job.ticks_done, state=job.state, metrics=metrics)
            events = Table.grid()
            for line in _last_events(job.run_dir) + node_lines(job.run_dir):
                events.add_row(line)
            live.update(render())
            if job.state in TERMINAL or job.state == "interrupted":
                break
            time.sleep(interval)
    say(f"job {job.id} {job.state} after {job.ticks_done} ticks")
    if job.final_root:
        say(f"final root {job.final_root}")
    if job.error:
        say(f"error: {job.error}")
    if job.state != "completed":
        say(f"continue it with: qnf resume {job.id}")
        raise typer.Exit(1)


@app.command()
def logs(
    job_id: JobArg,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing until the job ends.")
    ] = False,
) -> None:
    """Print a job's log (one line per tick, resumes, reverts, errors with their traceback).

    Example:

      qnf logs 3f9a2c01bd -f
    """
    from orchestrator.jobs.store import TERMINAL
    from orchestrator.record.directories import HomeDirectory

    store = store_or_exit(write=False)
    job = job_or_exit(store, job_id)
    path = HomeDirectory(store.home).job_log(job.id)
    position = 0
    while True:
        if path.is_file():
            with open(path) as fh:
                fh.seek(position)
                chunk = fh.read()
                position = fh.tell()
            if chunk:
                out.print(chunk, end="", markup=False, highlight=False)
        if not follow:
            break
        job = store.get(job.id)
        if job.state in TERMINAL or job.state == "interrupted":
            follow = False  # one more read to catch the last lines
            continue
        time.sleep(0.5)
    if not path.is_file():
        say(f"job {job.id} has no log yet ({job.state})")
