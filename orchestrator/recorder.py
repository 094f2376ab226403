"""Writing a run directory while the loop runs: ledger blocks, checkpoints, CSV views.

A block is hashed when it is appended (``Ledger.prepare``, so the chain root is known at once
and blocks stay in order) and written later by ``write_pending``: the checkpoint file (write,
fsync, rename, fsync of the directory), the ledger block (one SQLite transaction with
``synchronous=FULL``) and the CSV rows. The session calls ``write_pending`` while the quantum
backend works on the next tick (``FusionLoop.step(during_quantum=...)``): the durable work of
tick t overlaps the circuits of tick t+1 instead of adding to the tick. (A writer *thread* was
tried first: its many short GIL-releasing I/O calls fought the Brian2 thread for the GIL and
cost more than writing synchronously; measured in BENCHMARKS.md.) A tick is *acknowledged* when
its block is committed (``committed`` / ``on_commit``); a crash loses at most the ticks not yet
committed, which a resume recomputes.

Checkpoint files are ``checkpoints/<block height>.ckpt``; after each commit only the newest
``keep`` are kept, besides the initial one (block 0) and the last stable one (rollback target).
"""

from __future__ import annotations

import csv
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
    "RunRecorder",
    "checkpoint_path",
    "rebuild_csv",
]

CHECKPOINT_DIR = "checkpoints"


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
        self._pending: list[_Item] = []

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
        checkpoint_bytes: bytes | None = None,
        protect: int | None = None,
    ) -> PreparedBlock:
        """Hash the block now; it is written by the next ``write_pending``."""
        block = self.ledger.prepare(event, meta, spikes)
        self._pending.append(
            _Item(block, dict(event, block=block.height), checkpoint_bytes, protect)
        )
        return block

    def write_pending(self) -> None:
        """Make every appended block durable, in order."""
        while self._pending:
            self._write(self._pending[0])
            self._pending.pop(0)

    flush = write_pending

    def close(self) -> None:
        """Close the files (without writing what is pending: call ``flush`` first). Idempotent."""
        for fh in (self._metrics_fh, self._qubits_fh):
            if not fh.closed:
                fh.close()
        self.ledger.close()

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
