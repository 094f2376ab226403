"""The run directory: every file a run writes, named once.

    config.yaml    the resolved config (defaults filled in, overrides applied)
    ledger.sqlite  the hash-chained FusionEvents, with each tick's spike trains
    checkpoints/   <block height, 8 digits>.ckpt: the state after that block
    metrics.csv    one row per tick (a view of the tick events)
    qubits.csv     tick, qubit, <X>, <Y>, <Z> (a view of the tick events)
    learning.csv   one row per learning epoch: losses, expected cut fraction, Theta (runs
                   with ``learning:``; a view of the tick events, written with the summary)
    summary.json   status, final_root, ticks, seed, backends with versions, wall time, ...
    report.png     what the run did, drawn from the ledger

Temporary files of atomic writes are ``.<name>.<random>.tmp`` beside their target.
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, final

__all__ = [
    "LOCK_WAIT_SECONDS",
    "SUMMARY_MAX_BYTES",
    "RunBusy",
    "RunDirectory",
    "load_summary",
    "not_a_run",
    "read_summary",
]

SUMMARY_MAX_BYTES = 1 << 20  # a summary is a few kB; anything larger is not one of ours


LOCK_WAIT_SECONDS = 30.0
"""How long a run waits for its directory's lock before ``RunBusy`` (seconds)."""


class RunBusy(RuntimeError):
    """Another process is working on this run directory."""


@final
@dataclass(frozen=True)
class RunDirectory:
    """The files of one run, under ``path`` (which may not exist yet)."""

    path: Path

    LEDGER = "ledger.sqlite"
    CONFIG = "config.yaml"
    CHECKPOINTS = "checkpoints"
    METRICS = "metrics.csv"
    QUBITS = "qubits.csv"
    LEARNING = "learning.csv"
    SUMMARY = "summary.json"
    REPORT = "report.png"

    @property
    def ledger(self) -> Path:
        return self.path / self.LEDGER

    @property
    def config(self) -> Path:
        return self.path / self.CONFIG

    @property
    def checkpoints(self) -> Path:
        return self.path / self.CHECKPOINTS

    @property
    def metrics(self) -> Path:
        return self.path / self.METRICS

    @property
    def qubits(self) -> Path:
        return self.path / self.QUBITS

    @property
    def learning(self) -> Path:
        return self.path / self.LEARNING

    @property
    def summary(self) -> Path:
        return self.path / self.SUMMARY

    @property
    def report(self) -> Path:
        return self.path / self.REPORT

    def checkpoint(self, height: int) -> Path:
        """The checkpoint file of block ``height``."""
        return self.checkpoints / f"{height:08d}.ckpt"

    def checkpoint_height(self, path: Path) -> int | None:
        """The block height a checkpoint file belongs to, None for a name that is not one."""
        return int(path.stem) if path.suffix == ".ckpt" and path.stem.isdigit() else None

    def is_run(self) -> bool:
        """Whether a run was ever started here (it has a ledger)."""
        return self.ledger.is_file()

    def temporaries(self) -> list[Path]:
        """Leftover temporary files of interrupted atomic writes."""
        return [p for d in (self.path, self.checkpoints) for p in d.glob(".*.tmp")]

    @contextmanager
    def locked(self, wait_seconds: float | None = None) -> Iterator[int]:
        """Hold the directory's exclusive lock (``flock``); yields its descriptor.

        One process at a time works on a run; the kernel releases the lock when the process
        dies. Waits up to ``wait_seconds`` for it: after a crash the run's writer process
        finishes the blocks it was given before it lets go (seconds at most). ``RunBusy`` if
        it does not come. ``None`` waits ``LOCK_WAIT_SECONDS``.
        """
        fd = os.open(self.path, os.O_RDONLY)
        try:
            wait = LOCK_WAIT_SECONDS if wait_seconds is None else wait_seconds
            deadline = time.monotonic() + wait
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise RunBusy(f"{self.path} is in use by another qnf process") from None
                    time.sleep(0.05)
            yield fd
        finally:
            os.close(fd)

    def __str__(self) -> str:
        return str(self.path)


def load_summary(files: RunDirectory) -> dict[str, Any]:
    """summary.json as a mapping. ``FileNotFoundError`` when there is none; ``ValueError``
    saying why when it is not a regular file, too large, not JSON or not a JSON object."""
    try:
        fd = os.open(files.summary, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        raise
    except OSError as exc:
        raise ValueError(f"cannot be read ({exc.strerror})") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):  # before fdopen, which refuses a directory
        os.close(fd)
        raise ValueError("is not a regular file")
    with os.fdopen(fd, "rb") as fh:
        data = fh.read(SUMMARY_MAX_BYTES + 1)
    if len(data) > SUMMARY_MAX_BYTES:
        raise ValueError(f"is larger than {SUMMARY_MAX_BYTES} bytes")
    try:
        summary = json.loads(data)
    except (ValueError, RecursionError):
        raise ValueError("is not JSON") from None
    if not isinstance(summary, dict):
        raise ValueError(f"is not a JSON object (a {type(summary).__name__})")
    return summary


def read_summary(files: RunDirectory) -> dict[str, Any] | None:
    """summary.json as a mapping, or None when it is missing or not a readable JSON object."""
    try:
        return load_summary(files)
    except (OSError, ValueError):
        return None


def not_a_run(path: Path) -> str:
    """The line for a path that is not a run directory (what to give instead)."""
    files = RunDirectory(path)
    inside = (
        sorted(p.name for p in path.iterdir() if RunDirectory(p).is_run()) if path.is_dir() else []
    )
    hint = (
        f"; it holds run directories: {', '.join(inside[:5])}{' ...' if len(inside) > 5 else ''}"
        if inside
        else "; give the directory `qnf run` wrote (it holds ledger.sqlite)"
    )
    return f"{path}: not a run directory (no {files.LEDGER}){hint}"
