"""Verifying a ledger (spec §11): recompute both chains from the genesis, name the first bad block.

A block is bad when its event or meta is not canonical JSON or cannot be read, when it names
another height or parent, when its root or meta root is not the hash of its content
(``orchestrator.record.chain``), or when its spike trains do not match their hash; a missing
block and a spike record without a block are reported too.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.record.canonical import canonical
from orchestrator.record.chain import GENESIS, next_meta_root, next_root, sha256
from orchestrator.record.ledger import LedgerError, open_reader

__all__ = ["VerifyResult", "verify"]


@dataclass(frozen=True)
class VerifyResult:
    """Outcome of ``verify``: ``ok``, blocks checked, final root, and the first bad block."""

    ok: bool
    blocks: int
    root: str
    bad_block: int | None = None
    reason: str = ""


def _check_block(
    height: int,
    row: tuple[Any, ...],
    root: bytes,
    meta_root: bytes,
    spikes: Mapping[int, tuple[bytes, bytes]],
) -> tuple[bytes, bytes, str]:
    """(new root, new meta root, '' or the reason the block is bad)."""
    _, event_text, parent, stored_root, meta_text, stored_meta_root = row
    try:
        event_bytes = event_text.encode()
        event = json.loads(event_text)
        if canonical(event) != event_bytes:
            return root, meta_root, "event is not canonical JSON"
        meta_bytes = meta_text.encode()
        if canonical(json.loads(meta_text)) != meta_bytes:
            return root, meta_root, "meta is not canonical JSON"
    except (ValueError, UnicodeError, AttributeError) as exc:
        return root, meta_root, f"unreadable block ({type(exc).__name__})"
    if not isinstance(event, dict) or event.get("block") != height:
        return root, meta_root, "event names another block height"
    if parent != root.hex() or event.get("parent_block") != root.hex():
        return root, meta_root, "parent does not match the previous root"
    new_root = next_root(root, event_bytes)
    if stored_root != new_root.hex():
        return root, meta_root, "root does not match the hash of its event"
    new_meta = next_meta_root(meta_root, new_root, meta_bytes)
    if stored_meta_root != new_meta.hex():
        return root, meta_root, "meta root does not match the hash of its meta"
    digest = event.get("spikes_sha256")
    stored = spikes.get(height)
    if (digest is None) != (stored is None):
        return root, meta_root, "spike record missing or unexpected"
    if stored is not None and sha256(*stored).hex() != digest:
        return root, meta_root, "spike trains do not match their hash"
    return new_root, new_meta, ""


def verify(path: Path) -> VerifyResult:
    """Recompute both chains from the genesis; report the first block that does not match."""
    try:
        conn = open_reader(path)
        rows = conn.execute("SELECT * FROM blocks ORDER BY height").fetchall()
        spikes = {
            h: (bytes(n), bytes(t))
            for h, n, t in conn.execute("SELECT height, neurons, times FROM spikes")
        }
        conn.close()
    except (sqlite3.DatabaseError, LedgerError) as exc:
        return VerifyResult(False, 0, "", 0, f"cannot read the ledger: {exc}")
    root, meta_root = GENESIS, GENESIS
    for expected, row in enumerate(rows):
        if row[0] != expected:
            return VerifyResult(False, expected, root.hex(), expected, "block missing")
        root, meta_root, reason = _check_block(expected, row, root, meta_root, spikes)
        if reason:
            return VerifyResult(False, expected, root.hex(), expected, reason)
    extra = set(spikes) - set(range(len(rows)))
    if extra:
        bad = min(extra)
        return VerifyResult(False, len(rows), root.hex(), bad, "spike record without a block")
    return VerifyResult(True, len(rows), root.hex())
