"""Job commands that change jobs: submit, worker, cancel, resume (``job_views`` reads them)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.app import (
    EXIT_IO,
    ConfigArg,
    OutOpt,
    SeedOpt,
    TicksOpt,
    app,
    err,
    fail,
    load,
    say,
    stop_on_signals,
)
from orchestrator.record.rundir import RunDirectory

if TYPE_CHECKING:  # the job store is imported by the commands that open it (design.md §25)
    from orchestrator.jobs.store import Job, JobStore

JobArg = Annotated[
    str, typer.Argument(help="Job id (or a unique prefix of it), as `qnf jobs` lists.")
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def store_or_exit(write: bool = True) -> JobStore:
    """The job store (read-only where QNF_HOME cannot be written and ``write`` is False)."""
    from orchestrator.jobs.store import JobStore, JobStoreError

    try:
        return JobStore(write=write)
    except JobStoreError as exc:
        fail([str(exc)], code=EXIT_IO)


def job_or_exit(store: JobStore, job_id: str) -> Job:
    from orchestrator.jobs.store import JobError

    try:
        return store.get(job_id)
    except JobError as exc:
        fail([str(exc)])


@app.command()
def submit(
    config: ConfigArg,
    ticks: TicksOpt = None,
    seed: SeedOpt = None,
    out_dir: OutOpt = None,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Only queue it (run `qnf worker` yourself).")
    ] = False,
) -> None:
    """Queue CONFIG as a background job and print its id (alone, on the last line).

    The config is validated first: a bad one exits 2 with the problems and records nothing.
    A background worker is started when none is running.

    Examples:

      qnf submit configs/demo.yaml --ticks 500

      ID=$(qnf submit configs/demo.yaml | tail -n 1); qnf watch $ID
    """
    from orchestrator.config.errors import ConfigError
    from orchestrator.config.yaml_input import dump_yaml
    from orchestrator.jobs.spawn import ensure_worker
    from orchestrator.jobs.store import JobStoreError
    from orchestrator.run.runner import check_run_dir

    cfg = load(config, ticks, seed, out_dir)
    if cfg.run.out is not None:
        try:
            check_run_dir(cfg.run.out)
        except ConfigError as exc:
            fail(exc.problems)
    store = store_or_exit()
    try:
        job = store.submit(
            str(config),
            dump_yaml(cfg.resolved()),
            cfg.run.out,
            cfg.run.ticks,
            f"{cfg.quantum.kind}+{cfg.spiking.kind}",
        )
    except JobStoreError as exc:
        fail([str(exc)], code=EXIT_IO)
    say(f"queued {config} ({cfg.run.ticks} ticks) -> {job.run_dir}")
    if not no_worker:
        pid = ensure_worker(store)
        say(f"started a background worker (pid {pid})" if pid else "a worker is already running")
    say(f"follow it with: qnf watch {job.id}")
    say(job.id)


@app.command()
def worker(
    exit_when_idle: Annotated[
        bool, typer.Option("--exit-when-idle", help="Stop when no job is queued.")
    ] = False,
    poll: Annotated[float, typer.Option(help="Seconds between looks at the queue.")] = 0.5,
) -> None:
    """Run queued jobs in the foreground, one at a time (Ctrl+C leaves the job resumable).

    Example:

      qnf worker --exit-when-idle
    """
    from orchestrator.jobs.store import JobStoreError
    from orchestrator.jobs.worker import work

    store = store_or_exit()
    home = store.home
    store.close()
    with stop_on_signals() as interrupt:
        try:
            code = work(home, exit_when_idle, poll, interrupt=interrupt)
        except KeyboardInterrupt:
            err.print("worker interrupted; a running job can be continued with `qnf resume ID`")
            raise typer.Exit(130) from None
        except JobStoreError as exc:
            fail([str(exc)], code=EXIT_IO)
    if interrupt.requested:
        err.print(
            f"worker {interrupt.reason}; its job stopped at a tick boundary "
            "(`qnf resume ID` continues it)",
            highlight=False,
        )
    raise typer.Exit(code)


@app.command()
def cancel(job_id: JobArg) -> None:
    """Cancel a job: a queued job at once, a running one at the next tick boundary.

    Example:

      qnf cancel 3f9a2c01bd
    """
    from orchestrator.jobs.store import JobError, JobStoreError

    store = store_or_exit()
    try:
        job = store.request_cancel(job_id)
    except JobError as exc:
        fail([str(exc)])
    except JobStoreError as exc:
        fail([str(exc)], code=EXIT_IO)
    if job.state == "cancelled":
        say(f"job {job.id} cancelled")
    else:
        say(f"job {job.id}: cancel requested; it stops at the next tick boundary")


RESUME_TAKES = (
    "qnf resume takes a run directory written by `qnf run` (it holds ledger.sqlite) "
    "or a job id (`qnf jobs` lists them)"
)


def not_a_run(path: Path) -> str | None:
    """What ``path`` is, in one line, when it exists and is not a run directory (else None)."""
    if not path.exists() and not path.is_symlink():
        return None
    if not path.is_dir():
        return f"{path}: a file, not a run directory"
    from orchestrator.record.directories import SweepDirectory

    files = RunDirectory(path)
    try:
        if SweepDirectory(path).is_sweep():
            return (
                f"{path}: a sweep directory; continue it with the same `qnf sweep` command "
                f"and --out {path}"
            )
        entries = sorted(path.iterdir())
    except OSError as exc:
        return f"{path}: a directory that cannot be read ({exc.strerror})"
    runs = [p.name for p in entries if RunDirectory(p).is_run()]
    if runs:
        shown = ", ".join(runs[:3]) + (", ..." if len(runs) > 3 else "")
        return (
            f"{path}: a directory of run directories ({shown}), not a run; resume one: "
            f"qnf resume {path / runs[0]}"
        )
    if files.config.is_file():
        return (
            f"{path}: holds {files.CONFIG} but no {files.LEDGER}: the run never started; "
            f"start it again with: qnf run {files.config} --out NEW_DIR"
        )
    if not entries:
        return f"{path}: an empty directory, not a run directory (no {files.LEDGER})"
    return f"{path}: a directory but not a run directory (no {files.LEDGER})"


@app.command("resume")
def resume_cmd(
    target: Annotated[
        str, typer.Argument(help="A job id (background) or a run directory (foreground).")
    ],
    report: Annotated[bool, typer.Option(help="Draw report.png at the end.")] = True,
) -> None:
    """Continue a stopped, failed, cancelled or killed run from its last checkpoint.

    With a job id the job is queued again for a background worker (started if none runs) and
    its id is printed last. With a run directory the run continues here, in the foreground.
    On simulators the resumed run ends with the same final root as an uninterrupted one.

    Examples:

      qnf resume 3f9a2c01bd                      (a job)

      qnf resume runs/demo-20250101-120000      (a run directory)
    """
    path = Path(target)
    if RunDirectory(path).is_run():
        from orchestrator.cli.commands import resume_run_dir

        resume_run_dir(path, report)
        return
    what = not_a_run(path)
    if what is not None:
        fail([what, RESUME_TAKES])
    if "/" in target:
        fail([f"no job '{target}' and no directory {target}"])
    from orchestrator.jobs.spawn import ensure_worker
    from orchestrator.jobs.store import JobError, JobStoreError

    store = store_or_exit()
    try:
        job = store.requeue(target)
    except JobError as exc:
        fail([str(exc)])
    except JobStoreError as exc:
        fail([str(exc)], code=EXIT_IO)
    pid = ensure_worker(store)
    say(f"job {job.id} queued to resume from its last checkpoint")
    say(f"started a background worker (pid {pid})" if pid else "a worker is already running")
    say(job.id)
