"""stability.assess (spec §13, §14): slopes, spikes and streaks worked by hand."""

from __future__ import annotations

import pytest

from orchestrator.config.sections import StabilityConfig
from orchestrator.control.stability import StabilityState, assess


def _cfg(**kw) -> StabilityConfig:
    base = {"window": 3, "max_slope": 0.05, "spike_threshold": 0.3, "patience": 2}
    return StabilityConfig(**{**base, **kw})


def test_first_tick_has_no_slope_and_is_stable() -> None:
    state, a = assess(StabilityState(), 0.9, _cfg())
    assert a.slope is None and not a.spike and a.verdict.stable and a.verdict.trigger is None
    assert state.history == (0.9,) and state.streak == 0


def test_slope_is_the_least_squares_line_over_the_window() -> None:
    """x = 0.5, 0.4, 0.3: slope -0.1 (falling: stable); then 0.6 replaces 0.5 in a window of 3:
    0.4, 0.3, 0.6 has slope (0.6 - 0.4) / 2 = 0.1 > 0.05 (rising: unstable, streak 1)."""
    cfg = _cfg()
    state = StabilityState()
    for x in (0.5, 0.4, 0.3):
        state, a = assess(state, x, cfg)
    assert a.slope == pytest.approx(-0.1) and a.verdict.stable
    state, a = assess(state, 0.6, cfg)
    assert state.history == (0.4, 0.3, 0.6)
    assert a.slope == pytest.approx(0.1)
    assert not a.spike and not a.verdict.stable and a.verdict.trigger is None
    assert state.streak == 1


def test_a_sustained_rise_triggers_after_patience_ticks() -> None:
    cfg = _cfg(spike_threshold=1.0)
    state = StabilityState()
    verdicts = []
    for x in (0.1, 0.2, 0.3, 0.4):  # slope 0.1 from the second tick on
        state, a = assess(state, x, cfg)
        verdicts.append((a.verdict.stable, a.verdict.trigger))
    assert verdicts == [
        (True, None),
        (False, None),
        (False, "sustained_entropy_rise"),
        (False, "sustained_entropy_rise"),
    ]
    state, a = assess(state, 0.0, cfg)  # a fall resets the streak
    assert a.verdict.stable and state.streak == 0


def test_a_jump_above_the_threshold_is_a_decoherence_spike() -> None:
    """0.2 -> 0.55: +0.35 > 0.3 is a spike; 0.25 -> 0.5, +0.25, is not."""
    cfg = _cfg(max_slope=10.0)
    state, _ = assess(StabilityState(), 0.2, cfg)
    _, a = assess(state, 0.55, cfg)
    assert a.spike and a.verdict.trigger == "decoherence_spike" and not a.verdict.stable
    state, _ = assess(StabilityState(), 0.25, cfg)
    _, a = assess(state, 0.5, cfg)
    assert not a.spike and a.verdict.stable
