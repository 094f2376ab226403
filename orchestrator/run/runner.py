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
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig
from orchestrator.record import checkpoint, faults
from orchestrator.record.chain import GENESIS
from orchestrator.record.fsutil import write_atomic
from orchestrator.record.ledger import Ledger
from orchestrator.record.recorder import RunRecorder
from orchestrator.record.rundir import RunBusy, RunDirectory
from orchestrator.run.assemble import open_backends, open_spiking
from orchestrator.run.loop import FusionLoop
from orchestrator.run.rollback import Rollback
from orchestrator.run.session import Session, TickCallback, now
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


CommitCallback = Callable[[int, dict[str, Any]], None]
StartCallback = Callable[[dict[str, dict[str, str]]], None]


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


def check_run_dir(run_dir: Path) -> None:
    """Refuse a run directory that already exists (runs are never overwritten)."""
    if run_dir.exists():
        raise ConfigError(
            [
                f"run.out: {run_dir} already exists; choose a new directory, remove it, or "
                f"continue it with `qnf resume {run_dir}`"
            ]
        )


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
    on_tick: TickCallback | None = None,
    draw_report: bool = True,
    should_stop: Callable[[], bool] | None = None,
    on_commit: CommitCallback | None = None,
    on_start: StartCallback | None = None,
) -> RunResult:
    """Run ``config`` into ``run_dir`` (which must not exist). Returns how it ended.

    on_start(identities): once the backends are built, before the first tick: what actually
    runs (e.g. a fallback and its ``notice``).
    on_tick(record, ticks done, ticks planned): after each tick is computed (caller's thread).
    should_stop(): checked before each tick; True stops the run ("cancelled").
    on_commit(height, event): after each block is durable (caller's thread, when the writer
    process's acknowledgement is read: at a later tick, or when the run flushes or ends).

    Raises ``ConfigError`` if ``run_dir`` exists (before anything is built). Exceptions from
    the backends propagate after the summary records them.
    """
    with started_run(config, run_dir, on_commit, on_start) as run:
        return finish(
            run.session, run.started, run.setup_seconds, on_tick, should_stop, draw_report, 0
        )


@contextmanager
def started_run(
    config: RunConfig,
    run_dir: Path,
    on_commit: CommitCallback | None = None,
    on_start: StartCallback | None = None,
) -> Iterator[OpenRun]:
    """``execute`` up to its first tick: the new run, open, holding its directory's lock."""
    check_run_dir(run_dir)
    faults.arm()
    files = RunDirectory(run_dir)
    started = time.perf_counter()
    opened = open_backends(config)
    try:
        loop = FusionLoop(config, opened.quantum, opened.spiking)
        backends = opened.identities
        if on_start is not None:
            on_start(backends)
        run_dir.mkdir(parents=True)
    except BaseException:
        try:
            opened.spiking.close()
        finally:
            opened.quantum.close()
        raise
    with files.locked() as lock:
        recorder = None
        try:
            write_atomic(
                files.config, yaml.safe_dump(config.resolved(), sort_keys=False).encode()
            )
            recorder = RunRecorder(
                files, Ledger.create(files.ledger), keep=config.checkpoint.keep, hold=(lock,)
            )
            recorder.on_commit = on_commit
            stable, data, sha = _initial_checkpoint(loop, on_start)
            genesis_config = config.resolved()
            genesis_config["run"].pop("out", None)
            genesis = {
                "kind": "genesis",
                "timestamp": 0,
                "config": genesis_config,
                "config_sha256": config.config_hash(),
                "seed": config.run.seed,
                "backends": backends,
                "checkpoint_sha256": sha,
                "stable": sha is not None,
            }
            recorder.append(genesis, _genesis_meta(), checkpoint_bytes=data, protect=0)
            recorder.flush()
        except BaseException:
            loop.close()
            if recorder is not None:
                recorder.close()
            raise
        session = Session(loop, recorder, rollback_for(config, stable), backends)
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
    return {
        "run_uuid": str(uuid.uuid4()),
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "wall_time": now(),
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
) -> RunResult:
    """Drive ``session`` to its end, then write summary.json (whatever ended it) and the report."""
    recorder = session.recorder
    files = recorder.run_dir
    status, error = "failed", None
    try:
        status = session.drive(on_tick, should_stop)
        if session.failure is not None:
            error = str(session.failure)
        recorder.flush()
    except KeyboardInterrupt:
        status, error = "interrupted", "interrupted by the user"
        raise
    except BaseException as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        session.loop.close()
        try:
            recorder.flush()  # what was computed is kept, whatever stopped the run
        finally:
            recorder.close()
        summary = summarise(session, status, error, started, setup_seconds, resumes)
        write_atomic(files.summary, (json.dumps(summary, indent=2) + "\n").encode())
        if draw_report and summary["ticks"] > 0:
            from orchestrator.record.report import draw_report as draw

            try:
                draw(files.path)
            except Exception as exc:  # a plot must never hide the run's own outcome
                summary["report_error"] = f"{type(exc).__name__}: {exc}"
    return RunResult(
        files.path,
        status,
        summary["ticks"],
        summary["final_root"],
        summary["wall_seconds"],
        summary,
    )
