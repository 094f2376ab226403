"""The ``qnf`` command line (Typer): ``orchestrator.cli.app`` plus the modules adding commands.

The command modules (``lazy_commands.MODULES``) are imported when the app's commands are first
read (``qnf --help``, ``CliRunner().invoke(app, ...)``), or only the one a ``qnf COMMAND`` start
runs (``main``): docs/design.md §25.
"""

from orchestrator.cli.app import app, main

__all__ = ["app", "main"]
