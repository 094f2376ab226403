"""Run directories written before issue 24 moved Aer's options under ``quantum.aer`` still
verify, resume, reproduce and open (docs/design.md §23).

``tests/assets/aer_layout_v1`` was written by the code of that time (its README): one run of
5 ticks on Aer's statevector method, and the same run killed after 3 ticks. Their config.yaml
and genesis block hold ``quantum.method: statevector`` at the top of the section. The
statevector method changes every estimate, so a reader that lost it on the way (and ran
Aer's default shots) could reach none of the roots below.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

import qnfusion
from orchestrator.cli import app
from orchestrator.record.ledger import read_blocks
from tests.paths import ASSETS

FIXTURE = ASSETS / "aer_layout_v1"
# the root `qnf run` reached on the old code (tests/assets/aer_layout_v1/README.md)
RECORDED_ROOT = "c5dc02f82f94862562ed7b2cd0dd3e4221c83cd2ffaa9de090a81039b33b0447"

runner = CliRunner()


def _copy(name: str, tmp_path: Path) -> Path:
    """A writable copy of a fixture run directory: every test reads a copy, since opening a
    ledger folds its WAL into it, which would change the fixture's bytes."""
    return Path(shutil.copytree(FIXTURE / name, tmp_path / name))


def _events(run_dir: Path) -> list[dict]:
    return [event for _, event, _ in read_blocks(run_dir / "ledger.sqlite")]


def test_the_fixture_holds_the_old_layout(tmp_path) -> None:
    for name in ("complete", "killed"):
        run_dir = _copy(name, tmp_path)  # reading the killed run's ledger folds in its WAL
        stored = yaml.safe_load((run_dir / "config.yaml").read_text())
        assert stored["quantum"]["method"] == "statevector" and "aer" not in stored["quantum"]
        genesis = _events(run_dir)[0]
        assert genesis["config"]["quantum"]["method"] == "statevector"
    summary = json.loads((FIXTURE / "complete" / "summary.json").read_text())
    assert summary["final_root"] == RECORDED_ROOT


def test_an_old_run_directory_verifies(tmp_path) -> None:
    result = runner.invoke(app, ["ledger", "verify", str(_copy("complete", tmp_path))])
    assert result.exit_code == 0, result.output
    assert f"final root {RECORDED_ROOT}" in result.output


def test_open_run_reads_the_old_config_with_aers_options_moved(tmp_path) -> None:
    run_dir = _copy("complete", tmp_path)
    run = qnfusion.open_run(run_dir)
    config = run.config
    assert config.quantum.aer.method == "statevector"
    assert config.quantum.capabilities().statevector
    # the run keeps the identity it was recorded under: the stored data and its hash
    stored = yaml.safe_load((run_dir / "config.yaml").read_text())
    assert config.resolved() == stored
    assert config.config_hash() == _events(run_dir)[0]["config_sha256"]
    assert qnfusion.verify(run_dir).ok
    # a new config made from it (here with an override) is in today's layout
    derived = qnfusion.load_config(config, {"run.ticks": 2}).resolved()["quantum"]
    assert derived["aer"]["method"] == "statevector" and "method" not in derived


def test_a_killed_old_run_resumes_to_the_uninterrupted_root(tmp_path) -> None:
    run_dir = _copy("killed", tmp_path)
    before = (run_dir / "config.yaml").read_bytes()
    result = runner.invoke(app, ["resume", str(run_dir), "--no-report"])
    assert result.exit_code == 0, result.output
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["final_root"] == RECORDED_ROOT
    assert (run_dir / "config.yaml").read_bytes() == before  # never rewritten
    events = _events(run_dir)
    assert {e["config_sha256"] for e in events} == {events[0]["config_sha256"]}
    verified = runner.invoke(app, ["ledger", "verify", str(run_dir)])
    assert verified.exit_code == 0, verified.output


def test_an_old_run_reproduces_bit_for_bit(tmp_path) -> None:
    run_dir = _copy("complete", tmp_path)
    rerun = tmp_path / "rerun"
    result = runner.invoke(app, ["reproduce", str(run_dir), "--out", str(rerun), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads((rerun / "summary.json").read_text())["final_root"] == RECORDED_ROOT
    # the rerun is recorded under the config it reproduces, as stored
    assert (rerun / "config.yaml").read_text() != ""
    assert _events(rerun)[0]["config"] == _events(run_dir)[0]["config"]
