"""The hash chain of spec §11: deterministic roots, tamper evidence, append-only storage."""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from orchestrator.record.chain import GENESIS, TAG
from orchestrator.record.ledger import Ledger, canonical, read_blocks
from orchestrator.record.verify import verify


def _fill(path: Path, blocks: int = 5) -> list[str]:
    roots = []
    with Ledger.create(path) as ledger:
        for k in range(blocks):
            spikes = (np.arange(k, dtype=np.int64), np.linspace(0, 1, k))
            roots.append(
                ledger.append(
                    {"kind": "tick", "tick": k, "x": 0.1 * k, "label": "é"},
                    {"wall": f"t{k}"},
                    spikes=spikes,
                )
            )
    return roots


def _tamper(path: Path, sql: str, *args: object) -> None:
    conn = sqlite3.connect(path)
    conn.execute("DROP TRIGGER blocks_append_only_u")
    conn.execute("DROP TRIGGER spikes_append_only_u")
    conn.execute("DROP TRIGGER blocks_append_only_d")
    conn.execute(sql, args)
    conn.commit()
    conn.close()


def test_root_is_the_documented_hash(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger.create(path) as ledger:
        root = ledger.append({"kind": "tick", "v": 1.5}, {})
    body = {"kind": "tick", "v": 1.5, "block": 0, "parent_block": GENESIS.hex()}
    expected = hashlib.sha256(TAG + GENESIS + canonical(body)).hexdigest()
    assert root == expected
    # canonical form: sorted keys, no whitespace (RFC 8785)
    assert (
        canonical(body)
        == b'{"block":0,"kind":"tick","parent_block":"' + GENESIS.hex().encode() + b'","v":1.5}'
    )


def test_same_events_same_root_meta_does_not_enter_it(tmp_path: Path) -> None:
    a, b = tmp_path / "a.sqlite", tmp_path / "b.sqlite"
    with Ledger.create(a) as la, Ledger.create(b) as lb:
        ra = la.append({"kind": "tick", "x": 1}, {"wall": "monday"})
        rb = lb.append({"kind": "tick", "x": 1}, {"wall": "tuesday"})
        assert ra == rb
        assert la.append({"kind": "tick", "x": 2}, {}) != lb.append({"kind": "tick", "x": 3}, {})


def test_verify_passes_on_an_intact_ledger(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    roots = _fill(path)
    result = verify(path)
    assert result.ok and result.blocks == 5 and result.root == roots[-1]


def test_flipping_any_byte_of_any_event_fails_at_that_block(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    _fill(path, blocks=4)
    events = [(h, json.dumps(e, separators=(",", ":"))) for h, e, _ in read_blocks(path)]
    pristine = path.read_bytes()
    for height, _ in events:
        text = (
            sqlite3.connect(path)
            .execute("SELECT event FROM blocks WHERE height = ?", (height,))
            .fetchone()[0]
        )
        raw = text.encode()
        for pos in range(len(raw)):
            flipped = bytearray(raw)
            flipped[pos] ^= 0x01
            path.write_bytes(pristine)
            for suffix in ("-wal", "-shm"):
                Path(str(path) + suffix).unlink(missing_ok=True)
            _tamper(
                path,
                "UPDATE blocks SET event = ? WHERE height = ?",
                bytes(flipped).decode("utf-8", "replace"),
                height,
            )
            result = verify(path)
            assert not result.ok, (height, pos)
            assert result.bad_block == height, (height, pos, result)


def test_tampered_spikes_meta_root_and_missing_blocks_are_caught(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    _fill(path)
    pristine = path.read_bytes()
    cases = [
        ("UPDATE spikes SET times = ? WHERE height = 3", np.zeros(3).tobytes(), 3),
        ("UPDATE blocks SET meta = ? WHERE height = 2", '{"wall":"t9"}', 2),
        ("UPDATE blocks SET root = ? WHERE height = 1", "00" * 32, 1),
        ("DELETE FROM blocks WHERE height = ?", 2, 2),
    ]
    for sql, arg, bad in cases:
        path.write_bytes(pristine)
        _tamper(path, sql, arg)
        result = verify(path)
        assert (result.ok, result.bad_block) == (False, bad), (sql, result)


def test_the_ledger_is_append_only(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    _fill(path)
    conn = sqlite3.connect(path)
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("UPDATE blocks SET event = '{}' WHERE height = 0")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        conn.execute("DELETE FROM blocks")
    conn.close()


def test_wal_mode_and_full_sync(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    ledger = Ledger.create(path)
    mode = ledger._conn.execute("PRAGMA journal_mode").fetchone()[0]
    sync = ledger._conn.execute("PRAGMA synchronous").fetchone()[0]
    ledger.close()
    assert (mode, sync) == ("wal", 2)  # 2 == FULL


def test_reopen_continues_the_chain(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    roots = _fill(path, blocks=3)
    with Ledger.open(path) as ledger:
        assert ledger.root == roots[-1] and ledger.height == 3
        ledger.append({"kind": "tick", "tick": 3}, {})
    assert verify(path).ok and verify(path).blocks == 4


def test_nan_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    with Ledger.create(path) as ledger:
        with pytest.raises(ValueError, match="finite"):
            ledger.append({"x": float("nan")}, {})
        assert ledger.height == 0
    assert verify(path).blocks == 0


def test_an_existing_ledger_is_never_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    _fill(path, 1)
    from orchestrator.record.ledger import LedgerError

    with pytest.raises(LedgerError, match="already exists"):
        Ledger.create(path)


def test_a_ledger_appears_whole_or_not_at_all(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A creation that fails half-way (here: the second table of the schema) leaves no file at
    the ledger's path, so a reader or a resume never meets a ledger without its tables."""
    from orchestrator.record import ledger as ledger_module

    schema = ledger_module._SCHEMA
    broken = schema.replace("CREATE TABLE spikes", "CREATE TABLE spikes(x); CREATE TABLE spikes", 1)
    assert broken != schema
    monkeypatch.setattr(ledger_module, "_SCHEMA", broken)
    path = tmp_path / "ledger.sqlite"
    with pytest.raises(sqlite3.OperationalError):
        Ledger.create(path)
    assert not path.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == []
    monkeypatch.setattr(ledger_module, "_SCHEMA", schema)
    with Ledger.create(path) as ledger:
        assert list(read_blocks(path)) == []
        assert ledger.height == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ledger.sqlite"]


def test_garbage_file_does_not_verify(tmp_path: Path) -> None:
    path = tmp_path / "l.sqlite"
    path.write_bytes(b"not a database" * 100)
    result = verify(path)
    assert not result.ok and "cannot read" in result.reason
