"""The sweep table's event-section columns: the last event carrying each section, flattened."""

from __future__ import annotations

from pathlib import Path

from orchestrator.record import ledger
from orchestrator.record.sweep_table import section_values, table_rows


def test_sections_come_from_the_last_tick_event_that_carries_them(monkeypatch) -> None:
    events = [
        {"kind": "tick", "tick": 0, "learning": {"epoch": 0, "loss": {"energy": -1.0}}},
        {"kind": "tick", "tick": 1, "maxcut": {"best_cut": 3, "best_assignment": "0101"}},
        {"kind": "revert", "maxcut": {"best_cut": 99}},  # not a tick: ignored
        {
            "kind": "tick",
            "tick": 2,
            "maxcut": {"best_cut": 4, "best_spikes": None, "theta": [1, 2]},
        },
    ]
    monkeypatch.setattr(ledger, "last_events", lambda path, count: list(enumerate(events)))
    assert section_values(Path("unused")) == {
        "learning.epoch": 0,  # the epoch's tick, two ticks back
        "learning.loss.energy": -1.0,
        "maxcut.best_cut": 4,  # the last tick's, lists left out, nulls kept
        "maxcut.best_spikes": None,
    }


def test_rows_carry_the_section_values_of_their_point() -> None:
    rows = table_rows(
        ["p000", "p001"],
        [{"pci.gamma": 0.5}, {"pci.gamma": 0.0}],
        [{"status": "completed", "ticks": 2}, {"status": "error", "error": "boom"}],
        [{"maxcut.best_cut": 4}, {}],
    )
    assert rows[0]["maxcut.best_cut"] == 4 and "maxcut.best_cut" not in rows[1]
    assert rows[1]["error"] == "boom"
