"""Run configuration: pydantic models, YAML loading, one-line-per-problem errors.

What a backend is configured by (the backend config bases, capabilities, the sections they are
built from) lives in ``orchestrator.contract`` (design §1); this package assembles the run's
config from it and checks the sections against each other.
"""

from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig, load_config, run_config_model, validate_config

__all__ = [
    "ConfigError",
    "RunConfig",
    "load_config",
    "run_config_model",
    "validate_config",
]
