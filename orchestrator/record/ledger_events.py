"""Every event a ledger holds (spec §11): one builder per kind, and the schema they follow.

A ledger block holds one event, a JSON object whose ``kind`` says which. A run's ledger:

    genesis    block 0: the resolved config (without ``run.out``) and its SHA-256, the seed,
               the backend identities, the initial checkpoint's SHA-256
    tick       one fusion tick (the FusionEvent of the spec): its fields below, plus the
               fields of every control rule that ran (``orchestrator.control.rule``)
    revert     a rollback (spec §13, §14) to an earlier stable block: which, why, and the
               checkpoint of the state the loop continues from
    stop       the quantum backend could not go on (faults retries did not cure, a spent QPU
               budget): the run stopped at this tick boundary, resumable
    consensus  (a federation node) the consensus pull of one round, with the next
               preparation and a checkpoint of the state after it

A federation coordinator's ledger:

    federation block 0: the resolved config and its SHA-256, every node's public key, the
               number of phase channels
    round      one round: consensus phases, members, who was decoupled, rejected, missing,
               rejoining, resynchronised or not delivered to, each node's coupling
    end        the last block: rounds held and each node's outcome

``SCHEMA`` lists, per kind, the fields its builder writes (always) and the fields it may
write (``OPTIONAL``); the ledger adds ``LEDGER_FIELDS`` (``record/ledger.py``).
Units: ``timestamp`` in microseconds of network time (tick x tick_ms x 1000); phases in
radians; SHA-256 values as 64 hex digits; ``checkpoint_sha256`` null when no checkpoint was
taken. Builders take keyword arguments only, copy nothing and check nothing (their callers
hold the values the types say).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "FEDERATION_GENESIS",
    "LEDGER_FIELDS",
    "OPTIONAL",
    "SCHEMA",
    "consensus_event",
    "federation_end_event",
    "federation_genesis_event",
    "genesis_event",
    "revert_event",
    "round_event",
    "stop_event",
    "tick_event",
]

FEDERATION_GENESIS = "federation"
"""The ``kind`` of a federation coordinator's block 0."""

LEDGER_FIELDS = ("block", "parent_block")
"""What the ledger adds to every event as it appends it (``record/ledger.py``)."""

SCHEMA: dict[str, tuple[str, ...]] = {
    "genesis": (
        "kind", "timestamp", "config", "config_sha256", "seed", "backends",
        "checkpoint_sha256", "stable",
    ),
    "tick": (
        "kind", "tick", "timestamp", "coherence_entropy", "coherence_entropy_plugin",
        "coherence_entropy_miller_madow", "coherence_entropy_normalised", "avg_phase_diff",
        "fusion_energy", "coherence_energy", "resonance_violations", "silent_channels",
        "spike_count", "coupling", "next_coupling", "stable", "stability_trigger", "bloch",
        "backends", "config_sha256", "checkpoint_sha256", "budget", "next_preparation",
    ),
    "revert": (
        "kind", "tick", "timestamp", "reason", "to_block", "to_checkpoint_sha256",
        "checkpoint_sha256", "coupling", "reverts", "stable", "backends", "config_sha256",
    ),
    "stop": ("kind", "tick", "timestamp", "reason", "permanent", "config_sha256"),
    "consensus": (
        "kind", "tick", "timestamp", "next_preparation", "checkpoint_sha256", "stable",
        "config_sha256",
    ),
    FEDERATION_GENESIS: (
        "kind", "timestamp", "config", "config_sha256", "nodes", "channels",
    ),
    "round": (
        "kind", "round", "tick", "timestamp", "consensus", "members", "decoupled", "rejected",
        "missing", "rejoining", "coupling", "resynchronised", "undelivered",
    ),
    "end": ("kind", "timestamp", "rounds", "nodes"),
}  # fmt: skip
"""Per kind, the fields every event of that kind has."""

OPTIONAL: dict[str, str] = {
    "tick": "placebo_permutation, readout_rates, and each control rule's own fields",
    "consensus": "the federation rule's fields of the pull (round, consensus, pull_weight, ...)",
}
"""Per kind, what else an event of that kind may hold."""


def genesis_event(
    *,
    config: dict[str, Any],
    config_sha256: str,
    seed: int,
    backends: dict[str, dict[str, str]],
    checkpoint_sha256: str | None,
) -> dict[str, Any]:
    """Block 0 of a run; stable (a rollback target) when its checkpoint was taken."""
    return {
        "kind": "genesis",
        "timestamp": 0,
        "config": config,
        "config_sha256": config_sha256,
        "seed": seed,
        "backends": backends,
        "checkpoint_sha256": checkpoint_sha256,
        "stable": checkpoint_sha256 is not None,
    }


