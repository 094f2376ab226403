"""The control stage's rules, in order, built from a run's config: where a new rule joins.

Order matters: a rule sees the next tick as the rules before it left it. Today:

    ace        §6 recalibration of alpha and gamma
    memory     §10 recall and write of spike patterns every K ticks (with a ``memory`` section)
    federation §12 consensus pull of a federated node (only with a ``federation`` section)
    learning   §7/§8 fused gradients and meta-evolution every epoch (with a ``learning``
               section; it calls the run's quantum backend for the parameter-shift batch)
    stability  §13/§14 entropy slope and spike rule: the tick's verdict (always last)

A new per-tick rule (PSN §9, coherence flow §5, the Jacobian of §13, learning §7/§8) is a
``orchestrator.control.rule.ControlRule`` built here when its config section asks for it; its
state is then checkpointed and restored with the loop's and its fields join the FusionEvent,
with no change to the loop itself.
"""

from __future__ import annotations

from orchestrator.config.root import RunConfig
from orchestrator.contract.quantum import QuantumBackend
from orchestrator.control.ace import AceRule
from orchestrator.control.federation import FederationRule
from orchestrator.control.rule import ControlRule
from orchestrator.control.stability import StabilityRule

__all__ = ["LEARNING_STREAM", "MEMORY_STREAM", "MUTATION_STREAM", "control_rules"]

MEMORY_STREAM = 13  # seeds of the sampled memory's shots (design §6)
LEARNING_STREAM = 21  # seeds of the learning rule's parameter-shift batches (per epoch)
MUTATION_STREAM = 22  # seeds of meta-evolution's eps_Q with noise: seeded (per epoch)


def _memory_rule(config: RunConfig) -> ControlRule:
    from orchestrator.control.memory import MemoryRule
    from orchestrator.run.assemble import derive_seed
    from orchestrator.run.memory import open_memory

    assert config.memory is not None
    base = derive_seed(config.run.seed, MEMORY_STREAM)
    return MemoryRule(
        config.memory, open_memory(config), config.n_neurons(), lambda t: derive_seed(base, t)
    )


def _learning_rule(config: RunConfig, quantum: QuantumBackend) -> ControlRule:
    from orchestrator.control.learning import LearningRule
    from orchestrator.run.assemble import derive_seed

    seed = config.run.seed
    return LearningRule(
        config,
        quantum,
        lambda epoch: derive_seed(seed, LEARNING_STREAM, epoch),
        lambda epoch: derive_seed(seed, MUTATION_STREAM, epoch),
    )


def control_rules(config: RunConfig, quantum: QuantumBackend | None = None) -> list[ControlRule]:
    """The rules of a run's control stage, in the order they apply.

    quantum: the run's quantum backend (the learning rule sends its gradient batches to it;
    needed with a ``learning`` section).
    """
    rules: list[ControlRule] = [AceRule(config.ace)]
    if config.memory is not None:
        rules.append(_memory_rule(config))
    if config.federation is not None:
        rules.append(FederationRule(config.federation))
    if config.learning is not None:
        if quantum is None:
            raise ValueError("the learning rule needs the run's quantum backend")
        rules.append(_learning_rule(config, quantum))
    return [*rules, StabilityRule(config.stability)]
