"""The hash-chained FusionEvent ledger (spec §11; design §2b "§11 ledger").

Every block holds one FusionEvent as RFC 8785 canonical JSON, and

    Root_{t+1} = SHA-256( TAG || Root_t || canonical(event_t) ),   Root_0 = 32 zero bytes,

with TAG = b"qnfusion/FusionEvent/v1\\0" (domain separation); both chains are computed by
``orchestrator.record.chain``, the one place that writes the formulas. The event carries its
own block height and ``parent_block`` = hex(Root_t). What cannot repeat between two runs of the same
config (wall clock, host, job ids, timings) goes into the block's ``meta`` column, chained in a
second hash that also binds the block's root,

    MetaRoot_{t+1} = SHA-256( META_TAG || MetaRoot_t || Root_{t+1} || canonical(meta_t) ),

so meta is tamper-evident too but never changes ``Root``: a simulated run replayed with the same
config and seed reproduces the final root on any machine with the same backend versions.

Storage: SQLite in WAL mode with ``synchronous=FULL``; one transaction per block (event, meta and
the block's spike trains together, so a crash loses a whole block or nothing). Triggers make
the tables append-only: a rollback appends a ``revert`` event, never rewrites. A block's spike
trains live in ``spikes`` as raw arrays; their SHA-256 is a field of the event, so they are
covered by the chain without bloating it.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from orchestrator.record.canonical import canonical
from orchestrator.record.chain import GENESIS, next_meta_root, next_root, sha256
from orchestrator.record.faults import crash_point
from orchestrator.record.fsutil import create_private, fsync_dir

__all__ = [
    "Ledger",
    "LedgerError",
    "PreparedBlock",
    "canonical",
    "commit_block",
    "connect",
    "last_events",
    "open_reader",
    "read_blocks",
    "read_spikes",
    "spikes_digest",
]


_SCHEMA = """
CREATE TABLE blocks (
    height    INTEGER PRIMARY KEY,
    event     TEXT NOT NULL,
    parent    TEXT NOT NULL,
    root      TEXT NOT NULL,
    meta      TEXT NOT NULL,
    meta_root TEXT NOT NULL
);
CREATE TABLE spikes (
    height  INTEGER PRIMARY KEY,
    neurons BLOB NOT NULL,
    times   BLOB NOT NULL
);
CREATE TRIGGER blocks_append_only_u BEFORE UPDATE ON blocks
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER blocks_append_only_d BEFORE DELETE ON blocks
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER spikes_append_only_u BEFORE UPDATE ON spikes
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER spikes_append_only_d BEFORE DELETE ON spikes
    BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
