"""Validation uses the run model of the backends and the Hamiltonian kind a config names, with
the optional sections it leaves out typed None (docs/design.md §25): its problems are those of
the full model (the discriminated unions of every registered backend and of every Hamiltonian
kind, every section), line for line, and it builds no other backend's, kind's or section's
model."""

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


def _plus(**sections) -> dict:
    raw = copy.deepcopy(DEMO)
    raw.update(copy.deepcopy(sections))
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
    "ising self-loop": _with(hamiltonian={"edges": [[0, 0, 1.0]]}),
    "tfim with ising keys": _with(hamiltonian={"kind": "tfim"}),
    "hamiltonian kind unknown": _with(hamiltonian={"kind": "heisenberg"}),
    "hamiltonian kind missing": _with(hamiltonian={"kind": None}),
    "hamiltonian kind not a string": _with(hamiltonian={"kind": 3}),
    "pauli bad letter": _plus(
        hamiltonian={"kind": "pauli", "n_qubits": 2, "terms": [{"paulis": "XQ", "qubits": [0, 1]}]}
    ),
    "learning bad key": _plus(learning={"nope": 1}),
    "psn not a mapping": _plus(psn=5),
    "maxcut and placebo bad": _plus(maxcut={"x": 1}, placebo={"y": 2}),
    "misspelled section": _plus(learnin={}),
    "null federation, bad run": _plus(federation=None, run={"ticks": -1}),
    "memory bad, jacobian bad": _plus(memory={"bits": "x"}, jacobian={"every": 0}),
}


@pytest.mark.parametrize("name", CASES)
def test_the_problems_of_the_full_union_line_for_line(name) -> None:
    raw = CASES[name]
    for section in ("hamiltonian", "quantum"):
        if isinstance(raw[section], dict) and "kind" in raw[section] and not raw[section]["kind"]:
            del raw[section]["kind"]
    full = run_config_model()
    with pytest.raises(ValidationError) as union:
        full.model_validate(copy.deepcopy(raw))
    expected = format_validation_error(union.value, raw, full)
    with pytest.raises(ConfigError) as exc:
        validate_config(copy.deepcopy(raw))
    assert exc.value.problems == expected
    assert expected  # the case is a bad one


def test_a_valid_config_equals_itself_validated_again() -> None:
    """Configs validated with the same kinds share their model class (pydantic's == needs it);
    a section set to null is one left out."""
    assert validate_config(copy.deepcopy(DEMO)) == validate_config(copy.deepcopy(DEMO))
    assert validate_config(_plus(learning=None, psn=None)) == validate_config(copy.deepcopy(DEMO))


def _models_in(schema: object) -> set[str]:
    """The model classes a core schema validates with."""
    found: set[str] = set()
    if isinstance(schema, dict):
        if schema.get("type") == "model":
            found.add(schema["cls"].__name__)
        for value in schema.values():
            found |= _models_in(value)
    elif isinstance(schema, list | tuple):
        for value in schema:
            found |= _models_in(value)
    return found


OUT_OF_THE_DEMO = {
    "TfimConfig",
    "PauliConfig",
    "PauliTermConfig",
    "LearningConfig",
    "PsnConfig",
    "CoherenceFlowConfig",
    "JacobianConfig",
    "MaxCutConfig",
    "PlaceboConfig",
    "MemoryConfig",
    "FederationConfig",
    "LavaConfig",
    "IbmConfig",
}


def test_the_demos_model_holds_the_models_of_what_it_names_only() -> None:
    cfg = validate_config(copy.deepcopy(DEMO))
    built = _models_in(type(cfg).__pydantic_core_schema__)
    assert {"IsingConfig", "AerConfig", "Brian2Config", "PciConfig"} <= built
    assert not built & OUT_OF_THE_DEMO
    full = _models_in(run_config_model().__pydantic_core_schema__)  # the check can fail
    assert full >= OUT_OF_THE_DEMO


def test_a_section_it_names_is_built() -> None:
    cfg = validate_config(_plus(psn={}))
    built = _models_in(type(cfg).__pydantic_core_schema__)
    assert "PsnConfig" in built and cfg.psn is not None
    assert not built & (OUT_OF_THE_DEMO - {"PsnConfig"})


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
