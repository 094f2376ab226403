"""Resuming a run directory from its newest intact checkpoint (spec §13; issue 5).

    lock -> the ledger must verify -> config.yaml must hash to the genesis's config -> delete
    temp files -> newest block whose checkpoint file matches its recorded SHA-256 -> delete
    checkpoint files no block records -> rebuild the CSV views from the ledger -> rebuild the
    backends from the checkpoint -> replay (and check, bit for bit) any ticks recorded after it,
    stepping over ``stop`` blocks -> tick on (``runner.finish``)

On simulators the result is exactly that of the uninterrupted run: the same final root.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from orchestrator.config.stored import load_stored_config
from orchestrator.record import checkpoint, faults
from orchestrator.record.directories import FederationDirectory
from orchestrator.record.failure import write_failure
from orchestrator.record.ledger import Ledger, read_blocks
from orchestrator.record.ledger_events import FEDERATION_GENESIS as GENESIS_KIND
from orchestrator.record.recorder import RunRecorder, rebuild_csv
from orchestrator.record.rundir import RunDirectory, read_summary
from orchestrator.record.verify import verify
from orchestrator.run.assemble import open_backends
from orchestrator.run.environment import numeric_environment
from orchestrator.run.hooks import RunHooks
from orchestrator.run.interrupt import Interrupted
from orchestrator.run.loop import FusionLoop
from orchestrator.run.replay import NetworkReplay, writer_storage
from orchestrator.run.runner import OpenRun, RunResult, finish, rollback_for
from orchestrator.run.session import ReplayMismatch, Session
from orchestrator.run.state import StablePoint, decode_state

__all__ = ["ResumeError", "refuse_completed", "refuse_node_alone", "resume", "resumed_run"]


class ResumeError(RuntimeError):
    """A run cannot be resumed (the message says why and what to do)."""


def resume(
    run_dir: Path, hooks: RunHooks | None = None, draw_report: bool = True
) -> RunResult:
    """Continue the run in ``run_dir`` from its newest intact checkpoint (see ``execute``).

    On simulators the result is exactly that of the uninterrupted run (same final root).
    Raises ``ResumeError`` when the directory cannot be resumed, ``RunBusy`` when another
    process holds it, ``ConfigError`` when its config.yaml no longer validates,
    ``RecorderError`` when the directory cannot be written, ``Interrupted`` when a signal came
    before the backends were built. Checkpoints that are skipped (not what their block
    recorded, or not a regular file) are set aside as ``<name>.rejected`` and named in a
    notice passed to ``on_start`` (``{"resume": {"notice": ...}}``).
    """
    refuse_node_alone(run_dir)
    hooks = hooks or RunHooks()
    with resumed_run(run_dir, hooks) as run:
        return finish(
            run.session,
            run.started,
            run.setup_seconds,
            hooks.on_tick,
            hooks.should_stop,
            draw_report,
            run.resumes,
            hooks.interrupt,
        )


@contextmanager
def resumed_run(run_dir: Path, hooks: RunHooks | None = None) -> Iterator[OpenRun]:
    """``resume`` up to its first new tick: the run, open again, holding its directory's lock."""
    hooks = hooks or RunHooks()
    on_commit, on_start, interrupt = hooks.on_commit, hooks.on_start, hooks.interrupt
    files = RunDirectory(run_dir)
    if not files.is_run():
        raise ResumeError(f"{run_dir}: not a run directory (no {files.LEDGER})")
    faults.arm()
    started = time.perf_counter()
    with files.locked() as lock:
        config = load_stored_config(files.config)
        checked = verify(files.ledger)
        if not checked.ok:
            raise ResumeError(
                f"{run_dir}: the ledger fails verification at block {checked.bad_block} "
                f"({checked.reason}); a tampered or damaged run is not resumed"
            )
        blocks = [(h, e) for h, e, _ in read_blocks(files.ledger)]
        if blocks and blocks[0][1].get("kind") == GENESIS_KIND:
            raise ResumeError(
                f"{run_dir}: a federation's run directory (resume it with "
                "orchestrator.run.federation_resume, as `qnf resume` does)"
            )
        if not blocks or blocks[0][1].get("config_sha256") != config.config_hash():
            raise ResumeError(f"{files.config} does not match the config the run started with")
        replay = NetworkReplay(config)  # reads replay records (design §27)
        try:
            rejected = _reject_bad_checkpoints(files, blocks, replay)
            start_height, ckpt = _newest_checkpoint(files, blocks, replay)
            try:
                for path in files.temporaries():
                    path.unlink()
                _drop_orphans(files, blocks)
                rebuild_csv(files)
            except OSError as exc:
                raise write_failure(exc, files.path) from None
            stable = _stable_point(files, blocks, start_height, replay)
        finally:
            replay.close()

        loop_meta, loop_arrays, network = decode_state(ckpt)
        opened = open_backends(config, start=network)
        try:
            loop = FusionLoop(config, opened.quantum, opened.spiking, opened.rules)
            loop.restore(loop_meta, loop_arrays)
            if interrupt is not None:
                interrupt.settle()
                if interrupt.requested:
                    raise Interrupted(interrupt.signum or 0)
            if on_start is not None:
                on_start(opened.identities)
                if rejected:
                    notice = "; ".join(rejected) + f"; resuming from block {start_height}"
                    on_start({"resume": {"notice": notice}})
        except BaseException:
            opened.close()
            raise
        recorder = RunRecorder(
            files,
            Ledger.open(files.ledger, height=start_height + 1),
            keep=config.checkpoint.keep,
            resumed=True,
            hold=(lock,),
            full_every=writer_storage(config)[0],
            compress=config.checkpoint.compress,
        )
        recorder.on_commit = on_commit
        session = Session(loop, recorder, rollback_for(config, stable), opened.identities)
        # the machine may differ from the genesis': its numerics go with the first new tick
        session.first_meta = {"resumed_on": numeric_environment()}
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
        except ReplayMismatch as exc:
            loop.close()
            recorder.close()
            raise ResumeError(str(exc)) from None
        except BaseException:
            loop.close()
            recorder.close()
            raise
        previous = _previous_resumes(files)
        yield OpenRun(session, started, time.perf_counter() - started, previous + 1)


