"""Issue 27: a config whose circuits cost more than safety.max_circuit_gates is refused in one
line before anything is built; what is accepted says its cost."""

from __future__ import annotations

import copy
import random
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import ConfigError, validate_config
from orchestrator.config.circuit_cost import circuit_cost, term_gates
from orchestrator.config.sections import MAX_CIRCUIT_GATES
from tests.paths import ASSETS

SMALL: dict[str, Any] = yaml.safe_load((ASSETS / "small.yaml").read_text())


def _pauli(count: int, reps: int = 1) -> dict[str, Any]:
    rng = random.Random(7)
    raw = copy.deepcopy(SMALL)
    terms = []
    for _ in range(count):
        qubits = rng.sample(range(12), rng.randint(2, 6))
        terms.append({"paulis": "".join(rng.choice("XYZ") for _ in qubits), "qubits": qubits,
                      "coeff": 0.5})  # fmt: skip
    raw["hamiltonian"] = {"kind": "pauli", "n_qubits": 12, "terms": terms}
    raw["spiking"]["neurons"] = 12
    raw["trotter"] = {"order": 2, "reps": reps, "dt": 0.1}
    return raw


@pytest.mark.parametrize(
    ("paulis", "gates"), [("", 0), ("X", 1), ("ZZ", 3), ("XZ", 5), ("XYZ", 9), ("ZZZZ", 7)]
)
def test_a_term_costs_its_chain_its_rotation_and_its_basis_changes(paulis: str, gates: int) -> None:
    assert term_gates(paulis) == gates


def test_too_many_gates_is_one_line_naming_the_limit_before_anything_is_built(
    tmp_path: Any,
) -> None:
    raw = _pauli(400, reps=40)
    with pytest.raises(ConfigError) as info:
        validate_config(raw)
    (line,) = info.value.problems
    assert line.startswith("hamiltonian: its circuits need about ")
    assert f"more than safety.max_circuit_gates = {MAX_CIRCUIT_GATES:,}" in line

    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(raw))
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2 and "safety.max_circuit_gates" in result.stderr
    assert "building backends" not in result.output and not out.exists()


def test_raising_the_limit_accepts_the_config_knowing_its_cost() -> None:
    raw = _pauli(400, reps=40)
    raw["safety"] = {"max_circuit_gates": 10**8}
    config = validate_config(raw)
    cost = circuit_cost(config)
    assert MAX_CIRCUIT_GATES < cost.gates <= 10**8
    assert config.resolved()["safety"]["max_circuit_gates"] == 10**8


def test_the_default_limit_is_not_written_so_config_hashes_are_unchanged() -> None:
    config = validate_config(copy.deepcopy(SMALL))
    assert "max_circuit_gates" not in config.resolved()["safety"]
    assert config.safety.max_circuit_gates == MAX_CIRCUIT_GATES


def test_validate_and_run_say_what_the_circuits_cost(tmp_path: Any) -> None:
    path = tmp_path / "small.yaml"
    path.write_text(yaml.safe_dump(SMALL))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    config = validate_config(copy.deepcopy(SMALL))
    assert circuit_cost(config).line() in result.stdout
    assert circuit_cost(config).line() == (
        "circuits: 3 x 33 gates = 99 gates to build and transpile once, and to run each tick"
    )
