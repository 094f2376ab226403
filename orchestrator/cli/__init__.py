"""The ``qnf`` command line (Typer): ``orchestrator.cli.app`` plus the modules adding commands."""

from orchestrator.cli import commands, federation, jobs, sweep  # noqa: F401  (they register commands)
from orchestrator.cli.app import app, main

__all__ = ["app", "main"]
