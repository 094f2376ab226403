"""The ``qnf`` app imports its command modules on use (``orchestrator/cli/lazy_commands.py``):
the map from command to module is complete, a ``qnf COMMAND`` start builds only that module's
commands, and every other reader of the app still sees every command (design §25)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import typer.main

from orchestrator.cli import app
from orchestrator.cli.lazy_commands import COMMANDS, MODULES
from tests.paths import ROOT


def _module(callback: object) -> str:
    return callback.__module__.removeprefix("orchestrator.cli.")  # type: ignore[attr-defined]


def test_the_map_names_every_command_and_group_with_the_module_registering_it() -> None:
    registered = {}
    for info in app.registered_commands:
        name = info.name or typer.main.get_command_name(info.callback.__name__)
        registered[name] = _module(info.callback)
    for group in app.registered_groups:
        modules = {_module(c.callback) for c in group.typer_instance.registered_commands}
        assert len(modules) == 1, (group.name, modules)
        registered[group.name] = modules.pop()
    assert registered == COMMANDS
    assert set(COMMANDS.values()) == set(MODULES)


def test_every_module_that_registers_commands_is_in_the_full_load() -> None:
    """A new command module missing from MODULES would never be imported: its commands would
    vanish from `qnf` without an error."""
    registers = re.compile(r"^(@app\.command\(|app\.add_typer\()", re.MULTILINE)
    registering = {
        path.stem
        for path in (ROOT / "orchestrator" / "cli").glob("*.py")
        if registers.search(path.read_text())
    }
    assert registering == set(MODULES)


PROBE = """
import json, sys, typer.main
from orchestrator.cli.app import app
with app.only(sys.argv[1:]):
    during = sorted(typer.main.get_command(app).commands)
    loaded = sorted(m for m in sys.modules if m.startswith("orchestrator.cli."))
after = sorted(typer.main.get_command(app).commands)
print(json.dumps({"during": during, "loaded": loaded, "after": after}))
"""


def _probe(*argv: str) -> dict[str, list[str]]:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        cwd=ROOT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(proc.stdout)


def test_a_command_start_builds_only_the_commands_of_its_module() -> None:
    seen = _probe("validate", "configs/demo.yaml")
    assert seen["during"] == sorted(n for n, m in COMMANDS.items() if m == "commands")
    assert "orchestrator.cli.job_views" not in seen["loaded"]
    assert seen["after"] == sorted(COMMANDS)  # read again after the command: every command


def test_a_start_naming_no_command_loads_every_command() -> None:
    for argv in ([], ["--help"], ["-V"], ["valdate"], ["--install-completion"]):
        seen = _probe(*argv)
        assert seen["during"] == sorted(COMMANDS), argv
        loaded = {m.removeprefix("orchestrator.cli.") for m in seen["loaded"]}
        assert set(MODULES) <= loaded, argv
