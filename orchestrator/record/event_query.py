"""Reading a run's FusionEvents by tick range and field (``qnf events``, ``Run.events``).

Ticks are numbered from 0, as in the ledger, metrics.csv and every other output. A tick range
is Python's slice notation over tick numbers: ``5`` (tick 5), ``3:10`` (ticks 3..9), ``:10``,
``90:``. A field is a dotted path into the event (``coupling.alpha``, ``maxcut.best_cut``,
``learning.loss.total``); a path the event does not have reads as None. Events are returned in
ledger order; a tick rolled back and run again appears once per block (each event names its
``block``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.record.ledger import read_blocks

__all__ = ["DEFAULT_FIELDS", "TickRange", "iter_events", "pick", "select"]

DEFAULT_FIELDS = (
    "tick",
    "block",
    "coherence_entropy_normalised",
    "coherence_energy",
    "fusion_energy",
    "spike_count",
)


@dataclass(frozen=True)
class TickRange:
    """Ticks ``start <= tick < stop`` (None: open)."""

    start: int | None = None
    stop: int | None = None

    @classmethod
    def parse(cls, text: str | None) -> TickRange:
        """``"5"``, ``"3:10"``, ``":10"``, ``"90:"``; ValueError naming what is wrong."""
        if text is None or text.strip() in ("", ":"):
            return cls()
        parts = text.split(":")
        if len(parts) > 2:
            raise ValueError(f"--ticks {text!r}: expected N or A:B (ticks A..B-1, from 0)")
        try:
            numbers = [int(p) if p.strip() else None for p in parts]
        except ValueError:
            raise ValueError(
                f"--ticks {text!r}: expected N or A:B with whole numbers (ticks from 0)"
            ) from None
        if any(n is not None and n < 0 for n in numbers):
            raise ValueError(f"--ticks {text!r}: ticks are numbered from 0")
        if len(numbers) == 1:
            return cls(numbers[0], numbers[0] + 1)  # type: ignore[operator]
        return cls(numbers[0], numbers[1])

    def __contains__(self, tick: object) -> bool:
        if not isinstance(tick, int):
            return False
        return (self.start is None or tick >= self.start) and (
            self.stop is None or tick < self.stop
        )


def pick(event: dict[str, Any], field: str) -> Any:
    """The value at the dotted ``field`` of ``event`` (list items by index), None if absent."""
    value: Any = event
    for part in field.split("."):
        if isinstance(value, dict):
            value = value.get(part)
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return None
    return value


def iter_events(
    ledger: Path, ticks: TickRange | None = None, kinds: Sequence[str] | None = ("tick",)
) -> Iterator[dict[str, Any]]:
    """The events of ``ledger`` of the given ``kinds`` (None: every kind) whose tick is in
    ``ticks`` (blocks without a tick, the genesis, pass only an open range)."""
    ticks = ticks or TickRange()
    open_range = ticks.start is None and ticks.stop is None
    for _, event, _ in read_blocks(ledger):
        if kinds is not None and event.get("kind") not in kinds:
            continue
        if open_range or event.get("tick") in ticks:
            yield event


def select(event: dict[str, Any], fields: Sequence[str] | None) -> dict[str, Any]:
    """``{field: value}`` of ``fields`` (the whole event when None)."""
    return dict(event) if fields is None else {f: pick(event, f) for f in fields}
