"""Check a real ledger against ``record/ledger_events.SCHEMA`` (used by the tests that run one)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from orchestrator.record.ledger import read_blocks
from orchestrator.record.ledger_events import LEDGER_FIELDS, OPTIONAL, SCHEMA


def assert_schema(ledger: Path) -> Counter:
    """Every event holds its kind's fields; a kind without optional fields holds nothing
    else. Returns how many events of each kind the ledger holds."""
    kinds: Counter = Counter()
    for height, event, _ in read_blocks(ledger):
        kind = event["kind"]
        assert kind in SCHEMA, f"block {height}: kind {kind!r} is not in the schema"
        fields = set(SCHEMA[kind]) | set(LEDGER_FIELDS)
        missing = fields - event.keys()
        assert not missing, f"block {height} ({kind}) lacks {sorted(missing)}"
        extra = event.keys() - fields
        assert kind in OPTIONAL or not extra, f"block {height} ({kind}): {sorted(extra)}"
        kinds[kind] += 1
    return kinds
