"""Where two ledgers part (issue 26): the first differing block, its fields grouped with their
largest deviations, the spike trains, and the numeric environments of two genesis metas."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from orchestrator.record.compare import compare_events, compare_ledgers, numeric_differences
from orchestrator.record.ledger import Ledger


def test_events_are_compared_leaf_by_leaf_and_grouped_by_field() -> None:
    a = {
        "tick": 3,
        "bloch": [[0.5, 0.25, 1.0], [0.0, -0.5, 0.75]],
        "coupling": {"alpha": 40.0, "beta": 40.0},
        "stable": True,
        "learning": {"loss": {"energy": -1.0}},
        "note": "a",
        "parent_block": "00",
    }
    b = {
        "tick": 3,
        "bloch": [[0.5, 0.25 + 1e-12, 1.0], [0.0, -0.5, 0.75 - 3e-9]],
        "coupling": {"alpha": 40.0, "beta": 40.5},
        "stable": 1,  # a flag is not a number, even where Python says True == 1
        "learning": {"loss": {"energy": -1.0}, "extra": 2},
        "note": "b",
        "parent_block": "ff",  # the chain before the block: never reported
    }
    groups = {g.field: g for g in compare_events(a, b)}
    assert set(groups) == {
        "bloch[*][*]",
        "coupling.beta",
        "stable",
        "learning.extra",
        "note",
    }
    bloch = groups["bloch[*][*]"]
    assert bloch.count == 2
    assert bloch.max_abs == pytest.approx(3e-9) and bloch.max_abs_at == "bloch[1][2]"
    assert bloch.max_rel == pytest.approx(3e-9 / 0.75)
    beta = groups["coupling.beta"]
    assert (beta.max_abs, beta.max_rel) == (0.5, pytest.approx(0.5 / 40.5))
    assert groups["stable"].example == (True, 1) and groups["stable"].max_abs is None
    assert groups["learning.extra"].example == ("<missing>", 2)
    assert groups["note"].to_dict()["example"] == ["a", "b"]


def _copy(source: Path, target: Path, change=None) -> None:
    """A new, valid ledger with ``source``'s blocks (``change(height, event)`` edits one)."""
    from orchestrator.record.ledger import read_blocks, read_spikes

    spikes = {h: (n, t) for h, n, t in read_spikes(source)}
    with Ledger.create(target) as ledger:
        for height, event, meta in read_blocks(source):
            body = {k: v for k, v in event.items() if k not in ("block", "parent_block")}
            body.pop("spikes_sha256", None)
            pair = spikes.get(height)
            if change is not None:
                pair = change(height, body, pair)
            ledger.append(body, meta, pair)


def _ledger(path: Path, ticks: int) -> None:
    with Ledger.create(path) as ledger:
        ledger.append({"kind": "genesis", "config": {"x": 1}}, {"numeric": {"blas": []}})
        for t in range(ticks):
            event = {"kind": "tick", "tick": t, "bloch": [[0.1 * t, 0.2, 0.3]], "energy": -1.5 * t}
            spikes = (np.array([0, 1, 2], dtype=np.int64), np.array([0.5, 1.0 + t, 2.5]))
            ledger.append(event, {"wall_time": f"t{t}"}, spikes)


def test_ledgers_of_one_run_match_and_a_changed_tick_is_named(tmp_path) -> None:
    original = tmp_path / "a.sqlite"
    _ledger(original, 4)
    same = tmp_path / "b.sqlite"
    _copy(original, same)
    result = compare_ledgers(original, same)
    assert result.matches and result.first is None and result.blocks == (5, 5)

    def nudge(height, event, spikes):
        if height == 3:
            event["bloch"][0][0] += 1e-13
            return spikes[0], spikes[1] + np.array([0.0, 0.1, 0.0])
        return spikes

    changed = tmp_path / "c.sqlite"
    _copy(original, changed, nudge)
    result = compare_ledgers(original, changed)
    assert not result.matches and not result.prefix_matches
    first = result.first
    assert (first.height, first.kind, first.tick) == (3, "tick", 2)
    fields = {f.field: f for f in first.fields}
    assert set(fields) == {"bloch[*][*]", "spikes_sha256"}
    assert fields["bloch[*][*]"].max_abs_at == "bloch[0][0]"
    assert fields["bloch[*][*]"].max_abs == pytest.approx(1e-13, rel=1e-3)
    assert "first different spike #1" in first.spikes and "3 spikes" in first.spikes
    assert result.roots[0] != result.roots[1]


def test_a_shorter_ledger_is_compared_over_the_blocks_both_hold(tmp_path) -> None:
    short, long = tmp_path / "s.sqlite", tmp_path / "l.sqlite"
    _ledger(short, 2)
    _ledger(long, 4)
    result = compare_ledgers(short, long)
    assert result.prefix_matches and not result.matches
    assert result.blocks == (3, 5) and result.common_root[0] == result.common_root[1]


def test_numeric_environments_are_diffed_item_by_item() -> None:
    a = {
        "cpu": {"model": "AMD EPYC", "flags": ["avx2", "fma"]},
        "blas": [{"library": "libopenblas64_p.so", "kernel": "Zen", "threads": 2}],
        "variables": {},
    }
    b = {
        "cpu": {"model": "AMD EPYC", "flags": ["avx2", "avx512f", "fma"]},
        "blas": [{"library": "libopenblas64_p.so", "kernel": "Haswell", "threads": 2}],
        "variables": {"OPENBLAS_CORETYPE": "Haswell"},
    }
    lines = numeric_differences(a, b)
    assert "blas[libopenblas64_p.so].kernel: Zen (original) vs Haswell (this machine)" in lines
    assert "cpu.flags: only the original's: -; only this machine's: avx512f" in lines
    assert "variables.OPENBLAS_CORETYPE: <missing> (original) vs Haswell (this machine)" in lines
    assert len(lines) == 3
    assert numeric_differences(a, a) == []
    assert "no numeric environment" in numeric_differences(None, b)[0]
