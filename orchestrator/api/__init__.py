"""The Python API (what ``import qnfusion`` gives; docs/api.md): runs, their records, jobs."""

from orchestrator.api.jobs import Job, JobTimeout, job, submit
from orchestrator.api.runs import (
    Run,
    Verification,
    load_config,
    open_run,
    reproduce,
    run,
    verify,
)
from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig

__all__ = [
    "ConfigError",
    "Job",
    "JobTimeout",
    "Run",
    "RunConfig",
    "Verification",
    "job",
    "load_config",
    "open_run",
    "reproduce",
    "run",
    "submit",
    "verify",
]
