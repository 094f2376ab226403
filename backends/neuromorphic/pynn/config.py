"""Config model of the PyNN backend, its plugin, and the SDK-free SpiNNaker probe. No SDK import.

A Brian2 config runs on PyNN by changing ``spiking.kind`` to ``pynn``: the network description is
the shared ``SpikingBackendConfig``; the simulator and its options live under ``spiking.pynn``
(all defaulted, ``simulator: nest``). What runs where:

    simulator: nest        NEST from its PyPI wheel (``qnfusion[pynn]``), a worker process per
                           network; exact integration, spike for spike equal to Brian2
    simulator: spinnaker   sPyNNaker on a SpiNNaker board the user configured
                           (~/.spynnaker.cfg); the same network through PyNN's API only

What the backend refuses (``problems``): STDP (NEST's ``stdp_synapse`` and sPyNNaker's are other
rules: weights change at the next presynaptic spike and the updated weight is the one delivered;
not mapped to spec §3.2's pair rule), ``noise`` and ``v_init`` (issue 21: not mapped), and a
simulator whose package is not installed. It declares no ``snapshot`` (NEST does not expose a
neuron's refractory counter or the spikes in flight, so its state cannot be restored exactly):
a run on it keeps no checkpoints and cannot be resumed or rolled back, and says so when it
starts.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from typing import Literal

from pydantic import Field

from orchestrator.contract.backend_config import SpikingBackendConfig, SpikingCapabilities
from orchestrator.contract.registry import BackendPlugin, ConformanceCase
from orchestrator.contract.strict import StrictModel

__all__ = [
    "PYNN_PLUGIN",
    "SIMULATORS",
    "PynnConfig",
    "PynnOptions",
    "Simulator",
    "spinnaker_status",
]

Simulator = Literal["nest", "spinnaker"]

# simulator -> (module PyNN imports it from, top-level module that must be importable,
#               what to install when it is not)
SIMULATORS: dict[str, tuple[str, str, str]] = {
    "nest": (
        "pyNN.nest",
        "nest",
        "nest-simulator (pip install 'qnfusion[pynn]', or uv sync --extra pynn)",
    ),
    "spinnaker": (
        "pyNN.spiNNaker",
        "spynnaker",
        "sPyNNaker (pip install sPyNNaker) and a SpiNNaker board configured in ~/.spynnaker.cfg "
        "(https://spinnakermanchester.github.io/)",
    ),
}

SPINNAKER_HOWTO = SIMULATORS["spinnaker"][2]


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def spinnaker_status() -> str:
    """One line for ``qnf backends``: can SpiNNaker be used from here? (SDK-free, no network.)"""
    try:
        version = importlib.metadata.version("sPyNNaker")
    except importlib.metadata.PackageNotFoundError:
        return f"SpiNNaker: not reachable (needs {SPINNAKER_HOWTO}); simulator: nest runs here"
    return f"SpiNNaker: sPyNNaker {version} installed; the board is contacted only by a run"


class PynnOptions(StrictModel):
    """Options only the PyNN backend understands (``spiking.pynn``)."""

    simulator: Simulator = Field(
        "nest",
        description=(
            "nest: NEST (pip install 'qnfusion[pynn]'); spinnaker: a SpiNNaker board through "
            "sPyNNaker (install and configure it yourself)."
        ),
    )
    threads: int = Field(
        1,
        ge=1,
        le=256,
        description="NEST: threads of the simulation kernel (local_num_threads).",
    )
    neurons_per_core: int | None = Field(
        None,
        ge=1,
        description="SpiNNaker: neurons per ARM core (sPyNNaker's default when absent).",
    )
    time_scale_factor: int | None = Field(
        None,
        ge=1,
        description=(
            "SpiNNaker: slow the board down by this factor against real time (sPyNNaker's "
            "default when absent; dt_ms below 1 ms needs 1 / dt_ms or more)."
        ),
    )
    start_timeout_s: float = Field(
        600.0,
        gt=0,
        description=(
            "How long building the network may take (the simulator's start, the "
            "connections; on SpiNNaker the board's allocation and loading) before the run "
            "gives up."
        ),
    )


class PynnConfig(SpikingBackendConfig):
    """The §3.2 network as PyNN's IF_curr_delta cells on NEST or a SpiNNaker board."""

    kind: Literal["pynn"] = Field(description="PyNN: NEST, or SpiNNaker through sPyNNaker.")
    pynn: PynnOptions = Field(default_factory=PynnOptions, description="PyNN-only options.")

    def capabilities(self) -> SpikingCapabilities:
        """No snapshot (see the module docstring), static weights read back, no STDP; a
        SpiNNaker board is hardware."""
        return SpikingCapabilities(
            snapshot=False,
            weights=True,
            plasticity=False,
            hardware=self.pynn.simulator == "spinnaker",
        )

    def problems(self) -> list[str]:
        out: list[str] = []
        if self.stdp.enabled:
            out.append(
                "stdp.enabled: the pynn backend runs static synapses only (NEST's and "
                "sPyNNaker's STDP synapses are other rules: the weight changes at the next "
                "presynaptic spike and the changed weight is delivered); set stdp.enabled: "
                "false, or use kind: brian2 or lava"
            )
        if self.noise is not None:
            out.append(
                "noise: the pynn backend has no noise current (NEST's noise generators draw "
                "from NEST's own streams, not the seeded per-step stream every other backend "
                "draws, design §19); leave noise out, or use kind: brian2 or lava"
            )
        if self.v_init is not None:
            out.append(
                "v_init: the pynn backend starts every neuron at rest (0 mV); leave v_init "
                "out, or use kind: brian2 or lava"
            )
        _, module, install = SIMULATORS[self.pynn.simulator]
        if not _installed(module):
            out.append(f"pynn.simulator: {self.pynn.simulator} needs {install}")
        return out


PYNN_PLUGIN = BackendPlugin(
    layer="spiking",
    kind="pynn",
    config=PynnConfig,
    implementation="backends.neuromorphic.pynn.backend:PynnBackend",
    requires=("pyNN",),
    install="pip install 'qnfusion[pynn]' (PyNN and NEST; or uv sync --extra pynn)",
    distribution="PyNN",
    summary=(
        "PyNN IF_curr_delta network, built once in a worker process, stepped tick by tick: "
        "NEST (extra: pynn), or SpiNNaker with sPyNNaker and your board"
    ),
    probe="backends.neuromorphic.pynn.config:spinnaker_status",
    conformance={
        "pynn-nest": ConformanceCase(
            {"pynn": {"simulator": "nest"}},
            refuses={
                "stdp": "stdp.enabled: the pynn backend runs static synapses only",
                "noise": "noise: the pynn backend has no noise current",
            },
        ),
    },
)
