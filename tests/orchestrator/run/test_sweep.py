"""Sweeps: the grid's points, validation before anything runs, resumption, a reproducible table."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.config.errors import ConfigError
from orchestrator.run.hooks import RunHooks
from orchestrator.run.runner import execute
from orchestrator.run.sweep import open_sweep, run_sweep
from orchestrator.run.sweep_plan import SweepPlan, load_sweep_file, parse_over, plan_from_options


def plan_of(config: Path, *axes, seeds=None) -> SweepPlan:
    return SweepPlan(config.read_text(), str(config), tuple(axes), seeds)


def test_points_are_the_product_of_the_axes_then_the_seeds(small_config) -> None:
    plan = plan_of(small_config, ("trotter.dt", (0.1, 0.2)), ("pci.gamma", (0, 1)), seeds=(5, 6))
    labels = [
        (p.overrides["trotter.dt"], p.overrides["pci.gamma"], p.overrides["run.seed"])
        for p in plan.points
    ]
    assert labels == [(d, g, s) for d in (0.1, 0.2) for g in (0, 1) for s in (5, 6)]
    assert [p.name for p in plan.points][:3] == ["p000", "p001", "p002"]
    other = plan_of(small_config, ("trotter.dt", (0.1, 0.3)), ("pci.gamma", (0, 1)), seeds=(5, 6))
    assert plan.digest != other.digest
    assert plan.digest == plan_of(small_config, *plan.axes, seeds=plan.seeds).digest


def test_over_values_are_yaml_scalars_and_bad_specs_say_what_is_expected() -> None:
    assert parse_over("pci.gamma=0, 0.5,1e-1") == ("pci.gamma", (0, 0.5, 0.1))
    assert parse_over("ace.enabled=true,false") == ("ace.enabled", (True, False))
    for bad in ("pci.gamma", "=1,2", "pci.gamma=", "pci.gamma=[1],2"):
        with pytest.raises(ConfigError) as caught:
            parse_over(bad)
        assert len(caught.value.problems) == 1 and "--over" in caught.value.problems[0]


def test_a_sweep_file_names_config_axes_and_seeds(tmp_path, small_config) -> None:
    good = tmp_path / "sweep.yaml"
    good.write_text(f"config: {small_config}\nover: {{trotter.dt: [0.1, 0.2]}}\nseeds: 2\n")
    assert load_sweep_file(good) == (small_config, [("trotter.dt", (0.1, 0.2))], 2)
    bad = tmp_path / "bad.yaml"
    bad.write_text("over: {trotter.dt: 0.1}\nseeds: 0\nworkers: 3\n")
    with pytest.raises(ConfigError) as caught:
        load_sweep_file(bad)
    text = "\n".join(caught.value.problems)
    assert "workers: unknown key" in text and "over.trotter.dt" in text and "seeds:" in text


def test_every_point_is_validated_before_anything_is_written(tmp_path, small_config) -> None:
    plan = plan_of(small_config, ("trotter.dt", (0.1, -1.0)), ("pci.alpha", (1.0, "x")))
    with pytest.raises(ConfigError) as caught:
        run_sweep(plan, tmp_path / "sweep", workers=1)
    problems = caught.value.problems
    assert len(problems) == 2  # one line per problem, naming the points where it occurs
    assert any(p.startswith("trotter.dt: must be > 0 (at p002") for p in problems)
    assert any(p.startswith("pci.alpha:") and "p001" in p and "p003" in p for p in problems)
    assert not (tmp_path / "sweep").exists()


def test_a_cut_short_point_resumes_and_finished_points_are_read_back(tmp_path, small_config):
    plan = plan_of(small_config, ("trotter.dt", (0.2, 0.4)))
    fresh = [s["final_root"] for s in run_sweep(plan, tmp_path / "fresh", workers=1)]
    alone = execute(
        load_config(small_config, plan.points[1].overrides), tmp_path / "alone", draw_report=False
    )
    assert alone.final_root == fresh[1]  # a point is the plain run of its config

    out = tmp_path / "sweep"
    open_sweep(plan, out)  # as a killed sweep leaves it: p001 stopped after 2 of 4 ticks
    cfg = load_config(small_config, plan.points[1].overrides)
    hooks = RunHooks(should_stop=_after(2))
    cut = execute(cfg, out / "points" / "p001", hooks, draw_report=False)
    assert cut.status == "cancelled" and cut.ticks == 2
    summaries = run_sweep(plan, out, workers=1)
    assert [s["final_root"] for s in summaries] == fresh
    assert [s["skipped"] for s in summaries] == [False, False] and summaries[1]["resumes"] == 1
    again = run_sweep(plan, out, workers=1)
    assert [s["skipped"] for s in again] == [True, True]
    assert [s["final_root"] for s in again] == fresh

    with pytest.raises(ConfigError, match="different sweep"):
        run_sweep(plan_of(small_config, ("trotter.dt", (0.3,))), out, workers=1)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(ConfigError, match="not a sweep directory"):
        run_sweep(plan, tmp_path / "other", workers=1)


def test_qnf_sweep_on_a_process_pool_gives_the_same_table_twice(tmp_path, small_config) -> None:
    cli = CliRunner()
    grid = ["--over", "trotter.dt=0.2,0.4", "--over", "run.ticks=2", "--seeds", "2"]
    args = ["sweep", str(small_config), *grid, "-j", "2"]
    first = cli.invoke(app, [*args, "--out", str(tmp_path / "a")])
    assert first.exit_code == 0, first.output
    assert "4 completed" in first.stdout
    table = (tmp_path / "a" / "table.csv").read_text()
    rows = [line.split(",") for line in table.splitlines()]
    head = ["point", "trotter.dt", "run.ticks", "run.seed", "status", "ticks", "final_root"]
    assert rows[0][:7] == head
    assert [r[1:6] for r in rows[1:]] == [
        [dt, "2", seed, "completed", "2"] for dt in ("0.2", "0.4") for seed in ("3", "4")
    ]
    assert len({r[6] for r in rows[1:]}) == 4 and (tmp_path / "a" / "sweep.png").stat().st_size
    again = cli.invoke(app, [*args, "--out", str(tmp_path / "a")])  # read back, not rerun
    assert again.exit_code == 0 and (tmp_path / "a" / "table.csv").read_text() == table
    second = cli.invoke(app, [*args, "-j", "1", "--out", str(tmp_path / "b")])
    assert second.exit_code == 0 and (tmp_path / "b" / "table.csv").read_text() == table
    refused = cli.invoke(app, ["sweep", str(small_config), "--over", "trotter.dt=-1"])
    assert refused.exit_code == 2 and "trotter.dt: must be > 0" in refused.stderr
    assert "Traceback" not in refused.output


def _after(ticks: int):
    count = iter(range(10**6))
    return lambda: next(count) >= ticks


def test_an_unknown_or_uninstalled_pool_is_refused_before_anything_is_written(
    tmp_path, small_config, monkeypatch
) -> None:
    from orchestrator.contract import registry, sweep_pool

    cli = CliRunner()
    base = ["sweep", str(small_config), "--over", "trotter.dt=0.2"]
    out = tmp_path / "s"
    unknown = cli.invoke(app, [*base, "--pool", "slurm", "--out", str(out)])
    assert unknown.exit_code == 2 and "--pool: unknown 'slurm'; registered here: local" in (
        unknown.stderr
    )
    stray = cli.invoke(app, [*base, "--address", "auto", "--out", str(out)])
    assert stray.exit_code == 2 and "--address: only for a pool on other hosts" in stray.stderr
    absent = sweep_pool.PoolPlugin(
        kind="cluster",
        implementation="no_such_module:Pool",
        requires=("no_such_module",),
        install="pip install no-such-module",
        distribution="no-such-module",
        summary="",
    )
    registered = registry.plugins
    monkeypatch.setattr(
        registry, "plugins", lambda g: {"cluster": absent} if g == "sweep" else registered(g)
    )
    missing = cli.invoke(app, [*base, "--pool", "cluster", "--out", str(out)])
    assert missing.exit_code == 2
    assert (
        missing.stderr.strip()
        .splitlines()[-1]
        .endswith("--pool cluster: needs no_such_module, not installed: pip install no-such-module")
    )
    assert not out.exists() and "Traceback" not in missing.output


@pytest.mark.parametrize(
    ("args", "line"),
    [
        (
            ["--over", "run.seed=100", "--seeds", "2"],
            "--seeds: cannot be combined with an axis over run.seed (--seeds N counts from "
            "the config's run.seed); list the seeds instead: --over run.seed=100,101",
        ),
        (
            ["--over", "pci.gamma=0,0.3", "--over", "pci.gamma=0.5"],
            "--over pci.gamma: given twice; give every value once: --over pci.gamma=V1,V2,...",
        ),
    ],
    ids=["seed-axis-with-seeds", "repeated-key"],
)
def test_a_plan_that_would_not_run_what_was_asked_is_refused_in_one_line(
    tmp_path, small_config, args, line
) -> None:
    """F12 (issue 27): these ran seeds 3 and 4, or the last --over alone, without a word."""
    out = tmp_path / "s"
    result = CliRunner().invoke(app, ["sweep", str(small_config), *args, "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [line]
    assert not out.exists()


def test_a_sweep_file_axis_repeated_on_the_command_line_is_refused(tmp_path, small_config):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"config: {small_config}\nover: {{run.seed: [5, 6]}}\nseeds: 2\n")
    result = CliRunner().invoke(
        app, ["sweep", "--file", str(spec), "--over", "run.seed=7", "--out", str(tmp_path / "s")]
    )
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith("--seeds: cannot be combined with an axis over run.seed")
    assert lines[1].startswith("--over run.seed: given twice")
    with pytest.raises(ConfigError, match="given twice"):
        run_sweep(plan_of(small_config, ("pci.gamma", (0,)), ("pci.gamma", (1,))), tmp_path / "x")
    assert not (tmp_path / "s").exists() and not (tmp_path / "x").exists()


def test_qnf_sweep_options_become_one_plan_or_one_line_per_problem(tmp_path, small_config):
    spec = tmp_path / "sweep.yaml"
    spec.write_text(f"config: {small_config}\nover: {{trotter.dt: [0.1, 0.2]}}\nseeds: 2\n")
    plan, base = plan_from_options(None, ["pci.gamma=0,1"], None, spec)
    assert base == small_config and len(plan.points) == 2 * 2 * 2  # file axis, --over, seeds
    assert plan.points[0].overrides == {"trotter.dt": 0.1, "pci.gamma": 0, "run.seed": 3}
    plan, _ = plan_from_options(small_config, [], 3, spec)  # --seeds overrides the file's count
    assert len(plan.points) == 2 * 3
    with pytest.raises(ConfigError, match=r"^CONFIG: give a run config"):
        plan_from_options(None, ["pci.gamma=0"], None, None)
    with pytest.raises(ConfigError, match=r"^--over: give at least one"):
        plan_from_options(small_config, [], None, None)
    result = CliRunner().invoke(app, ["sweep", str(small_config), "--out", str(tmp_path / "s")])
    assert result.exit_code == 2 and result.stderr.startswith("--over: give at least one")
    assert not (tmp_path / "s").exists()