"""


class LedgerError(RuntimeError):
    """The ledger file cannot be created, opened or appended to."""


def spikes_digest(neurons: np.ndarray, times_ms: np.ndarray) -> str:
    """SHA-256 over the stored spike arrays (int64 neuron ids, float64 times, little-endian)."""
    return sha256(_pack(neurons, "<i8"), _pack(times_ms, "<f8")).hex()


def _pack(array: np.ndarray, dtype: str) -> bytes:
    return np.ascontiguousarray(array, dtype=dtype).tobytes()


@dataclass(frozen=True)
class PreparedBlock:
    """A hashed block waiting to be committed (see ``Ledger.prepare``)."""

    height: int
    event: str
    parent: str
    root: str
    meta: str
    meta_root: str
    spikes: tuple[bytes, bytes] | None


class Ledger:
    """An open, append-only ledger file. One writer; use as a context manager.

    crash_phase: the name of its crash point inside a commit (``record.faults``; a
    federation's ledger is ``federation-commit``)."""

    crash_phase = "ledger-commit"

    def __init__(self, conn: sqlite3.Connection, height: int, root: bytes, meta_root: bytes):
        self._conn: sqlite3.Connection | None = conn
        self.path = Path(conn.execute("PRAGMA database_list").fetchone()[2])
        self.height = height
        self._root = root
        self._meta_root = meta_root

    @classmethod
    def create(cls, path: Path) -> Ledger:
        """A new, empty ledger at ``path`` (which must not exist)."""
        if path.exists():
            raise LedgerError(f"{path} already exists; a ledger is never overwritten")
        # Built under a temporary name and renamed: a reader (or a resume after a kill) never
        # finds a ledger file without its tables.
        building = path.with_name(f".{path.name}.new")
        for leftover in (building, *(Path(f"{building}{end}") for end in ("-wal", "-shm"))):
            leftover.unlink(missing_ok=True)
        create_private(building)
        conn = cls._connect(building)
        try:
            conn.executescript(_SCHEMA)
        except BaseException:
            conn.close()
            building.unlink(missing_ok=True)
            raise
        conn.close()  # the last connection checkpoints and removes the -wal/-shm files
        if path.exists():
            building.unlink()
            raise LedgerError(f"{path} already exists; a ledger is never overwritten")
        os.replace(building, path)
        fsync_dir(path.parent)
        return cls(cls._connect(path), 0, GENESIS, GENESIS)

    @classmethod
    def open(cls, path: Path, height: int | None = None) -> Ledger:
        """An existing ledger, positioned after its last block, or before block ``height``.

        Positioned inside the chain, ``prepare`` recomputes stored blocks (a resume replaying
        ticks); ``adopt`` then takes the stored block as the chain's state. Only blocks past
        the stored end may be committed.
        """
        if not path.exists():
            raise LedgerError(f"{path}: no such ledger")
        conn = cls._connect(path)
        if height is None:
            row = conn.execute(
                "SELECT height, root, meta_root FROM blocks ORDER BY height DESC LIMIT 1"
            ).fetchone()
        else:
            row = conn.execute(
                "SELECT height, root, meta_root FROM blocks WHERE height = ?", (height - 1,)
            ).fetchone()
            if row is None and height > 0:
                conn.close()
                raise LedgerError(f"{path}: no block {height - 1}")
        if row is None:
            return cls(conn, 0, GENESIS, GENESIS)
        return cls(conn, row[0] + 1, bytes.fromhex(row[1]), bytes.fromhex(row[2]))

    def stored(self, height: int) -> tuple[str, str] | None:
        """(root, meta root) of the stored block at ``height``, or None past the end."""
        conn = self._conn if self._conn is not None else open_reader(self.path)
        try:
            row = conn.execute(
                "SELECT root, meta_root FROM blocks WHERE height = ?", (height,)
            ).fetchone()
        finally:
            if conn is not self._conn:
                conn.close()
        return None if row is None else (row[0], row[1])

    def skip(self, height: int) -> None:
        """Take the stored block at ``height`` as the chain state without recomputing it."""
        stored = self.stored(height)
        if stored is None or height != self.height:
            raise LedgerError(f"cannot skip to block {height} from {self.height}")
        self.height = height + 1
        self._root, self._meta_root = bytes.fromhex(stored[0]), bytes.fromhex(stored[1])

    def adopt(self, block: PreparedBlock) -> None:
        """Take the stored block at ``block.height`` as the chain state (after a replay)."""
        stored = self.stored(block.height)
        if stored is None or stored[0] != block.root:
            raise LedgerError(f"block {block.height}: replayed root differs from the stored one")
        self._meta_root = bytes.fromhex(stored[1])

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("PRAGMA synchronous=FULL")
        return conn

    @property
    def root(self) -> str:
        """hex(Root) after the last appended block."""
        return self._root.hex()

    def append(
        self,
        event: Mapping[str, Any],
        meta: Mapping[str, Any],
        spikes: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> str:
        """Append one block in one durable transaction; return the new root (hex).

        ``event`` gets ``block`` (its height) and ``parent_block`` added, and, when ``spikes``
        (neuron ids, times in ms) are given, ``spikes_sha256``.
        """
        block = self.prepare(event, meta, spikes)
        self.commit(block)
        return block.root

    def prepare(
        self,
        event: Mapping[str, Any],
        meta: Mapping[str, Any],
        spikes: tuple[np.ndarray, np.ndarray] | None = None,
    ) -> PreparedBlock:
        """Hash the next block and advance the in-memory chain; ``commit`` makes it durable.

        Blocks must be committed in the order they were prepared (one writer). Splitting the
        two lets the run's writer process do the durable part while the loop computes the next
        tick.
        """
        body = dict(event, block=self.height, parent_block=self._root.hex())
        blobs = None
        if spikes is not None:
            blobs = (_pack(spikes[0], "<i8"), _pack(spikes[1], "<f8"))
            body["spikes_sha256"] = sha256(*blobs).hex()
        event_bytes = canonical(body)
        meta_bytes = canonical(meta)
        root = next_root(self._root, event_bytes)
        meta_root = next_meta_root(self._meta_root, root, meta_bytes)
        block = PreparedBlock(
            height=self.height,
            event=event_bytes.decode(),
            parent=self._root.hex(),
            root=root.hex(),
            meta=meta_bytes.decode(),
            meta_root=meta_root.hex(),
            spikes=blobs,
        )
        self.height += 1
        self._root, self._meta_root = root, meta_root
        return block

    def commit(self, block: PreparedBlock) -> None:
        """Write a prepared block in one durable transaction (event, meta and spikes)."""
        if self._conn is None:
            raise LedgerError("this ledger was released to a writer process")
        commit_block(self._conn, block, self.crash_phase)

    def release(self) -> None:
        """Close this process's connection: another process commits from now on.

        SQLite forbids carrying an open connection across ``fork``; call this before forking
        the writer. ``prepare`` keeps working (it needs no connection); ``stored`` opens a
        short-lived reading connection.
        """
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def close(self) -> None:
        self.release()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(path: Path) -> sqlite3.Connection:
    """A writing connection to an existing ledger (WAL, ``synchronous=FULL``)."""
    return Ledger._connect(path)


def commit_block(
    conn: sqlite3.Connection, block: PreparedBlock, crash_phase: str = "ledger-commit"
) -> None:
    """Write a prepared block in one durable transaction (event, meta and spikes).

    crash_phase: the name of the crash point between INSERT and COMMIT (``record.faults``)."""
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "INSERT INTO blocks VALUES (?, ?, ?, ?, ?, ?)",
            (block.height, block.event, block.parent, block.root, block.meta, block.meta_root),
        )
        if block.spikes is not None:
            conn.execute("INSERT INTO spikes VALUES (?, ?, ?)", (block.height, *block.spikes))
        crash_point(crash_phase, block.height)
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:  # SQLite rolls back by itself when COMMIT fails on a full disk
            conn.execute("ROLLBACK")
        raise


def open_reader(path: Path) -> sqlite3.Connection:
    """A reading connection. Not SQLite's ``mode=ro``: a read-only connection to a WAL database
    cannot remove the -wal/-shm files it creates, and they would be left beside the ledger."""
    if not path.is_file():
        raise LedgerError(f"{path}: no such ledger")
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA query_only=1")
    return conn


def read_blocks(path: Path) -> Iterator[tuple[int, dict[str, Any], dict[str, Any]]]:
    """(height, event, meta) of every block, in order (no verification)."""
    conn = open_reader(path)
    try:
        for height, event, meta in conn.execute(
            "SELECT height, event, meta FROM blocks ORDER BY height"
        ):
            yield height, json.loads(event), json.loads(meta)
    finally:
        conn.close()


def last_events(path: Path, count: int) -> list[tuple[int, dict[str, Any]]]:
    """(height, event) of the last ``count`` blocks, oldest first; [] when unreadable now.

    For live views of a run another process is writing (a busy database is not an error).
    """
    if not path.is_file():
        return []
    try:
        conn = sqlite3.connect(path, timeout=1.0)
        try:
            conn.execute("PRAGMA query_only=1")
            rows = conn.execute(
                "SELECT height, event FROM blocks ORDER BY height DESC LIMIT ?", (count,)
            ).fetchall()
        finally:
            conn.close()
    except sqlite3.Error:
        return []
    return [(height, json.loads(text)) for height, text in reversed(rows)]


def read_spikes(path: Path) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(height, neuron ids, times in ms) of every block that stored spikes."""
    conn = open_reader(path)
    try:
        for height, neurons, times in conn.execute(
            "SELECT height, neurons, times FROM spikes ORDER BY height"
        ):
            yield height, np.frombuffer(neurons, "<i8"), np.frombuffer(times, "<f8")
    finally:
        conn.close()
