"""A study run twice through `qnf study` (the rerun tests compare the two), and its rows."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from orchestrator.cli import app


def study_twice(study: Path, base: Path) -> tuple[Path, Path]:
    """Run ``study`` into ``base/first`` and ``base/again``; both must exit 0."""
    runner = CliRunner()
    for name in ("first", "again"):
        result = runner.invoke(app, ["study", str(study), "--out", str(base / name)])
        assert result.exit_code == 0, result.output
    return base / "first", base / "again"


def study_rows(folder: Path) -> list[dict[str, str]]:
    """rows.csv of a study's output folder, one dict per row."""
    with (folder / "rows.csv").open() as f:
        return list(csv.DictReader(f))
