"""The ``qnf`` command line (Typer): ``orchestrator.cli.app`` plus the modules adding commands."""

from orchestrator.cli import (  # noqa: F401
    backends,
    commands,
    events,
    federation,
    job_views,
    jobs,
    reproduce,
    study,
    sweep,
)
from orchestrator.cli.app import app, main

__all__ = ["app", "main"]
