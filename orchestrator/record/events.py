"""FusionEvents (spec §11) and the CSV rows derived from them.

Every block of the ledger holds one event. ``kind`` says which:

- ``genesis`` (block 0): the resolved config (without ``run.out``), its SHA-256, the seed, the
  backend identities and the initial checkpoint's SHA-256.
- ``tick``: one fusion tick: the spec's fields (``timestamp``, ``coherence_entropy``,
  ``avg_phase_diff``, ``fusion_energy``, ``parent_block``) plus everything that makes the tick
  checkable: entropy estimates, E_coh, resonance count, spike count (the spike trains are stored
  beside the event and hashed into it), coupling constants, Bloch vectors, the next
  preparation, the stability verdict, which backends ran it, and the SHA-256 of the checkpoint
  taken after it (null when none was taken).
- ``revert``: a rollback (spec §13, §14) to an earlier stable block: which block, why, and the
  checkpoint of the state the loop continues from.
- ``stop``: the quantum backend could not go on (a device fault retries did not cure, a spent
  QPU budget); the run stopped at this tick boundary, resumable. The failed tick's attempts
  and job ids are in the block's meta.

``metrics.csv`` and ``qubits.csv`` are views of the tick events (``metrics_row``,
``qubit_rows``), so a resumed run can rebuild them from the ledger. A tick's event is built
from the loop's record by ``orchestrator.run.events.tick_event``; this module only reads it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

__all__ = [
    "METRICS_COLUMNS",
    "last_tick_metrics",
    "metrics_row",
    "qubit_rows",
    "revert_event",
    "stop_event",
    "ticks_done",
]

METRICS_COLUMNS = (
    "tick",
    "H_coh",
    "H_coh_normalised",
    "E_coh",
    "avg_phase_diff",
    "fusion_energy",
    "resonance_violations",
    "spike_count",
    "alpha",
    "beta",
    "gamma",
    "H_coh_plugin",
    "ace_triggered",
    "stable",
    "block",
)


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


def metrics_row(event: dict[str, Any]) -> list[Any]:
    """The metrics.csv row of a tick event."""
    c = event["coupling"]
    avg = event["avg_phase_diff"]
    return [
        event["tick"],
        event["coherence_entropy"],
        event["coherence_entropy_normalised"],
        event["coherence_energy"],
        "" if avg is None else avg,
        event["fusion_energy"],
        event["resonance_violations"],
        event["spike_count"],
        c["alpha"],
        c["beta"],
        c["gamma"],
        event["coherence_entropy_plugin"],
        int(event["ace_triggered"]),
        int(event["stable"]),
        event["block"],
    ]


def qubit_rows(event: dict[str, Any]) -> list[tuple[Any, ...]]:
    """The qubits.csv rows of a tick event: (tick, qubit, <X>, <Y>, <Z>)."""
    return [(event["tick"], q, x, y, z) for q, (x, y, z) in enumerate(event["bloch"])]


def last_tick_metrics(event: dict[str, Any]) -> dict[str, Any]:
    """summary.json's ``last_tick``: the metrics.csv row of the tick ``event``."""
    row = dict(zip(METRICS_COLUMNS, metrics_row(event)))
    return {k: (None if v == "" else v) for k, v in row.items()}


def ticks_done(events: Iterable[Mapping[str, Any]]) -> int:
    """Ticks on a ledger's final timeline after ``events`` (in block order): a tick event
    ends at its tick + 1, a revert goes back to its tick."""
    ticks = 0
    for event in events:
        if event.get("kind") == "tick":
            ticks = event["tick"] + 1
        elif event.get("kind") == "revert":
            ticks = event["tick"]
    return ticks
