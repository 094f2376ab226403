"""The Ray sweep pool on a loopback head this test starts: the same table as the local pool,
every point run in a Ray worker of that head, and a finished sweep read back, not rerun."""

from __future__ import annotations

import csv
import importlib.util
import os

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app

# Ray is not imported here: it reads HOME and its variables on import, after the head sets them
pytestmark = pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs ray")


def _timings(path) -> list[dict[str, str]]:
    with open(path / "timings.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_sweep_on_ray_gives_the_local_pools_table(tmp_path, small_config) -> None:
    from backends.federation.ray.head import loopback_head

    cli = CliRunner()
    grid = ["sweep", str(small_config), "--over", "trotter.dt=0.2,0.4", "--over", "run.ticks=2"]
    local = cli.invoke(app, [*grid, "-j", "1", "--out", str(tmp_path / "local")])
    assert local.exit_code == 0, local.output
    with loopback_head(num_cpus=2) as head:
        args = [*grid, "--pool", "ray", "--address", head.address, "-j", "2"]
        first = cli.invoke(app, [*args, "--out", str(tmp_path / "ray")])
        assert first.exit_code == 0, first.output
        ran = _timings(tmp_path / "ray")
        workers = {int(r["worker"].rsplit(":", 1)[1]) for r in ran}
        logs = head.home / "ray" / "session_latest" / "logs"
        ray_workers = {int(p.stem.rsplit("_", 1)[1]) for p in logs.glob("python-core-worker-*")}
        again = cli.invoke(app, [*args, "--out", str(tmp_path / "ray")])
        assert again.exit_code == 0, again.output
    table = (tmp_path / "local" / "table.csv").read_text()
    assert (tmp_path / "ray" / "table.csv").read_text() == table
    assert len(table.splitlines()) == 3 and table.count("completed") == 2
    assert [r["read_back"] for r in ran] == ["False", "False"]
    assert os.getpid() not in workers and workers <= ray_workers  # this head's Ray workers
    assert [r["read_back"] for r in _timings(tmp_path / "ray")] == ["True", "True"]
