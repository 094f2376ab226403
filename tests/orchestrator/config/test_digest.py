"""The config digest is one function (``orchestrator.config.digest``), and the encoders that
made the stored hashes agree with it: ``RunConfig.config_hash`` (every genesis block's
``config_sha256``) and the audit's former ``record.canonical`` encoding give the same bytes."""

from __future__ import annotations

import hashlib

import pytest

from orchestrator.config import load_config
from orchestrator.config.digest import config_digest, hashed_config
from orchestrator.record.canonical import canonical
from tests.paths import CONFIGS

SHIPPED = sorted(p for p in CONFIGS.rglob("*.yaml") if p.name != "sweep.yaml")  # sweep: no run


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(CONFIGS)))
def test_every_encoder_of_the_config_gives_the_same_digest(path) -> None:
    cfg = load_config(path)
    resolved = cfg.resolved()
    former_audit = hashlib.sha256(canonical(hashed_config(resolved))).hexdigest()
    assert cfg.config_hash() == config_digest(resolved) == former_audit


def test_the_digest_leaves_out_run_out_only() -> None:
    resolved = load_config(CONFIGS / "demo.yaml").resolved()
    moved = {**resolved, "run": {**resolved["run"], "out": "elsewhere"}}
    assert config_digest(moved) == config_digest(resolved)
    assert "out" not in hashed_config(moved)["run"]
    assert moved["run"]["out"] == "elsewhere"  # a copy: the config given is not changed
    reseeded = {**resolved, "run": {**resolved["run"], "seed": resolved["run"]["seed"] + 1}}
    assert config_digest(reseeded) != config_digest(resolved)


def test_a_config_json_cannot_hold_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        config_digest({"run": {"seed": 2**60}})
    with pytest.raises(ValueError):
        config_digest({"run": {1: 2}})
