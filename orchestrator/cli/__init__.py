"""The ``qnf`` command line (Typer): ``orchestrator.cli.app`` plus the modules adding commands."""

from orchestrator.cli import commands, federation, job_views, jobs, sweep  # noqa: F401
from orchestrator.cli.app import app, main

__all__ = ["app", "main"]
