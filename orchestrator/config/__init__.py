"""Run configuration: pydantic models, YAML loading, one-line-per-problem errors."""

from orchestrator.config.base import (
    QuantumBackendConfig,
    QuantumCapabilities,
    SpikingBackendConfig,
    StrictModel,
)
from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig, load_config, run_config_model, validate_config

__all__ = [
    "ConfigError",
    "QuantumBackendConfig",
    "QuantumCapabilities",
    "RunConfig",
    "SpikingBackendConfig",
    "StrictModel",
    "load_config",
    "run_config_model",
    "validate_config",
]
