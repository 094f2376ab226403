"""A run from a validated config to a complete run directory (resuming one: ``resume.py``).

    execute: check the directory is free -> build and compile the backends -> create the run
             directory (config.yaml, ledger with its genesis block and the initial checkpoint)
             -> tick (``Session``) -> summary.json, report.png

Nothing is written before the backends are built, so a config or backend that cannot run
leaves no directory behind. A run that fails, is cancelled, interrupted or stopped (a
``QuantumBackendFailure``: a device fault retries did not cure, a spent QPU budget; a ``stop``
block records why) still gets a ``summary.json`` saying so and how to resume; its ledger
verifies up to the last committed block. One process at a time works on a run directory (an
exclusive lock on the directory, released by the kernel if the process dies).

The files of a run directory: ``orchestrator.record.rundir``; summary.json:
``orchestrator.run.summary``.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import sqlite3
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from orchestrator.config.digest import hashed_config
from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig
from orchestrator.config.yaml_input import dump_yaml
from orchestrator.record import checkpoint, faults
from orchestrator.record.chain import GENESIS
from orchestrator.record.failure import RecorderError, write_failure
from orchestrator.record.fsutil import make_dir, write_atomic
from orchestrator.record.ledger import Ledger
from orchestrator.record.ledger_events import genesis_event
from orchestrator.record.recorder import RunRecorder
from orchestrator.record.result import ResultReader, learning_csv
from orchestrator.record.rundir import RunBusy, RunDirectory
from orchestrator.run.assemble import open_backends, open_spiking
from orchestrator.run.environment import numeric_environment
from orchestrator.run.hooks import RunHooks, StartCallback, TickCallback
from orchestrator.run.interrupt import Interrupted, SignalStop
from orchestrator.run.loop import FusionLoop
from orchestrator.run.replay import writer_storage
from orchestrator.run.rollback import Rollback
from orchestrator.run.session import Session, now
from orchestrator.run.state import StablePoint, encode_state
from orchestrator.run.summary import summarise

__all__ = [
    "OpenRun",
    "RunBusy",
    "RunResult",
    "check_run_dir",
    "default_run_dir",
    "execute",
    "finish",
    "started_run",
]




@dataclass(frozen=True)
class RunResult:
    """How a run ended: ``status`` is completed, cancelled, stopped (the quantum backend could
    not go on; resumable), failed or interrupted."""

    run_dir: Path
    status: str
    ticks: int
    final_root: str
    wall_seconds: float
    summary: dict[str, Any]


def default_run_dir(config_name: str, root: Path = Path("runs")) -> Path:
    """``runs/<config name>-<local time>``, made unique with a suffix if needed."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = root / f"{config_name}-{stamp}"
    k = 1
    while candidate.exists():
        k += 1
        candidate = root / f"{config_name}-{stamp}-{k}"
    return candidate


def check_run_dir(run_dir: Path) -> Path:
    """Refuse a run directory that exists or cannot be created here; return the path to use.

    Checked before any backend is built: the nearest existing parent must be a directory in
    which a directory can be made (a probe is made and removed at once), so ``--out`` under a
    regular file, under /proc or on a read-only file system is refused as bad input. A
    relative path climbing above / is made absolute (SQLite cannot open such a path).
    """
    if ".." in Path(os.path.normpath(run_dir)).parts:
        run_dir = Path(os.path.abspath(run_dir))
    if os.path.lexists(run_dir):
        raise ConfigError(
            [
                f"run.out: {run_dir} already exists; choose a new directory, remove it, or "
                f"continue it with `qnf resume {run_dir}`"
            ]
        )
    absolute = Path(os.path.abspath(run_dir))
    parent = next(p for p in absolute.parents if os.path.lexists(p))
    if not parent.is_dir():
        raise ConfigError([f"run.out: cannot create {run_dir}: {parent} is not a directory"])
    try:
        os.rmdir(tempfile.mkdtemp(prefix=".qnf-probe-", dir=parent))
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise ConfigError(
            [f"run.out: cannot create {run_dir}: making a directory in {parent} fails ({reason})"]
        ) from None
    return run_dir


