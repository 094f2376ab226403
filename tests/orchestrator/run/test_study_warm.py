"""``qnf study`` on the warm-start arms (tests/assets/study_warm_tiny.yaml; design §28):

- every arm spends the one budget exactly (the file's budget is a whole number of each arm's
  steps), and its candidates are what the rule says: the seed strings plus one reading a tick,
  every shot, the warm phase's readings plus the shots;
- the seeded arms share the annealer's noise, so they differ only where their starts differ;
- phases.csv splits each row's candidates and hits into the warm phase and the rest;
- a rerun into a fresh folder gives the same rows.csv, summary.md and phases.csv, roots
  included;
- a warm-start field that does not fit the budget is refused in one line naming it (exit 2).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from tests.orchestrator.run.study_runs import study_rows, study_twice
from tests.paths import ASSETS

STUDY = ASSETS / "study_warm_tiny.yaml"
BUDGET, N, TICK = 110, 6, 6 * 4 + 1


@pytest.fixture(scope="module")
def studies(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return study_twice(STUDY, tmp_path_factory.mktemp("study_warm"))


def test_every_warm_arm_spends_the_one_budget(studies) -> None:
    rows = study_rows(studies[0])
    assert len(rows) == 2 * 5
    expected = {"seed_qaoa": 10 + 4, "seed_random": 10 + 4, "seed_gw": 10 + 4,
                "qaoa_plus": BUDGET, "qaoa_warm": 2 + (BUDGET - 2 * TICK)}
    for row in rows:
        assert int(row["units"]) == BUDGET, row
        assert int(row["candidates"]) == expected[row["arm"]], row
        assert 0 <= int(row["hits"]) <= int(row["candidates"])


def test_the_phases_split_the_candidates_and_hits_of_each_row(studies) -> None:
    rows = {(r["graph"], r["arm"]): r for r in study_rows(studies[0])}
    with (studies[0] / "phases.csv").open() as f:
        phases = list(csv.DictReader(f))
    assert len(phases) == len(rows)
    warm = {"seed_qaoa": 10, "seed_random": 10, "seed_gw": 10, "qaoa_plus": 0, "qaoa_warm": 2}
    for p in phases:
        row = rows[(p["graph"], p["arm"])]
        assert int(p["warm_candidates"]) == warm[p["arm"]]
        assert int(p["warm_candidates"]) + int(p["then_candidates"]) == int(row["candidates"])
        assert int(p["warm_hits"]) + int(p["then_hits"]) == int(row["hits"])


def test_a_rerun_gives_the_same_table_roots_included(studies) -> None:
    first, again = studies
    for name in ("rows.csv", "summary.md", "phases.csv"):
        assert (first / name).read_bytes() == (again / name).read_bytes(), name
    rows = study_rows(first)
    assert all(len(r["root"]) == 64 for r in rows)
    for graph in {r["graph"] for r in rows}:  # the arms are not one another's copies
        roots = [r["root"] for r in rows if r["graph"] == graph]
        assert len(set(roots)) == len(roots)


def test_the_seeded_annealer_starts_from_the_best_seed_string() -> None:
    import yaml

    from orchestrator.config.study import StudyConfig
    from orchestrator.run import study_warm
    from orchestrator.run.seeds import derive_seed
    from orchestrator.tasks.maxcut.cut import cut_values
    from orchestrator.tasks.maxcut.instances import catalogue

    config = StudyConfig.model_validate(yaml.safe_load(STUDY.read_text()))
    arm = config.arms[1]  # seed_random
    inst = catalogue("regular3_weighted", N, 1, 0)[0]
    rng = np.random.default_rng(derive_seed(7, 1))
    seeds = rng.integers(0, 2, size=(10, N), dtype=np.uint8)
    best = seeds[int(np.argmax(cut_values(inst, seeds)))]
    result = study_warm.warm_arm(arm, inst, BUDGET, 7)
    assert result.warm == 10
    np.testing.assert_array_equal(result.cuts[:10], cut_values(inst, seeds))
    again = study_warm.anneal(inst, BUDGET - 10, arm, 7, initial_x=best)
    np.testing.assert_array_equal(result.cuts[10:], cut_values(inst, again.bits))
    assert result.units == 10 + again.units == BUDGET


@pytest.mark.parametrize("change, field", [
    ("warm_units: 50", "warm_units: 200"),
    ("seed_units: 10, sweeps: 4, schedule_from: 0.5}\n  - {name: seed_random",
     "seed_units: 100, sweeps: 4, schedule_from: 0.5}\n  - {name: seed_random"),
])
def test_a_warm_field_that_does_not_fit_is_refused(tmp_path: Path, change, field) -> None:
    bad = tmp_path / "bad.yaml"
    text = STUDY.read_text()
    assert change in text
    bad.write_text(text.replace(change, field))
    result = CliRunner().invoke(app, ["study", str(bad)])
    assert result.exit_code == 2
    name = field.split(":")[0]
    assert name in result.output and "Traceback" not in result.output


def test_without_the_layer_the_shots_are_the_tilted_product_state() -> None:
    """``layer: false`` (the control): each bit is 1 with probability c_i, independently."""
    from orchestrator.physics.warm_qaoa import tilt_angles, warm_values
    from orchestrator.run.study_warm import _qaoa_shots
    from orchestrator.tasks.maxcut.instances import catalogue

    inst = catalogue("regular3_weighted", N, 1, 0)[0]
    c = warm_values(np.array([1, 0, 0, 1, 1, 0], dtype=float), 0.25)
    bits, _ = _qaoa_shots(inst, 40_000, tilt_angles(c), np.random.default_rng(0), layer=False)
    np.testing.assert_allclose(bits.mean(axis=0), c, atol=5 * np.sqrt(0.25 * 0.75 / 40_000))
    corr = np.corrcoef(bits.T.astype(float))[np.triu_indices(N, 1)]
    assert np.abs(corr).max() < 5 / np.sqrt(40_000)  # independent bits
