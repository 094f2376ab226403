"""Config validation: one ``field: message`` line per problem, exit code 2, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import ConfigError, load_config, validate_config
from tests.paths import ASSETS, CONFIGS, ROOT

BAD = sorted((ASSETS / "bad").glob("*.yaml"))


def _expected(path: Path) -> str:
    first = path.read_text().splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} lacks its '# expect:' line"
    return first.removeprefix("# expect: ")


def test_there_are_at_least_ten_bad_configs() -> None:
    assert len(BAD) >= 10


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_config_gives_field_message_exit_2_and_no_run_dir(path: Path, tmp_path: Path) -> None:
    out = tmp_path / "run"
    result = CliRunner().invoke(app, ["run", str(path), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert _expected(path) in result.stderr
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert not out.exists()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("path", BAD[:3], ids=[p.stem for p in BAD[:3]])
def test_validate_command_refuses_the_same(path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 2
    assert _expected(path) in result.stderr


def test_console_script_prints_no_traceback(tmp_path: Path) -> None:
    """Through the real entry point and interpreter, not the test runner."""
    path = ASSETS / "bad" / "negative_shots.yaml"
    proc = subprocess.run(
        [sys.executable, "-m", "orchestrator.cli", "run", str(path), "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip() == "quantum.shots: must be > 0"
    assert "Traceback" not in proc.stderr + proc.stdout
    assert not (tmp_path / "r").exists()


def test_every_problem_is_reported_at_once() -> None:
    raw = {
        "hamiltonian": {"kind": "tfim", "n_qubits": 3},
        "quantum": {"kind": "aer", "shots": 0, "aer": {"method": "mps"}},
        "spiking": {"kind": "brian2", "tau_m_ms": -1},
        "run": {"ticks": 0},
    }
    with pytest.raises(ConfigError) as info:
        validate_config(raw)
    assert info.value.problems == [
        "quantum.shots: must be > 0",
        "quantum.aer.method: must be 'automatic', 'statevector' or 'matrix_product_state' "
        "(got 'mps')",
        "spiking.tau_m_ms: must be >= 0.001",
        "run.ticks: must be > 0",
    ]


def test_cli_overrides_are_validated_like_the_file(small_config: Path, tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app, ["run", str(small_config), "--ticks", "0", "--out", str(tmp_path / "r")]
    )
    assert result.exit_code == 2
    assert "run.ticks: must be > 0" in result.stderr
    assert not (tmp_path / "r").exists()


SCALAR_RUN = """\
hamiltonian: {kind: tfim, n_qubits: 3, j: 1.0, h: 0.8}
quantum: {kind: aer, shots: -5}
spiking: {kind: brian2, neurons: 6, tick_ms: 5.0}
pci: {alpha: 40.0, bogus: 1}
run: 5
"""


@pytest.mark.parametrize(
    "args",
    [
        ["run", "--ticks", "0"],
        ["submit", "--seed", "1", "--no-worker"],
        ["sweep", "--over", "run.ticks=2,3"],
    ],
    ids=["run", "submit", "sweep"],
)
def test_a_scalar_section_hides_no_other_problem_and_no_override(
    args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """U1 (issue 27): `run: 5` with a command-line override listed only `run`'s problem."""
    monkeypatch.setenv("QNF_HOME", str(tmp_path / "home"))
    config = tmp_path / "scalar_run.yaml"
    config.write_text(SCALAR_RUN)
    command, *options = args
    result = CliRunner().invoke(app, [command, str(config), *options, "--out", str(tmp_path / "r")])
    assert result.exit_code == 2, result.output
    lines = [line.removesuffix(" (every point)") for line in result.stderr.strip().splitlines()]
    assert "quantum.shots: must be > 0" in lines
    assert "pci.bogus: unknown key" in lines
    assert "run: must be a mapping of keys (got 5)" in lines
    if command == "run":
        assert "run.ticks: must be > 0" in lines  # the override's own problem, too
    assert not (tmp_path / "r").exists() and "Traceback" not in result.output


def test_a_config_that_is_not_a_mapping_still_checks_the_overrides() -> None:
    from orchestrator.config.root import load_config_text

    with pytest.raises(ConfigError) as info:
        load_config_text("- 1\n- 2\n", "list.yaml", {"run.ticks": 0, "run.seed": 4})
    assert info.value.problems == [
        "config: must be a mapping of sections (hamiltonian, quantum, spiking, ...)",
        "run.ticks: must be > 0",
    ]


