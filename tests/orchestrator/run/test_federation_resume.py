"""A federation's coordinator resumes (issue 26 part 3) and stops on one signal (issue 27 F1).

``kill -9`` of a federated run (engine: local, real fusion nodes in the coordinator's process)
at a chain of crash points, each resume killed at the next one: while a node advances in the
middle of a round, inside the federation ledger's transaction after every node took the
round's delivery, right after a round's block, after one node's delivery but not the others',
while the nodes run their ticks after the last round, and between the ``end`` block and
summary.json. The last resume must end with the federation root and every node's root of a run
never interrupted. A signal to the process group (SIGINT, as Ctrl+C sends it; SIGTERM and SIGHUP)
stops the run at the round's end with everything committed, exit 128 + N; ``qnf resume``
finishes it to the same roots.

What is killed or signalled is a real ``qnf`` process (a fresh interpreter); the commands after
the last kill or the signal (the closing resume, the refusals) run in this process through
``CliRunner``, as a user's next command would run them: one interpreter start fewer each
(~2.6 CPU-s; design §26).
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.record.ledger import LedgerError, read_blocks
from orchestrator.record.verify import verify
from orchestrator.run.federation import run_federation
from tests.federated import write_federation

NODES = ("n0", "n1", "n2")
# node ledgers: 0 genesis; per round two ticks then the consensus block (3, 6, 9, 12); tick 8
# after the last round is block 13. Federation ledger: 0 genesis, rounds 1-4, 5 end.
CRASHES = (
    "tick:4",  # n0 runs round 1's first tick; n1, n2 still at round 0's end
    "federation-commit:2",  # round 1's block inserted, not committed; every node has round 1
    "federation-after:3",  # between rounds: round 2 committed
    "after-commit:12",  # n0's delivery of round 3 committed, the others' not yet made
    "tick:13",  # after the last round, n0 runs its remaining tick
    "federation-after:5",  # the end block committed, summary.json not written
)


def _qnf(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestrator.cli", *args]


def _qnf_here(*args: str):
    """The same command in this process (not killed, not signalled)."""
    return CliRunner().invoke(app, list(args))


def _blocks(ledger: Path) -> int:
    """Blocks committed so far (0 while the ledger is being created)."""
    try:
        return sum(1 for _ in read_blocks(ledger))
    except (LedgerError, sqlite3.Error):
        return 0


def _roots(run_dir: Path) -> tuple[str, dict[str, str]]:
    checked = verify(run_dir / "ledger.sqlite")
    assert checked.ok, checked
    nodes = {}
    for node in NODES:
        node_checked = verify(run_dir / "nodes" / node / "ledger.sqlite")
        assert node_checked.ok, (node, node_checked)
        nodes[node] = node_checked.root
    return checked.root, nodes


@pytest.mark.parametrize(
    "crashes",
    [
        pytest.param(CRASHES[0:2] + CRASHES[3:4], id="mid-round,in-commit,between-deliveries"),
        pytest.param(CRASHES, id="all-six", marks=pytest.mark.slow),
    ],
)
def test_kill_9_anywhere_then_resume_ends_with_the_uninterrupted_roots(
    tmp_path: Path, crashes: tuple[str, ...]
) -> None:
    config, _ = write_federation(tmp_path, 3, ticks=9, rounds_every_ticks=2, ramp_rounds=2)
    reference = run_federation(load_config(config), tmp_path / "reference")
    assert reference.status == "completed"
    expected = _roots(tmp_path / "reference")
    assert expected[0] == reference.final_root

    out = tmp_path / "fed"
    for k, crash in enumerate(crashes):
        command = _qnf("resume", str(out)) if k else _qnf("run", str(config), "--out", str(out))
        done = subprocess.run(
            command, env=dict(os.environ, QNF_CRASH_AT=crash), capture_output=True, text=True
        )
        assert done.returncode == -signal.SIGKILL, (crash, done.stdout, done.stderr)
    done = _qnf_here("resume", str(out))
    assert done.exit_code == 0, done.output
    assert "status:        completed" in done.stdout
    assert _roots(out) == expected
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "completed" and summary["final_root"] == expected[0]
    assert summary["resumes"] >= 1  # counted from summary.json, which a kill -9 never wrote
    events = [e for _, e, _ in read_blocks(out / "ledger.sqlite")]
    assert [e["kind"] for e in events] == ["federation", *["round"] * 4, "end"]
    assert events[-1]["nodes"] == [e for _, e, _ in read_blocks(
        tmp_path / "reference" / "ledger.sqlite")][-1]["nodes"]  # fmt: skip
    # a finished federation is not resumed again, and a node never alone
    again = _qnf_here("resume", str(out))
    assert again.exit_code == 2 and "the federation is over" in again.stderr
    node = str(out / "nodes" / "n1")
    alone = _qnf_here("resume", node)
    assert alone.exit_code == 2 and f"qnf resume {out}" in alone.stderr, alone.stderr


@pytest.mark.parametrize(
    "signum",
    [
        signal.SIGINT,
        pytest.param(signal.SIGTERM, marks=pytest.mark.slow),
        pytest.param(signal.SIGHUP, marks=pytest.mark.slow),
    ],
)
def test_one_signal_stops_a_federated_run_at_a_round_and_resume_finishes_it(
    tmp_path: Path, signum: signal.Signals
) -> None:
    # 8 rounds of 4 ticks: the signal goes after round 2, which leaves 6 rounds (72 node ticks,
    # ~0.7 CPU-s of the run's) against the 50 ms poll; the resume and the reference run what it
    # leaves (it was 60 ticks, 15 rounds)
    ticks, every = 32, 4
    config, _ = write_federation(tmp_path, 3, ticks=ticks, rounds_every_ticks=every, ramp_rounds=2)
    out = tmp_path / "fed"
    proc = subprocess.Popen(
        _qnf("run", str(config), "--out", str(out)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip
    try:
        ledger = out / "ledger.sqlite"
        while _blocks(ledger) < 3:  # genesis and two rounds
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        os.killpg(proc.pid, signum)  # the whole group, writers included, as a terminal does
        stdout, stderr = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    name = signal.Signals(signum).name
    assert proc.returncode == 128 + signum, (stdout, stderr)
    assert f"{name}: stopping after this round" in stderr
    assert f"continue with: qnf resume {out}" in stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["error"] == f"interrupted by {name}"
    held = summary["rounds"]
    assert 2 <= held < ticks // every and summary["resume"] == f"qnf resume {out}"
    events = [e for _, e, _ in read_blocks(out / "ledger.sqlite")]
    assert [e["kind"] for e in events] == ["federation", *["round"] * held]  # no end block
    assert verify(out / "ledger.sqlite").root == summary["final_root"]
    for node in NODES:  # every node stopped at the same boundary, all of it committed
        node_events = [e for _, e, _ in read_blocks(out / "nodes" / node / "ledger.sqlite")]
        assert node_events[-1]["kind"] == "consensus" and node_events[-1]["round"] == held - 1
        assert summary["nodes"][node]["ticks"] == held * every

    resumed = _qnf_here("resume", str(out))
    assert resumed.exit_code == 0, resumed.output
    reference = run_federation(load_config(config), tmp_path / "reference")
    assert _roots(out) == _roots(tmp_path / "reference")
    assert _roots(out)[0] == reference.final_root