def rollback_for(config: RunConfig, stable: StablePoint | None) -> Rollback:
    """The run's rollback, rebuilding the spiking backend through the registry when used."""
    return Rollback(stable, lambda network: open_spiking(config, start=network))


# --------------------------------------------------------------------------- new run


@dataclass(frozen=True)
class OpenRun:
    """A run whose backends, run directory and session are open, before or between drives.

    ``finish`` drives it to its end and closes it; a caller that drives it in steps
    (``session.drive`` with a ``should_stop``) must still end with ``finish`` or close the
    loop and the recorder itself before leaving the context that opened it.
    """

    session: Session
    started: float
    setup_seconds: float
    resumes: int


def execute(
    config: RunConfig,
    run_dir: Path,
    hooks: RunHooks | None = None,
    draw_report: bool = True,
) -> RunResult:
    """Run ``config`` into ``run_dir`` (which must not exist). Returns how it ended.

    hooks: what the caller hears and how it stops the run (``run/hooks.py``).

    Raises ``ConfigError`` if ``run_dir`` exists or cannot be created (before anything is
    built), ``RecorderError`` if the run directory cannot be written (a full disk: the run
    stops at a tick boundary; if its genesis block was not committed, the directory is
    removed). Exceptions from the backends propagate after the summary records them.
    """
    hooks = hooks or RunHooks()
    with started_run(config, run_dir, hooks) as run:
        return finish(
            run.session,
            run.started,
            run.setup_seconds,
            hooks.on_tick,
            hooks.should_stop,
            draw_report,
            0,
            interrupt=hooks.interrupt,
        )


@contextmanager
def started_run(
    config: RunConfig, run_dir: Path, hooks: RunHooks | None = None
) -> Iterator[OpenRun]:
    """``execute`` up to its first tick: the new run, open, holding its directory's lock."""
    hooks = hooks or RunHooks()
    on_commit, on_start, interrupt = hooks.on_commit, hooks.on_start, hooks.interrupt
    run_dir = check_run_dir(run_dir)
    faults.arm()
    files = RunDirectory(run_dir)
    started = time.perf_counter()
    opened = open_backends(config)
    try:
        loop = FusionLoop(config, opened.quantum, opened.spiking, opened.rules)
        backends = opened.identities
        if interrupt is not None:
            interrupt.settle()
            if interrupt.requested:
                raise Interrupted(interrupt.signum or 0)
        if on_start is not None:
            on_start(backends)
        try:
            make_dir(run_dir, parents=True)
        except OSError as exc:
            raise write_failure(exc, run_dir) from None
    except BaseException:
        opened.close()
        raise
    with files.locked() as lock:
        recorder = None
        writing = files.config
        try:
            write_atomic(
                files.config, dump_yaml(config.resolved()).encode()
            )
            writing = files.ledger
            recorder = RunRecorder(
                files,
                Ledger.create(files.ledger),
                keep=config.checkpoint.keep,
                hold=(lock,),
                full_every=writer_storage(config)[0],
            compress=config.checkpoint.compress,
            )
            recorder.on_commit = on_commit
            stable, data, sha = _initial_checkpoint(loop, on_start)
            genesis = genesis_event(
                config=hashed_config(config.resolved()),
                config_sha256=config.config_hash(),
                seed=config.run.seed,
                backends=backends,
                checkpoint_sha256=sha,
            )
            recorder.append(genesis, _genesis_meta(), checkpoint_bytes=data, protect=0)
            recorder.flush()
        except BaseException as exc:
            loop.close()
            if recorder is not None:
                recorder.close()
            shutil.rmtree(run_dir, ignore_errors=True)  # nothing of it was acknowledged
            if isinstance(exc, OSError | sqlite3.Error):
                raise write_failure(exc, writing) from None
            raise
        session = Session(loop, recorder, rollback_for(config, stable), backends)
        if sha is not None:
            session.chain_from(0, sha)  # the genesis, stored whole
        yield OpenRun(session, started, time.perf_counter() - started, 0)


