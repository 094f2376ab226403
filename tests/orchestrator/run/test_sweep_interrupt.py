"""Ctrl+C on ``qnf sweep`` (issue 27, F11): no queued point starts, running points stop at a
tick boundary, the table says which point ended how, and the same command completes the rest
(each point then ends with the root of a run never interrupted).

The interrupted sweep is a real process (its process group gets the signal); the same command
that completes the rest runs in this process through ``CliRunner`` (an interpreter start fewer;
its pool's workers are spawned processes either way; design §26)."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.record.ledger import last_events
from orchestrator.run.runner import execute
from tests.paths import ASSETS, ROOT

QNF = [sys.executable, "-m", "orchestrator.cli"]


def _height(run_dir: Path) -> int:
    if not (run_dir / "ledger.sqlite").exists():
        return -1
    events = last_events(run_dir / "ledger.sqlite", 1)
    return events[-1][0] if events else -1


def _rows(out: Path) -> dict[str, dict[str, str]]:
    with open(out / "table.csv", newline="") as handle:
        return {row["point"]: row for row in csv.DictReader(handle)}


@pytest.mark.parametrize(
    ("workers", "ticks"),
    [(1, 40), (2, 150)],  # two points must both be running when the signal comes
    ids=["in-process", "process-pool"],
)
def test_ctrl_c_starts_no_queued_point_and_the_same_command_completes_the_rest(
    tmp_path: Path, workers: int, ticks: int
) -> None:
    config = ASSETS / "small.yaml"
    out = tmp_path / "sweep"
    grid = ["--over", "trotter.dt=0.2,0.3,0.4", "--over", f"run.ticks={ticks}"]
    command = [*QNF, "sweep", str(config), *grid, "-j", str(workers), "--out", str(out)]
    log = tmp_path / "sweep.stderr"
    with open(log, "w") as stderr:
        proc = subprocess.Popen(
            command, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=stderr, start_new_session=True,
        )  # fmt: skip
    running = [out / "points" / f"p00{k}" for k in range(workers)]
    while min(_height(d) for d in running) < 3:
        assert proc.poll() is None, log.read_text()
        assert not (running[0] / "summary.json").exists(), "p000 ended before p001 began"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGINT)  # a terminal's Ctrl+C: the driver and its workers
    code = proc.wait(timeout=600)
    text = log.read_text()
    assert code == 130, text
    assert "Traceback" not in text
    rows = _rows(out)
    assert [rows[f"p00{k}"]["status"] for k in range(3)] == (
        ["interrupted"] * workers + ["not started"] * (3 - workers)
    )
    for k in range(workers):
        assert 0 < int(rows[f"p00{k}"]["ticks"]) < ticks
    for k in range(workers, 3):  # a point not started wrote nothing
        assert not (out / "points" / f"p00{k}").exists()
        assert rows[f"p00{k}"]["error"] == "interrupted by SIGINT before it started"
    counts = f"{workers} interrupted, {3 - workers} not started"
    assert text.strip().splitlines()[-1] == (
        f"interrupted by SIGINT: {counts}; the same command (--out {out}) continues the sweep"
    )

    again = CliRunner().invoke(app, command[len(QNF):])
    assert again.exit_code == 0, again.output
    rows = _rows(out)
    assert [r["status"] for r in rows.values()] == ["completed"] * 3
    reference = execute(
        load_config(config, {"trotter.dt": 0.2, "run.ticks": ticks}),
        tmp_path / "reference",
        draw_report=False,
    )
    assert rows["p000"]["final_root"] == reference.final_root
    assert not (out / "stop-requested").exists()
