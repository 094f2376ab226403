"""checkpoint.full_every and checkpoint.compress (design §27): validated, and a config that
does not set them hashes as before they existed."""

from __future__ import annotations

import pytest

from orchestrator.config import ConfigError, load_config
from tests.conftest import ASSETS


@pytest.mark.parametrize(
    ("value", "said"),
    [(0, "must be >= 1"), (257, "must be <= 256"), ("x", "must be an integer")],
)
def test_full_every_is_refused_outside_1_to_256(value, said) -> None:
    with pytest.raises(ConfigError, match=f"checkpoint.full_every: {said}"):
        load_config(ASSETS / "small.yaml", {"checkpoint.full_every": value})


def test_the_storage_options_are_in_the_dump_only_when_set() -> None:
    plain = load_config(ASSETS / "small.yaml")
    assert set(plain.resolved()["checkpoint"]) == {"every", "keep"}
    spelled = load_config(
        ASSETS / "small.yaml", {"checkpoint.full_every": 10, "checkpoint.compress": True}
    )
    assert spelled.config_hash() == plain.config_hash()
    chosen = load_config(
        ASSETS / "small.yaml", {"checkpoint.full_every": 1, "checkpoint.compress": False}
    )
    assert chosen.resolved()["checkpoint"]["full_every"] == 1
    assert chosen.resolved()["checkpoint"]["compress"] is False
    assert chosen.config_hash() != plain.config_hash()


def test_replay_is_in_the_dump_only_when_set() -> None:
    plain = load_config(ASSETS / "small.yaml")
    off = load_config(ASSETS / "small.yaml", {"checkpoint.replay": False})
    assert off.config_hash() == plain.config_hash()
    on = load_config(ASSETS / "small.yaml", {"checkpoint.replay": True})
    assert on.resolved()["checkpoint"]["replay"] is True
    assert on.config_hash() != plain.config_hash()
