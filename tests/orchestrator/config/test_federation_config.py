"""The ``federation`` section: absent changes nothing; present, every mistake is one line."""

from __future__ import annotations

import copy

import pytest
import yaml

from orchestrator.config import validate_config
from orchestrator.config.errors import ConfigError
from tests.federated import write_federation
from tests.paths import ASSETS


@pytest.fixture(scope="module")
def raw(tmp_path_factory) -> dict:
    _, data = write_federation(tmp_path_factory.mktemp("fed"), 3, ticks=20)
    return data


def problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        validate_config(data)
    return info.value.problems


def test_a_plain_config_has_no_federation_key_in_what_it_records():
    cfg = validate_config(yaml.safe_load((ASSETS / "small.yaml").read_text()))
    assert cfg.federation is None and "federation" not in cfg.resolved()


def test_a_federated_config_validates_with_defaults(raw):
    cfg = validate_config(raw)
    fed = cfg.federation
    assert fed.engine == "local" and fed.rounds_every_ticks == 10 and fed.max_restarts == 1
    assert [fed.node_seed(cfg.run.seed, n.id) for n in fed.nodes] == [3, 4, 5]
    assert cfg.resolved()["federation"]["nodes"][0]["id"] == "n0"


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        (lambda f: f["nodes"][1].update(id="n0"), "two nodes have the same id"),
        (lambda f: f["nodes"][1].update(public_key=f["nodes"][0]["public_key"]), "same public"),
        (lambda f: f["nodes"][0].update(public_key="12" * 31), "64 hex characters"),
        (lambda f: f["nodes"][0].update(id="../x"), "is not a node id"),
        (lambda f: f.update(engine="dask"), "registered here: local, ray"),
        (lambda f: f.update(rounds_every_ticks=21), "exceeds run.ticks"),
        (lambda f: f.update(eps_phi=4.0), "federation.eps_phi"),
        (lambda f: f.update(nodes=[]), "federation.nodes"),
        (lambda f: f["nodes"][0].update(resources={"loihi2": 0}), "must be > 0"),
        (lambda f: f.update(engines="ray"), "federation.engines"),
    ],
)
def test_mistakes_are_one_line_each(raw, change, expect):
    data = copy.deepcopy(raw)
    change(data["federation"])
    lines = problems(data)
    assert any(expect in line for line in lines), lines
