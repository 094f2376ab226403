"""Writing a run directory while the loop runs: ledger blocks, checkpoints, CSV views.

A block is hashed when it is appended (``Ledger.prepare``, so the chain root is known at once
and blocks stay in order) and handed to the run's writer process (``orchestrator.record.writer``),
which makes it durable while the loop computes the next tick: the checkpoint file (write,
fsync, rename, fsync of the directory), the ledger block (one SQLite transaction with
``synchronous=FULL``) and the CSV rows. A tick is *acknowledged* when the writer reports its
block committed (``committed`` / ``on_commit``); a crash loses at most the ticks not yet
committed, which a resume recomputes.

Checkpoint files are ``checkpoints/<block height>.ckpt``; after each commit only the newest
``keep`` are kept, besides the initial one (block 0) and the last stable one (rollback target).
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import pickle
import select
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from orchestrator.record import writer
from orchestrator.record.events import METRICS_COLUMNS, metrics_row, qubit_rows
from orchestrator.record.failure import RecorderError
from orchestrator.record.fsutil import make_dir, write_atomic
from orchestrator.record.ledger import Ledger, PreparedBlock, read_blocks
from orchestrator.record.rundir import RunDirectory
from orchestrator.record.writer import WriteItem

__all__ = [
    "RecorderError",
    "RunRecorder",
    "rebuild_csv",
]


class RunRecorder:
    """Appends blocks (with their checkpoints and CSV rows) to an open run directory.

    hold: descriptors the writer process keeps until it is done (the run directory's lock).
    full_every, compress: how checkpoint files are stored (``writer.DurableWriter``).
    """

    def __init__(
        self,
        run_dir: RunDirectory,
        ledger: Ledger,
        keep: int,
        resumed: bool = False,
        hold: tuple[int, ...] = (),
        full_every: int = 1,
        compress: bool = False,
    ) -> None:
        self.run_dir = run_dir
        self.ledger = ledger
        self.committed = ledger.height  # blocks durable so far
        self.write_seconds = 0.0  # time the writer has spent making blocks durable
        self.on_commit: Callable[[int, dict[str, Any]], None] | None = None
        make_dir(run_dir.checkpoints, exist_ok=True)
        if not resumed:
            for path, header in ((run_dir.metrics, METRICS_COLUMNS), (run_dir.qubits, _QUBITS)):
                write_atomic(path, _csv_bytes([header]))
        self._waiting: dict[int, dict[str, Any]] = {}  # sent, not yet acknowledged
        ledger.release()  # no SQLite connection may cross the fork
        self._pid, self._out, self._in = writer.start(run_dir, keep, hold, full_every, compress)
        self._closed = False
        self.failure: RecorderError | None = None  # why the writer stopped, once it did

    @property
    def root(self) -> str:
        """Chain root after the last *appended* block."""
        return self.ledger.root

    @property
    def height(self) -> int:
        """Height the next appended block will get."""
        return self.ledger.height

    def append(
        self,
        event: dict[str, Any],
        meta: dict[str, Any],
        spikes: tuple[np.ndarray, np.ndarray] | None = None,
        checkpoint_bytes: bytes | Sequence[bytes | memoryview] | None = None,
        protect: int | None = None,
    ) -> PreparedBlock:
        """Hash the block now and hand it to the writer; returns once the writer's pipe took
        the checkpoint (its bytes, or the pieces they are the concatenation of, which are
        never joined here): they may change afterwards."""
        self._receive(wait_for=None)
        block = self.ledger.prepare(event, meta, spikes)
        self._waiting[block.height] = event
        data: writer.Pieces | pickle.PickleBuffer | None = None
        if isinstance(checkpoint_bytes, (bytes, bytearray, memoryview)):
            data = pickle.PickleBuffer(checkpoint_bytes)
        elif checkpoint_bytes is not None:
            data = writer.Pieces(tuple(checkpoint_bytes))
        self._send(WriteItem(block, data, protect))  # the bytes travel out of band, uncopied
        return block

    def flush(self) -> None:
        """Wait until every appended block is durable; ``RecorderError`` if one failed."""
        self._send(writer.FLUSH)
        self._receive(wait_for=writer.FLUSHED)

    def _send(self, message: Any) -> None:
        if self.failure is not None:
            raise self.failure
        try:
            writer.send_message(self._out, message)
        except BrokenPipeError:  # the writer stopped; its last answer says why
            self._receive(wait_for="error")
            raise RecorderError("the run's writer process ended unexpectedly") from None

    def close(self) -> None:
        """Let the writer finish what it was given, stop it, close the ledger. Idempotent.

        Never raises for the writer's own failure: ``failure`` holds it (``flush`` raises it).
        """
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):  # the writer may be gone already
            writer.send_message(self._out, writer.STOP)
        os.close(self._out)
        os.waitpid(self._pid, 0)
        try:
            with contextlib.suppress(RecorderError):  # kept in self.failure
                self._drain_remaining()
        finally:
            os.close(self._in)
            self.ledger.close()

    def _receive(self, wait_for: str | None) -> None:
        """Handle the writer's answers: all that are ready, or until ``wait_for`` arrives."""
        while True:
            if wait_for is None and not select.select([self._in], [], [], 0)[0]:
                return
            message = writer.read_message(self._in)
            if message is None:
                self.failure = RecorderError("the run's writer process ended unexpectedly")
                raise self.failure
            if self._handle(message) == wait_for and wait_for is not None:
                return

    def _drain_remaining(self) -> None:
        while (message := writer.read_message(self._in)) is not None:
            self._handle(message)

    def _handle(self, message: tuple[Any, Any]) -> Any:
        kind, value = message
        if kind == "error":
            text, path, errno = value
            self.failure = RecorderError(text, path, errno)
            raise self.failure
        self.write_seconds = value
        if kind == writer.FLUSHED:
            return kind
        self.committed = kind + 1
        event = self._waiting.pop(kind)
        if self.on_commit is not None:
            self.on_commit(kind, event)
        return kind


_QUBITS = ("tick", "qubit", "X", "Y", "Z")


def rebuild_csv(run_dir: RunDirectory, upto: int | None = None) -> None:
    """Rewrite metrics.csv and qubits.csv from the ledger's tick events (blocks < ``upto``)."""
    metrics: list[Iterable[Any]] = [METRICS_COLUMNS]
    qubits: list[Iterable[Any]] = [_QUBITS]
    for height, event, _ in read_blocks(run_dir.ledger):
        if upto is not None and height >= upto:
            break
        if event.get("kind") == "tick":
            metrics.append(metrics_row(event))
            qubits.extend(qubit_rows(event))
    for path, rows in ((run_dir.metrics, metrics), (run_dir.qubits, qubits)):
        write_atomic(path, _csv_bytes(rows))


def _csv_bytes(rows: list[Iterable[Any]]) -> bytes:
    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()
