"""Aer on the GPU (``quantum.aer.device: GPU``; design §30): the checks made when the backend
opens, and the estimators that read the tick's amplitudes on the card.

The checks run in ``AerBackend.__init__`` before anything is transpiled or run; the run
directory does not exist yet then (``run/assemble.open_backends`` builds the quantum backend
first, ``run/runner.started_run`` makes the directory after), so a refusal leaves nothing
behind. Validation cannot make them: it imports no SDK, and whether Aer has a GPU device is
known only by asking the compiled simulator (``AerSimulator().available_devices()``).

Each refusal is a ``ConfigError`` of one line naming the field, so ``qnf run`` prints it and
exits 2 (no traceback). Two different lines: Aer's CPU build installed (the GPU build is
another distribution, ``qiskit-aer-gpu``, providing the same ``qiskit_aer`` package), or the
GPU build installed but no CUDA GPU visible to it.

Estimators: Aer returns the final state to host memory (``result.get_statevector``: there is
no handle on the simulator's device buffer in its Python API), so the state cannot stay on the
card between Aer and the estimators. ``DeviceEstimator`` copies it to the GPU once per tick
(16 2^n bytes over the host link) and runs ``orchestrator.physics.statevector_xp`` there with
cupy as the array namespace: the same code the tests run with numpy.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from typing import Any, final

import numpy as np

from orchestrator.config.errors import ConfigError
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.statevector import ExactEstimates
from orchestrator.physics.statevector_xp import ArrayEstimator

__all__ = ["GPU_BUILDS", "DeviceEstimator", "aer_build", "check_aer_gpu", "cupy_module"]

GPU_BUILDS = ("qiskit-aer-gpu", "qiskit-aer-gpu-cu11")
"""The distributions of Aer's GPU build (CUDA 12, CUDA 11); each installs ``qiskit_aer``."""

FIELD = "quantum.aer.device"


def aer_build() -> str:
    """``name version`` of the installed distribution that provides ``qiskit_aer``: a GPU
    build where one is installed, else ``qiskit-aer`` (the CPU build)."""
    for name in (*GPU_BUILDS, "qiskit-aer"):
        try:
            return f"{name} {importlib.metadata.version(name)}"
        except importlib.metadata.PackageNotFoundError:
            continue
    return "qiskit-aer (version unknown)"


def check_aer_gpu() -> None:
    """Raise ``ConfigError`` (one line) unless Aer lists a GPU device here."""
    from qiskit_aer import AerSimulator

    devices = tuple(AerSimulator().available_devices())
    if "GPU" in devices:
        return
    build = aer_build()
    if build.startswith("qiskit-aer "):
        raise ConfigError(
            [
                f"{FIELD}: GPU, but the installed Aer is its CPU build ({build}); the GPU "
                "build is the qiskit-aer-gpu distribution, installed in its place (design "
                "§30), or use device: CPU"
            ]
        )
    raise ConfigError(
        [
            f"{FIELD}: GPU, but Aer's GPU build ({build}) sees no CUDA GPU here (its devices: "
            f"{', '.join(devices)}); check nvidia-smi and the CUDA driver (and that qiskit-aer "
            "is not installed beside it), or use device: CPU"
        ]
    )


def cupy_module() -> Any:
    """cupy with a CUDA device, or ``ConfigError`` (one line) saying what is missing."""
    try:
        cupy = importlib.import_module("cupy")
    except ImportError:
        raise ConfigError(
            [
                f"{FIELD}: GPU puts the statevector estimators on the GPU, which needs cupy "
                "(uv sync --extra gpu, or pip install the cupy-cuda12x or cupy-cuda13x that "
                "matches the CUDA driver)"
            ]
        ) from None
    try:
        count = int(cupy.cuda.runtime.getDeviceCount())
    except Exception as exc:  # cupy raises its own CUDARuntimeError without a driver
        count, reason = 0, f" ({type(exc).__name__}: {exc})".replace("\n", " ")
    else:
        reason = ""
    if count < 1:
        raise ConfigError([f"{FIELD}: GPU, but cupy sees no CUDA device{reason}"])
    return cupy


@final
class DeviceEstimator:
    """``ExactEstimates`` of host amplitudes, computed on the GPU: copy in, estimate there."""

    def __init__(self, h: PauliHamiltonian, xp: Any) -> None:
        self.xp = xp
        self.inner = ArrayEstimator(h, xp)

    def estimate(self, statevector: np.ndarray) -> ExactEstimates:
        """Estimates of a host state vector ((2^n,), complex128): one copy to the device."""
        return self.inner.estimate(self.xp.asarray(statevector))
