"""The ``maxcut`` section (issue 15): per-tick cut decoder, network wired to the graph.

Absent (the default) means neither: the run is exactly what it was without this section.
Present, the task graph is the ``ising`` Hamiltonian's edge list (vertex k = qubit k), and

- ``decode: true`` adds the ``maxcut`` ControlRule (``orchestrator.control.maxcut``): each tick
  it reads the cut of the Z-basis outcomes and of the spike trains, and records the cut of this
  tick and the best so far in the FusionEvent;
- ``edge_weight_mv`` (a number, normally negative) adds synapses along the graph's edges:
  neuron a belongs to vertex a mod n, and for every edge (u, v, w) every neuron of u's group
  projects to every neuron of v's group and back with weight ``w * edge_weight_mv``
  (``orchestrator.tasks.maxcut.wiring``), on top of any random ``spiking.recurrent`` synapses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from pydantic import Field

from orchestrator.contract.strict import StrictModel

if TYPE_CHECKING:
    from orchestrator.config.root import RunConfig

__all__ = ["MaxCutConfig", "maxcut_problems"]


class MaxCutConfig(StrictModel):
    """MaxCut on the Ising Hamiltonian's graph: the per-tick decoder and the graph wiring."""

    decode: bool = Field(
        True,
        description=(
            "Read the best cut of each tick from the Z-basis outcomes and the spikes; the "
            "FusionEvent gets a `maxcut` field (cut of the tick, best so far, its assignment)."
        ),
    )
    top_k: int = Field(
        64,
        ge=1,
        le=65536,
        description=(
            "Statevector runs: how many of the most probable basis states the decoder reads "
            "each tick (shot runs read every outcome that was measured)."
        ),
    )
    optimum: float | None = Field(
        None,
        description=(
            "The graph's known maximum cut (brute force, or a proven bound's attained value); "
            "with it, each tick's `maxcut` field counts the Z-basis shots and the spike "
            "readings whose cut reaches it (`hits_quantum`, `hits_spikes`): the per-shot "
            "probability of the optimum (p_hit) of a study. null: not counted."
        ),
    )
    edge_weight_mv: float | None = Field(
        None,
        description=(
            "Synapses along the graph's edges, mV per unit edge weight (negative: "
            "inhibitory); every neuron of vertex u's group (neuron a is in group a mod n) "
            "to every neuron of v's and back. null: no graph synapses."
        ),
    )


def maxcut_problems(cfg: RunConfig) -> list[str]:
    """Cross-section checks of ``maxcut``: an ising graph, the qubit mapping, no NIR network."""
    mc = cfg.maxcut
    if mc is None:
        return []
    problems: list[str] = []
    if cfg.hamiltonian.kind != "ising":
        problems.append(
            f"maxcut: needs hamiltonian.kind: ising (the graph is its edge list), "
            f"got {cfg.hamiltonian.kind!r}"
        )
    if cfg.pci.mapping != "qubit":
        problems.append(
            "maxcut: needs pci.mapping: qubit (one neuron group per vertex, neuron k in "
            "group k mod n)"
        )
    if mc.edge_weight_mv is not None and cfg.spiking.network is not None:
        problems.append(
            "maxcut.edge_weight_mv: a NIR network (spiking.network) brings its own synapses; "
            "leave one of them out"
        )
    return problems
