"""Sweeps: one base config run over a grid of overrides and seeds (``qnf sweep``).

A sweep is a *plan*: the base config's text, the axes (dotted keys, each with its values) and
the seeds. Its points are the Cartesian product of the axes, times the seeds, in a fixed order
(the first axis varies slowest, the seed fastest); point ``p007`` is the same run every time
the same plan is made. Every point's config is validated before anything is written or run:
one bad value anywhere refuses the whole sweep with one line per problem, naming the point.

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
``STOP_FILE`` into the sweep directory (``request_stop``) with the signal's name. A point sees
it before it starts (status ``not started``: nothing written) and before each tick (status
``interrupted``: it stops at the tick boundary, resumable), whatever process or host runs it;
the table says which point ended how, and the same command again completes the rest (the file
is removed when a sweep starts).

Seeds: ``seeds: N`` runs each grid point with ``run.seed`` = s0, s0 + 1, ..., s0 + N - 1, where
s0 is the base config's ``run.seed``; without it the base seed alone is used. A plan that
would run something else than what was asked is refused, one line each: ``seeds`` with an axis
over ``run.seed`` (list the seeds on the axis instead), a key given twice (``--over`` twice,
or in the sweep file and on the command line).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import re
import shutil
import signal
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, final

from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig, load_config_text
from orchestrator.config.yaml_input import parse_yaml, read_text
from orchestrator.record.canonical import canonical
from orchestrator.record.fsutil import make_dir, write_atomic
from orchestrator.record.rundir import RunDirectory, read_summary

if TYPE_CHECKING:
    from orchestrator.contract.sweep_pool import PointTask, PoolPlugin, SweepPool
    from orchestrator.run.interrupt import SignalStop

__all__ = [
    "NOT_STARTED",
    "PLAN_FILE",
    "STOP_FILE",
    "SweepPlan",
    "SweepPoint",
    "load_sweep_file",
    "parse_over",
    "point_dir",
    "pool_plugin",
    "request_stop",
    "run_point",
    "run_sweep",
    "run_task",
]

PLAN_FILE = "sweep.json"
STOP_FILE = "stop-requested"  # written by the driver on a signal (module docstring)
NOT_STARTED = "not started"
MAX_POINTS = 10_000  # a grid larger than this is a typo, not a study
Axis = tuple[str, tuple[Any, ...]]  # a dotted config key and its values
_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)[eE][+-]?\d+")


@final
@dataclass(frozen=True)
class SweepPoint:
    """One run of the sweep: ``overrides`` (dotted key -> value, ``run.seed`` included)."""

    index: int
    overrides: dict[str, Any]

    @property
    def name(self) -> str:
        """The point's directory name under ``points/`` (``p000``, ``p001``, ...)."""
        return f"p{self.index:03d}"

    @property
    def label(self) -> str:
        """``key=value`` pairs, for messages."""
        return ", ".join(f"{k}={v}" for k, v in self.overrides.items())


@final
@dataclass(frozen=True)
class SweepPlan:
    """A base config, the axes of the grid and the seeds (see the module docstring)."""

    config_text: str
    source: str
    axes: tuple[Axis, ...]
    seeds: tuple[int, ...] | None = None
    points: tuple[SweepPoint, ...] = field(init=False)

    def __post_init__(self) -> None:
        keys = [key for key, _ in self.axes]
        grid = itertools.product(*(values for _, values in self.axes))
        seeds: Sequence[int | None] = self.seeds if self.seeds is not None else (None,)
        points = []
        for combo in grid:
            for seed in seeds:
                overrides = dict(zip(keys, combo))
                if seed is not None:
                    overrides["run.seed"] = seed
                points.append(SweepPoint(len(points), overrides))
        object.__setattr__(self, "points", tuple(points))

    def as_dict(self) -> dict[str, Any]:
        """What ``sweep.json`` holds (with ``digest``)."""
        return {
            "config_sha256": hashlib.sha256(self.config_text.encode()).hexdigest(),
            "source": self.source,
            "axes": {key: list(values) for key, values in self.axes},
            "seeds": None if self.seeds is None else list(self.seeds),
            "points": [{"name": p.name, "overrides": p.overrides} for p in self.points],
        }

    @property
    def digest(self) -> str:
        """SHA-256 of the plan's config, axes and seeds (not of where the config was read)."""
        plan = self.as_dict()
        del plan["source"]
        return hashlib.sha256(canonical(plan)).hexdigest()

    def problems(self) -> list[str]:
        """What makes the plan run something other than what was asked: a key given twice
        (the last would win), an axis over ``run.seed`` with ``seeds`` (which count from the
        config's ``run.seed``, overriding the axis)."""
        problems: list[str] = []
        keys = [key for key, _ in self.axes]
        if self.seeds is not None and "run.seed" in keys:
            start = next(values for key, values in self.axes if key == "run.seed")[0]
            seeds = (
                ",".join(str(start + i) for i in range(len(self.seeds)))
                if isinstance(start, int) and not isinstance(start, bool)
                else "S1,S2,..."
            )
            problems.append(
                "--seeds: cannot be combined with an axis over run.seed (--seeds N counts from "
                f"the config's run.seed); list the seeds instead: --over run.seed={seeds}"
            )
        for key in dict.fromkeys(k for k in keys if keys.count(k) > 1):
            problems.append(
                f"--over {key}: given twice; give every value once: --over {key}=V1,V2,..."
            )
        return problems

    def configs(self) -> list[RunConfig]:
        """Every point's validated config; ``ConfigError`` lists every problem of every point."""
        problems = self.problems()
        if not self.points:
            problems.append("sweep: the grid is empty")
        elif len(self.points) > MAX_POINTS:
            problems.append(f"sweep: {len(self.points)} points; at most {MAX_POINTS}")
        configs: list[RunConfig] = []
        where: dict[str, list[SweepPoint]] = {}  # one line per problem, naming its points
        for point in self.points if not problems else ():
            try:
                configs.append(load_config_text(self.config_text, self.source, point.overrides))
            except ConfigError as exc:
                for line in exc.problems:
                    where.setdefault(line, []).append(point)
        for line, points in where.items():
            if len(points) == len(self.points):
                problems.append(f"{line} (every point)")
            else:
                shown = "; ".join(f"{p.name}: {p.label}" for p in points[:3])
                more = f"; and {len(points) - 3} more" if len(points) > 3 else ""
                problems.append(f"{line} (at {shown}{more})")
        if problems:
            raise ConfigError(problems)
        return configs


