"""Which module registers which ``qnf`` command, and a Typer app that imports them on use.

Registering a command means importing the module that defines it; typer then builds a click
command (its parameters, their types, their help) for every registered command on every start.
``qnf validate`` used to import all nine command modules, the job views and job store among
them, and build all twenty-two commands, to run one. Here (docs/design.md §25):

- ``LazyTyper`` imports every command module (in ``MODULES`` order, the order of ``qnf --help``)
  the first time anything reads its commands: ``qnf --help``, a test's ``CliRunner().invoke``,
  ``typer.main.get_command(app)`` all see every command, as when ``orchestrator.cli`` imported
  them all.
- ``LazyTyper.only(argv)``, used by the console script alone (``orchestrator.cli.app.main``):
  where ``argv`` starts with a command's name (``qnf validate X``), only the module of that
  command is imported while the command runs, so typer registers and builds that module's
  commands. Any other start (no command, an option first, a name that is no command, shell
  completion) imports them all, so ``--help``, ``--version``, "No such command" and its
  suggestions are what they were.

``COMMANDS`` must name every command and group (``test_lazy_commands.py`` compares it with what
each module registers), else that command is only reachable through the full load.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import typer

MODULES = (  # import order of the full load: the order `qnf --help` lists the commands in
    "backends",
    "commands",
    "events",
    "federation",
    "job_views",
    "jobs",
    "reproduce",
    "study",
    "sweep",
)

COMMANDS = {  # command (or group) name -> the module of orchestrator.cli that registers it
    "backends": "backends",
    "run": "commands",
    "validate": "commands",
    "report": "commands",
    "export-nir": "commands",
    "ledger": "commands",
    "events": "events",
    "federation": "federation",
    "jobs": "job_views",
    "status": "job_views",
    "results": "job_views",
    "watch": "job_views",
    "logs": "job_views",
    "submit": "jobs",
    "worker": "jobs",
    "cancel": "jobs",
    "resume": "jobs",
    "reproduce": "reproduce",
    "study": "study",
    "sweep": "sweep",
}


def _import(module: str) -> None:
    importlib.import_module(f"orchestrator.cli.{module}")


class LazyTyper(typer.Typer):
    """A ``typer.Typer`` whose command modules are imported when its commands are first read.

    typer 0.29 keeps an app's commands and groups in ``registered_commands`` and
    ``registered_groups`` (set in ``__init__``, appended to by ``@app.command()`` and
    ``add_typer``, read by ``typer.main.get_command``): both are properties here."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self._busy = True  # typer's __init__ sets the two lists: nothing to load yet
        super().__init__(*args, **kwargs)
        self._busy = False

    def _load_all(self) -> None:
        if self._busy:  # a module is registering its commands, or ``only`` holds the app
            return
        self._busy = True
        try:
            for module in MODULES:  # a module imported already is not run again
                _import(module)
        finally:
            self._busy = False

    @property  # type: ignore[override]
    def registered_commands(self) -> list[Any]:
        self._load_all()
        return self._commands

    @registered_commands.setter
    def registered_commands(self, value: list[Any]) -> None:
        self._commands = value

    @property  # type: ignore[override]
    def registered_groups(self) -> list[Any]:
        self._load_all()
        return self._groups

    @registered_groups.setter
    def registered_groups(self, value: list[Any]) -> None:
        self._groups = value

    @contextmanager
    def only(self, argv: Sequence[str]) -> Iterator[None]:
        """While this is open, the app has the commands of ``argv[0]``'s module only (if
        ``argv[0]`` names a command and no full load happened yet; else every command)."""
        module = COMMANDS.get(argv[0]) if argv else None
        if module is None or self._busy:
            yield
            return
        self._busy = True
        try:
            _import(module)
            yield
        finally:
            self._busy = False
