"""The run's writer after ``kill -9`` of the main process (``orchestrator/record/writer.py``).

The main process hands blocks to its writer and goes on at once; killed, it leaves blocks
queued in the pipe. The writer must commit every one it received whole, as its docstring
promises: it used to end at its first acknowledgement to the dead main process (EPIPE),
losing all but the block in hand. In a federation that lost a node's ``consensus`` block whose
round was committed, and the resumed node went on without the round's pull (design §12: the
kill -9 test's rare other root).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from orchestrator.record.ledger import read_blocks
from orchestrator.record.rundir import RunDirectory
from orchestrator.record.verify import verify

BLOCKS = 30

# appends BLOCKS blocks (no waiting: each is handed to the writer), prints the chain root the
# main process computed, and dies as kill -9 would
CHILD = """
import os, signal, sys
from pathlib import Path
from orchestrator.record.ledger import Ledger
from orchestrator.record.recorder import RunRecorder
from orchestrator.record.rundir import RunDirectory

files = RunDirectory(Path(sys.argv[1]))
with files.locked() as lock:
    recorder = RunRecorder(files, Ledger.create(files.ledger), keep=3, hold=(lock,))
    for i in range(int(sys.argv[2])):
        recorder.append({"kind": "note", "i": i}, {"i": i})
    print(recorder.root, flush=True)
    os.kill(os.getpid(), signal.SIGKILL)
"""


def test_the_writer_commits_every_block_it_was_given_after_the_main_process_is_killed(
    tmp_path: Path,
) -> None:
    run_dir = tmp_path / "run"
    run_dir.mkdir()
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(run_dir), str(BLOCKS)], capture_output=True, text=True
    )
    assert done.returncode == -9, done.stderr
    appended_root = done.stdout.strip()
    with RunDirectory(run_dir).locked():  # the writer holds the lock until it is done
        pass
    notes = [e["i"] for _, e, _ in read_blocks(run_dir / "ledger.sqlite")]
    assert notes == list(range(BLOCKS))  # before the fix: [0] (the block in hand)
    checked = verify(run_dir / "ledger.sqlite")
    assert checked.ok and checked.root == appended_root