def refuse_node_alone(run_dir: Path) -> None:
    """``ResumeError`` when ``run_dir`` is a node of a federation: a node goes on with its
    federation only (``qnf resume FEDERATION_DIR``), whatever its own state."""
    files = RunDirectory(run_dir)
    if files.is_run() and files.path.parent.name == FederationDirectory.NODES:
        from orchestrator.run.federation_resume import is_federation

        if is_federation(files.path.parent.parent):
            raise ResumeError(
                f"{run_dir} is a node of the federation {files.path.parent.parent}; resume "
                f"the federation: qnf resume {files.path.parent.parent}"
            )


def refuse_completed(run_dir: Path) -> None:
    """``ResumeError`` when the run in ``run_dir`` is completed: its summary.json says
    ``completed`` and anchors the ledger's end (its ``final_root`` is the ledger's root).
    Reads; builds and writes nothing. ``qnf resume RUN_DIR`` asks this first; ``resume``
    itself does not (a federation re-opens its nodes whatever their state)."""
    files = RunDirectory(run_dir)
    summary = read_summary(files) or {}
    if summary.get("status") != "completed":
        return
    checked = verify(files.ledger)
    if not checked.ok or summary.get("final_root") != checked.root:
        return  # resume itself says where the ledger breaks, or how this run ends
    raise ResumeError(
        f"{run_dir}: the run is completed ({summary.get('ticks')} of "
        f"{summary.get('ticks_planned')} ticks, final root {checked.root}); nothing to resume "
        f"(check it: qnf ledger verify {run_dir})"
    )


def _previous_resumes(files: RunDirectory) -> int:
    resumes = (read_summary(files) or {}).get("resumes", 0)
    return resumes if isinstance(resumes, int) and resumes >= 0 else 0


def _reject_bad_checkpoints(
    files: RunDirectory, blocks: list[tuple[int, dict[str, Any]]], replay: checkpoint.Replay
) -> list[str]:
    """Set aside every recorded checkpoint that is not what its block recorded; say why."""
    lines = []
    for height, event in blocks:
        path = files.checkpoint(height)
        sha = event.get("checkpoint_sha256")
        if sha is None or not os.path.lexists(path):
            continue
        try:
            checkpoint.read(path, sha, replay)
        except checkpoint.CheckpointError as exc:
            why = str(exc).removeprefix(f"{path}: ")
            lines.append(
                f"skipped checkpoint {path.name} ({why}), set aside as {_set_aside(path).name}"
            )
    return lines


def _set_aside(path: Path) -> Path:
    """Rename ``path`` (a file, a directory, a link) to ``<name>.rejected[.k]``; kept, not read."""
    target, k = path.with_name(path.name + ".rejected"), 1
    while os.path.lexists(target):
        k += 1
        target = path.with_name(f"{path.name}.rejected.{k}")
    try:
        os.rename(path, target)
    except OSError as exc:
        raise write_failure(exc, path) from None
    return target


def _newest_checkpoint(
    files: RunDirectory, blocks: list[tuple[int, dict[str, Any]]], replay: checkpoint.Replay
) -> tuple[int, checkpoint.Checkpoint]:
    for height, event in reversed(blocks):
        sha = event.get("checkpoint_sha256")
        if sha is None:
            continue
        try:
            return height, checkpoint.read(files.checkpoint(height), sha, replay)
        except checkpoint.CheckpointError:
            continue
    raise ResumeError(
        f"{files}: no intact checkpoint to resume from (a run whose spiking backend cannot "
        "snapshot its state keeps none)"
    )


def _stable_point(
    files: RunDirectory,
    blocks: list[tuple[int, dict[str, Any]]],
    upto: int,
    replay: checkpoint.Replay,
) -> StablePoint:
    for height, event in reversed(blocks[: upto + 1]):
        if not event.get("stable") or event.get("checkpoint_sha256") is None:
            continue
        try:
            ckpt = checkpoint.read(files.checkpoint(height), event["checkpoint_sha256"], replay)
        except checkpoint.CheckpointError:
            continue
        loop_meta, loop_arrays, network = decode_state(ckpt)
        return StablePoint(height, event["checkpoint_sha256"], loop_meta, loop_arrays, network)
    raise ResumeError(f"{files}: no intact stable checkpoint (not even the initial one)")


def _drop_orphans(files: RunDirectory, blocks: list[tuple[int, dict[str, Any]]]) -> None:
    """Checkpoint files no committed block records (written just before a crash)."""
    recorded = {h for h, e in blocks if e.get("checkpoint_sha256")}
    for path in files.checkpoints.glob("*.ckpt"):
        if files.checkpoint_height(path) not in recorded:
            if path.is_symlink() or not path.is_file():
                _set_aside(path)
            else:
                path.unlink()