def _initial_checkpoint(
    loop: FusionLoop, on_start: StartCallback | None
) -> tuple[StablePoint | None, bytes | None, str | None]:
    """The genesis checkpoint, or none when the spiking backend cannot snapshot its state.

    Such a run goes on without checkpoints (no resume, no rollback) and says so.
    """
    if not loop.spiking.capabilities.snapshot:
        notice = (
            f"note: spiking backend '{loop.config.spiking.kind}' as configured cannot snapshot "
            "its state; this run keeps no checkpoints, so it cannot be resumed or rolled back"
        )
        if on_start is not None:
            on_start({"checkpoints": {"notice": notice}})
        return None, None, None
    network = loop.spiking.snapshot()
    data, loop_meta, loop_arrays = encode_state(loop, network, 0, GENESIS.hex())
    sha = checkpoint.digest(data)
    return StablePoint(0, sha, loop_meta, loop_arrays, network), data, sha


def _genesis_meta() -> dict[str, Any]:
    """What cannot repeat, beside the genesis event: who ran it, when, and on what numerics
    (``numeric``: CPU, numpy's SIMD, the BLAS kernels: why two roots differ, design §6)."""
    return {
        "run_uuid": str(uuid.uuid4()),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wall_time": now(),
        "numeric": numeric_environment(),
    }


# --------------------------------------------------------------------------- both


def finish(
    session: Session,
    started: float,
    setup_seconds: float,
    on_tick: TickCallback | None,
    should_stop: Callable[[], bool] | None,
    draw_report: bool,
    resumes: int,
    interrupt: SignalStop | None = None,
) -> RunResult:
    """Drive ``session`` to its end, then write summary.json (whatever ended it) and the report.

    What ended the run is re-raised after the summary is written (if the disk has room for it:
    otherwise the summary's own ``RecorderError`` is raised when nothing else was).
    """
    recorder = session.recorder
    files = recorder.run_dir
    status, error = "failed", None
    failure: BaseException | None = None

    def stop() -> bool:
        if interrupt is not None and interrupt.requested:
            return True
        return should_stop is not None and should_stop()

    try:
        status = session.drive(on_tick, stop)
        if status == "cancelled" and interrupt is not None and interrupt.requested:
            status, error = "interrupted", interrupt.reason
        if session.failure is not None:
            error = str(session.failure)
        recorder.flush()
    except KeyboardInterrupt as exc:
        status, error, failure = "interrupted", "interrupted by the user", exc
    except RecorderError as exc:
        status, error, failure = "failed", str(exc), exc
    except BaseException as exc:
        status, error, failure = "failed", f"{type(exc).__name__}: {exc}", exc
    try:
        session.loop.close()
    finally:
        try:
            if recorder.failure is None:
                recorder.flush()  # what was computed is kept, whatever stopped the run
        except RecorderError as exc:
            if failure is None:
                status, error, failure = "failed", str(exc), exc
        finally:
            recorder.close()
    reader = ResultReader()
    summary = summarise(session, status, error, started, setup_seconds, resumes, reader)
    try:
        learning = learning_csv(reader)
        if learning is not None:
            write_atomic(files.learning, learning)
        write_atomic(files.summary, (json.dumps(summary, indent=2) + "\n").encode())
    except OSError as exc:
        summary["summary_error"] = str(write_failure(exc, files.summary))
        if failure is None:
            failure = write_failure(exc, files.summary)
    if draw_report and summary["ticks"] > 0 and recorder.failure is None:
        from orchestrator.record.report import draw_report as draw

        try:
            draw(files.path)
        except Exception as exc:  # a plot must never hide the run's own outcome
            summary["report_error"] = f"{type(exc).__name__}: {exc}"
    if failure is not None:
        raise failure
    return RunResult(
        files.path,
        status,
        summary["ticks"],
        summary["final_root"],
        summary["wall_seconds"],
        summary,
    )
