"""``qnf resume TARGET``: a completed run is refused before anything is built (issue 26), and
a path that is not a run says what it is and what to do, not "no job" (issue 27, U2)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.run import resume as resume_module
from orchestrator.run.runner import execute
from orchestrator.run.sweep import open_sweep
from orchestrator.run.sweep_plan import SweepPlan

runner = CliRunner()


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("QNF_HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def _files(run_dir: Path) -> dict[str, tuple[bytes, int]]:
    files = (p for p in run_dir.iterdir() if p.is_file())
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in files}


def _never_build(*args, **kwargs):
    raise AssertionError("the backends were built")


def test_resume_of_a_completed_run_exits_2_before_building_and_leaves_summary_alone(
    tmp_path: Path, small_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    run_dir = tmp_path / "run"
    done = execute(load_config(small_config), run_dir, draw_report=False)
    before = _files(run_dir)
    monkeypatch.setattr(resume_module, "open_backends", _never_build)
    result = runner.invoke(app, ["resume", str(run_dir)])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    assert result.stderr.strip().splitlines() == [
        f"{run_dir}: the run is completed ({done.ticks} of {done.ticks} ticks, final root "
        f"{done.final_root}); nothing to resume (check it: qnf ledger verify {run_dir})"
    ]
    assert _files(run_dir) == before
    assert json.loads((run_dir / "summary.json").read_text())["status"] == "completed"


@pytest.mark.parametrize("kind", ["empty", "sweep", "file", "config-only", "missing"])
def test_resume_of_a_path_that_is_not_a_run_says_what_it_is(
    tmp_path: Path, small_config: Path, home: Path, kind: str
) -> None:
    target = tmp_path / "target"
    expected = {
        "empty": f"{target}: an empty directory, not a run directory (no ledger.sqlite)",
        "sweep": f"{target}: a sweep directory; continue it with the same `qnf sweep` command "
        f"and --out {target}",
        "file": f"{target}: a file, not a run directory",
        "config-only": f"{target}: holds config.yaml but no ledger.sqlite: the run never "
        f"started; start it again with: qnf run {target}/config.yaml --out NEW_DIR",
        "missing": "no job 'TARGET' and no directory TARGET",
    }[kind]
    if kind == "empty":
        target.mkdir()
    elif kind == "sweep":
        plan = SweepPlan(small_config.read_text(), str(small_config), (("trotter.dt", (0.2,)),))
        open_sweep(plan, target)
    elif kind == "file":
        target.write_text("hello\n")
    elif kind == "config-only":
        target.mkdir()
        (target / "config.yaml").write_text(small_config.read_text())
    arg = str(target)
    result = runner.invoke(app, ["resume", arg])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[0] == expected.replace("TARGET", arg)
    assert "Traceback" not in result.output
    if kind != "missing":
        assert lines[-1] == (
            "qnf resume takes a run directory written by `qnf run` (it holds ledger.sqlite) "
            "or a job id (`qnf jobs` lists them)"
        )
