"""Issue 16: `qnf ledger verify` checks what a run directory claims; resume names what it skips."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.config.digest import config_digest, hashed_config
from orchestrator.record.ledger import read_blocks
from orchestrator.record.rundir import RunDirectory
from orchestrator.run.hooks import RunHooks
from orchestrator.run.resume import resume
from orchestrator.run.runner import execute
from tests.paths import ASSETS

runner = CliRunner()


@pytest.fixture(scope="module")
def done(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A completed 4-tick run: blocks 0..4, a checkpoint per block (3 kept, and the genesis)."""
    out = tmp_path_factory.mktemp("audit") / "run"
    execute(load_config(ASSETS / "small.yaml"), out, draw_report=False)
    return out


def _copy(done: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(done, tmp_path / "run"))


def _verify(run: Path) -> tuple[int, list[str], str]:
    result = runner.invoke(app, ["ledger", "verify", str(run)])
    return result.exit_code, result.stderr.strip().splitlines(), result.stdout


def _edit_summary(run: Path, **changes: object) -> None:
    path = run / "summary.json"
    summary = json.loads(path.read_text())
    summary.update(changes)
    path.write_text(json.dumps(summary))


def _drop_last_blocks(run: Path, count: int) -> None:
    conn = sqlite3.connect(run / "ledger.sqlite")
    for trigger in ("blocks_append_only_d", "spikes_append_only_d"):
        conn.execute(f"DROP TRIGGER {trigger}")
    (top,) = conn.execute("SELECT max(height) FROM blocks").fetchone()
    conn.execute("DELETE FROM blocks WHERE height > ?", (top - count,))
    conn.execute("DELETE FROM spikes WHERE height > ?", (top - count,))
    conn.commit()
    conn.close()


def test_an_intact_run_verifies(done: Path, tmp_path: Path) -> None:
    code, errors, stdout = _verify(_copy(done, tmp_path))
    assert code == 0 and errors == [] and stdout.startswith("ok: 5 blocks verify")


def test_the_config_hash_of_the_audit_is_the_run_config_s(done: Path) -> None:
    cfg = load_config(done / "config.yaml")
    assert config_digest(yaml.safe_load((done / "config.yaml").read_text())) == cfg.config_hash()


def test_the_genesis_block_records_the_digest_of_the_config_it_holds(done: Path) -> None:
    genesis = next(iter(read_blocks(done / "ledger.sqlite")))[1]
    cfg = load_config(done / "config.yaml")
    assert genesis["config"] == hashed_config(cfg.resolved())
    assert genesis["config_sha256"] == config_digest(genesis["config"]) == cfg.config_hash()


@pytest.mark.parametrize(
    ("changes", "line"),
    [
        ({"seed": 99}, "FAILED at block 0: summary.json records seed 99, the ledger 3"),
        ({"config_sha256": "0" * 64}, "FAILED at block 0: summary.json records config_sha256"),
        ({"ticks": 7}, "FAILED at block 5: summary.json records ticks 7, the ledger 4"),
    ],
    ids=["seed", "config-hash", "ticks"],
)
def test_a_summary_that_disagrees_with_the_ledger_fails(
    done: Path, tmp_path: Path, changes: dict, line: str
) -> None:
    run = _copy(done, tmp_path)
    _edit_summary(run, **changes)
    code, errors, _ = _verify(run)
    assert code == 1 and len(errors) == 1 and errors[0].startswith(line)


def test_a_summary_that_is_not_an_object_fails_in_one_line_and_resume_ignores_it(
    done: Path, tmp_path: Path
) -> None:
    run = _copy(done, tmp_path)
    (run / "summary.json").write_text("[1, 2]")
    code, errors, _ = _verify(run)
    assert code == 1 and errors == ["FAILED: summary.json is not a JSON object (a list)"]
    result = runner.invoke(app, ["resume", str(run), "--no-report"])
    assert result.exit_code == 0 and "Traceback" not in result.output


def test_an_edited_config_yaml_fails(done: Path, tmp_path: Path) -> None:
    run = _copy(done, tmp_path)
    path = run / "config.yaml"
    path.write_text(path.read_text().replace("seed: 3", "seed: 4"))
    code, errors, _ = _verify(run)
    assert code == 1
    assert errors == [
        "FAILED: config.yaml does not hash to the config_sha256 of the genesis block "
        "(changed after the run started)",
        "FAILED: config.yaml names seed 4, the genesis block 3",
    ]


