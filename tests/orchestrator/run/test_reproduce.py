"""``qnf reproduce RUN_DIR`` (issue 26): a run re-run from its record matches; a ledger that
differs is named by its first differing block, tick and fields; bad input is refused with
exit 2 before anything runs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config.root import load_config
from orchestrator.record.ledger import Ledger, read_blocks, read_spikes
from orchestrator.run.hooks import RunHooks
from orchestrator.run.runner import execute
from tests.paths import ASSETS

runner = CliRunner()


@pytest.fixture(scope="module")
def small_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    run_dir = tmp_path_factory.mktemp("reproduce") / "run"
    execute(load_config(ASSETS / "small.yaml", {"run.ticks": 3}), run_dir, draw_report=False)
    return run_dir


def _perturbed_copy(source: Path, target: Path, height: int) -> None:
    """``source``'s run directory with a ledger that is valid (every root recomputed) but whose
    block ``height`` holds a Bloch component 1e-9 off and one more spike of neuron 0."""
    shutil.copytree(source, target)
    ledger = target / "ledger.sqlite"
    ledger.unlink()
    spikes = {h: (n, t) for h, n, t in read_spikes(source / "ledger.sqlite")}
    with Ledger.create(ledger) as out:
        for h, event, meta in read_blocks(source / "ledger.sqlite"):
            body = {k: v for k, v in event.items() if k not in ("block", "parent_block")}
            body.pop("spikes_sha256", None)
            pair = spikes.get(h)
            if h == height:
                body["bloch"][1][2] += 1e-9
                pair = (np.append(pair[0], 0), np.append(pair[1], 4.9))
            out.append(body, meta, pair)


def test_a_run_reproduces_and_the_temporary_rerun_is_removed(small_run, tmp_path) -> None:
    result = runner.invoke(app, ["reproduce", str(small_run)])
    assert result.exit_code == 0, result.output
    root = json.loads((small_run / "summary.json").read_text())["final_root"]
    assert f"matches: final root {root} (4 blocks)" in result.stdout
    assert "rerun kept" not in result.stdout


def test_a_differing_ledger_names_its_first_block_tick_and_fields(small_run, tmp_path) -> None:
    colleague = tmp_path / "colleague"
    _perturbed_copy(small_run, colleague, height=2)
    result = runner.invoke(
        app, ["reproduce", str(colleague), "--out", str(tmp_path / "mine"), "--json"]
    )
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert not report["matches"] and report["rerun"] == str(tmp_path / "mine")
    first = report["first_difference"]
    assert (first["block"], first["kind"], first["tick"]) == (2, "tick", 1)
    fields = {f["field"]: f for f in first["fields"]}
    assert set(fields) == {"bloch[*][*]", "spikes_sha256"}
    bloch = fields["bloch[*][*]"]
    assert bloch["count"] == 1 and bloch["max_abs_at"] == "bloch[1][2]"
    assert bloch["max_abs"] == pytest.approx(1e-9, rel=1e-6)
    assert bloch["max_rel"] == pytest.approx(1e-9 / abs(bloch_value(small_run, 2)), rel=1e-3)
    assert "spikes in the original" in first["spikes"]
    # the human form says the same
    text = runner.invoke(app, ["reproduce", str(colleague), "--out", str(tmp_path / "mine2")])
    assert text.exit_code == 1
    assert "first difference: block 2 (tick 1), a tick event" in text.stdout
    assert "bloch[*][*]" in text.stdout and "bloch[1][2]" in text.stdout
    assert f"rerun kept in {tmp_path / 'mine2'}" in text.stdout


def bloch_value(run_dir: Path, height: int) -> float:
    blocks = list(read_blocks(run_dir / "ledger.sqlite"))
    return blocks[height][1]["bloch"][1][2]


def test_a_run_that_ended_early_is_compared_over_its_blocks(tmp_path) -> None:
    cfg = load_config(ASSETS / "small.yaml", {"run.ticks": 3})
    done: list[int] = []
    run_dir = tmp_path / "cancelled"
    hooks = RunHooks(on_tick=lambda *a: done.append(1), should_stop=lambda: len(done) >= 1)
    result = execute(cfg, run_dir, hooks, draw_report=False)
    assert result.status == "cancelled" and result.ticks == 1
    out = runner.invoke(app, ["reproduce", str(run_dir), "--json"])
    assert out.exit_code == 0, out.output
    report = json.loads(out.stdout)
    assert report["blocks"] == [2, 4] and report["first_difference"] is None
    assert report["original_status"] == "cancelled"


def test_bad_input_is_refused_with_exit_2_before_anything_runs(small_run, tmp_path) -> None:
    result = runner.invoke(app, ["reproduce", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"{tmp_path}: not a run directory (no ledger.sqlite)"
    taken = tmp_path / "taken"
    taken.mkdir()
    result = runner.invoke(app, ["reproduce", str(small_run), "--out", str(taken)])
    assert result.exit_code == 2 and "already exists" in result.stderr
    assert list(taken.iterdir()) == []
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "ledger.sqlite").write_bytes(b"not a database at all, just bytes" * 10)
    result = runner.invoke(app, ["reproduce", str(broken)])
    assert result.exit_code == 2 and "not a readable ledger" in result.stderr
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    with Ledger.create(foreign / "ledger.sqlite") as ledger:
        ledger.append({"kind": "federation", "nodes": {}}, {})
    result = runner.invoke(app, ["reproduce", str(foreign)])
    assert result.exit_code == 2
    assert "a federated run: reproduce is for single runs" in result.stderr
    assert "Traceback" not in result.output
