"""The pynn config: the demo moves to NEST by `kind` plus its own block; refusals say what to
change; capabilities are declared honestly (no snapshot)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from backends.neuromorphic.pynn.config import PynnConfig, spinnaker_status
from orchestrator.cli import app
from orchestrator.config import ConfigError, validate_config
from tests.paths import CONFIGS


def problems(raw: dict[str, Any]) -> list[str]:
    try:
        validate_config(raw)
    except ConfigError as exc:
        return exc.problems
    return []


def demo(name: str) -> dict[str, Any]:
    return yaml.safe_load((CONFIGS / name).read_text())


def test_demo_nest_is_the_demo_with_kind_pynn_its_block_and_static_synapses() -> None:
    base, nest = demo("demo.yaml"), demo("demo_nest.yaml")
    assert nest["spiking"]["kind"] == "pynn" and nest["spiking"]["pynn"]["simulator"] == "nest"
    assert nest["spiking"]["stdp"] == {"enabled": False}
    for key in ("kind", "pynn", "brian2", "stdp"):
        base["spiking"].pop(key, None)
        nest["spiking"].pop(key, None)
    assert base == nest
    cfg = validate_config(demo("demo_nest.yaml"))
    assert cfg.spiking.capabilities().snapshot is False


def test_stdp_is_refused_with_what_to_change() -> None:
    raw = demo("demo.yaml")
    raw["spiking"] = {**raw["spiking"], "kind": "pynn"}
    raw["spiking"].pop("brian2")
    (line,) = problems(raw)
    assert line.startswith("spiking.stdp.enabled: the pynn backend runs static synapses only")
    assert "stdp.enabled: false" in line


def test_a_simulator_that_is_not_installed_says_what_to_install() -> None:
    raw = demo("demo_nest.yaml")
    raw["spiking"]["pynn"] = {"simulator": "spinnaker"}
    (line,) = problems(raw)  # sPyNNaker is not installed here
    assert line.startswith("spiking.pynn.simulator: spinnaker needs sPyNNaker (pip install")
    assert "~/.spynnaker.cfg" in line
    assert "SpiNNaker: not reachable" in spinnaker_status()


def test_capabilities_are_data() -> None:
    nest = PynnConfig.model_validate({"kind": "pynn"}).capabilities()
    assert (nest.snapshot, nest.weights, nest.plasticity, nest.hardware) == (
        False,
        True,
        False,
        False,
    )
    board = PynnConfig.model_validate({"kind": "pynn", "pynn": {"simulator": "spinnaker"}})
    assert board.capabilities().hardware


@pytest.mark.parametrize(
    "options", [{"simulator": "loihi"}, {"threads": 0}, {"start_timeout_s": 0}, {"x": 1}]
)
def test_bad_options_are_one_line_each(options: dict[str, Any]) -> None:
    raw = demo("demo_nest.yaml")
    raw["spiking"]["pynn"] = options
    lines = problems(raw)
    assert len(lines) == 1 and lines[0].startswith("spiking.pynn.")


def test_qnf_backends_lists_pynn_with_what_to_install() -> None:
    result = CliRunner().invoke(app, ["backends", "--json"])
    assert result.exit_code == 0
    (row,) = [r for r in json.loads(result.stdout) if r["kind"] == "pynn"]
    assert row["layer"] == "spiking" and row["installed"] and row["package"] == "PyNN"
    assert "extra: pynn" in row["summary"] and "SpiNNaker" in row["hardware"]
