"""The checks that span a run config's sections (``root.validate_config`` runs them once the
sections are valid on their own): one ``field: message`` line per problem, naming the field to
change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from orchestrator.config.annealer import annealer_problems
from orchestrator.config.circuit_cost import circuit_problems
from orchestrator.config.footprint import footprint_problems
from orchestrator.config.learning import learning_problems
from orchestrator.config.maxcut import maxcut_problems
from orchestrator.config.memory import memory_problems
from orchestrator.config.phase import phase_problems
from orchestrator.contract.backend_config import MAX_NEURONS
from orchestrator.contract.registry import plugin
from orchestrator.physics.bases import measurement_bases

if TYPE_CHECKING:
    from orchestrator.config.root import RunConfig

__all__ = ["cross_check"]


def cross_check(cfg: RunConfig) -> list[str]:
    """Problems that span sections; each line names the field to change."""
    problems: list[str] = []
    n = cfg.build_hamiltonian().n_qubits
    if n > cfg.safety.max_qubits:
        problems.append(
            f"hamiltonian: {n} qubits exceed safety.max_qubits = {cfg.safety.max_qubits}"
        )
    caps = cfg.quantum.capabilities()
    if caps.max_qubits is not None and n > caps.max_qubits:
        problems.append(
            f"quantum.kind: backend '{cfg.quantum.kind}' takes at most {caps.max_qubits} "
            f"qubits; the Hamiltonian has {n}"
        )
    if cfg.pci.mapping == "amplitude" and not caps.statevector:
        problems.append(
            f"pci.mapping: 'amplitude' needs exact amplitudes, but quantum backend "
            f"'{cfg.quantum.kind}' as configured returns shot counts only "
            "(use pci.mapping: qubit, or a statevector backend such as aer with "
            "aer: {method: statevector})"
        )
    neurons = cfg.spiking.neurons
    if neurons is None and cfg.pci.mapping == "amplitude" and 2**n > MAX_NEURONS:
        problems.append(
            f"pci.mapping: 'amplitude' needs 2^{n} neurons, more than the {MAX_NEURONS} a "
            "network may have (use pci.mapping: qubit)"
        )
    if neurons is not None:
        if cfg.pci.mapping == "amplitude" and neurons != 2**n:
            problems.append(
                f"spiking.neurons: the amplitude mapping needs 2^{n} = {2**n} neurons "
                f"(got {neurons}; leave it out to size it automatically)"
            )
        if cfg.pci.mapping == "qubit" and neurons < n:
            problems.append(
                f"spiking.neurons: the qubit mapping needs at least one neuron per qubit "
                f"(n = {n}, got {neurons})"
            )
    hz, dt_ms = cfg.pci.reference_hz, cfg.spiking.dt_ms
    if hz is not None and hz > 500.0 / dt_ms:
        problems.append(
            f"pci.reference_hz: {hz:g} Hz is above the Nyquist frequency of the spike grid, "
            f"1/(2 spiking.dt_ms) = {500.0 / dt_ms:g} Hz (spike phases would alias); use at "
            "most that, or a smaller dt_ms"
        )
    rec = cfg.spiking.recurrent
    if rec is not None and rec.k is not None and cfg.spiking.network is None:
        size = cfg.n_neurons()
        if rec.k >= size:
            problems.append(
                f"spiking.recurrent.k: an in-degree of {rec.k} needs more than {rec.k} neurons "
                f"(the network has {size}); lower k"
            )
    problems += cfg.quantum.check_run(
        n, len(measurement_bases(cfg.build_hamiltonian())), cfg.run.ticks
    )
    for layer in ("quantum", "spiking"):
        section = getattr(cfg, layer)
        named = plugin(layer, section.kind)
        gone = named.missing()
        if gone:
            problems.append(
                f"{layer}.kind: backend '{section.kind}' needs {', '.join(gone)}, which is not "
                f"installed: {named.install}"
            )
    problems += [f"spiking.{line}" for line in cfg.spiking.problems()]
    problems += annealer_problems(cfg)
    problems += memory_problems(cfg)
    problems += maxcut_problems(cfg)
    problems += phase_problems(cfg)
    problems += learning_problems(cfg)
    if not problems:  # sizes are trusted only once everything else is valid
        problems += circuit_problems(cfg)
        problems += footprint_problems(cfg)
    if cfg.federation is not None:
        problems += cfg.federation.problems(cfg.spiking.capabilities().snapshot, cfg.run.ticks)
    return problems
