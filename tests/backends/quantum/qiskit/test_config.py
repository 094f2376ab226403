"""The qiskit config: import paths as strings, checked without importing the provider; one line
per problem naming what to install; capabilities as data; the Braket demo by `kind` + block."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import yaml

from backends.quantum.qiskit.config import QISKIT_PLUGIN, QiskitConfig, providers_status
from orchestrator.config import ConfigError, validate_config
from tests.paths import CONFIGS, ROOT


def problems(raw: dict[str, Any]) -> list[str]:
    try:
        validate_config(raw)
    except ConfigError as exc:
        return exc.problems
    return []


def demo(name: str) -> dict[str, Any]:
    return yaml.safe_load((CONFIGS / name).read_text())


def with_qiskit(**options: Any) -> dict[str, Any]:
    raw = demo("demo_braket.yaml")
    raw["quantum"]["qiskit"] = options
    return raw


def test_demo_braket_is_the_demo_with_kind_qiskit_and_its_block() -> None:
    base, braket = demo("demo.yaml"), demo("demo_braket.yaml")
    assert braket["quantum"]["kind"] == "qiskit"
    assert braket["quantum"]["qiskit"]["backend"] == "qiskit_braket_provider:BraketLocalBackend"
    for key in ("kind", "qiskit", "aer"):
        base["quantum"].pop(key, None)
        braket["quantum"].pop(key, None)
    assert base == braket
    cfg = validate_config(demo("demo_braket.yaml"))
    assert not cfg.quantum.capabilities().seeded  # Braket's local simulator takes no seed


def test_validation_imports_no_provider() -> None:
    """The config names the provider as a string: validating it imports nothing of it."""
    code = (
        "import sys, yaml\n"
        "from orchestrator.config import validate_config\n"
        f"validate_config(yaml.safe_load(open({str(CONFIGS / 'demo_braket.yaml')!r})))\n"
        "print([m for m in ('qiskit_braket_provider', 'braket', 'qiskit') if m in sys.modules])"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"backend": "iqm.qiskit_iqm:IQMProvider", "get_backend": ""},
            "quantum.qiskit.backend: cannot import iqm: pip install 'iqm-client[qiskit]'",
        ),
        (
            {"backend": "no_such_provider:Device"},
            "quantum.qiskit.backend: cannot import no_such_provider: install the package that "
            "provides the module no_such_provider",
        ),
        (
            {"backend": "qiskit_braket_provider.BraketLocalBackend"},
            "quantum.qiskit.backend: must be module:attribute",
        ),
        (
            {"backend": "qiskit.providers.basic_provider:BasicSimulator", "seed_option": "a b"},
            "quantum.qiskit.seed_option: must be a keyword argument name",
        ),
    ],
)
def test_each_problem_is_one_line_naming_the_field(options: dict, expected: str) -> None:
    (line,) = problems(with_qiskit(**options))
    assert line.startswith(expected)


def test_a_seed_with_a_sampler_is_refused() -> None:
    (line,) = problems(
        with_qiskit(
            backend="qiskit.providers.basic_provider:BasicSimulator",
            sampler="qiskit.primitives:BackendSamplerV2",
            seed_option="seed_simulator",
        )
    )
    assert line.startswith("quantum.qiskit.seed_option: a seed goes to BackendV2.run")


def test_capabilities_are_data() -> None:
    def caps(**options: Any) -> Any:
        return QiskitConfig.model_validate({"kind": "qiskit", "qiskit": options}).capabilities()

    basic = caps(backend="qiskit.providers.basic_provider:BasicSimulator")
    assert not basic.statevector and basic.trainable and not basic.seeded
    assert caps(backend="m:B", seed_option="seed_simulator").seeded
    device = caps(backend="qiskit_ionq:IonQProvider", get_backend="qpu.aria-1", qubits=25,
                  hardware=True)
    assert device.hardware and device.noisy and device.max_qubits == 25


def test_the_suite_runs_braket_where_the_extra_is_installed() -> None:
    assert {"braket-local", "braket-local-sampler", "basic-simulator-seeded"} <= set(
        QISKIT_PLUGIN.conformance
    )
    assert "qiskit-braket-provider 0.10" in providers_status()


def test_qnf_backends_lists_qiskit_with_what_to_install() -> None:
    from typer.testing import CliRunner

    from orchestrator.cli import app

    result = CliRunner().invoke(app, ["backends", "--json"])
    assert result.exit_code == 0
    (row,) = [r for r in json.loads(result.stdout) if r["kind"] == "qiskit"]
    assert row["layer"] == "quantum" and row["installed"]
    assert "extra braket" in row["summary"] and "providers installed" in row["hardware"]