def tick_event(
    *,
    tick: int,
    timestamp_us: int,
    entropy: dict[str, float],
    avg_phase_diff: float,
    fusion_energy: float,
    coherence_energy: float,
    resonance_violations: int,
    silent_channels: int,
    spike_count: int,
    coupling: dict[str, float],
    next_coupling: dict[str, float],
    stable: bool,
    stability_trigger: str | None,
    bloch: Any,
    backends: dict[str, dict[str, str]],
    config_sha256: str,
    checkpoint_sha256: str | None,
    budget: dict[str, Any],
    next_preparation: dict[str, Any],
    placebo_permutation: list[int] | None = None,
    readout_rates: Any = None,
    rule_fields: dict[str, Any],
) -> dict[str, Any]:
    """The FusionEvent of one tick. ``entropy``: the estimates ``used``, ``plugin``,
    ``miller_madow``, ``normalised``. ``stable``: only a checkpointed tick can be a rollback
    target, so it is false without a checkpoint whatever the verdict. ``ValueError`` when a
    control rule's field would overwrite one of the event's own."""
    event: dict[str, Any] = {
        "kind": "tick",
        "tick": tick,
        "timestamp": timestamp_us,
        "coherence_entropy": entropy["used"],
        "coherence_entropy_plugin": entropy["plugin"],
        "coherence_entropy_miller_madow": entropy["miller_madow"],
        "coherence_entropy_normalised": entropy["normalised"],
        "avg_phase_diff": avg_phase_diff,
        "fusion_energy": fusion_energy,
        "coherence_energy": coherence_energy,
        "resonance_violations": resonance_violations,
        "silent_channels": silent_channels,
        "spike_count": spike_count,
        "coupling": coupling,
        "next_coupling": next_coupling,
        "stable": stable and checkpoint_sha256 is not None,
        "stability_trigger": stability_trigger,
        "bloch": bloch,
        "backends": backends,
        "config_sha256": config_sha256,
        "checkpoint_sha256": checkpoint_sha256,
        "budget": budget,
    }
    if placebo_permutation is not None:
        event["placebo_permutation"] = placebo_permutation
    if readout_rates is not None:
        event["readout_rates"] = readout_rates
    event["next_preparation"] = next_preparation
    clash = event.keys() & rule_fields.keys()
    if clash:
        raise ValueError(f"control rule fields {sorted(clash)} collide with the event's own")
    event.update(rule_fields)
    return event


def revert_event(
    *,
    tick: int,
    timestamp_us: int,
    reason: str,
    to_block: int,
    to_checkpoint_sha256: str,
    checkpoint_sha256: str,
    coupling: dict[str, float],
    reverts: int,
    backends: dict[str, dict[str, str]],
    config_hash: str,
) -> dict[str, Any]:
    """A rollback to block ``to_block``; the loop continues from ``checkpoint_sha256``."""
    return {
        "kind": "revert",
        "tick": tick,
        "timestamp": timestamp_us,
        "reason": reason,
        "to_block": to_block,
        "to_checkpoint_sha256": to_checkpoint_sha256,
        "checkpoint_sha256": checkpoint_sha256,
        "coupling": coupling,
        "reverts": reverts,
        "stable": True,
        "backends": backends,
        "config_sha256": config_hash,
    }


def stop_event(
    *, tick: int, timestamp_us: int, reason: str, permanent: bool, config_hash: str
) -> dict[str, Any]:
    """The run stops before tick ``tick`` (ticks done so far: ``tick``)."""
    return {
        "kind": "stop",
        "tick": tick,
        "timestamp": timestamp_us,
        "reason": reason,
        "permanent": permanent,
        "config_sha256": config_hash,
    }


def consensus_event(
    *,
    tick: int,
    timestamp_us: int,
    rule_fields: dict[str, Any],
    next_preparation: dict[str, Any],
    checkpoint_sha256: str | None,
    config_sha256: str,
) -> dict[str, Any]:
    """A federation node's consensus pull; never a rollback target (those stay ticks and
    reverts)."""
    return {
        "kind": "consensus",
        "tick": tick,
        "timestamp": timestamp_us,
        **rule_fields,
        "next_preparation": next_preparation,
        "checkpoint_sha256": checkpoint_sha256,
        "stable": False,
        "config_sha256": config_sha256,
    }


def federation_genesis_event(
    *, config: dict[str, Any], config_sha256: str, keys: dict[str, str], channels: int
) -> dict[str, Any]:
    """Block 0 of a federation ledger (``config`` resolved, without ``run.out``; ``keys``:
    node id -> public key hex)."""
    return {
        "kind": FEDERATION_GENESIS,
        "timestamp": 0,
        "config": config,
        "config_sha256": config_sha256,
        "nodes": dict(sorted(keys.items())),
        "channels": channels,
    }


def round_event(
    *,
    round: int,
    tick: int,
    timestamp_us: int,
    consensus: list[float] | None,
    members: list[str],
    decoupled: dict[str, str],
    rejected: dict[str, str],
    missing: dict[str, str],
    rejoining: list[str],
    coupling: dict[str, float],
    resynchronised: list[str],
    undelivered: dict[str, str],
) -> dict[str, Any]:
    """One federation round as the coordinator held it (node id -> reason in the mappings)."""
    return {
        "kind": "round",
        "round": round,
        "tick": tick,
        "consensus": consensus,
        "members": members,
        "decoupled": decoupled,
        "rejected": rejected,
        "missing": missing,
        "rejoining": rejoining,
        "coupling": coupling,
        "resynchronised": resynchronised,
        "undelivered": undelivered,
        "timestamp": timestamp_us,
    }


def federation_end_event(
    *, timestamp_us: int, rounds: int, nodes: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """The last block of a federation ledger: rounds held and each node's outcome."""
    return {"kind": "end", "timestamp": timestamp_us, "rounds": rounds, "nodes": nodes}
