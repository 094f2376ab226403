"""Config model of the ``qiskit`` quantum backend (any Qiskit provider) and its plugin. No SDK.

The provider is named by import path, a string (``module:attribute``), so that validation never
imports it: ``check_run()`` only checks that the module's top-level package is installed, and
says what to install when it is not. The backend imports it when a run builds it:

    backend: qiskit_braket_provider:BraketLocalBackend      -> BraketLocalBackend(**args)
    backend: qiskit_ionq:IonQProvider, get_backend: ionq_simulator
                                                             -> IonQProvider(**args)
                                                                  .get_backend("ionq_simulator")
    backend: iqm.qiskit_iqm:IQMProvider, args: {url: ...}, get_backend: null
                                                             -> IQMProvider(url).get_backend()
    sampler: qiskit_braket_provider:BraketSampler           -> BraketSampler(backend=that)

Seeds. A tick's samples reproduce from its seed only where the provider takes one
(``seed_option``: the keyword of ``BackendV2.run`` that carries it, e.g. ``seed_simulator`` for
Aer and qiskit's ``BasicSimulator``). Devices, and simulators without one (Braket's local
simulator samples from an unseeded numpy generator), declare ``seeded: false``: their runs are
valid but not reproducible, and a resume that has to replay ticks cannot check them bit for bit.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from typing import Any, Literal

from pydantic import Field, field_validator

from orchestrator.contract.backend_config import QuantumBackendConfig, QuantumCapabilities
from orchestrator.contract.registry import BackendPlugin, ConformanceCase
from orchestrator.contract.strict import StrictModel

__all__ = ["KNOWN_PROVIDERS", "QISKIT_PLUGIN", "QiskitConfig", "QiskitOptions", "providers_status"]

# top-level module -> (distribution, what to install)
KNOWN_PROVIDERS: dict[str, tuple[str, str]] = {
    "qiskit_braket_provider": (
        "qiskit-braket-provider",
        "pip install 'qnfusion[braket]' (qiskit-braket-provider and amazon-braket-sdk; "
        "or uv sync --extra braket)",
    ),
    "qiskit_ionq": ("qiskit-ionq", "pip install qiskit-ionq (IonQ; an IonQ API key)"),
    "iqm": ("iqm-client", "pip install 'iqm-client[qiskit]' (IQM's Qiskit adapter)"),
    "qiskit_aer": ("qiskit-aer", "uv sync (qiskit-aer is a core dependency of qnfusion)"),
    "qiskit": ("qiskit", "uv sync (qiskit is a core dependency of qnfusion)"),
}

_IMPORT_PATH = re.compile(r"^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$")


def _install_hint(module: str) -> str:
    top = module.split(".")[0]
    if top in KNOWN_PROVIDERS:
        return KNOWN_PROVIDERS[top][1]
    return f"install the package that provides the module {top}"


def missing_module(path: str) -> str | None:
    """One line when the top-level package of ``module:attribute`` is not installed, else None.
    (``find_spec`` of a top-level name imports nothing.)"""
    top = path.partition(":")[0].split(".")[0]
    if importlib.util.find_spec(top) is None:
        return f"cannot import {top}: {_install_hint(top)}"
    return None


def providers_status() -> str:
    """One line for ``qnf backends``: which known providers are installed (SDK-free)."""
    found, absent = [], []
    for top, (distribution, _) in KNOWN_PROVIDERS.items():
        if top in ("qiskit", "qiskit_aer"):
            continue
        try:
            found.append(f"{distribution} {importlib.metadata.version(distribution)}")
        except importlib.metadata.PackageNotFoundError:
            absent.append(distribution)
    line = "providers installed: " + (", ".join(found) or "none")
    return line + (f"; not installed: {', '.join(absent)}" if absent else "")


def _import_path(value: str | None) -> str | None:
    if value is not None and not _IMPORT_PATH.match(value):
        raise ValueError(f"must be module:attribute (e.g. qiskit_aer:AerSimulator), got {value!r}")
    return value


class QiskitOptions(StrictModel):
    """Options only the ``qiskit`` backend understands (``quantum.qiskit``)."""

    backend: str = Field(
        description=(
            "Import path module:attribute of a Qiskit BackendV2 class or factory, or of a "
            "provider with `get_backend` (e.g. qiskit_braket_provider:BraketLocalBackend)."
        ),
    )
    args: dict[str, Any] = Field(
        default_factory=dict,
        description="Keyword arguments of that class or factory (e.g. {name: braket_dm}).",
    )
    get_backend: str | None = Field(
        None,
        description=(
            "The import path names a provider: call its get_backend(this name) (an empty "
            "string calls get_backend() with no name)."
        ),
    )
    sampler: str | None = Field(
        None,
        description=(
            "Import path of a SamplerV2 class built as Class(backend=the backend): run the "
            "circuits through it instead of BackendV2.run (e.g. "
            "qiskit_braket_provider:BraketSampler)."
        ),
    )
    optimization_level: int = Field(
        1, ge=0, le=3, description="Transpiler optimization level for the backend's target."
    )
    seed_option: str | None = Field(
        None,
        description=(
            "Keyword of BackendV2.run that takes the tick's sampling seed (e.g. "
            "seed_simulator); none: the provider samples unseeded (runs do not reproduce)."
        ),
    )
    qubits: int | None = Field(
        None,
        gt=0,
        description="The device's qubit count, for validation to check (default: unchecked "
        "until the backend is built).",
    )
    hardware: bool = Field(
        False, description="It runs on a real QPU (it costs; results carry device noise)."
    )

    @field_validator("backend", "sampler")
    @classmethod
    def _path(cls, value: str | None) -> str | None:
        return _import_path(value)

    @field_validator("seed_option")
    @classmethod
    def _keyword(cls, value: str | None) -> str | None:
        if value is not None and not value.isidentifier():
            raise ValueError(f"must be a keyword argument name, got {value!r}")
        if value is not None and value == "shots":
            raise ValueError("shots is set by quantum.shots")
        return value


class QiskitConfig(QuantumBackendConfig):
    """Any Qiskit provider's BackendV2 (or a SamplerV2 on it), named by import path."""

    kind: Literal["qiskit"] = Field(description="Any Qiskit BackendV2 / SamplerV2.")
    qiskit: QiskitOptions = Field(description="Which provider, and how to call it.")

    def capabilities(self) -> QuantumCapabilities:
        options = self.qiskit
        return QuantumCapabilities(
            statevector=False,
            max_qubits=options.qubits,
            hardware=options.hardware,
            noisy=options.hardware,
            trainable=True,
            seeded=options.seed_option is not None and options.sampler is None,
        )

    def check_run(self, n_qubits: int, n_circuits: int, ticks: int) -> list[str]:
        """A provider that is not installed (what to install), a seed a sampler cannot take.
        Imports nothing of the provider (``qubits`` is checked with the other capabilities)."""
        out = []
        for field in ("backend", "sampler"):
            path = getattr(self.qiskit, field)
            line = None if path is None else missing_module(path)
            if line is not None:
                out.append(f"quantum.qiskit.{field}: {line}")
        if self.qiskit.sampler is not None and self.qiskit.seed_option is not None:
            out.append(
                "quantum.qiskit.seed_option: a seed goes to BackendV2.run; with qiskit.sampler "
                "the sampler's own options decide (set seed_option: null)"
            )
        return out