@pytest.mark.parametrize("value", ["2020-01-01", "1152921504606846976"], ids=["date", "big-int"])
def test_a_config_yaml_json_cannot_hold_fails_in_one_line(
    done: Path, tmp_path: Path, value: str
) -> None:
    """A config.yaml edited to hold what the digest's JSON cannot (a date, an integer past
    2^53) does not hash to the genesis block's value: one line, no traceback."""
    run = _copy(done, tmp_path)
    path = run / "config.yaml"
    path.write_text(path.read_text() + f"extra: {value}\n")
    code, errors, _ = _verify(run)
    assert code == 1
    assert errors == [
        "FAILED: config.yaml does not hash to the config_sha256 of the genesis block "
        "(changed after the run started)"
    ]


def test_a_checkpoint_that_does_not_match_its_block_fails(done: Path, tmp_path: Path) -> None:
    run = _copy(done, tmp_path)
    path = RunDirectory(run).checkpoint(3)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1
    path.write_bytes(bytes(data))
    code, errors, _ = _verify(run)
    assert code == 1
    assert errors == [
        "FAILED at block 3: checkpoints/00000003.ckpt: SHA-256 differs from the ledger's record",
        # stored as a delta of block 3's file (design §27), it cannot be read without it
        "FAILED at block 4: checkpoints/00000004.ckpt: its base 00000003.ckpt is unusable: "
        "checkpoint delta decodes to bytes whose SHA-256 it does not name",
    ]


def test_without_a_summary_it_says_nothing_anchors_the_tail(done: Path, tmp_path: Path) -> None:
    run = _copy(done, tmp_path)
    (run / "summary.json").unlink()
    _drop_last_blocks(run, 1)  # what a crash right after checkpoint 4 was written looks like
    code, errors, stdout = _verify(run)
    assert code == 0 and stdout.startswith("ok: 4 blocks verify")
    assert errors == [
        "note: no summary.json: nothing anchors the end of the ledger, so blocks removed from "
        "its end would go unseen (a run killed before it wrote one has none)"
    ]


def test_a_checkpoint_past_the_end_shows_blocks_are_missing(done: Path, tmp_path: Path) -> None:
    run = _copy(done, tmp_path)
    (run / "summary.json").unlink()
    _drop_last_blocks(run, 2)
    code, errors, _ = _verify(run)
    assert code == 1
    assert errors == [
        "FAILED at block 3: checkpoints/00000004.ckpt belongs to block 4, but the ledger ends "
        "at block 2 (blocks missing at the end?)"
    ]


@pytest.mark.parametrize("damage", ["flipped", "directory", "endless-symlink"])
def test_resume_sets_aside_and_names_a_checkpoint_it_skips(
    done: Path, tmp_path: Path, damage: str
) -> None:
    run = _copy(done, tmp_path)
    path = RunDirectory(run).checkpoint(4)
    why = {
        "flipped": "SHA-256 differs from the ledger's record",
        "directory": "not a regular file",
        "endless-symlink": "not a regular file (a symbolic link)",
    }[damage]
    if damage == "flipped":
        data = bytearray(path.read_bytes())
        data[-1] ^= 1
        path.write_bytes(bytes(data))
    else:
        path.unlink()
        if damage == "directory":
            path.mkdir()
        else:
            os.symlink("/dev/zero", path)
    notices: list[str] = []

    def on_start(identities: dict[str, dict[str, str]]) -> None:
        notices.extend(i["notice"] for i in identities.values() if i.get("notice"))

    result = resume(run, hooks=RunHooks(on_start=on_start), draw_report=False)
    assert notices == [
        f"skipped checkpoint 00000004.ckpt ({why}), set aside as 00000004.ckpt.rejected; "
        "resuming from block 3"
    ]
    assert result.final_root == json.loads((done / "summary.json").read_text())["final_root"]
    assert os.path.lexists(path.with_name("00000004.ckpt.rejected"))
    code, _, _ = _verify(run)
    assert code == 0
