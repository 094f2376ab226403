"""Issue 16: configs built to exhaust the machine are refused with bounded work, in one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import ConfigError, load_config, validate_config
from orchestrator.config.yaml_input import MAX_BYTES, MAX_NODES, parse_yaml
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.run.runner import execute
from tests.paths import ASSETS

runner = CliRunner()
SMALL = ASSETS / "small.yaml"


def _raw() -> dict[str, Any]:
    return yaml.safe_load(SMALL.read_text())


def _problems(raw: Any) -> list[str]:
    with pytest.raises(ConfigError) as info:
        validate_config(raw)
    return info.value.problems


def _nested_aliases(levels: int, width: int = 9) -> str:
    lines = ["a0: &a0 [" + ", ".join(str(k) for k in range(width)) + "]"]
    for k in range(1, levels + 1):
        lines.append(f"a{k}: &a{k} [" + ", ".join([f"*a{k - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def _expanded(value: Any) -> int:
    """Nodes of the fully expanded document, counted on the loaded object (independently)."""
    if isinstance(value, dict):
        return 1 + sum(_expanded(k) + _expanded(v) for k, v in value.items())
    if isinstance(value, list):
        return 1 + sum(_expanded(v) for v in value)
    return 1


@pytest.mark.parametrize("levels", [1, 2, 3, 4])
def test_the_counted_expansion_is_the_document_s_true_size(levels: int) -> None:
    text = _nested_aliases(levels)
    assert parse_yaml(text, "t").nodes == _expanded(yaml.safe_load(text))


def test_an_alias_bomb_is_refused_while_composing() -> None:
    text = _nested_aliases(8)  # 9^8 * 10 nodes expanded: 430 million
    with pytest.raises(ConfigError) as info:
        parse_yaml(text, "bomb.yaml")
    (line,) = info.value.problems
    assert line.startswith("bomb.yaml:") and f"more than {MAX_NODES} nodes" in line


def test_an_alias_bomb_inside_a_typed_field_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.yaml"
    body = SMALL.read_text().replace("hamiltonian:", "hamiltonian_unused:", 1)
    path.write_text(
        _nested_aliases(7) + "hamiltonian: {kind: pauli, n_qubits: 2, terms: *a7}\n" + body
    )
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert f"more than {MAX_NODES} nodes" in result.stderr
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("a: &a [*a]\n", "recursive alias"),
        ("a: " + "[" * 100 + "]" * 100 + "\n", "nested more than 64 levels"),
        ("run: {ticks: 1}\nrun: {ticks: 2}\n", "duplicate key 'run' (first at line 1)"),
        ("run: {ticks: 1, ticks: 2}\n", "duplicate key 'ticks'"),
        ("run: {seed: " + "9" * 5000 + "}\n", "integer longer than 40 digits"),
    ],
    ids=["recursive", "deep", "duplicate-section", "duplicate-field", "long-int"],
)
def test_documents_that_yaml_would_load_are_refused_at_the_line(text: str, words: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_yaml(text, "x.yaml")
    (line,) = info.value.problems
    assert line.startswith("x.yaml:") and words in line


def test_a_merge_key_may_still_be_overridden() -> None:
    data = parse_yaml("a: &a {x: 1, y: 2}\nb: {<<: *a, x: 3}\n", "m.yaml").data
    assert data["b"] == {"x": 3, "y": 2}


def test_an_endless_or_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load_config("/dev/zero")
    assert info.value.problems == [
        "/dev/zero: is a character device, not a regular file; give the config itself"
    ]
    big = tmp_path / "big.yaml"
    with open(big, "wb") as fh:
        fh.truncate(MAX_BYTES + 1)  # sparse: nothing to read, refused by its size
    with pytest.raises(ConfigError) as info:
        load_config(big)
    assert info.value.problems == [
        f"{big}: {MAX_BYTES + 1} bytes, larger than the {MAX_BYTES} bytes a config may have"
    ]


def test_a_huge_vertex_index_is_refused_before_any_hamiltonian_is_sized(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sized: list[int] = []
    original = PauliHamiltonian.from_terms.__func__  # type: ignore[attr-defined]

    def spy(cls: type, n: int, terms: Any) -> PauliHamiltonian:
        sized.append(n)
        return original(cls, n, terms)

    monkeypatch.setattr(PauliHamiltonian, "from_terms", classmethod(spy))
    for vertex in (64, 10_000_000, 10**30):
        raw = _raw()
        raw["hamiltonian"] = {"kind": "ising", "edges": [[0, vertex, 1.0]]}
        (line,) = _problems(raw)
        assert line.startswith("hamiltonian.edges")
        raw["hamiltonian"] = {"kind": "ising", "edges": [[0, 1, 1.0]], "fields": {vertex: 1.0}}
        assert _problems(raw)
    assert sized == []


@pytest.mark.parametrize(
    ("section", "key", "value", "line"),
    [
        ("run", "seed", 2**53 + 1, "run.seed: must be at most 2^53 - 1 = 9007199254740991"),
        ("checkpoint", "every", 2**60, "checkpoint.every: must be at most 2^53 - 1"),
        ("spiking", "dt_ms", 1e-9, "spiking.dt_ms: must be >= 0.001"),
        ("spiking", "tick_ms", 1e6, "spiking.tick_ms: must be 1 to 100000 steps of dt_ms"),
        ("spiking", "tick_ms", 1e12, "spiking.tick_ms: must be at most 1e+09 in magnitude"),
        ("spiking", "tau_m_ms", 1e-300, "spiking.tau_m_ms: must be >= 0.001"),
        ("pci", "alpha", 1e300, "pci.alpha: must be at most 1e+09 in magnitude"),
    ],
)
def test_values_that_cannot_run_are_refused(
    section: str, key: str, value: Any, line: str
) -> None:
    raw = _raw()
    raw.setdefault(section, {})[key] = value
    (problem,) = _problems(raw)
    assert problem.startswith(line)


def test_the_amplitude_mapping_may_not_ask_for_more_than_a_million_neurons() -> None:
    raw = _raw()
    raw["hamiltonian"] = {"kind": "tfim", "n_qubits": 21}
    raw["safety"] = {"max_qubits": 30}
    raw["quantum"] = {"kind": "aer", "aer": {"method": "statevector"}}
    raw["spiking"].pop("neurons")
    raw["pci"]["mapping"] = "amplitude"
    assert "pci.mapping: 'amplitude' needs 2^21 neurons" in _problems(raw)[0]


def test_the_largest_seed_runs(tmp_path: Path) -> None:
    cfg = load_config(SMALL, {"run.seed": 2**53 - 1, "run.ticks": 1})
    assert execute(cfg, tmp_path / "run", draw_report=False).status == "completed"


@pytest.mark.parametrize("where", ["proc", "file"])
def test_an_out_that_cannot_be_created_is_refused_before_any_backend(
    tmp_path: Path, where: str
) -> None:
    if where == "proc":
        out = Path("/proc/qnf-issue-16/run")
    else:
        (tmp_path / "a-file").write_text("")
        out = tmp_path / "a-file" / "run"
    result = runner.invoke(app, ["run", str(SMALL), "--out", str(out), "--no-report"])
    assert result.exit_code == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"run.out: cannot create {out}: ")
    assert "building backends" not in result.output


def test_an_out_climbing_above_the_root_runs_and_a_failed_start_leaves_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    climbing = "../" * 64 + str(tmp_path).lstrip("/") + "/climbing"
    result = runner.invoke(app, ["run", str(SMALL), "-n", "1", "--out", climbing, "--no-report"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "climbing" / "summary.json").is_file()

    monkeypatch.setenv("QNF_DISK_FULL_AT", "0")  # the genesis block cannot be written
    again = "../" * 64 + str(tmp_path).lstrip("/") + "/refused"
    result = runner.invoke(app, ["run", str(SMALL), "-n", "1", "--out", again, "--no-report"])
    assert result.exit_code == 4
    assert result.stderr.strip().splitlines()[-1].endswith(
        "No space left on device (ENOSPC); nothing was kept (the run had not started)"
    )
    assert not (tmp_path / "refused").exists()  # a rerun is not blocked by a half directory
