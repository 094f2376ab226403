"""What a new user met first (issue 24 item 5): validate's reading, the memory estimate's
parts, `ledger verify` of a folder that is not a run."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from orchestrator.cli import app
from tests.paths import ASSETS
from tests.paths import ROOT as REPO

runner = CliRunner()
UNITS = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30}


def _bytes(text: str) -> float:
    value, unit = text.split()
    return float(value) * UNITS[unit]


def test_validate_of_a_statevector_config_names_no_shots() -> None:
    result = runner.invoke(app, ["validate", str(REPO / "configs" / "qaoa_ring8.yaml")])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert "quantum aer (exact statevector, no shots)" in first and "1024" not in first
    shots = runner.invoke(app, ["validate", str(ASSETS / "small.yaml")])
    assert "quantum aer (256 shots)" in shots.output


def test_the_memory_estimate_is_the_sum_of_the_parts_it_prints() -> None:
    result = runner.invoke(app, ["validate", str(REPO / "configs" / "demo.yaml")])
    line = next(x for x in result.output.splitlines() if x.startswith("memory estimate"))
    size = r"([\d.]+ (?:B|KiB|MiB|GiB))"
    total = _bytes(re.match(rf"memory estimate: {size}", line).group(1))
    inside = line[line.index("(") + 1 : line.index(")")]
    parts = [_bytes(m) for m in re.findall(size, inside)]
    assert "Python with the SDKs loaded" in inside and len(parts) == 5
    assert abs(sum(parts) - total) <= 0.05 * 2**20  # each part printed to 0.1 of its unit


def test_ledger_verify_of_a_folder_of_runs_says_it_is_not_a_run(tmp_path) -> None:
    runs = tmp_path / "runs"
    (runs / "a").mkdir(parents=True)
    (runs / "a" / "ledger.sqlite").write_bytes(b"")
    result = runner.invoke(app, ["ledger", "verify", str(runs)])
    assert result.exit_code == 2
    assert "FAILED" not in result.output
    assert f"{runs}: not a run directory (no ledger.sqlite); it holds run directories: a" in (
        result.output
    )
    missing = runner.invoke(app, ["ledger", "verify", str(tmp_path / "nothing")])
    assert missing.exit_code == 2 and "not a run directory" in missing.output
