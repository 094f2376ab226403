"""What a MaxCut method returns: one cut, the assignment behind it, a bound when it has one."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import final

__all__ = ["CutResult", "canonical_assignment"]


def canonical_assignment(bits: Iterable[int]) -> tuple[int, ...]:
    """The assignment as a tuple of 0/1 with vertex 0 on side 0 (x and 1 - x cut the same)."""
    x = tuple(int(b) for b in bits)
    return tuple(1 - b for b in x) if x and x[0] == 1 else x


@final
@dataclass(frozen=True)
class CutResult:
    """The cut a method found on one instance.

    ``method``: ``"one_exchange"`` or ``"goemans_williamson"``. ``value``: the cut of
    ``assignment`` (weight units), recomputed by ``cut.cut_value``. ``assignment``: ``n`` sides
    in {0, 1}, vertex 0 on side 0. ``bound``: an upper bound on the maximum cut that the method
    proves (the SDP's certified dual bound), ``None`` for a method that proves none.
    ``wall_seconds``: the method's own time (imports of networkx or cvxpy excluded).
    ``mean_rounding_value`` (Goemans-Williamson only): the mean cut over the K roundings, an
    estimate of the expected cut that the 0.878 guarantee is about. ``sdp_value`` (idem): the
    solver's primal objective, within solver tolerance of ``bound``.
    """

    method: str
    value: float
    assignment: tuple[int, ...]
    bound: float | None
    wall_seconds: float
    mean_rounding_value: float | None = None
    sdp_value: float | None = None
