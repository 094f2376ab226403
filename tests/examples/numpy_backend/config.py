"""Config and plugin of the example backend (SDK-free, as every plugin's config module must be).

Written from the contract's docstrings only, importing one module of the orchestrator
(``orchestrator.backend_api``, the plugin author's import), as a third party would: a config
model discriminated on ``kind``, capabilities declared as data, and a ``BackendPlugin`` naming
the implementation. A real plugin registers it in its own ``pyproject.toml``::

    [project.entry-points."qnfusion.quantum"]
    numpy_sv = "my_pkg.config:NUMPY_SV_PLUGIN"

Here the test passes the plugin to the conformance suite directly.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from orchestrator.backend_api import (
    BackendPlugin,
    ConformanceCase,
    QuantumBackendConfig,
    QuantumCapabilities,
)

__all__ = ["NUMPY_SV_PLUGIN", "NumpyStatevectorConfig"]


class NumpyStatevectorConfig(QuantumBackendConfig):
    """An exact statevector simulator in plain numpy (an example plugin)."""

    kind: Literal["numpy_sv"] = Field(description="The example numpy statevector backend.")
    max_qubits: int = Field(16, ge=1, le=24, description="Largest register it accepts.")

    def capabilities(self) -> QuantumCapabilities:
        return QuantumCapabilities(statevector=True, max_qubits=self.max_qubits)


NUMPY_SV_PLUGIN = BackendPlugin(
    layer="quantum",
    kind="numpy_sv",
    config=NumpyStatevectorConfig,
    implementation="tests.examples.numpy_backend.backend:NumpyStatevectorBackend",
    requires=("numpy",),
    install="pip install numpy",
    distribution="numpy",
    summary="Example plugin: exact statevector Trotter evolution and sampling in numpy",
    conformance={"exact": ConformanceCase(), "few-shots": ConformanceCase({"shots": 64})},
)
