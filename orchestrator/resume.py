"""Resuming a run directory from its newest intact checkpoint (spec §13; issue 5).

    lock -> the ledger must verify -> config.yaml must hash to the genesis's config -> delete
    temp files -> newest block whose checkpoint file matches its recorded SHA-256 -> delete
    checkpoint files no block records -> rebuild the CSV views from the ledger -> rebuild the
    backends from the checkpoint -> replay (and check, bit for bit) any ticks recorded after it,
    stepping over ``stop`` blocks -> tick on (``runner.finish``)

On simulators the result is exactly that of the uninterrupted run: the same final root.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrator import checkpoint
from orchestrator.assemble import open_backends
from orchestrator.config.root import load_config
from orchestrator.ledger import Ledger, read_blocks, verify
from orchestrator.loop import FusionLoop
from orchestrator.recorder import CHECKPOINT_DIR, RunRecorder, checkpoint_path, rebuild_csv
from orchestrator.runner import CommitCallback, RunResult, StartCallback, finish, locked
from orchestrator.session import (
    ResumeError,
    Session,
    StablePoint,
    TickCallback,
    decode_state,
)

__all__ = ["ResumeError", "resume"]


def _clean_temporaries(run_dir: Path) -> None:
    for folder in (run_dir, run_dir / CHECKPOINT_DIR):
        for path in folder.glob(".*.tmp"):
            path.unlink()


def resume(
    run_dir: Path,
    on_tick: TickCallback | None = None,
    draw_report: bool = True,
    should_stop: Callable[[], bool] | None = None,
    on_commit: CommitCallback | None = None,
    on_start: StartCallback | None = None,
) -> RunResult:
    """Continue the run in ``run_dir`` from its newest intact checkpoint (see ``execute``).

    On simulators the result is exactly that of the uninterrupted run (same final root).
    Raises ``ResumeError`` when the directory cannot be resumed, ``RunBusy`` when another
    process holds it, ``ConfigError`` when its config.yaml no longer validates.
    """
    if not (run_dir / "ledger.sqlite").is_file():
        raise ResumeError(f"{run_dir}: not a run directory (no ledger.sqlite)")
    started = time.perf_counter()
    with locked(run_dir) as lock:
        config = load_config(run_dir / "config.yaml")
        checked = verify(run_dir / "ledger.sqlite")
        if not checked.ok:
            raise ResumeError(
                f"{run_dir}: the ledger fails verification at block {checked.bad_block} "
                f"({checked.reason}); a tampered or damaged run is not resumed"
            )
        blocks = [(h, e) for h, e, _ in read_blocks(run_dir / "ledger.sqlite")]
        if not blocks or blocks[0][1].get("config_sha256") != config.config_hash():
            raise ResumeError(
                f"{run_dir}/config.yaml does not match the config the run started with"
            )
        _clean_temporaries(run_dir)
        start_height, ckpt = _newest_checkpoint(run_dir, blocks)
        stable = _stable_point(run_dir, blocks, start_height)
        _drop_orphans(run_dir, blocks)
        rebuild_csv(run_dir)

        loop_meta, loop_arrays, network = decode_state(ckpt)
        quantum, spiking = open_backends(config, start=network)
        try:
            loop = FusionLoop(config, quantum, spiking)
            loop.restore(loop_meta, loop_arrays)
            backends = {"quantum": quantum.identity(), "spiking": spiking.identity()}
            if on_start is not None:
                on_start(backends)
        except BaseException:
            try:
                spiking.close()
            finally:
                quantum.close()
            raise
        recorder = RunRecorder(
            run_dir,
            Ledger.open(run_dir / "ledger.sqlite", height=start_height + 1),
            keep=config.checkpoint.keep,
            resumed=True,
            hold=(lock,),
        )
        recorder.on_commit = on_commit
        session = Session(loop, recorder, stable, backends)
        last_event = blocks[-1][1]
        if last_event["kind"] == "tick" and blocks[-1][0] == start_height:
            session.pending = last_event.get("stability_trigger")
        try:
            for height, event in blocks[start_height + 1 :]:
                if event["kind"] == "tick":
                    session.replay(height)
                else:  # a stop block: kept as it is, the run goes on after it
                    recorder.ledger.skip(height)
            recorder.committed = recorder.height
        except BaseException:
            loop.close()
            recorder.close()
            raise
        previous = _previous_resumes(run_dir)
        setup = time.perf_counter() - started
        return finish(session, started, setup, on_tick, should_stop, draw_report, previous + 1)


def _previous_resumes(run_dir: Path) -> int:
    try:
        return int(json.loads((run_dir / "summary.json").read_text()).get("resumes", 0))
    except (OSError, ValueError):
        return 0


def _newest_checkpoint(
    run_dir: Path, blocks: list[tuple[int, dict[str, Any]]]
) -> tuple[int, checkpoint.Checkpoint]:
    for height, event in reversed(blocks):
        sha = event.get("checkpoint_sha256")
        if sha is None:
            continue
        try:
            return height, checkpoint.read(checkpoint_path(run_dir, height), sha)
        except checkpoint.CheckpointError:
            continue
    raise ResumeError(
        f"{run_dir}: no intact checkpoint to resume from (a run whose spiking backend cannot "
        "snapshot its state keeps none)"
    )


def _stable_point(
    run_dir: Path, blocks: list[tuple[int, dict[str, Any]]], upto: int
) -> StablePoint:
    for height, event in reversed(blocks[: upto + 1]):
        if not event.get("stable") or event.get("checkpoint_sha256") is None:
            continue
        try:
            ckpt = checkpoint.read(checkpoint_path(run_dir, height), event["checkpoint_sha256"])
        except checkpoint.CheckpointError:
            continue
        loop_meta, loop_arrays, network = decode_state(ckpt)
        return StablePoint(height, event["checkpoint_sha256"], loop_meta, loop_arrays, network)
    raise ResumeError(f"{run_dir}: no intact stable checkpoint (not even the initial one)")


def _drop_orphans(run_dir: Path, blocks: list[tuple[int, dict[str, Any]]]) -> None:
    """Checkpoint files no committed block records (written just before a crash)."""
    recorded = {h for h, e in blocks if e.get("checkpoint_sha256")}
    for path in (run_dir / CHECKPOINT_DIR).glob("*.ckpt"):
        if not path.stem.isdigit() or int(path.stem) not in recorded:
            path.unlink()
