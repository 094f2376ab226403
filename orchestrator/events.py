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
``qubit_rows``), so a resumed run can rebuild them from the ledger.
"""

from __future__ import annotations

from typing import Any

from orchestrator.loop import TickRecord

__all__ = [
    "METRICS_COLUMNS",
    "metrics_row",
    "qubit_rows",
    "revert_event",
    "stop_event",
    "tick_event",
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


def tick_event(
    record: TickRecord,
    backends: dict[str, dict[str, str]],
    config_hash: str,
    checkpoint_sha256: str | None,
) -> dict[str, Any]:
    """The FusionEvent of one tick."""
    verdict = record.stability
    event: dict[str, Any] = {
        "kind": "tick",
        "tick": record.tick,
        "timestamp": record.timestamp_us,
        "coherence_entropy": record.entropy,
        "coherence_entropy_plugin": record.entropy_plugin,
        "coherence_entropy_miller_madow": record.entropy_mm,
        "coherence_entropy_normalised": record.entropy_normalised,
        "avg_phase_diff": record.phases.avg_phase_diff,
        "fusion_energy": record.fusion_energy,
        "coherence_energy": record.coherence_energy,
        "resonance_violations": record.phases.violations,
        "silent_channels": record.phases.silent,
        "spike_count": record.spike_count,
        "coupling": vars(record.coupling),
        "next_coupling": vars(record.next_coupling),
        "ace_triggered": record.ace_triggered,
        "stable": verdict.stable and checkpoint_sha256 is not None,
        "entropy_slope": verdict.slope,
        "stability_trigger": verdict.trigger,
        "bloch": record.bloch,
        "backends": backends,
        "config_sha256": config_hash,
        "checkpoint_sha256": checkpoint_sha256,
    }
    if record.readout is not None:
        event["readout_rates"] = record.readout
    if record.amplitudes is None:
        event["next_preparation"] = {"theta": record.theta, "phi": record.phi}
    else:
        amps = record.amplitudes
        event["next_preparation"] = {"re": amps.real, "im": amps.imag}
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
