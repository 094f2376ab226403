"""Issue 27, F14: with a umask of 022, every directory and file these commands create is
private (0700 / 0600), or shared with the group under ``QNF_UMASK=027`` (0750 / 0640), as the
README promises: a federated run (its directory, ``nodes/``, each node), a federated job under
QNF_HOME, a sweep (its directory, ``points/``, ``sweep.png``), ``qnf federation keys`` (private
keys stay 0600 whatever QNF_UMASK says) and ``qnf export-nir``."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.jobs.worker import work
from tests.federated import write_federation
from tests.paths import ASSETS

runner = CliRunner()


@pytest.fixture
def umask_022() -> Iterator[None]:
    previous = os.umask(0o022)  # the usual umask: without care, 0755 and 0644
    try:
        yield
    finally:
        os.umask(previous)


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.stdout


def _walk(root: Path) -> list[Path]:
    return [root, *sorted(root.rglob("*"))]


@pytest.mark.parametrize("qnf_umask", [None, "027"], ids=["private", "group"])
def test_every_file_and_directory_the_commands_create_has_the_promised_mode(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, umask_022: None, qnf_umask: str | None
) -> None:
    if qnf_umask is None:
        monkeypatch.delenv("QNF_UMASK", raising=False)
        want_dir, want_file = 0o700, 0o600
    else:
        monkeypatch.setenv("QNF_UMASK", qnf_umask)
        want_dir, want_file = 0o750, 0o640
    home = tmp_path / "home"
    monkeypatch.setenv("QNF_HOME", str(home))
    config, _ = write_federation(tmp_path / "given", nodes=2, ticks=2, rounds_every_ticks=1)

    fed = tmp_path / "fed"
    _invoke("run", str(config), "--out", str(fed))
    _invoke("submit", str(config), "--no-worker")
    assert work(home, exit_when_idle=True) == 0
    sweep = tmp_path / "sweep"
    small = str(ASSETS / "small.yaml")
    _invoke("sweep", small, "--over", "trotter.dt=0.2,0.4", "--over", "run.ticks=2", "-j", "1",
            "--out", str(sweep))  # fmt: skip
    keys = tmp_path / "keys"
    _invoke("federation", "keys", "lab-a", "lab-b", "--out", str(keys))
    exported = tmp_path / "given" / "net.nir"
    _invoke("export-nir", str(fed / "nodes" / "n0"), "--out", str(exported))

    created = [*_walk(fed), *_walk(home), *_walk(sweep), *_walk(keys), exported]
    assert (fed / "nodes").is_dir() and (sweep / "points").is_dir() and (sweep / "sweep.png")
    assert any(p.parent.name == "runs" for p in _walk(home))  # the federated job's run dir
    wrong = []
    for path in created:
        mode = path.stat().st_mode & 0o777
        want = want_dir if path.is_dir() else (0o600 if path.suffix == ".key" else want_file)
        if mode != want:
            wrong.append(f"{path.relative_to(tmp_path)}: {oct(mode)}, not {oct(want)}")
    assert wrong == [], "\n".join(wrong)