def parse_over(spec: str) -> Axis:
    """``"key=v1,v2,..."`` -> ``(key, (v1, v2, ...))``, each value read as a YAML scalar."""
    key, sep, values = spec.partition("=")
    key = key.strip()
    if not sep or not key or not values.strip():
        raise ConfigError([f"--over {spec!r}: expected KEY=V1,V2,... (e.g. pci.gamma=0.1,0.5)"])
    parsed = parse_yaml(f"[{values}]", f"--over {key}").data
    if not isinstance(parsed, list) or not all(_scalar(v) for v in parsed):
        raise ConfigError([f"--over {key}: values must be numbers, booleans or words"])
    return key, tuple(_number(v) for v in parsed)


def _number(value: Any) -> Any:
    """YAML 1.1 reads ``1e-3`` (no dot) as a string; on the command line it is a number."""
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        return float(value)
    return value


def load_sweep_file(path: Path) -> tuple[Path | None, list[Axis], int | None]:
    """A sweep file: ``{config: PATH?, over: {KEY: [V, ...], ...}, seeds: N?}``.

    ``config`` is relative to the sweep file. Returns (config path or None, axes, seeds).
    """
    data = parse_yaml(read_text(path), str(path)).data
    problems: list[str] = []
    if not isinstance(data, dict):
        raise ConfigError([f"{path}: a sweep file is a mapping with `over:` (and `config:`)"])
    unknown = sorted(set(data) - {"config", "over", "seeds"})
    problems += [f"{path}: {k}: unknown key (expected config, over, seeds)" for k in unknown]
    over = data.get("over")
    axes: list[Axis] = []
    if not isinstance(over, dict) or not over:
        problems.append(f"{path}: over: a mapping of dotted keys to lists of values")
    else:
        for key, values in over.items():
            if not isinstance(values, list) or not values or not all(map(_scalar, values)):
                problems.append(f"{path}: over.{key}: a non-empty list of scalar values")
            else:
                axes.append((str(key), tuple(values)))
    seeds = data.get("seeds")
    if seeds is not None and (not isinstance(seeds, int) or isinstance(seeds, bool) or seeds < 1):
        problems.append(f"{path}: seeds: must be an integer >= 1")
    config = data.get("config")
    if config is not None and not isinstance(config, str):
        problems.append(f"{path}: config: a path to a run config")
    if problems:
        raise ConfigError(problems)
    return (path.parent / config if config else None), axes, seeds


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, (bool, int, float, str))


def seed_values(base_text: str, source: str, count: int | None) -> tuple[int, ...] | None:
    """``count`` consecutive seeds from the base config's ``run.seed`` (None: no seed axis)."""
    if count is None:
        return None
    if count < 1:
        raise ConfigError(["--seeds: must be >= 1"])
    base = load_config_text(base_text, source).run.seed
    return tuple(base + i for i in range(count))


def open_sweep(plan: SweepPlan, out: Path) -> None:
    """Create ``out`` with ``sweep.json``, or check that ``out`` already holds this plan."""
    plan_file = out / PLAN_FILE
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
    make_dir(out / "points", parents=True, exist_ok=True)  # private, as a run's (fsutil)
    write_atomic(plan_file, json.dumps(record, indent=1).encode() + b"\n")


def request_stop(out: Path, signum: int) -> None:
    """Ask every point of the sweep in ``out`` to stop (the driver's first signal)."""
    with contextlib.suppress(OSError):  # a full or read-only disk: the points run on
        write_atomic(out / STOP_FILE, (signal.Signals(signum).name + "\n").encode())


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
                result = resume(run_dir, draw_report=False, interrupt=stop, should_stop=relayed)
            else:
                result = execute(
                    config, run_dir, draw_report=False, interrupt=stop, should_stop=relayed
                )
        except Interrupted:
            return _not_started(stop)
    return {**result.summary, "skipped": False}


def _not_started(stop: SignalStop) -> dict[str, Any]:
    return {"status": NOT_STARTED, "error": f"{stop.reason} before it started", "skipped": False}


PointCallback = Callable[[SweepPoint, dict[str, Any]], None]


def point_dir(out: Path, point: SweepPoint) -> Path:
    """The run directory of ``point`` in the sweep directory ``out``."""
    return out / "points" / point.name


def pool_plugin(kind: str = "local", address: str | None = None) -> PoolPlugin:
    """The registered sweep pool of ``kind`` (``contract/sweep_pool.py``); ``ConfigError``
    in one line when it is not registered or its package is not installed. Starts nothing."""
    from orchestrator.contract.sweep_pool import pool_plugins

    found = pool_plugins()
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
    stop_file = out / STOP_FILE
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
            p.index, plan.config_text, plan.source, p.overrides, point_dir(out, p), stop_file, cwd
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
