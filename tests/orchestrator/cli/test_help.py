"""The CLI as people expect it (issue 24 item 3): --version, -h, shell completion, an example
in every command's help, no `<bool>` beside a flag, spec citations that exist."""

from __future__ import annotations

import re
from importlib.metadata import version

import pytest
import typer
from typer.testing import CliRunner

from orchestrator.cli import app
from tests.paths import ROOT

runner = CliRunner()


def _commands(command=None, path=()):
    command = command or typer.main.get_command(app)
    yield path, command
    for name, sub in sorted(getattr(command, "commands", {}).items()):
        yield from _commands(sub, (*path, name))


COMMANDS = [path for path, _ in _commands()]


def test_version_and_short_help() -> None:
    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0
    assert result.output.strip() == f"qnf (qnfusion) {version('qnfusion')}"
    assert runner.invoke(app, ["-V"]).output == result.output
    short, long = runner.invoke(app, ["-h"]), runner.invoke(app, ["--help"])
    assert short.exit_code == 0 and short.output == long.output
    assert runner.invoke(app, ["ledger", "verify", "-h"]).exit_code == 0


def test_shell_completion_is_offered() -> None:
    text = runner.invoke(app, ["--help"]).output
    assert "--install-completion" in text and "--show-completion" in text


def test_every_command_is_walked() -> None:
    names = {" ".join(p) for p in COMMANDS}
    assert {"run", "events", "ledger verify", "federation keys", "sweep", "backends"} <= names
    assert len(names) >= 20


@pytest.mark.parametrize("path", COMMANDS, ids=lambda p: " ".join(p) or "qnf")
def test_every_help_has_an_example_and_no_bool_metavar(path) -> None:
    result = runner.invoke(app, [*path, "--help"], terminal_width=100)
    assert result.exit_code == 0, result.output
    text = result.output
    assert re.search(r"Examples?:", text), f"qnf {' '.join(path)} --help shows no example"
    example = text.split("Example", 1)[1]
    assert re.search(r"\bqnf " + (re.escape(path[0]) if path else r"\w"), example)
    assert "<bool>" not in text and "BOOLEAN" not in text


SECTION = r"§\d+(?:\.\d+)?"
CITATION = re.compile(
    rf"(spec|design\.md\)?|DESIGN)\s+({SECTION}(?:(?:, | and |/){SECTION})*)"
)


def _cited_files():
    return [
        *ROOT.glob("orchestrator/cli/*.py"),
        ROOT / "orchestrator" / "record" / "report.py",
        ROOT / "orchestrator" / "record" / "federation_report.py",
        ROOT / "orchestrator" / "record" / "sweep_table.py",
        *ROOT.glob("configs/**/*.yaml"),
    ]


def test_spec_sections_cited_in_help_plots_and_configs_say_whose_and_exist() -> None:
    """Every § in the CLI's help, the plots and the configs says whose section it is (`spec
    §9`, `docs/design.md §17`); a design.md section cited exists (a heading `## N.`), and a
    spec section cited is named by a heading of docs/design.md, where its choices are."""
    design = (ROOT / "docs" / "design.md").read_text()
    numbered = set(re.findall(r"^## (\d+)\.", design, flags=re.M))
    covered = set()
    for heading in re.findall(r"^##+ .*$", design, flags=re.M):
        covered |= set(re.findall(SECTION, heading))
    bare, wrong = [], []
    for path in _cited_files():
        text = path.read_text()
        spans = [(m.start(2), m.end(2)) for m in CITATION.finditer(text)]
        for m in re.finditer(SECTION, text):
            if not any(a <= m.start() < b for a, b in spans):
                line = text.count("\n", 0, m.start()) + 1
                bare.append(f"{path.relative_to(ROOT)}:{line}: {m.group()}")
        for m in CITATION.finditer(text):
            for section in re.findall(SECTION, m.group(2)):
                number = section[1:].split(".")[0]
                ok = number in numbered if m.group(1).startswith("design") else (
                    section in covered or f"§{number}" in covered
                )
                if not ok:
                    wrong.append(f"{path.relative_to(ROOT)}: {m.group(1)} {section}")
    assert not bare, f"sections that do not say whose they are: {bare}"
    assert not wrong, f"cited sections docs/design.md does not have: {wrong}"