QISKIT_PLUGIN = BackendPlugin(
    layer="quantum",
    kind="qiskit",
    config=QiskitConfig,
    implementation="backends.quantum.qiskit.backend:QiskitBackend",
    requires=("qiskit",),
    install="uv sync (qiskit is a core dependency; each provider is its own package)",
    distribution="qiskit",
    summary=(
        "any Qiskit BackendV2 or SamplerV2 by import path (Braket: extra braket; IonQ, IQM: "
        "their providers), transpiled once for its target, one job a tick"
    ),
    probe="backends.quantum.qiskit.config:providers_status",
    conformance={
        # Braket's local simulator where the extra is installed (the dev environment has it);
        # qiskit's own BasicSimulator (a core dependency) everywhere, with its seed.
        **(
            {
                "braket-local": ConformanceCase(
                    {"qiskit": {"backend": "qiskit_braket_provider:BraketLocalBackend"}}
                ),
                "braket-local-sampler": ConformanceCase(
                    {
                        "qiskit": {
                            "backend": "qiskit_braket_provider:BraketLocalBackend",
                            "sampler": "qiskit_braket_provider:BraketSampler",
                        }
                    }
                ),
            }
            if importlib.util.find_spec("qiskit_braket_provider") is not None
            else {}
        ),
        "basic-simulator-seeded": ConformanceCase(
            {
                "qiskit": {
                    "backend": "qiskit.providers.basic_provider:BasicSimulator",
                    "seed_option": "seed_simulator",
                }
            }
        ),
    },
)
