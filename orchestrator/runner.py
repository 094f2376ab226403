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

Run directory:
    config.yaml    the resolved config (defaults filled in, overrides applied)
    ledger.sqlite  the hash-chained FusionEvents, with each tick's spike trains
    checkpoints/   <block>.ckpt: the state after that block (see orchestrator/checkpoint.py)
    metrics.csv    one row per tick        qubits.csv  tick, qubit, <X>, <Y>, <Z>
    summary.json   status, final_root, ticks, seed, backends with versions, wall_seconds, ...
    report.png     entropy, energy, phase difference per tick, and a spike raster
"""

from __future__ import annotations

import fcntl
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

from orchestrator import checkpoint
from orchestrator.assemble import open_backends
from orchestrator.backend_api import SpikingBackend
from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig
from orchestrator.events import METRICS_COLUMNS, metrics_row
from orchestrator.fsutil import write_atomic
from orchestrator.ledger import GENESIS, Ledger, read_blocks, verify
from orchestrator.loop import FusionLoop
from orchestrator.recorder import RunRecorder
from orchestrator.session import (
    Session,
    StablePoint,
    TickCallback,
    encode_state,
    now,
)

__all__ = [
    "RunBusy",
    "RunResult",
    "check_run_dir",
    "default_run_dir",
    "execute",
    "finish",
    "locked",
]


CommitCallback = Callable[[int, dict[str, Any]], None]
StartCallback = Callable[[dict[str, dict[str, str]]], None]


class RunBusy(RuntimeError):
    """Another process is working on this run directory."""


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


@contextmanager
def locked(run_dir: Path, wait_seconds: float = 30.0) -> Iterator[int]:
    """Hold the run directory's exclusive lock; yields its descriptor.

    Waits up to ``wait_seconds`` for it: after a crash the run's writer process finishes the
    blocks it was given before it lets go (seconds at most).
    """
    fd = os.open(run_dir, os.O_RDONLY)
    try:
        deadline = time.monotonic() + wait_seconds
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise RunBusy(f"{run_dir} is in use by another qnf process") from None
                time.sleep(0.05)
        yield fd
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- new run


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
    check_run_dir(run_dir)
    started = time.perf_counter()
    quantum, spiking = open_backends(config)
    try:
        loop = FusionLoop(config, quantum, spiking)
        backends = {"quantum": quantum.identity(), "spiking": spiking.identity()}
        if on_start is not None:
            on_start(backends)
        run_dir.mkdir(parents=True)
    except BaseException:
        try:
            spiking.close()
        finally:
            quantum.close()
        raise
    with locked(run_dir) as lock:
        recorder = None
        try:
            write_atomic(
                run_dir / "config.yaml",
                yaml.safe_dump(config.resolved(), sort_keys=False).encode(),
            )
            recorder = RunRecorder(
                run_dir,
                Ledger.create(run_dir / "ledger.sqlite"),
                keep=config.checkpoint.keep,
                hold=(lock,),
            )
            recorder.on_commit = on_commit
            stable, data, sha = _initial_checkpoint(loop, spiking, on_start)
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
        session = Session(loop, recorder, stable, backends)
        setup = time.perf_counter() - started
        return finish(session, started, setup, on_tick, should_stop, draw_report, resumes=0)


def _initial_checkpoint(
    loop: FusionLoop, spiking: SpikingBackend, on_start: StartCallback | None
) -> tuple[StablePoint | None, bytes | None, str | None]:
    """The genesis checkpoint, or none when the spiking backend cannot snapshot its state.

    Such a run goes on without checkpoints (no resume, no rollback) and says so.
    """
    try:
        network = spiking.snapshot()
    except NotImplementedError as exc:
        notice = (
            f"note: {exc}; this run keeps no checkpoints, so it cannot be resumed or rolled back"
        )
        if on_start is not None:
            on_start({"checkpoints": {"notice": notice}})
        return None, None, None
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
    recorder = session.recorder
    run_dir = recorder.run_dir
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
        summary = _summary(session, status, error, started, setup_seconds, resumes)
        write_atomic(run_dir / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
        if draw_report and summary["ticks"] > 0:
            from orchestrator.report import draw_report as draw

            try:
                draw(run_dir)
            except Exception as exc:  # a plot must never hide the run's own outcome
                summary["report_error"] = f"{type(exc).__name__}: {exc}"
    return RunResult(
        run_dir, status, summary["ticks"], summary["final_root"], summary["wall_seconds"], summary
    )


def _summary(
    session: Session,
    status: str,
    error: str | None,
    started: float,
    setup_seconds: float,
    resumes: int,
) -> dict[str, Any]:
    """summary.json: what the ledger holds now (committed blocks only), and how it went."""
    run_dir = session.recorder.run_dir
    config = session.config
    height, root, ticks, reverts, last = -1, GENESIS.hex(), 0, 0, None
    for h, event, _ in read_blocks(run_dir / "ledger.sqlite"):
        height = h
        if event["kind"] == "tick":
            ticks, last = event["tick"] + 1, event
        elif event["kind"] == "revert":
            ticks, reverts = event["tick"], event["reverts"]
    conn_root = verify(run_dir / "ledger.sqlite")
    root = conn_root.root
    wall = time.perf_counter() - started
    summary: dict[str, Any] = {
        "status": status,
        "error": error,
        "final_root": root,
        "blocks": height + 1,
        "ticks": ticks,
        "ticks_planned": config.run.ticks,
        "seed": config.run.seed,
        "config_sha256": session.config_hash,
        "backends": session.backends,
        "n_qubits": session.loop.n,
        "n_neurons": session.loop.channels.n_neurons,
        "reverts": reverts,
        "resumes": resumes,
        "checkpoints": session.checkpointing,
        "finished_at": now(),
        "wall_seconds": wall,
        "seconds": {
            "writing": session.recorder.write_seconds,
            "setup": setup_seconds,
            "quantum": session.seconds["quantum"],
            "spiking": session.seconds["spiking"],
            "per_tick": (wall - setup_seconds) / max(session.ticks_run, 1),
        },
        "last_tick": None if last is None else _last_metrics(last),
    }
    if status != "completed":
        summary["resume"] = f"qnf resume {run_dir}"
    return summary


def _last_metrics(event: dict[str, Any]) -> dict[str, Any]:
    row = dict(zip(METRICS_COLUMNS, metrics_row(event)))
    return {k: (None if v == "" else v) for k, v in row.items()}
