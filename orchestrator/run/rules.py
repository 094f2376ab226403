"""The control stage's rules, in order, built from a run's config: where a new rule joins.

Order matters: a rule sees the next tick as the rules before it left it. Today:

    ace        §6 recalibration of alpha and gamma
    psn        §9 Kuramoto array over the channel phases (only with a ``psn`` section)
    coherence_flow  §5 descent on the predicted E_coh (only with a ``coherence_flow`` section)
    memory     §10 recall and write of spike patterns every K ticks (with a ``memory`` section)
    federation §12 consensus pull of a federated node (only with a ``federation`` section)
    learning   §7/§8 fused gradients and meta-evolution every epoch (with a ``learning``
               section; it calls the run's quantum backend for the parameter-shift batch)
    annealer   the spiking annealer's read-out: energy of the tick's assignment, updates
               (with ``spiking.annealer``)
    maxcut     issue 15's cut decoder (with a ``maxcut`` section whose ``decode`` is true)
    stability  §13/§14 entropy slope and spike rule, with det J_fusion when a ``jacobian``
               section asks and the backend gives statevectors: the tick's verdict (always last)

A new per-tick rule (PSN §9, coherence flow §5, the Jacobian of §13, learning §7/§8) is a
``orchestrator.control.rule.ControlRule`` built here when its config section asks for it; its
state is then checkpointed and restored with the loop's and its fields join the FusionEvent,
with no change to the loop itself.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from orchestrator.config.root import RunConfig
from orchestrator.contract.memory import OpenQuantum, QuantumMemory
from orchestrator.contract.quantum import QuantumBackend
from orchestrator.control.ace import AceRule
from orchestrator.control.federation import FederationRule
from orchestrator.control.jacobian import JacobianEstimator
from orchestrator.control.rule import ControlRule
from orchestrator.control.stability import StabilityRule
from orchestrator.physics.tick_io import QuantumRequest
from orchestrator.run.seeds import Stream, derive_seed

__all__ = [
    "control_rules",
    "jacobian_estimator",
]


def _memory_rule(config: RunConfig, memory: QuantumMemory) -> ControlRule:
    from orchestrator.control.memory import MemoryRule

    assert config.memory is not None
    base = derive_seed(config.run.seed, Stream.MEMORY)
    return MemoryRule(config.memory, memory, config.n_neurons(), lambda t: derive_seed(base, t))


def _coherence_flow_rule(config: RunConfig) -> ControlRule:
    from orchestrator.control.coherence_flow import CoherenceFlowRule
    from orchestrator.physics import coherence_gradient as cg

    assert config.coherence_flow is not None
    s = config.spiking
    lif = cg.LifSurrogate.of_neurons(s, s.steps_per_tick * s.dt_ms)
    h = config.build_hamiltonian()
    evolve = cg.exact_evolution(h.to_sparse(), config.trotter.dt)
    return CoherenceFlowRule(config.coherence_flow, config.ace, config.pci, h.n_qubits, evolve, lif)


def _maxcut_rule(config: RunConfig) -> ControlRule:
    from orchestrator.control.maxcut import MaxCutRule, instance_of_edges

    assert config.maxcut is not None and config.hamiltonian.kind == "ising"
    graph = instance_of_edges(config.build_hamiltonian().n_qubits, config.hamiltonian.edges)
    return MaxCutRule(config.maxcut, graph, config.n_neurons())


def _annealer_rule(config: RunConfig) -> ControlRule:
    from orchestrator.control.annealer import AnnealerRule
    from orchestrator.run.assemble import build_annealer
    from orchestrator.tasks.ising.problem import annealer_problem

    section = config.spiking.annealer
    assert section is not None
    spec = build_annealer(config).annealer
    assert spec is not None
    problem = annealer_problem(section, config.build_hamiltonian())
    return AnnealerRule(problem, spec, config.spiking.steps_per_tick)


def jacobian_estimator(
    config: RunConfig, open_quantum: OpenQuantum
) -> JacobianEstimator | None:
    """J's estimator on a second instance of the run's quantum backend (statevector mode),
    built by ``open_quantum``; None without a ``jacobian`` section or with shots (the slope
    rule alone then)."""
    if config.jacobian is None or not config.quantum.capabilities().statevector:
        return None
    from orchestrator.run.assemble import build_program

    backend = open_quantum(build_program(config))

    def evaluate(requests: Sequence[QuantumRequest]) -> list[np.ndarray]:
        result = backend.execute(list(requests), seed=0)  # exact: the seed draws nothing
        states = [r.statevector for r in result.results]
        if any(s is None for s in states):
            raise RuntimeError("the quantum backend returned no statevector for J")
        return [np.asarray(s) for s in states]

    return JacobianEstimator(config.jacobian, evaluate, backend.close)


def _learning_rule(
    config: RunConfig, quantum: QuantumBackend, open_quantum: OpenQuantum
) -> ControlRule:
    """The learning rule; on shots, when an epoch needs only <H_E> (control/learning.py), its
    batches go to an own instance (built by ``open_quantum``) measuring only the bases H_E is
    read from."""
    from dataclasses import replace

    from orchestrator.control.learning import LearningRule
    from orchestrator.control.learning_batch import energy_bases, energy_hamiltonian, measures_bloch
    from orchestrator.run.assemble import build_program

    learning = config.learning
    assert learning is not None
    seed = config.run.seed
    batches, owned = quantum, False
    if not config.quantum.capabilities().statevector and not measures_bloch(learning):
        program = build_program(config)
        h_e = energy_hamiltonian(program.hamiltonian, learning.loss.energy_terms)
        bases = energy_bases(h_e, program.bases)
        if bases != program.bases:
            batches = open_quantum(replace(program, bases=bases))
            owned = True
    return LearningRule(
        config,
        batches,
        lambda epoch: derive_seed(seed, Stream.LEARNING, epoch),
        lambda epoch: derive_seed(seed, Stream.MUTATION, epoch),
        owns_backend=owned,
    )


def control_rules(
    config: RunConfig,
    quantum: QuantumBackend | None = None,
    open_quantum: OpenQuantum | None = None,
    memory: QuantumMemory | None = None,
) -> list[ControlRule]:
    """The rules of a run's control stage, in the order they apply; the composition root
    (``run/assemble.open_backends``) calls this and hands the rules to the loop.

    quantum: the run's quantum backend (the learning rule sends its gradient batches to it;
    needed with a ``learning`` section). open_quantum: builds another instance of it for a
    program (J's estimator, the learning rule's energy batches; needed with a ``jacobian``
    section on a statevector backend, or ``learning`` on shots). memory: the opened memory
    engine (needed with a ``memory`` section). A rule built from none of them is ``ValueError``.
    """
    rules: list[ControlRule] = [AceRule(config.ace)]
    if config.psn is not None:
        from orchestrator.control.psn import PsnRule
        from orchestrator.physics.pci import ChannelMap

        channels = ChannelMap(
            config.pci.mapping, config.build_hamiltonian().n_qubits, config.n_neurons()
        )
        rules.append(PsnRule(config.psn, channels, config.spiking.tick_ms))
    if config.coherence_flow is not None:
        rules.append(_coherence_flow_rule(config))
    if config.memory is not None:
        if memory is None:
            raise ValueError("the memory rule needs the run's opened memory engine")
        rules.append(_memory_rule(config, memory))
    if config.federation is not None:
        rules.append(FederationRule(config.federation))
    if config.learning is not None:
        if quantum is None or open_quantum is None:
            raise ValueError("the learning rule needs the run's quantum backend and its factory")
        rules.append(_learning_rule(config, quantum, open_quantum))
    if config.spiking.annealer is not None:
        rules.append(_annealer_rule(config))
    if config.maxcut is not None and config.maxcut.decode:
        rules.append(_maxcut_rule(config))
    estimator = None
    if config.jacobian is not None and config.quantum.capabilities().statevector:
        if open_quantum is None:
            raise ValueError("the Jacobian estimator needs the run's quantum backend factory")
        estimator = jacobian_estimator(config, open_quantum)
    return [*rules, StabilityRule(config.stability, estimator)]
