"""orchestrator.cli.lean_typer changes what typer imports, never what a command prints or
accepts: each case runs in fresh interpreters with and without it and compares the bytes."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.paths import ROOT

# A tiny app with the parameter kinds the CLI uses (and a few it does not), run with typer as
# it is or with lean_typer installed first.
APP = """
import enum, sys
from pathlib import Path
from typing import Annotated, Optional
import typer
if sys.argv[1] == "lean":  # the module alone, not the orchestrator.cli package (its app)
    import importlib.util
    spec = importlib.util.spec_from_file_location("lean_typer", "orchestrator/cli/lean_typer.py")
    lean_typer = sys.modules["lean_typer"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(lean_typer)
    lean_typer.install()
    assert typer.core._qnf_lean  # installed, not left out
class Color(str, enum.Enum):
    red = "red"
    blue = "blue"
app = typer.Typer()
@app.command()
def show(
    name: str,
    path: Annotated[Optional[Path], typer.Option("--path", exists=True)] = None,
    count: Annotated[int, typer.Option("--count", min=1)] = 1,
    ratio: Optional[float] = None,
    tag: Annotated[Optional[list[str]], typer.Option("--tag")] = None,
    color: Color = Color.red,
    label: Annotated[Optional[str], typer.Option("--label")] = None,
    flag: bool = False,
    where: Annotated[Optional[Path], typer.Option("--where")] = None,
    folder: Annotated[Optional[Path], typer.Option("--folder", file_okay=False)] = None,
) -> None:
    print(repr((name, path, count, ratio, tag, color, label, flag, where, folder)))
@app.command()
def config(config: Path) -> None:
    print(repr(config))
@app.command()
def other() -> None:
    pass
app(sys.argv[2:], prog_name="demo")
"""

ARGVS = [
    ["show", "alice"],
    ["show", "bob", "--count", "3", "--ratio", "0.5", "--tag", "a", "--tag", "b", "--flag"],
    ["show", "carol", "--color", "blue", "--label", "x y", "--path", "pyproject.toml"],
    ["show", "dave", "--count", "0"],
    ["show", "erin", "--count", "three"],
    ["show", "frank", "--path", "no/such/file"],
    ["show", "grace", "--color", "green"],
    ["show", "heidi", "--where", "configs/demo.yaml", "--folder", "configs"],
    ["show", "ivan", "--where", "./configs//x", "--folder", "pyproject.toml"],
    ["show", "judy", "--folder", "./pyproject.toml"],
    ["show", "ken", "--path", "./no/such"],
    ["config", "configs/demo.yaml"],
    ["config", "no/such.yaml"],
    ["config", ""],
    ["config", "-"],
    ["config", "a/../b/"],
    ["show"],
    ["show", "--help"],
    ["--help"],
]


def run_app(mode: str, argv: list[str]) -> tuple[int, str, str]:
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb"}
    proc = subprocess.run(
        [sys.executable, "-c", APP, mode, *argv], cwd=ROOT, env=env, capture_output=True, text=True
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.mark.parametrize("argv", ARGVS, ids=lambda a: " ".join(a) or "none")
def test_same_values_errors_and_help_as_typer_itself(argv) -> None:
    plain = run_app("plain", argv)
    lean = run_app("lean", argv)
    assert lean == plain
    assert plain[1] or plain[2]  # the case printed something


QNF = "import sys; {prelude}; from orchestrator.cli import main; sys.argv[0] = 'qnf'; main()"


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["validate"]])
def test_qnf_help_is_the_same_with_the_real_rich_modules(argv, tmp_path) -> None:
    """`qnf --help` rendered against the stand-ins equals typer's rendering with the real
    rich.markdown / rich.traceback imported first (then lean_typer leaves typer alone)."""
    env = {**os.environ, "COLUMNS": "100", "TERM": "dumb", "QNF_HOME": str(tmp_path)}
    outputs = []
    for prelude in ("pass", "import rich.markdown, rich.traceback"):
        proc = subprocess.run(
            [sys.executable, "-c", QNF.format(prelude=prelude), *argv],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
        )
        outputs.append((proc.returncode, proc.stdout, proc.stderr))
    assert outputs[0] == outputs[1]
    assert "Usage" in outputs[0][1] + outputs[0][2]


def test_the_stand_ins_hand_over_to_the_real_classes() -> None:
    code = """
import sys
from orchestrator.cli import lean_typer
lean_typer._import_rich_utils()
import typer.rich_utils as ru
assert "rich.markdown" not in sys.modules and "rich.traceback" not in sys.modules
md = ru.Markdown("# hi")
import rich, rich.markdown, rich.traceback
assert type(md) is rich.markdown.Markdown
assert rich.markdown is sys.modules["rich.markdown"] and hasattr(rich.markdown, "Heading")
try:
    1 / 0
except ZeroDivisionError as exc:
    tb = ru.Traceback.from_exception(type(exc), exc, exc.__traceback__)
assert type(tb) is rich.traceback.Traceback
print("ok")
"""
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.stdout.strip() == "ok", proc.stderr
