"""Sweeps: one base config run over a grid of overrides and seeds (``qnf sweep``).

The plan (points, seeds, validation of every point) is ``orchestrator.run.sweep_plan``.

The sweep directory holds ``sweep.json`` (the plan and its points, written atomically once),
``points/pNNN/`` (one ordinary run directory per point, verifiable with ``qnf ledger verify``
and resumable with ``qnf resume``), ``table.csv``, ``timings.csv`` and ``sweep.png``
(``orchestrator.record.sweep_table``).

Resuming is the same command again (or ``qnf sweep --out DIR`` on the directory): a point
whose summary says ``completed`` is read back, not rerun; a point with a ledger is resumed
from its last checkpoint (on simulators to the same final root); a point killed before its
genesis block is started afresh. A directory holding a different plan is refused.

Points run on a sweep pool (``orchestrator.contract.sweep_pool``): by default a local process
pool, one worker per core (``run/sweep_local.py``); ``--pool ray`` makes each point a Ray task
(``backends/sweep/ray``). Every pool runs ``run_task``, which builds the point's config and
runs, resumes or reads back its directory, so the table does not depend on the pool. Paths are
made absolute before anything is dispatched (a worker may run elsewhere: a Ray worker's
working directory is not the user's), and a worker changes to the driver's working directory
when it has it, so relative paths in the config mean what they mean to the user.

Interrupting a sweep: the driver (``qnf sweep``) holds the signals; the first writes
``stop-requested`` (``SweepDirectory.stop_file``) into the sweep directory (``request_stop``)
with the signal's name. A point sees it before it starts (status ``not started``: nothing
written) and before each tick (status ``interrupted``: it stops at the tick boundary,
resumable), whatever process or host runs it; the table says which point ended how, and the
same command again completes the rest (the file is removed when a sweep starts).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig, load_config_text
from orchestrator.record.directories import SweepDirectory
from orchestrator.record.fsutil import make_dir, write_atomic
from orchestrator.record.rundir import RunDirectory, read_summary
from orchestrator.run.hooks import RunHooks
from orchestrator.run.sweep_plan import SweepPlan, SweepPoint

if TYPE_CHECKING:
    from orchestrator.contract.sweep_pool import PointTask, PoolPlugin, SweepPool
    from orchestrator.run.interrupt import SignalStop

__all__ = [
    "NOT_STARTED",
    "pool_plugin",
    "request_stop",
    "run_point",
    "run_sweep",
    "run_task",
    "tabulate",
]

NOT_STARTED = "not started"


def open_sweep(plan: SweepPlan, out: Path) -> None:
    """Create ``out`` with ``sweep.json``, or check that ``out`` already holds this plan."""
    files = SweepDirectory(out)
    plan_file = files.plan
    record = {"digest": plan.digest, **plan.as_dict()}
    if plan_file.exists():
        held = json.loads(plan_file.read_text())
        if held.get("digest") != plan.digest:
            raise ConfigError(
                [f"{out}: holds a different sweep (other config, axes or seeds); pass a new --out"]
            )
        return
    if out.exists() and any(out.iterdir()):
        raise ConfigError([f"{out}: exists and is not a sweep directory; pass a new --out"])
    make_dir(files.points, parents=True, exist_ok=True)  # private, as a run's (fsutil)
    write_atomic(plan_file, json.dumps(record, indent=1).encode() + b"\n")


def request_stop(out: Path, signum: int) -> None:
    """Ask every point of the sweep in ``out`` to stop (the driver's first signal)."""
    with contextlib.suppress(OSError):  # a full or read-only disk: the points run on
        write_atomic(SweepDirectory(out).stop_file, (signal.Signals(signum).name + "\n").encode())


def stop_requested(stop_file: Path | None) -> int | None:
    """The signal number the driver relayed through ``stop_file``, None when there is none."""
    if stop_file is None:
        return None
    try:
        name = stop_file.read_text(errors="replace")[:16].strip()
    except FileNotFoundError:
        return None
    except OSError:
        return signal.SIGINT
    return signal.Signals[name] if name in signal.Signals.__members__ else signal.SIGINT


def run_point(config: RunConfig, run_dir: Path, stop_file: Path | None = None) -> dict[str, Any]:
    """Run, resume or read back one point; returns its ``summary.json`` (``skipped`` added).

    A stop relayed through ``stop_file`` (``request_stop``) ends the run at a tick boundary
    (status ``interrupted``, resumable) or, before it starts, leaves it ``not started``. In
    the driver's own process (``-j 1``) the driver's ``SignalStop`` holds the signals and is
    the run's; in a worker, the point's own keeps what the pool set (SIGINT ignored) through
    the backends' imports (Brian2 wraps SIGINT's handler) and ends the run on SIGTERM/SIGHUP.
    """
    from orchestrator.run.interrupt import Interrupted, SignalStop, installed_stop
    from orchestrator.run.resume import resume
    from orchestrator.run.runner import execute

    files = RunDirectory(run_dir)
    summary = read_summary(files)
    if summary is not None and summary.get("status") == "completed":
        return {**summary, "skipped": True}
    driver = installed_stop()
    with contextlib.nullcontext(driver) if driver is not None else SignalStop() as stop:

        def relayed() -> bool:
            signum = stop_requested(stop_file)
            if signum is not None:
                stop.request(signum)
            return stop.requested

        if relayed():
            return _not_started(stop)
        if run_dir.exists() and not files.is_run():
            shutil.rmtree(run_dir)  # killed before its genesis block: nothing was committed
        try:
            if files.is_run():
                hooks = RunHooks(interrupt=stop, should_stop=relayed)
                result = resume(run_dir, hooks, draw_report=False)
            else:
                hooks = RunHooks(interrupt=stop, should_stop=relayed)
                result = execute(config, run_dir, hooks, draw_report=False)
        except Interrupted:
            return _not_started(stop)
    return {**result.summary, "skipped": False}


def _not_started(stop: SignalStop) -> dict[str, Any]:
    return {"status": NOT_STARTED, "error": f"{stop.reason} before it started", "skipped": False}


PointCallback = Callable[[SweepPoint, dict[str, Any]], None]


def pool_plugin(kind: str = "local", address: str | None = None) -> PoolPlugin:
    """The registered sweep pool of ``kind`` (``contract/sweep_pool.py``); ``ConfigError``
    in one line when it is not registered or its package is not installed. Starts nothing."""
    from orchestrator.contract.registry import plugins

    found = plugins("sweep")
    if kind not in found:
        raise ConfigError([f"--pool: unknown {kind!r}; registered here: {', '.join(found)}"])
    gone = found[kind].missing()
    if gone:
        raise ConfigError(
            [f"--pool {kind}: needs {', '.join(gone)}, not installed: {found[kind].install}"]
        )
    if address is not None and kind == "local":
        raise ConfigError(["--address: only for a pool on other hosts (e.g. --pool ray)"])
    return found[kind]


def run_sweep(
    plan: SweepPlan,
    out: Path,
    workers: int | None = None,
    on_point: PointCallback | None = None,
    pool: str = "local",
    address: str | None = None,
    interrupt: SignalStop | None = None,
) -> list[dict[str, Any]]:
    """Run every point of ``plan`` into ``out``; returns their summaries in point order.

    ``pool``: where the points run (``local``: a process pool here; ``ray``: Ray tasks, on
    the cluster at ``address`` or a private single-host Ray). ``workers``: points at once
    (default: one per core; 1 on ``local`` runs them in this process, one after another).
    ``on_point(point, summary)`` after each point ends (any order). ``interrupt``: the
    driver's signals, whose first should call ``request_stop(out, signum)``; one that came
    before the sweep directory existed is relayed here. Raises ``ConfigError``
    (nothing written) when a point's config is refused, the pool is unknown or not
    installed, or ``out`` holds another sweep. A point that raises is reported with status
    ``error``.
    """
    from orchestrator.contract.sweep_pool import PointTask

    plan.configs()
    out = Path(os.path.abspath(out))  # a worker's working directory may be another one
    runner: SweepPool = pool_plugin(pool, address).load()(workers, address)
    open_sweep(plan, out)
    files = SweepDirectory(out)
    stop_file = files.stop_file
    stop_file.unlink(missing_ok=True)  # an earlier interrupt's; this run goes on
    if interrupt is not None and interrupt.signum is not None:
        request_stop(out, interrupt.signum)  # it came while the pool was starting
    summaries: dict[int, dict[str, Any]] = {}

    def done(index: int, summary: dict[str, Any]) -> None:
        summaries[index] = summary
        if on_point is not None:
            on_point(plan.points[index], summary)

    cwd = Path.cwd()
    tasks = [
        PointTask(
            p.index, plan.config_text, plan.source, p.overrides, files.point(p.name), stop_file, cwd
        )
        for p in plan.points
    ]
    try:
        runner.run(run_task, tasks, done)
    finally:
        runner.close()
    return [summaries[p.index] for p in plan.points]


def run_task(task: PointTask) -> dict[str, Any]:
    """A worker's part: build the point's config from its ``PointTask``, run it (guarded).
    The summary gets ``worker``: ``host:pid`` of the process that ran or read it back."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    if task.cwd is not None and task.cwd.is_dir() and Path.cwd() != task.cwd:
        os.chdir(task.cwd)  # relative paths of the config are the driver's (module docstring)
    try:
        config = load_config_text(task.config_text, task.source, dict(task.overrides))
    except ConfigError as exc:  # validated by the caller; a worker with other plugins may differ
        return {"status": "error", "error": "; ".join(exc.problems), "worker": worker}
    return {**_guarded(config, task.run_dir, task.stop_file), "worker": worker}


def _guarded(config: RunConfig, run_dir: Path, stop_file: Path | None) -> dict[str, Any]:
    try:
        return run_point(config, run_dir, stop_file)
    except KeyboardInterrupt:
        raise
    except Exception as exc:  # one point's failure does not end the sweep; the table says it
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}", "skipped": False}


def tabulate(
    plan: SweepPlan, out: Path, summaries: list[dict[str, Any]], metric: str
) -> list[dict[str, Any]]:
    """Write the sweep's table.csv, timings.csv and sweep.png (``metric`` against the axes)
    from the points' summaries (in ``plan.points`` order); returns the table's rows."""
    from orchestrator.record.sweep_table import plot_sweep, write_table

    files = SweepDirectory(out)
    run_dirs = [files.point(p.name) for p in plan.points]
    overrides = [p.overrides for p in plan.points]
    rows = write_table(out, [p.name for p in plan.points], overrides, summaries, run_dirs)
    plot_sweep(out, rows, list(dict.fromkeys(k for over in overrides for k in over)), metric)
    return rows
