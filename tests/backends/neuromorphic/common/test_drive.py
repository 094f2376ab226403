"""The kick rule of ``drive_mode: kick``: cases worked by hand, and its bounds for any input."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from backends.neuromorphic.common.drive import kick

CAP = 15.0


@pytest.mark.parametrize(
    ("v", "d", "after"),
    [
        (5.0, 3.0, 8.0),  # below the cap: the full kick
        (5.0, 20.0, 15.0),  # stops at the cap
        (18.0, 5.0, 18.0),  # already above the cap: a positive kick leaves it there
        (18.0, -5.0, 13.0),  # negative kicks lower V freely
        (-5.0, 30.0, 15.0),
        (10.0, 0.0, 10.0),
        (15.0, 1e-9, 15.0),
    ],
)
def test_worked_cases(v: float, d: float, after: float) -> None:
    assert kick(np.array([v]), np.array([d]), CAP)[0] == after


@given(
    v=st.floats(-50, 50, allow_nan=False),
    d=st.floats(-50, 50, allow_nan=False),
    cap=st.floats(0, 30, allow_nan=False),
)
def test_a_kick_never_lifts_v_past_the_cap_and_never_opposes_its_sign(v, d, cap) -> None:
    out = float(kick(np.array([v]), np.array([d]), cap)[0])
    if d > 0:
        assert v <= out <= max(v, cap)  # up, but not past the cap (nor pulled down to it)
    else:
        assert out <= v  # a non-positive kick never lifts V
