"""Issue 26: a test run that is killed left an orphan ``ray start --head`` (its own process
group) and a ``python -m orchestrator.cli run`` child behind. Every process a test starts must
die with the test process, however it ends: here a pytest whose test started both is killed
with SIGKILL, and both must go (``tests/lifeline.py``)."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.paths import ASSETS, ROOT

PROBE = """
import json, os, subprocess, sys, time
from pathlib import Path

def test_starts_processes_then_waits(tmp_path):
    slow = tmp_path / "slow.yaml"
    slow.write_text(Path({small!r}).read_text().replace("tick_ms: 5.0", "tick_ms: 100.0"))
    child = subprocess.Popen(
        [sys.executable, "-m", "orchestrator.cli", "run", str(slow), "--ticks", "100000",
         "--out", str(tmp_path / "run"), "--no-report"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    pids = {{"run": child.pid, "head_group": None}}
    if {with_ray!r}:
        from backends.federation.ray.head import loopback_head
        with loopback_head(num_cpus=1) as head:
            pids["head_group"] = head.pgid
            Path({pids!r}).write_text(json.dumps(pids))
            time.sleep(3600)
    Path({pids!r}).write_text(json.dumps(pids))
    time.sleep(3600)
"""


def _alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not reaped by its new parent, does not)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return False
    return fields[0] != "Z"


def _group(pgid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
                if int(fields[2]) == pgid and fields[0] != "Z":
                    found.append(int(entry))
    return found


@pytest.mark.xdist_group("ray")  # it starts a Ray head: one at a time (design §26)
def test_processes_a_test_started_die_when_the_test_process_is_killed(tmp_path: Path) -> None:
    with_ray = importlib.util.find_spec("ray") is not None
    pids_file = tmp_path / "pids.json"
    probe = tmp_path / "probe_test.py"
    probe.write_text(
        PROBE.format(small=str(ASSETS / "small.yaml"), pids=str(pids_file), with_ray=with_ray)
    )
    inner = subprocess.Popen(
        [sys.executable, "-m", "pytest", "-p", "tests.conftest", str(probe), "-q",
         "-p", "no:cacheprovider", "--basetemp", str(tmp_path / "inner")],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    pids: dict = {}
    try:
        while not pids_file.exists():
            assert inner.poll() is None, "the probe ended before it started its processes"
            time.sleep(0.2)
        pids = json.loads(pids_file.read_text())
        assert _alive(pids["run"])
        inner.send_signal(signal.SIGKILL)  # kill -9 of the test process alone, not its group
        inner.wait()
        deadline = time.monotonic() + 120  # the watchdog acts at once; this only ends a hang
        left: list[int] = [0]
        while left and time.monotonic() < deadline:
            left = [p for p in [pids["run"]] if _alive(p)]
            if pids["head_group"] is not None:
                left += _group(pids["head_group"])
            time.sleep(0.2)
        assert left == [], f"still running after the test process was killed: {left}"
    finally:  # whatever happened, leave nothing behind on this machine
        if inner.poll() is None:
            inner.kill()
        with contextlib.suppress(OSError, KeyError):
            os.kill(pids["run"], signal.SIGKILL)
        with contextlib.suppress(OSError, KeyError, TypeError):
            os.killpg(pids["head_group"], signal.SIGKILL)
