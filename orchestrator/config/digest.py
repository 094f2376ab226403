"""The config digest: SHA-256 of a resolved config without ``run.out`` (spec §11; design §5).

One definition for every place that names a run's config by its hash: ``RunConfig.config_hash``
(the genesis block's ``config_sha256``, resume's and reproduce's identity checks, the loop),
the ``config`` the genesis block of a run and of a federation records (``hashed_config``), and
``qnf ledger verify`` (``orchestrator.record.audit``), which recomputes it from the genesis
block and from config.yaml.

The encoder is RFC 8785 through the ``rfc8785`` package: the bytes every stored
``config_sha256`` was made with (``RunConfig.config_hash`` used it from the start). Until
issue 20 the audit hashed with ``orchestrator.record.canonical`` instead, which gives the same
bytes for every JSON document (its property test; ``tests/orchestrator/config/test_digest.py``
checks both on the shipped configs), so no stored hash moves.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

import rfc8785

__all__ = ["config_digest", "hashed_config"]


def hashed_config(config: Mapping[str, Any]) -> dict[str, Any]:
    """What of a resolved config the digest covers: a copy without ``run.out`` (where the run is
    written does not shape its result). Other sections are shared, not copied."""
    data = dict(config)
    if isinstance(data.get("run"), Mapping):
        data["run"] = {k: v for k, v in data["run"].items() if k != "out"}
    return data


def config_digest(config: Mapping[str, Any]) -> str:
    """SHA-256 (hex) of the RFC 8785 JSON of ``hashed_config(config)``. ``ValueError``
    (``rfc8785.CanonicalizationError``) when the config holds what JSON cannot (a date, a key
    that is not a string, an integer beyond 2^53)."""
    return hashlib.sha256(rfc8785.dumps(hashed_config(config))).hexdigest()
