"""The FusionEvent of a tick (spec §11), built from the loop's ``TickRecord``.

The spec's fields (``timestamp``, ``coherence_entropy``, ``avg_phase_diff``, ``fusion_energy``,
``parent_block``, the last added by the ledger) plus everything that makes the tick checkable:
the entropy estimates, E_coh, the resonance count, the spike count (the spike trains are stored
beside the event and hashed into it), the coupling constants used and proposed, the Bloch
vectors, the next preparation, the stability verdict, the backends that ran it, the SHA-256 of
the checkpoint taken after it, what the tick spent (``budget``: shots per basis, circuits,
spike readings, neuron updates, evaluations; ``orchestrator.physics.budget``), and the fields
of every control rule (``orchestrator.control.rule``). Other kinds of events:
``orchestrator.record.events``.
"""

from __future__ import annotations

from typing import Any

from orchestrator.run.tick_record import TickRecord

__all__ = ["tick_event"]


def tick_event(
    record: TickRecord,
    backends: dict[str, dict[str, str]],
    config_hash: str,
    checkpoint_sha256: str | None,
) -> dict[str, Any]:
    """The FusionEvent of one tick (its block height and parent are added by the ledger)."""
    quantum, spikes = record.quantum, record.spikes
    event: dict[str, Any] = {
        "kind": "tick",
        "tick": record.tick,
        "timestamp": record.timestamp_us,
        "coherence_entropy": quantum.entropy.used,
        "coherence_entropy_plugin": quantum.entropy.plugin,
        "coherence_entropy_miller_madow": quantum.entropy.miller_madow,
        "coherence_entropy_normalised": quantum.entropy.normalised,
        "avg_phase_diff": spikes.phases.avg_phase_diff,
        "fusion_energy": quantum.fusion_energy,
        "coherence_energy": spikes.coherence_energy,
        "resonance_violations": spikes.phases.violations,
        "silent_channels": spikes.phases.silent,
        "spike_count": spikes.spike_count,
        "coupling": vars(record.coupling),
        "next_coupling": vars(record.next.coupling),
        # only a checkpointed tick can be a rollback target
        "stable": record.verdict.stable and checkpoint_sha256 is not None,
        "stability_trigger": record.verdict.trigger,
        "bloch": quantum.bloch,
        "backends": backends,
        "config_sha256": config_hash,
        "checkpoint_sha256": checkpoint_sha256,
        "budget": record.budget.as_fields(),
    }
    if record.placebo is not None:
        event["placebo_permutation"] = list(record.placebo)
    if quantum.readout is not None:
        event["readout_rates"] = quantum.readout
    prep = record.next.preparation
    if prep.amplitudes is None:
        event["next_preparation"] = {"theta": prep.theta, "phi": prep.phi}
    else:
        event["next_preparation"] = {"re": prep.amplitudes.real, "im": prep.amplitudes.imag}
    clash = event.keys() & record.fields.keys()
    if clash:
        raise ValueError(f"control rule fields {sorted(clash)} collide with the event's own")
    event.update(record.fields)
    return event
