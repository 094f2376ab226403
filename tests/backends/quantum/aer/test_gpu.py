"""``quantum.aer.device`` (design §30): the option, its place in the stored config, and the
refusal on a machine whose Aer has no GPU device. This machine has none (Aer's CPU build, no
CUDA): the refusals below are the real ones, not a stand-in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml
from qiskit_aer import AerSimulator

from backends.quantum.aer import gpu
from backends.quantum.aer.backend import AerBackend
from backends.quantum.aer.config import AerConfig
from orchestrator.config.errors import ConfigError
from orchestrator.config.root import load_config
from orchestrator.contract.quantum import QuantumProgram
from tests.backends.quantum.aer.test_backend import tfim
from tests.paths import ROOT

SMALL = ROOT / "tests" / "assets" / "small.yaml"

pytestmark = pytest.mark.skipif(
    "GPU" in AerSimulator().available_devices(), reason="this machine's Aer has a GPU device"
)


def make(n: int = 3, **aer: str) -> AerBackend:
    program = QuantumProgram(tfim(n), 1.0, 2, 2, True, ())
    return AerBackend(AerConfig(kind="aer", aer=aer), program)


def _config(tmp_path: Path, aer: dict | None) -> Path:
    data = yaml.safe_load(SMALL.read_text())
    if aer is not None:
        data["quantum"]["aer"] = aer
    path = tmp_path / "gpu.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_device_defaults_to_cpu_and_is_left_out_of_the_stored_config(tmp_path: Path) -> None:
    plain = load_config(_config(tmp_path, None))
    cpu = load_config(_config(tmp_path, {"device": "CPU"}))
    on_gpu = load_config(_config(tmp_path, {"device": "GPU", "method": "statevector"}))
    assert plain.quantum.aer.device == "CPU"
    assert "device" not in plain.resolved()["quantum"].get("aer", {})
    assert cpu.config_hash() == plain.config_hash()  # no stored hash moves
    assert on_gpu.resolved()["quantum"]["aer"]["device"] == "GPU"
    assert on_gpu.config_hash() != plain.config_hash()


def test_gpu_with_matrix_product_state_is_refused_by_validation() -> None:
    with pytest.raises(ValueError, match="matrix_product_state"):
        AerConfig(kind="aer", aer={"method": "matrix_product_state", "device": "GPU"})


def test_gpu_raises_the_qubit_limit_and_counts_one_host_copy() -> None:
    cpu = AerConfig(kind="aer", aer={"method": "statevector"})
    on_gpu = AerConfig(kind="aer", aer={"method": "statevector", "device": "GPU"})
    assert cpu.capabilities().max_qubits == 30 and on_gpu.capabilities().max_qubits == 33
    assert on_gpu.state_bytes(32) == 16 * 2**32 < cpu.state_bytes(32)


def test_check_names_the_cpu_build_here() -> None:
    """qiskit-aer (the CPU build) is what the lock installs: the line says so."""
    assert gpu.aer_build().startswith("qiskit-aer ")
    with pytest.raises(ConfigError) as caught:
        gpu.check_aer_gpu()
    (line,) = caught.value.problems
    assert line.startswith("quantum.aer.device: GPU, but the installed Aer is its CPU build")
    assert "qiskit-aer-gpu" in line


def test_cupy_missing_or_without_a_device_is_one_line() -> None:
    with pytest.raises(ConfigError) as caught:
        gpu.cupy_module()
    (line,) = caught.value.problems
    assert line.startswith("quantum.aer.device: GPU")


def test_backend_refuses_before_transpiling(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("transpiled before the device check")

    monkeypatch.setattr("backends.quantum.common.trotter.transpile_once", never)
    with pytest.raises(ConfigError, match=r"quantum\.aer\.device"):
        make(method="statevector", device="GPU")


def test_cpu_backend_keeps_the_loop_estimator_and_its_identity() -> None:
    backend = make(method="statevector")
    assert backend.statevector_estimator(backend.program.hamiltonian) is None
    assert "device" not in backend.identity()


def test_qnf_run_on_gpu_here_exits_2_in_one_line_and_writes_nothing(tmp_path: Path) -> None:
    config = _config(tmp_path, {"device": "GPU", "method": "statevector"})
    out = tmp_path / "run"
    proc = subprocess.run(
        [sys.executable, "-m", "orchestrator.cli", "run", str(config), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = [line for line in proc.stderr.splitlines() if line.startswith("quantum.aer.device")]
    assert len(lines) == 1 and "CPU build" in lines[0], proc.stderr
    assert not out.exists()


def test_the_loop_estimates_with_the_backends_estimator_numpy_standing_in_for_cupy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hook end to end: the loop takes the backend's estimator when it offers one. A GPU
    cannot be reached here, so the device estimator gets numpy as its namespace (the same
    code a card runs with cupy); its first tick must match the CPU estimator's to 1e-12."""
    from orchestrator.run.assemble import open_backends
    from orchestrator.run.loop import FusionLoop

    cfg = load_config(_config(tmp_path, {"method": "statevector"}))

    def first_tick() -> tuple[object, object]:
        backends = open_backends(cfg)
        loop = FusionLoop(cfg, backends.quantum, backends.spiking, backends.rules)
        try:
            return loop._exact, loop.step().quantum
        finally:
            loop.close()

    cpu_estimator, cpu = first_tick()
    monkeypatch.setattr(
        AerBackend,
        "statevector_estimator",
        lambda self, h: gpu.DeviceEstimator(h, np),
    )
    device_estimator, on_device = first_tick()
    assert type(cpu_estimator).__name__ == "StatevectorEstimator"
    assert isinstance(device_estimator, gpu.DeviceEstimator)
    assert on_device.fusion_energy == pytest.approx(cpu.fusion_energy, rel=1e-12, abs=1e-12)
    assert abs(on_device.bloch - cpu.bloch).max() <= 1e-12
    assert on_device.entropy.used == pytest.approx(cpu.entropy.used, rel=1e-12)


def test_gpu_build_without_a_gpu_names_the_driver_mocked_distribution(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The other line: Aer's GPU build installed but no CUDA GPU. Nothing here has the GPU
    build, so its distribution's metadata is faked (Aer itself, asked for its devices, is
    real and answers CPU only, as a GPU build on a machine without a GPU does)."""
    import importlib.metadata

    real = importlib.metadata.version

    def version(name: str) -> str:
        return "0.15.1" if name == "qiskit-aer-gpu" else real(name)

    monkeypatch.setattr(importlib.metadata, "version", version)
    assert gpu.aer_build() == "qiskit-aer-gpu 0.15.1"
    with pytest.raises(ConfigError) as caught:
        gpu.check_aer_gpu()
    (line,) = caught.value.problems
    assert "GPU build (qiskit-aer-gpu 0.15.1) sees no CUDA GPU" in line
    assert "nvidia-smi" in line and "device: CPU" in line
