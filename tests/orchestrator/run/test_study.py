"""``qnf study`` on a tiny study (tests/assets/study_tiny.yaml): every arm kind at one budget.

- every arm spends the budget: loop arms, the annealer alone, random sampling and GW exactly
  (the file's budget is a whole number of their ticks), local search and SA within one sweep
  (n units: a pass or a read that no longer fits is not started);
- a loop arm's units are recounted here from its ledger's tick events (shots in every basis
  plus one spike reading a tick), and its hits from the events' own counts;
- a rerun into a fresh folder gives the same rows.csv and summary.md, roots included.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.record.ledger import read_blocks
from tests.orchestrator.run.study_runs import study_rows, study_twice
from tests.paths import ASSETS

STUDY = ASSETS / "study_tiny.yaml"
BUDGET, N = 100, 6


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return study_twice(STUDY, tmp_path_factory.mktemp("study"))


def test_every_arm_is_stopped_at_the_one_budget(studies) -> None:
    first, _ = studies
    rows = study_rows(first)
    assert len(rows) == 2 * 7
    for row in rows:
        units = int(row["units"])
        if row["kind"] in ("local_search", "sa"):
            assert BUDGET - N < units <= BUDGET, row
        else:
            assert units == BUDGET, row


def test_loop_units_and_hits_are_those_of_the_ledger(studies) -> None:
    first, _ = studies
    for row in study_rows(first):
        if row["kind"] != "loop":
            continue
        ledger = first / "runs" / f"n{N}" / row["graph"] / row["arm"] / "ledger.sqlite"
        ticks = [e for _, e, _ in read_blocks(ledger) if e["kind"] == "tick"]
        units = sum(sum(e["budget"]["shots"].values()) + e["budget"]["spike_readings"]
                    for e in ticks)
        hits = sum(e["maxcut"]["hits_quantum"] + min(e["maxcut"]["hits_spikes"], 1)
                   for e in ticks)
        assert (int(row["units"]), int(row["hits"])) == (units, hits)


def test_a_rerun_gives_the_same_table_roots_included(studies) -> None:
    first, again = studies
    assert (first / "rows.csv").read_bytes() == (again / "rows.csv").read_bytes()
    assert (first / "summary.md").read_bytes() == (again / "summary.md").read_bytes()
    assert all(len(r["root"]) == 64 for r in study_rows(first))


def test_a_bad_study_file_says_which_field(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(STUDY.read_text().replace("[[feedback, placebo]", "[[feedback, nobody]"))
    result = CliRunner().invoke(app, ["study", str(bad)])
    assert result.exit_code == 2
    assert "nobody" in result.output and "Traceback" not in result.output
