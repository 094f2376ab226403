"""summary.json's budget: sums of the tick events' budgets, and the study's units."""

from __future__ import annotations

from orchestrator.record.budget import budget_columns, budget_totals, units

TICK = {"shots": {"z": 16, "x": 16}, "circuits": 2, "spike_readings": 1, "neuron_updates": 0,
        "evaluations": 9}


def test_totals_sum_tick_events_only_reverted_ticks_included() -> None:
    events = [
        {"kind": "genesis"},
        {"kind": "tick", "tick": 0, "budget": TICK},
        {"kind": "tick", "tick": 1, "budget": TICK},
        {"kind": "revert", "tick": 1},
        {"kind": "tick", "tick": 1, "budget": TICK},
    ]
    totals = budget_totals(events)
    assert totals["shots"] == {"x": 48, "z": 48}
    assert totals["shots_total"] == 96
    assert (totals["circuits"], totals["spike_readings"], totals["evaluations"]) == (6, 3, 27)
    assert totals["ticks_counted"] == 3


def test_units_are_shots_readings_and_neuron_updates_not_evaluations() -> None:
    assert units(TICK) == 33
    assert units({"shots": {}, "spike_readings": 4, "neuron_updates": 100}) == 104


def test_a_run_before_issue_22_has_zero_sums_and_no_columns_without_budget() -> None:
    assert budget_totals([{"kind": "tick", "tick": 0}])["ticks_counted"] == 0
    assert budget_columns({"status": "completed"}) == {}
    columns = budget_columns({"budget": budget_totals([{"kind": "tick", "budget": TICK}])})
    assert columns["budget.units"] == 33 and columns["budget.shots.z"] == 16
