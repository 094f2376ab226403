"""Cross-section checks of ``spiking.annealer`` (issue 21; design §20) and the sizes validation
reads from it. The section model is ``orchestrator.contract.annealer_config``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestrator.config.root import RunConfig

__all__ = ["annealer_problems", "annealer_synapses", "annealer_variables"]


def annealer_problems(cfg: RunConfig) -> list[str]:
    """Cross-section checks of ``spiking.annealer`` (one ``field: message`` line each)."""
    spiking = cfg.spiking
    ann = spiking.annealer
    if ann is None:
        return []
    from orchestrator.contract.registry import plugins
    from orchestrator.physics.ising import ising_of_hamiltonian

    out: list[str] = []
    plugin = plugins("spiking")[spiking.kind]
    if plugin.annealer is None:
        runs = ", ".join(k for k, p in plugins("spiking").items() if p.annealer is not None)
        out.append(
            f"spiking.annealer: backend '{spiking.kind}' runs no annealer networks "
            f"(these do: {runs or 'none registered'})"
        )
    if "recurrent" in spiking.model_fields_set and spiking.recurrent is not None:
        out.append(
            "spiking.recurrent: the annealer's synapses are its problem's couplings; leave "
            "recurrent out (or null)"
        )
    if spiking.stdp.enabled:
        out.append("spiking.stdp.enabled: the annealer's synapses are its problem; no STDP")
    if spiking.network is not None:
        out.append("spiking.network: a NIR network and an annealer cannot both be the network")
    if spiking.noise is not None:
        out.append(
            "spiking.noise: the annealer's neurons carry their own noise (its temperature, "
            "spiking.annealer.t0_mv / t1_mv); leave noise out"
        )
    if spiking.v_init is not None:
        out.append(
            "spiking.v_init: the annealer's neurons are binary, drawn from "
            "spiking.annealer.seed; leave v_init out"
        )
    if cfg.pci.mapping != "qubit":
        out.append("pci.mapping: the annealer needs the qubit mapping (neuron k <-> qubit k)")
    if cfg.pci.drive != "current":
        out.append("pci.drive: the annealer takes the drive as a bias: use drive: current")
    if cfg.maxcut is not None and cfg.maxcut.edge_weight_mv is not None:
        out.append(
            "maxcut.edge_weight_mv: the annealer wires the graph itself (its couplings); "
            "leave edge_weight_mv out"
        )
    if cfg.maxcut is not None and ann.qubo is not None:
        out.append(
            "spiking.annealer.qubo: the maxcut decoder reads the Hamiltonian's graph; anneal "
            "that (leave qubo out)"
        )
    if ann.qubo is None:
        try:
            ising_of_hamiltonian(cfg.build_hamiltonian())
        except ValueError as exc:
            out.append(f"spiking.annealer: {exc}")
    else:
        try:
            variables = ann.qubo.entries()[0]
        except ValueError as exc:
            out.append(f"spiking.annealer.qubo.{exc}")
        else:
            n = cfg.build_hamiltonian().n_qubits
            if variables < n:
                out.append(
                    f"spiking.annealer.qubo: {variables} variables for {n} qubits; the qubit "
                    "mapping couples neuron k to qubit k, so give at least one per qubit"
                )
            if spiking.neurons is not None and spiking.neurons != variables:
                out.append(
                    f"spiking.neurons: the annealer has one neuron per QUBO variable "
                    f"({variables}); leave neurons out"
                )
    if ann.qubo is None and spiking.neurons is not None:
        n = cfg.build_hamiltonian().n_qubits
        if spiking.neurons != n:
            out.append(
                f"spiking.neurons: the annealer has one neuron per qubit ({n}); leave "
                "neurons out"
            )
    return out


def annealer_variables(cfg: RunConfig) -> int:
    """Neurons of the annealer: the QUBO's variables, or the Hamiltonian's qubits."""
    ann = cfg.spiking.annealer
    assert ann is not None
    if ann.qubo is not None:
        try:
            return ann.qubo.entries()[0]
        except ValueError:  # annealer_problems says what is wrong with it
            pass
    return cfg.build_hamiltonian().n_qubits


def annealer_synapses(cfg: RunConfig) -> int:
    """At most two synapses per coupling (both directions): validation's memory estimate."""
    ann = cfg.spiking.annealer
    assert ann is not None
    if ann.qubo is not None:
        import numpy as np  # here, not at the top: validating a config without one needs none

        _, i, j, _ = ann.qubo.entries()
        return 2 * int(np.count_nonzero(i != j))
    h = cfg.build_hamiltonian()
    return 2 * sum(1 for t in h.terms if set(t.paulis) == {"Z"} and len(t.qubits) == 2)