def test_existing_run_dir_is_refused_before_any_backend(small_config: Path, tmp_path: Path):
    (tmp_path / "taken").mkdir()
    result = CliRunner().invoke(app, ["run", str(small_config), "--out", str(tmp_path / "taken")])
    assert result.exit_code == 2
    assert "run.out:" in result.stderr and "already exists" in result.stderr


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "nope.yaml")


def test_overrides_and_defaults(small_config: Path) -> None:
    cfg = load_config(small_config, {"run.ticks": 9, "run.seed": 11})
    assert (cfg.run.ticks, cfg.run.seed) == (9, 11)
    assert cfg.n_neurons() == 6
    assert cfg.trotter.order == 2 and cfg.pci.mapping == "qubit"


def test_resolved_config_round_trips(small_config: Path) -> None:
    cfg = load_config(small_config)
    again = validate_config(cfg.resolved())
    assert again == cfg
    assert again.config_hash() == cfg.config_hash()


def test_config_hash_ignores_the_output_directory(small_config: Path) -> None:
    a = load_config(small_config, {"run.out": "/tmp/a"})
    b = load_config(small_config, {"run.out": "/tmp/b"})
    c = load_config(small_config, {"run.seed": 99})
    assert a.config_hash() == b.config_hash() != c.config_hash()


def test_neurons_default_to_what_the_mapping_needs() -> None:
    base = {"hamiltonian": {"kind": "tfim", "n_qubits": 3}, "spiking": {"kind": "brian2"}}
    qubit = validate_config({**base, "quantum": {"kind": "aer"}})
    amp = validate_config(
        {
            **base,
            "quantum": {"kind": "aer", "aer": {"method": "statevector"}},
            "pci": {"mapping": "amplitude"},
        }
    )
    assert (qubit.n_neurons(), amp.n_neurons()) == (3, 8)


def test_config_models_document_every_field() -> None:
    from orchestrator.config.root import run_config_model

    seen: set[type] = set()

    def walk(model: type) -> None:
        if model in seen:
            return
        seen.add(model)
        for name, field in model.model_fields.items():
            assert field.description, f"{model.__name__}.{name} has no description"
            for sub in _models_in(field.annotation):
                walk(sub)

    walk(run_config_model())
    assert len(seen) > 10


def _models_in(annotation: object) -> list[type]:
    import typing

    from pydantic import BaseModel

    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    return [m for a in typing.get_args(annotation) for m in _models_in(a)]


def test_configuration_reference_is_current() -> None:
    """docs/configuration.md is generated from the models; regenerate it when they change."""
    from orchestrator.config.reference import render

    doc = ROOT / "docs" / "configuration.md"
    assert doc.read_text() == render(), (
        "run: python -m orchestrator.config.reference > docs/configuration.md"
    )


def test_demo_config_is_valid() -> None:
    cfg = load_config(CONFIGS / "demo.yaml")
    assert cfg.build_hamiltonian().n_qubits == 8 and cfg.quantum.kind == "aer"
    assert cfg.spiking.kind == "brian2"


def test_reference_hz_above_the_nyquist_frequency_of_the_spike_grid_is_refused() -> None:
    """dt = 0.1 ms: spikes sit on a 10 kHz grid, Nyquist 5 kHz (allowed, the bound itself)."""
    ok = load_config(CONFIGS / "demo.yaml", {"pci.reference_hz": 5000.0})
    assert ok.pci.reference_hz == 5000.0
    with pytest.raises(ConfigError) as caught:
        load_config(CONFIGS / "demo.yaml", {"pci.reference_hz": 5001.0})
    (line,) = caught.value.problems
    assert line.startswith("pci.reference_hz: 5001 Hz is above the Nyquist frequency")


def test_p_and_k_together_are_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(CONFIGS / "demo.yaml", {"spiking.recurrent": {"p": 0.1, "k": 3}})
    assert caught.value.problems == [
        "spiking.recurrent: give p (a probability) or k (an in-degree), not both"
    ]


def test_neither_p_nor_k_is_refused() -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(CONFIGS / "demo.yaml", {"spiking.recurrent": {"p": None, "weight_mv": 0.5}})
    assert caught.value.problems == [
        "spiking.recurrent: give p (a probability) or k (an in-degree)"
    ]
