"""The ``qnf`` command line (Typer): ``orchestrator.cli.app`` plus the modules adding commands.

The command modules (``lazy_commands.MODULES``) are imported when the app's commands are first
read (``qnf --help``, ``CliRunner().invoke(app, ...)``), or only the one a ``qnf COMMAND`` start
runs (``main``): docs/design.md §25. ``app`` (the Typer app) is imported on first use, so that
``main`` can run ``qnf validate PATH`` without typer (``cli.direct``).
"""

from __future__ import annotations

import sys
import types
from typing import Any

__all__ = ["app", "main"]


def main() -> None:
    """Console-script entry point: ``qnf validate PATH`` without typer (``cli.direct``), any
    other start through the Typer app, which imports the module of its command only."""
    from orchestrator.cli import direct

    argv = sys.argv[1:]
    if direct.takes(argv):
        direct.start(argv)
    from orchestrator.cli.app import main as typer_main

    typer_main()


class _Package(types.ModuleType):
    """This package, whose ``app`` is the Typer app of ``orchestrator.cli.app``, imported on
    first use. Importing that module binds the package's ``app`` to the module itself (the
    import system does, for every submodule); the setter keeps the name for the Typer app, as
    when this package imported it at its top."""

    @property
    def app(self) -> Any:
        from orchestrator.cli.app import app

        return app

    @app.setter
    def app(self, value: Any) -> None:
        pass


sys.modules[__name__].__class__ = _Package
