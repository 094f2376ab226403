"""The ``ibm`` config: checked offline, no SDK; a one-word swap from Aer; budgets; no tokens."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from backends.quantum.ibm.config import IbmConfig
from orchestrator.config import ConfigError, validate_config

SMALL: dict[str, Any] = {
    "hamiltonian": {"kind": "tfim", "n_qubits": 3},
    "quantum": {"kind": "aer", "shots": 256, "seed": 5},
    "spiking": {"kind": "brian2", "neurons": 6},
    "run": {"ticks": 4},
}


def _with(quantum: dict[str, Any], **run: Any) -> dict[str, Any]:
    raw = copy.deepcopy(SMALL)
    raw["quantum"] = quantum
    raw["run"].update(run)
    return raw


def _problems(raw: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        validate_config(raw)
    return info.value.problems


def test_moving_from_aer_is_a_change_of_kind_and_device() -> None:
    aer = validate_config(SMALL)
    moved = copy.deepcopy(SMALL)
    moved["quantum"].update(kind="ibm", device="fake_sherbrooke")
    ibm = validate_config(moved)
    assert ibm.quantum.kind == "ibm" and ibm.quantum.shots == aer.quantum.shots == 256
    assert ibm.quantum.seed == aer.quantum.seed
    # options only Aer understands are refused like any unknown key, Aer's own key included
    problems = _problems(_with({"kind": "ibm", "device": "fake_sherbrooke", "method": "automatic"}))
    assert problems == ["quantum.method: unknown key"]
    aer_key = {"kind": "ibm", "device": "fake_sherbrooke", "aer": {"method": "automatic"}}
    assert _problems(_with(aer_key)) == ["quantum.aer: unknown key"]


def test_device_names_are_checked_offline() -> None:
    problems = _problems(_with({"kind": "ibm", "device": "fake_sherbrook"}))
    assert len(problems) == 1 and "did you mean 'fake_sherbrooke'" in problems[0]
    assert problems[0].startswith("quantum.device: unknown device snapshot")
    assert "not a device name" in _problems(_with({"kind": "ibm", "device": "IBM Torino"}))[0]
    assert validate_config(_with({"kind": "ibm", "device": "ibm_torino"})).quantum.device


def test_register_larger_than_the_snapshot_is_refused() -> None:
    raw = _with({"kind": "ibm", "device": "fake_manila"})
    raw["hamiltonian"]["n_qubits"] = 7
    raw["spiking"]["neurons"] = 7
    assert any("at most 5 qubits" in p for p in _problems(raw))


def test_a_token_in_the_config_is_an_unknown_key() -> None:
    raw = _with({"kind": "ibm", "device": "ibm_torino", "token": "secret-value-1234"})
    problems = _problems(raw)
    assert problems == ["quantum.token: unknown key"]
    assert "secret-value-1234" not in "".join(problems)


def test_initial_layout_is_checked() -> None:
    bad = _with({"kind": "ibm", "device": "fake_manila", "initial_layout": [0, 1, 9]})
    assert "qubits 0..4" in _problems(bad)[0]
    twice = _with({"kind": "ibm", "device": "fake_manila", "initial_layout": [0, 1, 1]})
    assert "distinct" in _problems(twice)[0]


def test_amplitude_mapping_needs_a_statevector_and_a_device_has_none() -> None:
    raw = _with({"kind": "ibm", "device": "fake_sherbrooke"})
    raw["pci"] = {"mapping": "amplitude"}
    raw["spiking"]["neurons"] = 8
    assert any(p.startswith("pci.mapping:") for p in _problems(raw))


def test_over_budget_run_on_a_device_is_refused_at_validation() -> None:
    # 3 bases x 4096 shots x 3e-4 s + 3 s = 6.7 s a tick; 100 ticks = 669 s > 600 s
    raw = _with({"kind": "ibm", "device": "ibm_sherbrooke", "shots": 4096}, ticks=100)
    (problem,) = _problems(raw)
    assert problem.startswith("quantum.max_qpu_seconds: the run is estimated at 669 s")
    assert "over the limit of 600 s" in problem
    # the same run within a raised limit, or on the snapshot (no QPU time), is accepted
    raw["quantum"]["max_qpu_seconds"] = 700
    validate_config(raw)
    validate_config(_with({"kind": "ibm", "device": "fake_sherbrooke", "shots": 4096}, ticks=100))


def test_estimate_formula_counts_calibration_circuits() -> None:
    config = IbmConfig(kind="ibm", device="ibm_x", shots=1000, resilience={"readout": "calibrated"})
    # 25 ticks: 25 jobs x 3 s + 1000 shots x 3e-4 s x (25 x 3 + 2 x ceil(25 / 10))
    assert config.calibrations(25) == 6
    assert config.estimate_seconds(3, 25) == pytest.approx(75 + 0.3 * (75 + 6))
    assert IbmConfig(kind="ibm", device="fake_x" if False else "ibm_x").calibrations(25) == 0


def test_initial_layout_must_name_one_qubit_per_logical_qubit() -> None:
    raw = _with({"kind": "ibm", "device": "fake_manila", "initial_layout": [0, 1]})
    assert _problems(raw) == [
        "quantum.initial_layout: names 2 physical qubits; the Hamiltonian has 3"
    ]
