"""Config and plugin of the example spiking backend (SDK-free, as every plugin's config must be).

Written from the contract's docstrings, importing one module of the orchestrator
(``orchestrator.backend_api``). A real plugin registers it in its own ``pyproject.toml``::

    [project.entry-points."qnfusion.spiking"]
    numpy_lif = "my_pkg.config:NUMPY_LIF_PLUGIN"

The tests register it the same way, through a distribution's entry points
(``register_for_subprocesses``), and run ``python -m orchestrator.testing.conformance
numpy_lif`` on it (``tests/examples/test_conformance_command.py``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field

from orchestrator.backend_api import (
    BackendPlugin,
    ConformanceCase,
    SpikingBackendConfig,
    SpikingCapabilities,
)

__all__ = ["NUMPY_LIF_PLUGIN", "NumpyLifConfig", "register_for_subprocesses"]

REFUSES = {"stdp": "static synapses only", "noise": "deterministic neurons only"}


class NumpyLifConfig(SpikingBackendConfig):
    """The LIF network of the shared fields, stepped in numpy (an example plugin)."""

    kind: Literal["numpy_lif"] = Field(description="The example numpy LIF backend.")

    def capabilities(self) -> SpikingCapabilities:
        return SpikingCapabilities(snapshot=True, weights=True, plasticity=False)

    def problems(self) -> list[str]:
        lines = []
        if self.stdp.enabled:
            lines.append(f"stdp.enabled: the numpy_lif example runs {REFUSES['stdp']}")
        if self.noise is not None:
            lines.append(f"noise: the numpy_lif example runs {REFUSES['noise']}")
        if self.annealer is not None:
            lines.append("annealer: the numpy_lif example runs LIF networks only")
        return lines


NUMPY_LIF_PLUGIN = BackendPlugin(
    layer="spiking",
    kind="numpy_lif",
    config=NumpyLifConfig,
    implementation="tests.examples.numpy_lif.backend:NumpyLifBackend",
    requires=("numpy",),
    install="pip install numpy",
    distribution="numpy",
    summary="Example plugin: a LIF network with static synapses, stepped in numpy",
    conformance={"default": ConformanceCase(refuses=REFUSES)},
)


def register_for_subprocesses(site: Path, entries: dict[str, str] | None = None) -> Path:
    """Write a distribution's metadata under ``site`` that registers the example plugins (or
    ``entries``: ``{"group": "name = module:OBJECT"}``); a process with ``site`` on its
    PYTHONPATH finds them in its entry points, as it would an installed third-party package."""
    entries = entries or {
        "qnfusion.spiking": "numpy_lif = tests.examples.numpy_lif.config:NUMPY_LIF_PLUGIN",
        "qnfusion.quantum": "numpy_sv = tests.examples.numpy_backend.config:NUMPY_SV_PLUGIN",
    }
    info = site / "qnf_examples-0.dist-info"
    info.mkdir(parents=True, exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: qnf-examples\nVersion: 0\n")
    text = "".join(f"[{group}]\n{line}\n\n" for group, line in entries.items())
    (info / "entry_points.txt").write_text(text)
    return site
