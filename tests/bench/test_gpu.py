"""bench/gpu.py (design §30): its CPU dry run works end to end, and without a GPU it refuses in
one line (this machine has none: the refusal is the real one)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

BENCH = ROOT / "bench" / "gpu.py"


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(BENCH), *args], capture_output=True, text=True, cwd=ROOT
    )


def test_dry_run_measures_every_arm_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "gpu.json"
    proc = _run("--dry-run", "6", "8", "--repeats", "1", "--chunk-bits", "4", "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    header, *rows = (json.loads(line) for line in proc.stdout.splitlines())
    assert header["bw_copy_gbs"] > 0 and header["bw_spec_gbs"] is None
    assert [r["n"] for r in rows] == [6, 8]
    for r in rows:
        for arm in ("aer_s", "copy_s", "estimators_s", "tick_s", "floor_s"):
            assert r[arm] > 0, arm
        assert r["tick_over_aer"] == pytest.approx(r["tick_s"] / r["aer_s"])
        assert r["floor_s"] == pytest.approx(16 * 2 ** r["n"] / (header["bw_copy_gbs"] * 1e9))
    assert json.loads(out.read_text())["rows"] == rows
    assert "tick_over_floor" in proc.stderr  # the table


def test_dry_run_refuses_gpu_sizes() -> None:
    proc = _run("--dry-run", "26")
    assert proc.returncode == 2 and proc.stderr.strip().count("\n") == 0


@pytest.mark.skipif(Path("/dev/nvidia0").exists(), reason="this machine has a GPU")
@pytest.mark.parametrize("mode", [[], ["--estimators-only"]])
def test_without_a_gpu_it_refuses_in_one_line(mode: list[str]) -> None:
    proc = _run("26", *mode)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    (line,) = proc.stderr.strip().splitlines()
    assert line.startswith("bench/gpu.py: no GPU here")
