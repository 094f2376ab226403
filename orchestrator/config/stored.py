"""Reading a config a run stored (config.yaml, the genesis block), whatever layout wrote it.

A user's config is validated as written (``orchestrator.config.root.validate_config``): a key
a backend moved is refused with its new place. A stored config was valid when its run
started, and the run's record (genesis block, every event's ``config_sha256``, checkpoints,
summary) is bound to its bytes, so it is read differently (docs/design.md §23):

1. ``migrate`` (``orchestrator.config.moved``) puts every moved key in its new place, and the
   result is validated as any config is (cross-checks included);
2. when that changed anything, the config keeps the stored data as its ``resolved()`` form, so
   ``config_hash()`` is the hash of what is stored (what the genesis block records), a resume
   appends events under the run's own hash, and a rerun (``qnf reproduce``) writes the same
   genesis and reaches the same root. Backends read the migrated fields.

A config stored in today's layout reads exactly as ``validate_config`` reads it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from orchestrator.config.moved import migrate
from orchestrator.config.root import RunConfig, validate_config
from orchestrator.config.yaml_input import parse_yaml, read_text

__all__ = ["load_stored_config", "load_stored_text", "validate_stored"]


def validate_stored(raw: Any) -> RunConfig:
    """A stored config's data validated after ``migrate``; ``ConfigError`` as
    ``validate_config``. An old layout's config keeps ``raw`` as its resolved form."""
    if not isinstance(raw, Mapping):
        return validate_config(raw)  # its one line
    data = migrate(raw)
    config = validate_config(data)
    if data != raw:
        config._stored = copy.deepcopy(dict(raw))
    return config


def load_stored_config(path: str | Path) -> RunConfig:
    """``validate_stored`` of the YAML file ``path`` (a run directory's config.yaml), read
    within the config reader's limits. Raises ``ConfigError``."""
    path = Path(path)
    return load_stored_text(read_text(path), str(path))


def load_stored_text(text: str, source: str) -> RunConfig:
    """``validate_stored`` of a stored config's YAML text (``source`` names it in messages)."""
    raw = parse_yaml(text, source).data
    return validate_stored({} if raw is None else raw)
