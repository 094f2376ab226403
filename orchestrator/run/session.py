"""Driving a run tick by tick: step, checkpoint, record, roll back (spec §11, §13, §14).

A ``Session`` joins an open loop (``FusionLoop`` over two backends), an open run directory
(``RunRecorder``) and the run's ``Rollback``. Per tick it steps the loop, takes a checkpoint
when one is due (``checkpoint.every``; always after the last tick), builds the FusionEvent with
the checkpoint's SHA-256 and hands both to the recorder; a tick judged stable and checkpointed
becomes the rollback target; a tick whose verdict carries a trigger is rolled back before the
next one. ``replay`` recomputes a stored tick during a resume and checks it bit for bit.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any, final

from orchestrator.contract.quantum import QuantumBackendFailure
from orchestrator.contract.spiking import NetworkState
from orchestrator.record import checkpoint
from orchestrator.record.faults import crash_point
from orchestrator.record.ledger import LedgerError
from orchestrator.record.ledger_events import stop_event
from orchestrator.record.recorder import RunRecorder
from orchestrator.run.events import tick_event
from orchestrator.run.hooks import TickCallback
from orchestrator.run.loop import FusionLoop
from orchestrator.run.replay import Chain, replays
from orchestrator.run.rollback import Rollback
from orchestrator.run.state import encode_state, state_checkpoint
from orchestrator.run.tick_record import TickRecord

__all__ = ["ReplayMismatch", "Session", "now"]


class ReplayMismatch(RuntimeError):
    """A replayed tick did not reproduce its stored block (the message says what to do)."""


def now() -> str:
    """Wall-clock time for the ledger's meta (never in an event)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@final
class Session:
    """One run in progress: ``drive`` ticks until done, cancelled or failed."""

    def __init__(
        self,
        loop: FusionLoop,
        recorder: RunRecorder,
        rollback: Rollback,
        backends: dict[str, dict[str, str]],
    ) -> None:
        self.loop = loop
        self.config = loop.config
        self.recorder = recorder
        self.rollback = rollback
        self.checkpointing = rollback.stable is not None
        self.backends = backends
        self.config_hash = loop.config_hash
        self.seconds = {"quantum": 0.0, "spiking": 0.0}
        self.ticks_run = 0
        self.pending: str | None = None  # rollback trigger of the last tick, not yet acted on
        self.failure: QuantumBackendFailure | None = None  # why the run stopped, if it did
        self.first_meta: dict[str, Any] = {}  # added to the next tick's meta (a resume's)
        # replay records (design §27): the whole checkpoint they replay from, None: next whole
        self.replaying = self.checkpointing and replays(self.config)
        self.chain: Chain | None = None

    def chain_from(self, height: int, sha256: str) -> None:
        """Block ``height`` (checkpoint ``sha256``) is stored whole and holds the network the
        next ticks continue: replay records may replay from it (with ``checkpoint.replay``)."""
        if self.replaying:
            self.chain = Chain(height, sha256)

    # ------------------------------------------------------------------ one tick

    def _due(self) -> bool:
        if not self.checkpointing:
            return False
        done = self.loop.tick  # ticks completed, after the step
        return done % self.config.checkpoint.every == 0 or done >= self.config.run.ticks

    def _step(
        self, whole: bool = True
    ) -> tuple[TickRecord, dict[str, Any], bytes | None, NetworkState | None]:
        """One tick and, when due, its checkpoint: the bytes whole, or (``whole`` false, the
        chain of a replay record allowing) the stored bytes of a replay record."""
        record = self.loop.step()
        chain = self.chain
        if chain is not None:
            chain.drives.append(record.spikes.drive_mv)
        data = network = None
        sha = None
        if self._due():
            network = self.loop.spiking.snapshot()
            height, root = self.recorder.height, self.recorder.root
            every = self.config.checkpoint.full_every
            if not whole and chain is not None and chain.records + 1 < every:
                ckpt, _, _ = state_checkpoint(self.loop, network, height, root)
                sha, size = checkpoint.encoded_digest(ckpt)  # hashed in place, no copy
                base = self.recorder.run_dir.checkpoint(chain.height).name
                data = chain.record(ckpt, sha, size, base)
            else:
                data, _, _ = encode_state(self.loop, network, height, root)
                sha = checkpoint.digest(data)
                if not whole:
                    self.chain_from(height, sha)
        event = tick_event(record, self.backends, self.config_hash, sha)
        return record, event, data, network

    def tick(self) -> TickRecord:
        """Run, checkpoint and record one tick (its block is committed by the writer)."""
        record, event, data, network = self._step(whole=False)
        crash_point("tick", self.recorder.height)
        meta = {
            "wall_time": now(),
            "host": socket.gethostname(),
            "quantum_seconds": record.quantum.seconds,
            "spiking_seconds": record.spikes.seconds,
            "job_ids": list(record.quantum.job_ids),
            "attempts": list(record.quantum.attempts),
            "qpu_usage_seconds": record.quantum.usage_seconds,
            **self.first_meta,
        }
        self.first_meta = {}
        stable = self.rollback.stable
        window = record.spikes.window
        block = self.recorder.append(
            event,
            meta,
            spikes=(window.neurons, window.times_ms),
            checkpoint_bytes=data,
            protect=None if stable is None else stable.height,
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
        window = record.spikes.window
        block = ledger.prepare(event, {}, (window.neurons, window.times_ms))
        try:
            ledger.adopt(block)
        except LedgerError:
            raise ReplayMismatch(
                f"replaying tick {record.tick} (block {height}) gave a different block than the "
                "one stored: the backends did not reproduce their results, so this run can only "
                "resume from a checkpointed tick (use checkpoint.every: 1 for such backends)"
            ) from None
        if data is not None:
            path = self.recorder.run_dir.checkpoint(height)
            try:  # a stored delta is decoded (through its bases) before it is compared
                checkpoint.read_bytes(path, event["checkpoint_sha256"])
            except checkpoint.CheckpointError:
                checkpoint.write(path, data)
        self._after(record, event, height, network)

    def _after(
        self, record: TickRecord, event: dict[str, Any], height: int, network: NetworkState | None
    ) -> None:
        if event["stable"] and network is not None:
            self.rollback.mark(height, event["checkpoint_sha256"], self.loop, network)
        self.pending = record.verdict.trigger
        self.seconds["quantum"] += record.quantum.seconds
        self.seconds["spiking"] += record.spikes.seconds
        self.ticks_run += 1

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
        while True:
            trigger, self.pending = self.pending, None
            if trigger and self.rollback.possible(self.loop):
                self.rollback.revert(self.loop, self.recorder, trigger, self.backends, now())
                stable = self.rollback.stable
                if stable is not None:  # the revert's checkpoint, stored whole
                    self.chain_from(stable.height, stable.sha256)
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
