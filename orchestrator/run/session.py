"""Driving a run tick by tick: step, checkpoint, record, roll back (spec §11, §13, §14).

A ``Session`` joins an open loop (``FusionLoop`` over two backends), an open run directory
(``RunRecorder``) and the run's ``Rollback``. Per tick it steps the loop, takes a checkpoint
when one is due (``checkpoint.every``; always after the last tick), builds the FusionEvent with
the checkpoint's SHA-256 and hands both to the recorder; a tick judged stable and checkpointed
becomes the rollback target; a tick whose verdict carries a trigger is rolled back before the
next one. ``replay`` recomputes a stored tick during a resume and checks it bit for bit.

The checkpoint's SHA-256 is computed in a thread while the next tick runs (design §27,
``run/checkpointing``): a tick's block is appended after the next tick's step (``finish``), or
at once when no checkpoint was taken or a rollback may follow; before anything else is appended
and before ``drive`` returns or raises. The network state a checkpoint took is reused by a
later one once nobody holds it (``_recycle``: never the rollback target).
"""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, final

import numpy as np

from orchestrator.contract.quantum import QuantumBackendFailure
from orchestrator.contract.spiking import NetworkState
from orchestrator.record import checkpoint
from orchestrator.record.faults import crash_point
from orchestrator.record.ledger import LedgerError
from orchestrator.record.ledger_events import stop_event
from orchestrator.record.recorder import RunRecorder
from orchestrator.run.checkpointing import Stored, Taken
from orchestrator.run.events import tick_event
from orchestrator.run.hooks import TickCallback
from orchestrator.run.loop import FusionLoop
from orchestrator.run.replay import Chain, replays
from orchestrator.run.rollback import Rollback
from orchestrator.run.state import StablePoint, state_checkpoint
from orchestrator.run.tick_record import TickRecord

__all__ = ["ReplayMismatch", "Session", "now"]


class ReplayMismatch(RuntimeError):
    """A replayed tick did not reproduce its stored block (the message says what to do)."""


def now() -> str:
    """Wall-clock time for the ledger's meta (never in an event)."""
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


