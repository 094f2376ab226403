"""Validation uses the run model of the backends a config names (docs/design.md §25): its
problems are those of the full discriminated union of every registered backend, line for line,
and it builds no other backend's model."""

from __future__ import annotations

import copy
import sys

import pytest
import yaml
from pydantic import ValidationError

from orchestrator.config import ConfigError, run_config_model, validate_config
from orchestrator.config.errors import format_validation_error
from tests.paths import ROOT

DEMO = yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text())


def _with(**sections) -> dict:
    raw = copy.deepcopy(DEMO)
    for name, changes in sections.items():
        raw[name] = {**raw[name], **changes}
    return raw


CASES = {
    "aer shots 0": _with(quantum={"shots": 0}),
    "aer misspelled key": _with(quantum={"shot": 5}),
    "aer option of another backend": _with(quantum={"device": "fake_sherbrooke"}),
    "brian2 bad target": _with(spiking={"brian2": {"codegen_target": "fortran"}}),
    "brian2 and aer both wrong": _with(quantum={"shots": -3}, spiking={"tau_m_ms": "x"}),
    "lava extra key": _with(spiking={"kind": "lava", "brian2": None, "lava": {"nope": 1}}),
    "ibm without device": _with(quantum={"kind": "ibm"}),
    "kind missing": _with(quantum={"kind": None}),
}


@pytest.mark.parametrize("name", CASES)
def test_the_problems_of_the_full_union_line_for_line(name) -> None:
    raw = CASES[name]
    if raw["quantum"].get("kind") is None:
        del raw["quantum"]["kind"]
    full = run_config_model()
    with pytest.raises(ValidationError) as union:
        full.model_validate(copy.deepcopy(raw))
    expected = format_validation_error(union.value, raw, full)
    with pytest.raises(ConfigError) as exc:
        validate_config(copy.deepcopy(raw))
    assert exc.value.problems == expected
    assert expected  # the case is a bad one


def test_a_valid_config_equals_itself_validated_again() -> None:
    """Configs validated with the same kinds share their model class (pydantic's == needs it)."""
    assert validate_config(copy.deepcopy(DEMO)) == validate_config(copy.deepcopy(DEMO))


def test_the_demo_builds_no_model_of_an_unnamed_backend() -> None:
    """Validating the demo (aer + brian2) leaves the other backends' models unbuilt (pydantic
    builds a model's validator on first use: ``StrictModel``'s ``defer_build``)."""
    import subprocess

    code = (
        "import copy, yaml\n"
        "from orchestrator.config import validate_config\n"
        "from orchestrator.contract.registry import plugins\n"
        "raw = yaml.safe_load(open('configs/demo.yaml'))\n"
        "validate_config(raw)\n"
        "built = {k: p.config.__pydantic_complete__ for layer in ('quantum', 'spiking')\n"
        "         for k, p in plugins(layer).items()}\n"
        "print(sorted(k for k, done in built.items() if done))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert proc.stdout.strip() == "[]"  # not even aer's and brian2's own: the run model's only
