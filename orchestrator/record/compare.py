"""Where two ledgers of one config and seed part (``qnf reproduce``; design §6, issue 26).

Roots chain, so the first block whose stored root differs is the first block whose event (or
spike trains) differs; everything after it differs through ``parent_block`` alone. For that
block this module lists what differs, descending into nested fields and arrays:

- leaves are grouped by their path with array indices folded (``bloch[*][*]``), each group
  with how many values differ, the largest absolute deviation |a - b| (and where), and the
  largest relative one |a - b| / max(|a|, |b|);
- a leaf that is not a number on both sides (a string, a flag, a missing key, arrays of
  different lengths) is listed with both values;
- when ``spikes_sha256`` differs, the spike trains themselves are compared (counts, the first
  spike that differs, the largest time deviation over spikes that pair up).

``numeric_differences`` compares the ``numeric`` environment two genesis metas recorded
(``orchestrator.run.environment``): the CPU, numpy's SIMD and the BLAS kernels, which decide
the last bits of floating point (design §6). Reads the ledgers; writes nothing.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from orchestrator.record.ledger import open_reader

__all__ = [
    "Comparison",
    "FieldDeviation",
    "FirstDifference",
    "compare_events",
    "compare_ledgers",
    "numeric_differences",
]

_MISSING = "<missing>"
_INDEX = re.compile(r"\[\d+\]")


@dataclass
class FieldDeviation:
    """The differing leaves of one field pattern (array indices folded to ``[*]``)."""

    field: str
    count: int = 0
    max_abs: float | None = None  # None when no pair of numbers differs
    max_abs_at: str = ""
    max_rel: float | None = None
    example: tuple[Any, Any] | None = None  # (original, rerun) of a non-numeric leaf

    def to_dict(self) -> dict[str, Any]:
        return {
            "field": self.field,
            "count": self.count,
            "max_abs": self.max_abs,
            "max_abs_at": self.max_abs_at,
            "max_rel": self.max_rel,
            "example": None if self.example is None else [_short(v) for v in self.example],
        }


@dataclass(frozen=True)
class FirstDifference:
    """The first block whose root differs: its height, kind, tick and what differs in it."""

    height: int
    kind: str
    tick: int | None
    fields: list[FieldDeviation]
    spikes: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "block": self.height,
            "kind": self.kind,
            "tick": self.tick,
            "fields": [f.to_dict() for f in self.fields],
            "spikes": self.spikes,
        }


@dataclass(frozen=True)
class Comparison:
    """Two ledgers side by side: their lengths, final roots and the first difference."""

    blocks: tuple[int, int]
    roots: tuple[str, str]  # each ledger's last root
    common_root: tuple[str, str]  # both roots at the last height both ledgers hold
    first: FirstDifference | None
    environment: list[str] = field(default_factory=list)

    @property
    def matches(self) -> bool:
        """Every block of both ledgers equal (same length, same roots)."""
        return self.first is None and self.blocks[0] == self.blocks[1]

    @property
    def prefix_matches(self) -> bool:
        """Every block the two ledgers both hold is equal."""
        return self.first is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "matches": self.matches,
            "blocks": list(self.blocks),
            "roots": list(self.roots),
            "common_root": list(self.common_root),
            "first_difference": None if self.first is None else self.first.to_dict(),
            "numeric_environment": self.environment,
        }


def _short(value: Any, limit: int = 80) -> Any:
    if isinstance(value, (dict, list)):
        text = repr(value)
        return text if len(text) <= limit else text[: limit - 3] + "..."
    if isinstance(value, str) and len(value) > limit:
        return value[: limit - 3] + "..."
    return value


def _number(x: Any) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool)


def _leaves(a: Any, b: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """(path, original, rerun) of every leaf where ``a`` and ``b`` differ."""
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in a or key not in b:
                yield sub, a.get(key, _MISSING), b.get(key, _MISSING)
            else:
                yield from _leaves(a[key], b[key], sub)
    elif isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b)):
            yield from _leaves(x, y, f"{path}[{i}]")
    elif _number(a) and _number(b):
        if a != b:
            yield path, a, b
    elif type(a) is not type(b) or a != b:
        yield path, a, b


def compare_events(original: dict[str, Any], rerun: dict[str, Any]) -> list[FieldDeviation]:
    """What differs between two events, grouped by field pattern, in path order."""
    groups: dict[str, FieldDeviation] = {}
    for path, a, b in _leaves(original, rerun, ""):
        if path == "parent_block":  # the chain before the block; differs only after it
            continue
        group = groups.setdefault(_INDEX.sub("[*]", path), FieldDeviation(_INDEX.sub("[*]", path)))
        group.count += 1
        if _number(a) and _number(b) and math.isfinite(a) and math.isfinite(b):
            dev = abs(float(a) - float(b))
            scale = max(abs(float(a)), abs(float(b)))
            rel = dev / scale if scale > 0 else 0.0
            if group.max_abs is None or dev > group.max_abs:
                group.max_abs, group.max_abs_at = dev, path
            if group.max_rel is None or rel > group.max_rel:
                group.max_rel = rel
        elif group.example is None:
            group.example = (a, b)
            group.max_abs_at = group.max_abs_at or path
    return list(groups.values())


def _roots(path: Path) -> list[tuple[int, str]]:
    """(height, root) of every block, in order (roots only: a long ledger stays small)."""
    conn = open_reader(path)
    try:
        return conn.execute("SELECT height, root FROM blocks ORDER BY height").fetchall()
    finally:
        conn.close()


def _block(path: Path, height: int) -> tuple[dict[str, Any], dict[str, Any]]:
    """(event, meta) of one block."""
    conn = open_reader(path)
    try:
        row = conn.execute("SELECT event, meta FROM blocks WHERE height = ?", (height,)).fetchone()
    finally:
        conn.close()
    return (json.loads(row[0]), json.loads(row[1])) if row else ({}, {})


def _spikes(path: Path, height: int) -> tuple[np.ndarray, np.ndarray] | None:
    conn = open_reader(path)
    try:
        row = conn.execute(
            "SELECT neurons, times FROM spikes WHERE height = ?", (height,)
        ).fetchone()
    finally:
        conn.close()
    if row is None:
        return None
    return np.frombuffer(row[0], "<i8"), np.frombuffer(row[1], "<f8")


def _spike_difference(a: Path, b: Path, height: int) -> str | None:
    left, right = _spikes(a, height), _spikes(b, height)
    if left is None or right is None:
        return None if left is right else "the spike trains are stored in one ledger only"
    (na, ta), (nb, tb) = left, right
    parts = [f"{na.size} spikes in the original, {nb.size} in the rerun"]
    k = min(na.size, nb.size)
    differs = np.flatnonzero((na[:k] != nb[:k]) | (ta[:k] != tb[:k]))
    if differs.size:
        i = int(differs[0])
        parts.append(
            f"first different spike #{i}: neuron {int(na[i])} at {float(ta[i])} ms vs neuron "
            f"{int(nb[i])} at {float(tb[i])} ms"
        )
    same = na[:k] == nb[:k]
    if np.any(same):
        worst = float(np.max(np.abs(ta[:k] - tb[:k])[same]))
        parts.append(f"largest time deviation over the same neurons {worst:.3g} ms")
    return "; ".join(parts)


def compare_ledgers(original: Path, rerun: Path) -> Comparison:
    """Compare two ledger files block by block (see the module docstring)."""
    roots_a, roots_b = _roots(original), _roots(rerun)
    common = min(len(roots_a), len(roots_b))
    first = None
    for (height, root_a), (_, root_b) in zip(roots_a, roots_b):
        if root_a == root_b:
            continue
        event_a, event_b = _block(original, height)[0], _block(rerun, height)[0]
        spikes = None
        if event_a.get("spikes_sha256") != event_b.get("spikes_sha256"):
            spikes = _spike_difference(original, rerun, height)
        first = FirstDifference(
            height=height,
            kind=str(event_a.get("kind", "")),
            tick=event_a.get("tick"),
            fields=compare_events(event_a, event_b),
            spikes=spikes,
        )
        break
    meta_a = _block(original, 0)[1] if roots_a else {}
    meta_b = _block(rerun, 0)[1] if roots_b else {}
    return Comparison(
        blocks=(len(roots_a), len(roots_b)),
        roots=(roots_a[-1][1] if roots_a else "", roots_b[-1][1] if roots_b else ""),
        common_root=(
            roots_a[common - 1][1] if common else "",
            roots_b[common - 1][1] if common else "",
        ),
        first=first,
        environment=numeric_differences(meta_a.get("numeric"), meta_b.get("numeric")),
    )


def _flat(env: Any, path: str = "") -> dict[str, Any]:
    """Leaves of a numeric environment; the BLAS list keyed by library, CPU flags as a set."""
    out: dict[str, Any] = {}
    if isinstance(env, dict):
        for key, value in env.items():
            sub = f"{path}.{key}" if path else key
            if key == "blas" and isinstance(value, list):
                for row in value:
                    if isinstance(row, dict):
                        name = f"blas[{row.get('library', '?')}]"
                        out.update(_flat({k: v for k, v in row.items() if k != "library"}, name))
            else:
                out.update(_flat(value, sub))
    elif isinstance(env, list):
        out[path] = frozenset(map(str, env))
    else:
        out[path] = env
    return out


def numeric_differences(original: Any, rerun: Any) -> list[str]:
    """One line per item of the recorded numeric environments that differs (empty when both
    agree, or a line saying one of them is not recorded)."""
    if not isinstance(original, dict) or not isinstance(rerun, dict):
        return ["the original run recorded no numeric environment (recorded since issue 26)"]
    a, b = _flat(original), _flat(rerun)
    lines = []
    for key in sorted(set(a) | set(b)):
        x, y = a.get(key, _MISSING), b.get(key, _MISSING)
        if x == y:
            continue
        if isinstance(x, frozenset) and isinstance(y, frozenset):
            only_a, only_b = sorted(x - y), sorted(y - x)
            lines.append(
                f"{key}: only the original's: {' '.join(only_a) or '-'}; "
                f"only this machine's: {' '.join(only_b) or '-'}"
            )
        else:
            lines.append(f"{key}: {x} (original) vs {y} (this machine)")
    return lines
