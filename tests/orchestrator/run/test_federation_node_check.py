"""A federation's resume checks every node's ledger against the federation ledger first
(``run/federation_check.py``; design §12 "Node ledgers are checked").

One federation (3 real fusion nodes, local engine) is killed twice with ``kill -9``
(``QNF_CRASH_AT``): after round 1's block (a copy of n1's directory is kept: an older backup),
then, resumed, after n0 took round 3's delivery whose block was never committed (n0 is one
round ahead of the federation ledger: a legitimate crash state). Its copies are then damaged
as an operator could (a node directory restored from the older backup, two nodes' directories
swapped, a node directory from another run of the same config, a federation ledger two rounds
behind a node) and each must be refused before anything is built, with one line per problem
naming the node's directory and the round, nothing in the directory changed; ``qnf ledger
verify`` names the same lines. The untouched copy passes the check and resumes to the roots
of a run never interrupted.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

import qnfusion
from orchestrator.config import load_config
from orchestrator.record.ledger import read_blocks
from orchestrator.record.rundir import RunDirectory
from orchestrator.record.verify import verify
from orchestrator.run.federation import run_federation
from orchestrator.run.federation_check import REMEDY, audit_problems, node_ledger_problems
from orchestrator.run.federation_resume import resume_federation
from orchestrator.run.resume import ResumeError
from tests.federated import write_federation

NODES = ("n0", "n1", "n2")
# one worker runs every test here: the killed federation is made once (module fixture)
pytestmark = pytest.mark.xdist_group("federation_node_check")


def _qnf(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestrator.cli", *args]


def _roots(run_dir: Path) -> tuple[str, dict[str, str]]:
    nodes = {n: verify(run_dir / "nodes" / n / "ledger.sqlite").root for n in NODES}
    return verify(run_dir / "ledger.sqlite").root, nodes


def _digests(run_dir: Path) -> dict[str, str]:
    return {
        str(p.relative_to(run_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(run_dir.rglob("*"))
        if p.is_file()
    }


def _writers_done(run_dir: Path) -> None:
    """Wait until the killed run's writer processes let go of every ledger (they finish the
    blocks they were given, then release the directory's lock: ``RunDirectory.locked``)."""
    for path in (run_dir, *(run_dir / "nodes" / n for n in NODES)):
        with RunDirectory(path).locked():
            pass


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The killed federation, the older copy of its n1, and a reference run never interrupted
    (same config, another run id)."""
    base = tmp_path_factory.mktemp("fedcheck")
    config, _ = write_federation(base, 3, ticks=9, rounds_every_ticks=2, ramp_rounds=2)
    killed = base / "killed"
    first = _qnf("run", str(config), "--out", str(killed))
    for k, crash in enumerate(("federation-after:2", "after-commit:12")):
        command = _qnf("resume", str(killed)) if k else first
        done = subprocess.run(
            command, env=dict(os.environ, QNF_CRASH_AT=crash), capture_output=True, text=True
        )
        assert done.returncode == -signal.SIGKILL, (crash, done.stdout, done.stderr)
        _writers_done(killed)
        if k == 0:  # older backups: n1's directory, the federation ledger
            shutil.copytree(killed / "nodes" / "n1", base / "n1-old")
            src = sqlite3.connect(killed / "ledger.sqlite")
            dst = sqlite3.connect(base / "ledger-old.sqlite")
            src.backup(dst)
            src.close()
            dst.close()
    reference = run_federation(load_config(config), base / "reference")
    assert reference.status == "completed"
    return {
        "killed": killed,
        "n1-old": base / "n1-old",
        "ledger-old": base / "ledger-old.sqlite",
        "reference": base / "reference",
    }


def _rounds_held(ledger: Path, kind: str) -> list[int]:
    return [e["round"] for _, e, _ in read_blocks(ledger) if e["kind"] == kind]


def test_the_killed_federation_is_a_legitimate_crash_state(runs: dict[str, Path]) -> None:
    killed = runs["killed"]
    assert _rounds_held(killed / "ledger.sqlite", "round") == [0, 1, 2]
    assert _rounds_held(killed / "nodes" / "n0" / "ledger.sqlite", "consensus") == [0, 1, 2, 3]
    assert _rounds_held(killed / "nodes" / "n1" / "ledger.sqlite", "consensus") == [0, 1, 2]
    assert _rounds_held(runs["n1-old"] / "ledger.sqlite", "consensus") == [0, 1]
    assert _rounds_held(runs["ledger-old"], "round") == [0, 1]


def test_the_untouched_killed_federation_passes_and_resumes_to_the_uninterrupted_roots(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "fed"
    shutil.copytree(runs["killed"], out)
    assert node_ledger_problems(out, list(read_blocks(out / "ledger.sqlite"))) == []
    assert audit_problems(out) == []
    result = resume_federation(out)
    assert result.status == "completed"
    assert _roots(out) == _roots(runs["reference"])
    assert audit_problems(out) == [] and qnfusion.verify(out).ok
    assert audit_problems(runs["reference"]) == []


def _older_copy(out: Path, runs: dict[str, Path]) -> None:
    shutil.rmtree(out / "nodes" / "n1")
    shutil.copytree(runs["n1-old"], out / "nodes" / "n1")


def _swapped(out: Path, runs: dict[str, Path]) -> None:
    nodes = out / "nodes"
    (nodes / "n0").rename(nodes / "tmp")
    (nodes / "n1").rename(nodes / "n0")
    (nodes / "tmp").rename(nodes / "n1")


def _other_run(out: Path, runs: dict[str, Path]) -> None:
    shutil.rmtree(out / "nodes" / "n2")
    shutil.copytree(runs["reference"] / "nodes" / "n2", out / "nodes" / "n2")


def _federation_two_behind(out: Path, runs: dict[str, Path]) -> None:
    for stale in out.glob("ledger.sqlite*"):  # the federation ledger from the older backup
        stale.unlink()
    shutil.copyfile(runs["ledger-old"], out / "ledger.sqlite")


def _gone(out: Path, runs: dict[str, Path]) -> None:
    shutil.rmtree(out / "nodes" / "n2")


SIGNED = "not the ones the round's signature covers"
CASES: dict[str, tuple[Callable[[Path, dict[str, Path]], None], list[tuple[str, int, str]]]] = {
    "older-copy": (_older_copy, [("n1", 2, "its ledger has no consensus block of round 2")]),
    "swapped": (_swapped, [(n, r, SIGNED) for n in ("n0", "n1") for r in (0, 1, 2)]),
    # the same config and seeds: the same blocks round for round, but this one ran on
    "node-gone": (_gone, [("n2", 0, "no ledger of node n2, but the federation ledger committed")]),
    "other-run": (_other_run, [("n2", 3, "ledger holds 9 ticks, past the 8 that round 3")]),
    "federation-two-behind": (
        _federation_two_behind,
        [
            ("n0", 3, "holds a consensus block of a round the federation ledger never committed"),
            ("n0", 2, "ledger holds 8 ticks, past the 6 that round 2, the first not committed"),
        ],  # (n1 and n2 too have run round 3's ticks: lines of their own)
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_node_directory_that_does_not_fit_is_refused_and_nothing_changes(
    runs: dict[str, Path], tmp_path: Path, case: str
) -> None:
    damage, expected = CASES[case]
    out = tmp_path / "fed"
    shutil.copytree(runs["killed"], out)
    damage(out, runs)
    before = _digests(out)
    with pytest.raises(ResumeError) as refused:
        resume_federation(out)
    lines = str(refused.value).splitlines()
    for n, r, what in expected:  # (swapped: also the couplings and decoupled flags differ)
        start = f"{out / 'nodes' / n}: round {r}: "
        assert any(line.startswith(start) and what in line for line in lines), (start, lines)
    for line in lines:
        assert line.startswith(f"{out / 'nodes'}/") and line.endswith(REMEDY), line
    if case in ("older-copy", "other-run", "node-gone"):
        assert len(lines) == len(expected), lines
    assert _digests(out) == before
    if case == "node-gone":  # ledger verify: a node of another factory may keep no ledger
        assert audit_problems(out) == []
        return
    assert audit_problems(out) == lines  # qnf ledger verify names the same lines
    assert not qnfusion.verify(out).ok


def test_qnf_resume_refuses_with_exit_2_one_line_each_and_verify_with_exit_1(
    runs: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "fed"
    shutil.copytree(runs["killed"], out)
    _older_copy(out, runs)
    before = _digests(out)
    done = subprocess.run(_qnf("resume", str(out)), capture_output=True, text=True)
    line = (
        f"{out / 'nodes' / 'n1'}: round 2: the federation ledger committed node n1's delivery, "
        f"its ledger has no consensus block of round 2; {REMEDY}"
    )
    assert done.returncode == 2, done.stderr
    assert line in done.stderr.splitlines() and "Traceback" not in done.stderr
    assert _digests(out) == before
    checked = subprocess.run(_qnf("ledger", "verify", str(out)), capture_output=True, text=True)
    assert checked.returncode == 1 and line in checked.stderr.splitlines(), checked.stderr
    assert _digests(out) == before
