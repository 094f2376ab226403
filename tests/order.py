"""Heaviest first: the suite's work units in order of their recorded durations (design §26).

xdist hands each worker one work unit at a time (a test, or every test of an ``xdist_group``)
in the order of the collection (``--no-loadscope-reorder`` in pyproject.toml). Sorting the
units by how long they took in a recorded run, longest first, starts the long ones while the
other worker still has short ones to take, so the run does not end with one worker on one long
test while the other idles. It changes the order only: every test runs, as before.

The record, ``tests/assets/durations.json``: {test id: seconds (setup + call + teardown)} of the
tests that took 0.5 s or more. A test not in it counts as 0.5 s (new tests run among the short
ones). To record it again (one run, on any machine; only the order matters)::

    QNF_RECORD_DURATIONS=/tmp/durations.jsonl .ci/uv run --locked pytest
    .ci/uv run --locked python -m tests.order /tmp/durations.jsonl
"""

from __future__ import annotations

import json
import os
import sys
from collections import defaultdict
from pathlib import Path

import pytest

RECORD = Path(__file__).parent / "assets" / "durations.json"
UNKNOWN_S = 0.5  # a test without a record; also the record's threshold
_OUT = "QNF_RECORD_DURATIONS"


def _plain(nodeid: str) -> str:
    """The test id without the ``@group`` suffix xdist adds on a worker (a parameter id that
    holds an ``@`` ends with ``]``; the suffix never does)."""
    return nodeid.rsplit("@", 1)[0] if "@" in nodeid and not nodeid.endswith("]") else nodeid


def _unit(item: pytest.Item) -> str:
    mark = item.get_closest_marker("xdist_group")
    return f"@{mark.args[0]}" if mark is not None and mark.args else _plain(item.nodeid)


@pytest.hookimpl(trylast=True)  # after the groups are marked and pytest's own reordering
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Units longest first; the tests of a unit together, in their collected order."""
    try:
        recorded: dict[str, float] = json.loads(RECORD.read_text())
    except FileNotFoundError:
        return
    total: dict[str, float] = defaultdict(float)
    first: dict[str, int] = {}
    for index, item in enumerate(items):
        unit = _unit(item)
        total[unit] += recorded.get(_plain(item.nodeid), UNKNOWN_S)
        first.setdefault(unit, index)
    items.sort(key=lambda item: (-total[_unit(item)], first[_unit(item)]))


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """With QNF_RECORD_DURATIONS set, append each phase's duration to that file (JSON lines), in
    the process that reports the run (the controller, or the only process with ``-n 0``)."""
    out = os.environ.get(_OUT)
    if not out or os.environ.get("PYTEST_XDIST_WORKER"):
        return
    with open(out, "a", encoding="utf-8") as fh:
        row = {"id": _plain(report.nodeid), "when": report.when, "s": report.duration}
        fh.write(json.dumps(row) + "\n")


def _write_record(lines: Path) -> None:
    per_test: dict[str, float] = defaultdict(float)
    for line in lines.read_text().splitlines():
        row = json.loads(line)
        per_test[row["id"]] += row["s"]
    kept = {k: round(v, 1) for k, v in sorted(per_test.items()) if v >= UNKNOWN_S}
    RECORD.write_text(json.dumps(kept, indent=0, sort_keys=True) + "\n")
    print(f"{RECORD}: {len(kept)} of {len(per_test)} tests, {sum(per_test.values()):.0f} s in all")


if __name__ == "__main__":
    _write_record(Path(sys.argv[1]))
