"""Driving a run tick by tick: checkpoints, stable marks and rollback (spec §13, §14).

A ``Session`` joins an open loop (``FusionLoop`` over two backends) and an open run directory
(``RunRecorder``). Per tick it steps the loop, takes a checkpoint when one is due
(``checkpoint.every``; always after the last tick), builds the FusionEvent with the
checkpoint's SHA-256 and hands both to the recorder.

Stable blocks are the rollback targets: the genesis (the run's initial state), every tick the
stability rule marks stable and that has a checkpoint, and every revert. When the rule
triggers (decoherence spike or sustained entropy rise), rollback is enabled and reverts are
left, the session restores the last stable state (loop state and a spiking backend rebuilt
from the checkpointed network state), weakens gamma by ``stability.decouple_factor``, takes a
checkpoint of that state and appends a ``revert`` event pointing at the stable block. Nothing
already written changes.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import numpy as np

from orchestrator import checkpoint
from orchestrator.assemble import open_spiking
from orchestrator.backend_api import NetworkState, QuantumBackendFailure
from orchestrator.events import revert_event, stop_event, tick_event
from orchestrator.faults import crash_point
from orchestrator.ledger import LedgerError
from orchestrator.loop import FusionLoop, TickRecord
from orchestrator.recorder import RunRecorder, checkpoint_path

__all__ = ["ResumeError", "Session", "StablePoint", "decode_state", "encode_state"]

CHECKPOINT_FORMAT = 1
TickCallback = Callable[[TickRecord, int, int], None]


class ResumeError(RuntimeError):
    """A run cannot be resumed (the message says why and what to do)."""


def now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass(frozen=True)
class StablePoint:
    """A rollback target: a block whose checkpoint holds a stable state."""

    height: int
    sha256: str
    loop_meta: dict[str, Any]
    loop_arrays: dict[str, np.ndarray]
    network: NetworkState


def encode_state(
    loop: FusionLoop, network: NetworkState, height: int, parent_root: str
) -> tuple[bytes, dict[str, Any], dict[str, np.ndarray]]:
    """Checkpoint bytes of the loop + network state that block ``height`` will record."""
    loop_meta, loop_arrays = loop.state()
    meta = {
        "format": CHECKPOINT_FORMAT,
        "block": height,
        "parent_root": parent_root,
        "config_sha256": loop.config_hash,
        "loop": loop_meta,
        "network": {"kind": network.kind, "tick": network.tick},
    }
    arrays = {**loop_arrays, **{f"net/{k}": np.asarray(v) for k, v in network.arrays.items()}}
    data = checkpoint.encode(checkpoint.Checkpoint(meta, arrays))
    return data, loop_meta, {k: np.array(v, copy=True) for k, v in loop_arrays.items()}


def decode_state(
    ckpt: checkpoint.Checkpoint,
) -> tuple[dict[str, Any], dict[str, np.ndarray], NetworkState]:
    """(loop meta, loop arrays, network state) of a checkpoint."""
    meta = ckpt.meta
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise checkpoint.CheckpointError(f"unknown checkpoint format {meta.get('format')!r}")
    loop_arrays = {k: v for k, v in ckpt.arrays.items() if k.startswith("loop.")}
    net_arrays = {k[4:]: v for k, v in ckpt.arrays.items() if k.startswith("net/")}
    network = NetworkState(meta["network"]["kind"], int(meta["network"]["tick"]), net_arrays)
    return meta["loop"], loop_arrays, network


class Session:
    """One run in progress: ``drive`` ticks until done, cancelled or failed."""

    def __init__(
        self,
        loop: FusionLoop,
        recorder: RunRecorder,
        stable: StablePoint | None,
        backends: dict[str, dict[str, str]],
    ) -> None:
        self.loop = loop
        self.config = loop.config
        self.recorder = recorder
        self.stable = stable  # None: the run keeps no checkpoints (backend cannot snapshot)
        self.checkpointing = stable is not None
        self.backends = backends
        self.config_hash = loop.config_hash
        self.seconds = {"quantum": 0.0, "spiking": 0.0}
        self.ticks_run = 0
        self.pending: str | None = None  # rollback trigger of the last tick, not yet acted on
        self.failure: QuantumBackendFailure | None = None  # why the run stopped, if it did

    # ------------------------------------------------------------------ one tick

    def _due(self) -> bool:
        if not self.checkpointing:
            return False
        done = self.loop.tick  # ticks completed, after the step
        return done % self.config.checkpoint.every == 0 or done >= self.config.run.ticks

    def _step(self) -> tuple[TickRecord, dict[str, Any], bytes | None, NetworkState | None]:
        record = self.loop.step()
        data = network = None
        sha = None
        if self._due():
            network = self.loop.spiking.snapshot()
            data, _, _ = encode_state(self.loop, network, self.recorder.height, self.recorder.root)
            sha = checkpoint.digest(data)
        event = tick_event(record, self.backends, self.config_hash, sha)
        return record, event, data, network

    def tick(self) -> TickRecord:
        """Run, checkpoint and record one tick (its block is committed by the writer)."""
        record, event, data, network = self._step()
        crash_point("tick", self.recorder.height)
        meta = {
            "wall_time": now(),
            "host": socket.gethostname(),
            "quantum_seconds": record.quantum_seconds,
            "spiking_seconds": record.spiking_seconds,
            "job_ids": list(record.job_ids),
            "attempts": list(record.attempts),
            "qpu_usage_seconds": record.usage_seconds,
        }
        block = self.recorder.append(
            event,
            meta,
            spikes=(record.window.neurons, record.window.times_ms),
            checkpoint_bytes=data,
            protect=None if self.stable is None else self.stable.height,
        )
        self._after(record, event, block.height, network)
        return record

    def replay(self, height: int) -> None:
        """Recompute the stored block ``height`` (a tick) and check it matches, bit for bit.

        Nothing is written: the stored block stays as it is (its checkpoint file is re-created
        if it was lost), and the chain continues from it.
        """
        record, event, data, network = self._step()
        ledger = self.recorder.ledger
        block = ledger.prepare(event, {}, (record.window.neurons, record.window.times_ms))
        try:
            ledger.adopt(block)
        except LedgerError:
            raise ResumeError(
                f"replaying tick {record.tick} (block {height}) gave a different block than the "
                "one stored: the backends did not reproduce their results, so this run can only "
                "resume from a checkpointed tick (use checkpoint.every: 1 for such backends)"
            ) from None
        if data is not None:
            path = checkpoint_path(self.recorder.run_dir, height)
            if (
                not path.is_file()
                or checkpoint.digest(path.read_bytes()) != event["checkpoint_sha256"]
            ):
                checkpoint.write(path, data)
        self._after(record, event, height, network)

    def _after(
        self, record: TickRecord, event: dict[str, Any], height: int, network: NetworkState | None
    ) -> None:
        if event["stable"] and network is not None:
            loop_meta, loop_arrays = self.loop.state()
            self.stable = StablePoint(
                height, event["checkpoint_sha256"], loop_meta, dict(loop_arrays), network
            )
        self.pending = record.stability.trigger
        self.seconds["quantum"] += record.quantum_seconds
        self.seconds["spiking"] += record.spiking_seconds
        self.ticks_run += 1

    def revert(self, reason: str) -> None:
        """Return to the last stable state and record it (spec §13 rollback)."""
        target = self.stable
        assert target is not None  # drive() reverts only when there is a stable point
        reverts = self.loop.reverts + 1
        self.loop.spiking.close()
        self.loop.spiking = open_spiking(self.config, start=target.network)
        self.loop.restore(target.loop_meta, target.loop_arrays)
        self.loop.reverts = reverts
        self.loop.decouple(self.config.stability.decouple_factor)
        network = self.loop.spiking.snapshot()
        data, loop_meta, loop_arrays = encode_state(
            self.loop, network, self.recorder.height, self.recorder.root
        )
        sha = checkpoint.digest(data)
        event = revert_event(
            tick=self.loop.tick,
            timestamp_us=round(self.loop.tick * self.loop.spiking.network.tick_ms * 1000),
            reason=reason,
            to_block=target.height,
            to_checkpoint_sha256=target.sha256,
            checkpoint_sha256=sha,
            coupling=vars(self.loop.coupling),
            reverts=reverts,
            backends=self.backends,
            config_hash=self.config_hash,
        )
        block = self.recorder.append(
            event, {"wall_time": now()}, checkpoint_bytes=data, protect=target.height
        )
        self.stable = StablePoint(block.height, sha, loop_meta, loop_arrays, network)

    def stop(self, failure: QuantumBackendFailure) -> None:
        """Record a ``stop`` block: the quantum backend cannot go on (resumable)."""
        self.failure = failure
        tick = self.loop.tick
        event = stop_event(
            tick=tick,
            timestamp_us=round(tick * self.loop.spiking.network.tick_ms * 1000),
            reason=failure.reason,
            permanent=failure.permanent,
            config_hash=self.config_hash,
        )
        meta = {
            "wall_time": now(),
            "message": str(failure),
            "attempts": list(failure.attempts),
            "job_ids": [a["job_id"] for a in failure.attempts if a.get("job_id")],
            "resume": f"qnf resume {self.recorder.run_dir}",
        }
        self.recorder.append(event, meta)

    # ------------------------------------------------------------------ the run

    def drive(
        self,
        on_tick: TickCallback | None = None,
        should_stop: Callable[[], bool] | None = None,
    ) -> str:
        """Tick until ``run.ticks`` are done ("completed"), ``should_stop`` ("cancelled") or the
        quantum backend cannot go on ("stopped", a ``stop`` block records why).

        A rollback triggered by a tick happens before the next one (or before finishing), so
        a run resumed right after such a tick takes the same path as an uninterrupted one."""
        total = self.config.run.ticks
        rule = self.config.stability
        while True:
            trigger, self.pending = self.pending, None
            can_revert = self.stable is not None and self.loop.reverts < rule.max_reverts
            if trigger and rule.enabled and can_revert:
                self.revert(trigger)
            if self.loop.tick >= total:
                return "completed"
            if should_stop is not None and should_stop():
                return "cancelled"
            try:
                record = self.tick()
            except QuantumBackendFailure as failure:
                self.stop(failure)
                return "stopped"
            if on_tick is not None:
                on_tick(record, self.loop.tick, total)
