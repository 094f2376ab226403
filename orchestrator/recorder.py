"""Writing a run directory while the loop runs: ledger blocks, checkpoints, CSV views.

The durable part of a tick (checkpoint file: write, fsync, rename, fsync of the directory;
ledger block: one SQLite transaction with ``synchronous=FULL``; CSV rows) runs on a writer
thread, so the loop computes tick t+1 while tick t becomes durable. Hashing happens on the
caller's thread (``Ledger.prepare``), so the chain root is known at once and blocks are
committed strictly in order. A tick is *acknowledged* when its block is committed
(``committed`` / ``on_commit``). A failure of the writer stops the run at the next tick with
``RecorderError``; a crash loses at most the ticks not yet committed, which a resume recomputes.

Checkpoint files are ``checkpoints/<block height>.ckpt``; after each commit only the newest
``keep`` are kept, besides the initial one (block 0) and the last stable one (rollback target).
"""

from __future__ import annotations

import csv
import queue
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from orchestrator import checkpoint
from orchestrator.events import METRICS_COLUMNS, metrics_row, qubit_rows
from orchestrator.faults import crash_point
from orchestrator.ledger import Ledger, PreparedBlock, read_blocks

__all__ = [
    "CHECKPOINT_DIR",
    "RecorderError",
    "RunRecorder",
    "checkpoint_path",
    "rebuild_csv",
]

CHECKPOINT_DIR = "checkpoints"
_DONE = object()


class RecorderError(RuntimeError):
    """The run directory could not be written; the run stops at the next tick."""


def checkpoint_path(run_dir: Path, height: int) -> Path:
    return run_dir / CHECKPOINT_DIR / f"{height:08d}.ckpt"


@dataclass(frozen=True)
class _Item:
    block: PreparedBlock
    event: dict[str, Any]
    checkpoint: bytes | None
    protect: int | None  # height of the stable checkpoint at submission time


class RunRecorder:
    """Appends blocks (with their checkpoints and CSV rows) to an open run directory."""

    def __init__(self, run_dir: Path, ledger: Ledger, keep: int, resumed: bool = False) -> None:
        self.run_dir = run_dir
        self.ledger = ledger
        self.keep = keep
        self.committed = ledger.height  # blocks durable so far
        self.on_commit: Callable[[int, dict[str, Any]], None] | None = None
        (run_dir / CHECKPOINT_DIR).mkdir(exist_ok=True)
        mode = "a" if resumed else "w"
        self._metrics_fh = open(run_dir / "metrics.csv", mode, newline="")  # noqa: SIM115
        self._qubits_fh = open(run_dir / "qubits.csv", mode, newline="")  # noqa: SIM115
        self._metrics = csv.writer(self._metrics_fh)
        self._qubits = csv.writer(self._qubits_fh)
        if not resumed:
            self._metrics.writerow(METRICS_COLUMNS)
            self._qubits.writerow(("tick", "qubit", "X", "Y", "Z"))
            self._flush_csv()
        self._kept: list[int] = sorted(
            int(p.stem) for p in (run_dir / CHECKPOINT_DIR).glob("*.ckpt") if p.stem.isdigit()
        )
        self._queue: queue.Queue[object] = queue.Queue(maxsize=2)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._write_loop, name="qnf-recorder", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ caller's thread

    @property
    def root(self) -> str:
        """Chain root after the last *submitted* block."""
        return self.ledger.root

    @property
    def height(self) -> int:
        """Height the next submitted block will get."""
        return self.ledger.height

    def append(
        self,
        event: dict[str, Any],
        meta: dict[str, Any],
        spikes: tuple[np.ndarray, np.ndarray] | None = None,
        checkpoint_bytes: bytes | None = None,
        protect: int | None = None,
    ) -> PreparedBlock:
        """Hash the block now; write it (and its checkpoint) on the writer thread."""
        self._raise_if_failed()
        block = self.ledger.prepare(event, meta, spikes)
        item = _Item(block, dict(event, block=block.height), checkpoint_bytes, protect)
        self._queue.put(item)
        return block

    def flush(self) -> None:
        """Wait until everything submitted is durable; raise if the writer failed."""
        self._queue.join()
        self._raise_if_failed()

    def close(self) -> None:
        """Flush what can be flushed, stop the writer, close files. Idempotent."""
        if self._thread.is_alive():
            self._queue.put(_DONE)
            self._thread.join()
        for fh in (self._metrics_fh, self._qubits_fh):
            if not fh.closed:
                fh.close()
        self.ledger.close()

    def _raise_if_failed(self) -> None:
        if self._error is not None:
            raise RecorderError(f"writing the run directory failed: {self._error}") from self._error

    # ------------------------------------------------------------------ writer thread

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _DONE:
                    return
                if self._error is None:
                    self._write(item)  # type: ignore[arg-type]
            except BaseException as exc:  # surfaced on the caller's next append or flush
                self._error = exc
            finally:
                self._queue.task_done()

    def _write(self, item: _Item) -> None:
        height = item.block.height
        if item.checkpoint is not None:
            checkpoint.write(checkpoint_path(self.run_dir, height), item.checkpoint, height)
        self.ledger.commit(item.block)
        self.committed = height + 1
        crash_point("after-commit", height)
        if item.event.get("kind") == "tick":
            self._metrics.writerow(metrics_row(item.event))
            self._qubits.writerows(qubit_rows(item.event))
            self._flush_csv()
        if item.checkpoint is not None:
            self._kept.append(height)
            self._prune(item.protect)
        if self.on_commit is not None:
            self.on_commit(height, item.event)

    def _flush_csv(self) -> None:
        self._metrics_fh.flush()
        self._qubits_fh.flush()

    def _prune(self, protect: int | None) -> None:
        keep = set(self._kept[-self.keep :]) | {0}
        if protect is not None:
            keep.add(protect)
        for height in [h for h in self._kept if h not in keep]:
            checkpoint_path(self.run_dir, height).unlink(missing_ok=True)
        self._kept = [h for h in self._kept if h in keep]


def rebuild_csv(run_dir: Path, upto: int | None = None) -> None:
    """Rewrite metrics.csv and qubits.csv from the ledger's tick events (blocks < ``upto``)."""
    from orchestrator.fsutil import write_atomic

    metrics: list[Iterable[Any]] = [METRICS_COLUMNS]
    qubits: list[Iterable[Any]] = [("tick", "qubit", "X", "Y", "Z")]
    for height, event, _ in read_blocks(run_dir / "ledger.sqlite"):
        if upto is not None and height >= upto:
            break
        if event.get("kind") == "tick":
            metrics.append(metrics_row(event))
            qubits.extend(qubit_rows(event))
    for name, rows in (("metrics.csv", metrics), ("qubits.csv", qubits)):
        write_atomic(run_dir / name, _csv_bytes(rows))


def _csv_bytes(rows: list[Iterable[Any]]) -> bytes:
    import io

    buf = io.StringIO(newline="")
    csv.writer(buf).writerows(rows)
    return buf.getvalue().encode()
