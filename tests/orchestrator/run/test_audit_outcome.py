"""Issue 27 (F9): `qnf ledger verify` checks how summary.json says a run ended, and a
federation's end block against its rounds, its summary and every node's own ledger."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.record.ledger import Ledger, read_blocks
from orchestrator.run.federation import run_federation
from orchestrator.run.hooks import RunHooks
from orchestrator.run.runner import execute
from tests.federated import write_federation
from tests.paths import ASSETS

runner = CliRunner()


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A completed 4-tick run and one cancelled after 2 of its 4 ticks."""
    root = tmp_path_factory.mktemp("outcome")
    config = load_config(ASSETS / "small.yaml")
    execute(config, root / "completed", draw_report=False)
    ticks: list[int] = []
    hooks = RunHooks(
        on_tick=lambda record,
        done,
        total: ticks.append(done),
        should_stop=lambda: len(ticks) >= 2,
    )
    execute(config, root / "cancelled", hooks, draw_report=False)
    return {"completed": root / "completed", "cancelled": root / "cancelled"}


@pytest.fixture(scope="module")
def federation(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A completed federation of two fusion nodes, 4 ticks, a round every 2."""
    root = tmp_path_factory.mktemp("federation")
    config, _ = write_federation(root / "cfg", 2, ticks=4, rounds_every_ticks=2, eps_phi=1.0)
    result = run_federation(load_config(config), root / "fed")
    assert result.status == "completed"
    return root / "fed"


def _copy(run: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(run, tmp_path / run.name))


def _verify(run: Path) -> tuple[int, list[str], str]:
    result = runner.invoke(app, ["ledger", "verify", str(run)])
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    return result.exit_code, result.stderr.strip().splitlines(), result.stdout


def _edit(path: Path, change: Any) -> None:
    data = json.loads(path.read_text())
    change(data)
    path.write_text(json.dumps(data))


def test_the_untouched_runs_verify(runs: dict[str, Path], federation: Path) -> None:
    for run in (*runs.values(), federation):
        code, errors, _ = _verify(run)
        assert code == 0 and errors == [], errors
    summary = json.loads((runs["cancelled"] / "summary.json").read_text())
    assert summary["status"] == "cancelled" and summary["ticks"] == 2


def test_a_summary_json_that_is_a_directory_fails_in_one_line(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    run = _copy(runs["completed"], tmp_path)
    (run / "summary.json").unlink()
    (run / "summary.json").mkdir()
    code, errors, _ = _verify(run)
    assert code == 1 and errors == ["FAILED: summary.json is not a regular file"]


@pytest.mark.parametrize(
    ("which", "change", "words"),
    [
        ("cancelled", lambda s: s.update(status="completed", error=None),
         "records status 'completed', but the ledger holds 2 of the 4 ticks planned"),
        ("completed", lambda s: s.update(status="stopped"),
         "records status 'stopped', but the ledger does not end with a stop block"),
        ("completed", lambda s: s.update(status="won"), "records status 'won', not one"),
        ("completed", lambda s: s.update(error="disk on fire"),
         "records status 'completed' with an error"),
        ("completed", lambda s: s["last_tick"].update(H_coh=0.5),
         "records a last_tick that is not the ledger's last tick (tick 3)"),
        ("cancelled", lambda s: s.update(last_tick=None),
         "records a last_tick that is not the ledger's last tick (tick 1)"),
        ("completed", lambda s: s["backends"]["quantum"].update(version="9.9.9"),
         "records backends other than the ones the ledger's last block ran on"),
        ("completed", lambda s: s["backends"].update(spiking={"kind": "lava"}),
         "records backends other than the ones the ledger's last block ran on"),
        ("completed", lambda s: s.update(reverts=2), "records reverts 2, the ledger 0"),
        ("completed", lambda s: s.update(ticks_planned=40),
         "records ticks_planned 40, the genesis config 4"),
    ],
    ids=[
        "status-completed", "status-stopped", "status-unknown", "error", "last-tick",
        "last-tick-none", "backend-version", "backend-kind", "reverts", "ticks-planned",
    ],
)  # fmt: skip
def test_an_edited_account_of_how_the_run_ended_fails(
    runs: dict[str, Path], tmp_path: Path, which: str, change: Any, words: str
) -> None:
    run = _copy(runs[which], tmp_path)
    _edit(run / "summary.json", change)
    code, errors, _ = _verify(run)
    assert code == 1
    assert any(words in line for line in errors), errors


def _rewrite_end_block(fed: Path, change: Any) -> None:
    """Replace the federation's end block by an edited one, re-chained (as a forger would)."""
    blocks = list(read_blocks(fed / "ledger.sqlite"))
    (fed / "ledger.sqlite").unlink()
    with Ledger.create(fed / "ledger.sqlite") as ledger:
        for _, event, meta in blocks:
            event = {k: v for k, v in event.items() if k not in ("block", "parent_block")}
            if event["kind"] == "end":
                change(event)
            root = ledger.append(event, meta)
    _edit(fed / "summary.json", lambda s: s.update(final_root=root))


def test_a_node_ledger_replaced_after_the_federation_ended_fails(
    federation: Path, tmp_path: Path
) -> None:
    fed = _copy(federation, tmp_path)
    other = tmp_path / "other"
    execute(load_config(ASSETS / "small.yaml"), other, draw_report=False)
    shutil.rmtree(fed / "nodes" / "n1")
    shutil.copytree(other, fed / "nodes" / "n1")
    code, errors, _ = _verify(fed)
    assert code == 1
    assert any("the end block records node n1's final root" in line for line in errors), errors


def test_a_node_summary_edited_is_reported_under_the_node(federation: Path, tmp_path: Path) -> None:
    fed = _copy(federation, tmp_path)
    _edit(fed / "nodes" / "n0" / "summary.json", lambda s: s.update(status="failed"))
    code, errors, _ = _verify(fed)
    assert code == 1
    assert any(line.startswith("FAILED") and "node n0 'completed'" in line for line in errors)


def test_an_end_block_forged_to_a_node_s_other_root_fails(federation: Path, tmp_path: Path) -> None:
    fed = _copy(federation, tmp_path)
    _rewrite_end_block(fed, lambda e: e["nodes"]["n0"].update(final_root="ab" * 32))
    _edit(
        fed / "summary.json", lambda s: s["nodes"]["n0"].update(final_root="ab" * 32)
    )  # the summary agrees with the forged block: only the node's ledger can tell
    code, errors, _ = _verify(fed)
    assert code == 1
    assert any("the end block records node n0's final root 'abab" in line for line in errors)


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda s: s.update(status="failed"),
         "records status 'failed', but every node completed every round"),
        (lambda s: s.update(rounds=1), "records rounds 1, the end block 2"),
        (lambda s: s["nodes"]["n1"].update(ticks=3), "records node n1 as"),
        (lambda s: s["nodes"].pop("n1"), "records node n1 as None"),
    ],
    ids=["status", "rounds", "node-ticks", "node-missing"],
)  # fmt: skip
def test_a_federation_summary_that_disagrees_with_its_end_block_fails(
    federation: Path, tmp_path: Path, change: Any, words: str
) -> None:
    fed = _copy(federation, tmp_path)
    _edit(fed / "summary.json", change)
    code, errors, _ = _verify(fed)
    assert code == 1
    assert any(words in line for line in errors), errors
