"""``qnf validate PATH`` without typer (``cli.direct``): the starts it takes, and for those the
same stdout, stderr and exit code as typer's path, byte for byte."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestrator.cli import direct
from tests.paths import ROOT

DIRECT = "from orchestrator.cli import main; main()"  # the console script
TYPER = "from orchestrator.cli.app import main; main()"  # every start through typer


def _run(entry: str, argv: list[str], cwd: Path, **env: str) -> tuple[int, bytes, bytes]:
    proc = subprocess.run(
        [sys.executable, "-c", entry, *argv],
        cwd=cwd,
        env={**os.environ, "COLUMNS": "100", **env},
        capture_output=True,
        check=False,
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize(
    ("argv", "takes"),
    [
        (["validate", "configs/demo.yaml"], True),
        (["validate", "no/such/file.yaml"], True),  # the command reports it, as under typer
        (["validate", "configs"], True),  # a folder: the command refuses it
        (["validate", "with space.yaml"], True),
        (["validate"], False),
        (["validate", "a.yaml", "b.yaml"], False),
        (["validate", "configs/demo.yaml", "--help"], False),
        (["validate", "--help"], False),
        (["validate", "-"], False),
        (["validate", ""], False),
        (["validate", "--", "configs/demo.yaml"], False),
        (["validate", "./configs/demo.yaml"], False),  # Path would write it otherwise
        (["validate", "configs//demo.yaml"], False),
        (["validate", "configs/demo.yaml/"], False),
        (["validate", "bad\nname.yaml"], False),
        (["run", "configs/demo.yaml"], False),
        (["--help"], False),
        ([], False),
    ],
)
def test_the_starts_it_takes(argv, takes, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    monkeypatch.delenv(direct.COMPLETE_VAR, raising=False)
    assert direct.takes(argv) is takes


def test_not_under_shell_completion_nor_for_an_unreadable_file(monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    argv = ["validate", "configs/demo.yaml"]
    monkeypatch.setenv(direct.COMPLETE_VAR, "bash_complete")
    assert not direct.takes(argv)
    monkeypatch.delenv(direct.COMPLETE_VAR)
    monkeypatch.setattr(os, "access", lambda path, mode: False)  # typer refuses it itself
    assert not direct.takes(argv)


def _cases(tmp: Path) -> dict[str, list[str]]:
    emoji = tmp / "emoji.yaml"  # rich turns :smile: into an emoji: written through rich
    emoji.write_text('hamiltonian:\n  kind: ising\n  ":smile:": 1\n')
    note = tmp / "note.yaml"  # a large plastic network: a fourth line, the checkpoint note
    note.write_text(
        (ROOT / "configs" / "demo.yaml").read_text().replace("neurons: 64 ", "neurons: 5000")
    )
    return {
        "demo": ["validate", "configs/demo.yaml"],
        "note": ["validate", str(note)],
        "bad": ["validate", "tests/assets/bad/unknown_key.yaml"],
        "yaml syntax": ["validate", "tests/assets/bad/yaml_syntax.yaml"],
        "emoji": ["validate", str(emoji)],
        "missing": ["validate", "no/such.yaml"],
        "folder": ["validate", "configs"],
    }


def test_the_bytes_and_exit_code_of_typers_path(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(ROOT)
    results = {}
    for name, argv in _cases(tmp_path).items():
        assert direct.takes(argv), name
        results[name] = _run(DIRECT, argv, ROOT)
        assert results[name] == _run(TYPER, argv, ROOT), name
    assert {code for code, _, _ in results.values()} == {0, 2}
    assert b"\nnote: every tick writes" in results["note"][1]
    assert "\N{SMILING FACE WITH OPEN MOUTH AND SMILING EYES}".encode() in results["emoji"][2]


def test_a_bug_leaves_through_typers_traceback_hook(tmp_path) -> None:
    """An exception of the command itself (not bad input) is printed by typer's pretty hook,
    exit 1, as under typer (only the frames around the command differ)."""
    entry = (
        "import orchestrator.config.footprint as f\n"
        "def broken(cfg): raise RuntimeError('boom in the estimate')\n"
        "f.estimate = broken\n"
    )
    argv = ["validate", "configs/demo.yaml"]
    code, out, err = _run(entry + DIRECT, argv, ROOT, TYPER_STANDARD_TRACEBACK="")
    typer_code, typer_out, typer_err = _run(entry + TYPER, argv, ROOT, TYPER_STANDARD_TRACEBACK="")
    assert (code, out) == (typer_code, typer_out) == (1, b"")
    for text in (err, typer_err):
        assert b"RuntimeError: boom in the estimate" in text
        assert b"Traceback (most recent call last)" in text  # rich's box


def test_the_collector_is_on_again_when_it_exits() -> None:
    """The start runs with the cyclic collector off and freezes the heap before it exits; a
    caller that catches its SystemExit has the collector back on."""
    code = (
        "import gc, sys\n"
        "sys.argv = ['qnf', 'validate', 'configs/demo.yaml']\n"
        "from orchestrator.cli import main\n"
        "assert gc.isenabled() and gc.get_freeze_count() == 0\n"
        "try:\n"
        "    main()\n"
        "except SystemExit as exc:\n"
        "    print(exc.code, gc.isenabled(), gc.get_freeze_count() > 0)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert proc.stdout.splitlines()[-1] == "0 True True"