@dataclass
class _Pending:
    """A tick whose block is not appended yet: its checkpoint's digest may be running."""

    record: TickRecord
    event: dict[str, Any]
    taken: Taken | None = None
    network: NetworkState | None = None
    loop_state: tuple[dict[str, Any], dict[str, np.ndarray]] | None = None
    starts_chain: bool = False  # a whole checkpoint replay records will name as their base
    wall_time: str = field(default_factory=lambda: now())


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
        self._pending: _Pending | None = None  # the last tick, its block not yet appended
        self._spare: NetworkState | None = None  # a network state nobody holds (reused)

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

    def _take(self, record: TickRecord, whole: bool = True) -> _Pending:
        """After the step: the tick's event and, when due, its checkpoint, whose digest a
        thread computes while the next tick runs (``checkpointing``): the bytes whole, or
        (``whole`` false, the chain of a replay record allowing) a replay record."""
        chain = self.chain
        if chain is not None:
            chain.drives.append(record.spikes.drive_mv)
        if not self._due():
            return _Pending(record, tick_event(record, self.backends, self.config_hash, None))
        network = self.loop.spiking.snapshot_reusing(self._spare)
        self._spare = None
        height, root = self.recorder.height, self.recorder.root
        ckpt, loop_meta, loop_arrays = state_checkpoint(self.loop, network, height, root, True)
        every = self.config.checkpoint.full_every
        starts_chain = False
        if not whole and chain is not None and chain.records + 1 < every:
            base = self.recorder.run_dir.checkpoint(chain.height).name
            taken = Taken(ckpt, chain.packer(ckpt, base))  # digested, then packed (small)
        else:
            taken = Taken(ckpt)
            if not whole:
                self.chain_from(height, "")  # its digest is set when the thread is joined
                starts_chain = self.chain is not None
        event = tick_event(record, self.backends, self.config_hash, "")  # digest: finish()
        return _Pending(record, event, taken, network, (loop_meta, loop_arrays), starts_chain)

    def _result(self, pending: _Pending) -> Stored | None:
        """Join the pending tick's digest; its event gets it (and a chain starting there)."""
        if pending.taken is None:
            return None
        sha, stored = pending.taken.result()
        pending.event["checkpoint_sha256"] = sha
        if pending.starts_chain and self.chain is not None:
            self.chain.sha256 = sha
        return stored

    def tick(self) -> TickRecord:
        """Run one tick; append the tick before it (its checkpoint was digested meanwhile);
        take this tick's checkpoint. Its block is appended by the next ``tick`` or
        ``finish`` (at once when a rollback may follow it), committed by the writer."""
        try:
            record = self.loop.step()
        except BaseException:
            with contextlib.suppress(Exception):  # what the step raised is the news
                self.finish()
            raise
        self.finish()
        self._pending = self._take(record, whole=False)
        if self._pending.taken is None or record.verdict.trigger:
            self.finish()
        return record

    def finish(self) -> None:
        """Append the tick taken last, if it is not yet (its digest joined first)."""
        pending, self._pending = self._pending, None
        if pending is None:
            return
        stored = self._result(pending)
        record = pending.record
        crash_point("tick", self.recorder.height)
        meta = {
            "wall_time": pending.wall_time,
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
            pending.event,
            meta,
            spikes=(window.neurons, window.times_ms),
            checkpoint_bytes=stored,
            protect=None if stable is None else stable.height,
        )
        self._after(pending, block.height)

    def replay(self, height: int) -> None:
        """Recompute the stored block ``height`` (a tick) and check it matches, bit for bit.

        Nothing is written: the stored block stays as it is (its checkpoint file is re-created
        if it was lost), and the chain continues from it.
        """
        self.finish()
        pending = self._take(self.loop.step())
        stored = self._result(pending)
        record, event = pending.record, pending.event
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
        if stored is not None:
            path = self.recorder.run_dir.checkpoint(height)
            try:  # a stored delta is decoded (through its bases) before it is compared
                checkpoint.read_bytes(path, event["checkpoint_sha256"])
            except checkpoint.CheckpointError:
                checkpoint.write(path, stored if isinstance(stored, bytes) else b"".join(stored))
        self._after(pending, height)

    def _after(self, pending: _Pending, height: int) -> None:
        record, event, network = pending.record, pending.event, pending.network
        before = self.rollback.stable
        if event["stable"] and network is not None and pending.loop_state is not None:
            loop_meta, loop_arrays = pending.loop_state
            self.rollback.mark(height, event["checkpoint_sha256"], loop_meta, loop_arrays, network)
        self._recycle(network, before)
        self.pending = record.verdict.trigger
        self.seconds["quantum"] += record.quantum.seconds
        self.seconds["spiking"] += record.spikes.seconds
        self.ticks_run += 1

    def _recycle(self, network: NetworkState | None, before: StablePoint | None) -> None:
        """The next snapshot may overwrite a state nobody holds any more: this tick's when it
        did not become the rollback target, else the target it replaced (``before``). Never a
        target a revert replaced: the reopened backend was built from it."""
        if network is None:
            return
        stable = self.rollback.stable
        if stable is None or stable.network is not network:
            self._spare = network
        elif before is not None and before is not stable:
            self._spare = before.network

    def stop(self, failure: QuantumBackendFailure) -> None:
        """Record a ``stop`` block: the quantum backend cannot go on (resumable)."""
        self.finish()
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
        try:
            return self._drive(on_tick, should_stop)
        except BaseException:
            with contextlib.suppress(Exception):  # what stopped the run is the news
                self.finish()  # the last tick's block, as if it had been appended at once
            raise

    def _drive(self, on_tick: TickCallback | None, should_stop: Callable[[], bool] | None) -> str:
        total = self.config.run.ticks
        while True:
            trigger, self.pending = self.pending, None
            if trigger and self.rollback.possible(self.loop):
                self.finish()
                self.rollback.revert(self.loop, self.recorder, trigger, self.backends, now())
                stable = self.rollback.stable
                if stable is not None:  # the revert's checkpoint, stored whole
                    self.chain_from(stable.height, stable.sha256)
            if self.loop.tick >= total:
                self.finish()
                return "completed"
            if should_stop is not None and should_stop():
                self.finish()
                return "cancelled"
            try:
                record = self.tick()
            except QuantumBackendFailure as failure:
                self.stop(failure)
                return "stopped"
            if on_tick is not None:
                on_tick(record, self.loop.tick, total)
