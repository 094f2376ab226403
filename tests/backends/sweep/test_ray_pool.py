"""The Ray sweep pool on a loopback head this test starts: the same table as the local pool,
every point run in a Ray worker of that head, and a finished sweep read back, not rerun."""

from __future__ import annotations

import csv
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from tests.paths import ROOT
from tests.ray_head import HOME_OUTSIDE

# Ray is not imported here: it reads HOME and its variables on import, after the head sets them
# One Ray head at a time (design §26): a head and its workers take both cores of a small machine.
pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs ray"),
    pytest.mark.xdist_group("ray"),
]


def _timings(path) -> list[dict[str, str]]:
    with open(path / "timings.csv", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_sweep_on_ray_gives_the_local_pools_table(tmp_path, small_config, ray_head) -> None:
    cli = CliRunner()
    grid = ["sweep", str(small_config), "--over", "trotter.dt=0.2,0.4", "--over", "run.ticks=2"]
    local = cli.invoke(app, [*grid, "-j", "1", "--out", str(tmp_path / "local")])
    assert local.exit_code == 0, local.output
    head = ray_head  # tests/ray_head.py: the head the Ray tests share
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


def _uv() -> str | None:
    """The uv binary `.ci/uv` would run (in the HOME from before a head pointed it elsewhere)."""
    found = shutil.which("uv")
    local = Path(HOME_OUTSIDE or Path.home()) / ".local" / "bin" / "uv"
    return found or (str(local) if local.exists() else None)


def test_a_ray_sweep_from_uv_run_writes_where_asked_and_ships_nothing(
    tmp_path, small_config, ray_head
):
    """Issue 26: `qnf sweep --file ... --pool ray` run through `uv run` from a project directory
    wrote its points under Ray's packaged copy of that directory (the default sweep directory
    is relative), so `points/` stayed empty and a rerun recomputed, and Ray copied the
    directory (private keys, earlier sweeps) into its session. The sweep directory must be
    where the user asked, and nothing of the user's directory may reach Ray's."""
    uv = _uv()
    if uv is None:
        pytest.skip("needs the uv binary (`.ci/uv` installs it): the fault is in `uv run`")
    outside = {**os.environ, "HOME": HOME_OUTSIDE or os.environ["HOME"]}  # the user's uv cache
    cache = subprocess.run(
        [uv, "cache", "dir"], env=outside, capture_output=True, text=True
    ).stdout.strip()
    user = tmp_path / "project"  # the user's working directory, with things of their own
    (user / "keys").mkdir(parents=True)
    (user / "keys" / "lab-a.key").write_text("not-to-be-shipped\n")
    (user / "sweeps" / "earlier").mkdir(parents=True)
    (user / "sweeps" / "earlier" / "old-point.txt").write_text("not-to-be-shipped\n")
    (user / "my.yaml").write_text(small_config.read_text())
    sweep = ["qnf", "sweep", "my.yaml", "--over", "trotter.dt=0.2,0.4", "--over", "run.ticks=2"]
    head = ray_head  # tests/ray_head.py: the head the Ray tests share
    env = {
        **os.environ,  # HOME and Ray's variables of the head
        "PATH": f"{Path(uv).parent}:{os.environ['PATH']}",
        "UV_CACHE_DIR": cache or os.environ.get("UV_CACHE_DIR", ""),
    }
    command = ["bash", str(ROOT / ".ci" / "uv"), "run", "--locked", *sweep]
    command += ["--pool", "ray", "--address", head.address, "-j", "2"]
    first = subprocess.run(command, cwd=user, env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    again = subprocess.run(command, cwd=user, env=env, capture_output=True, text=True)
    assert again.returncode == 0, again.stderr
    shipped = [p for p in head.home.rglob("*") if p.name in ("lab-a.key", "old-point.txt")]
    packages = [p for d in head.home.rglob("working_dir_files") for p in d.rglob("*")]
    made = [p for p in (user / "sweeps").iterdir() if p.name != "earlier"]
    assert len(made) == 1 and made[0].name.startswith("my-"), first.stderr
    points = made[0] / "points"
    assert sorted(p.name for p in points.iterdir()) == ["p000", "p001"]
    assert all((points / name / "ledger.sqlite").is_file() for name in ("p000", "p001"))
    rows = _timings(made[0])
    assert [r["read_back"] for r in rows] == ["True", "True"]  # the rerun recomputed nothing
    assert (made[0] / "table.csv").read_text().count("completed") == 2
    assert shipped == [] and packages == []
