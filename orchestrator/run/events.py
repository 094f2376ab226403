"""The FusionEvent of a tick (spec §11), built from the loop's ``TickRecord``.

The spec's fields (``timestamp``, ``coherence_entropy``, ``avg_phase_diff``, ``fusion_energy``,
``parent_block``, the last added by the ledger) plus everything that makes the tick checkable:
the entropy estimates, E_coh, the resonance count, the spike count (the spike trains are stored
beside the event and hashed into it), the coupling constants used and proposed, the Bloch
vectors, the next preparation, the stability verdict, the backends that ran it, the SHA-256 of
the checkpoint taken after it, what the tick spent (``budget``: shots per basis, circuits,
spike readings, neuron updates, evaluations; ``orchestrator.physics.budget``), and the fields
of every control rule (``orchestrator.control.rule``). The event's schema and the builder of
every kind: ``orchestrator.record.ledger_events``; this module reads the loop's record into it.
"""

from __future__ import annotations

from typing import Any

from orchestrator.physics.tick_io import QuantumRequest
from orchestrator.record import ledger_events
from orchestrator.run.tick_record import TickRecord

__all__ = ["preparation_fields", "tick_event"]


def tick_event(
    record: TickRecord,
    backends: dict[str, dict[str, str]],
    config_hash: str,
    checkpoint_sha256: str | None,
) -> dict[str, Any]:
    """The FusionEvent of one tick (its block height and parent are added by the ledger)."""
    quantum, spikes = record.quantum, record.spikes
    prep = record.next.preparation
    entropy = quantum.entropy
    return ledger_events.tick_event(
        tick=record.tick,
        timestamp_us=record.timestamp_us,
        entropy={
            "used": entropy.used,
            "plugin": entropy.plugin,
            "miller_madow": entropy.miller_madow,
            "normalised": entropy.normalised,
        },
        avg_phase_diff=spikes.phases.avg_phase_diff,
        fusion_energy=quantum.fusion_energy,
        coherence_energy=spikes.coherence_energy,
        resonance_violations=spikes.phases.violations,
        silent_channels=spikes.phases.silent,
        spike_count=spikes.spike_count,
        coupling=vars(record.coupling),
        next_coupling=vars(record.next.coupling),
        stable=record.verdict.stable,
        stability_trigger=record.verdict.trigger,
        bloch=quantum.bloch,
        backends=backends,
        config_sha256=config_hash,
        checkpoint_sha256=checkpoint_sha256,
        budget=record.budget.as_fields(),
        next_preparation=preparation_fields(prep),
        placebo_permutation=None if record.placebo is None else list(record.placebo),
        readout_rates=quantum.readout,
        rule_fields=record.fields,
    )


def preparation_fields(prep: QuantumRequest) -> dict[str, Any]:
    """The ``next_preparation`` field: the product angles, or the amplitudes' real and
    imaginary parts when the preparation is a state vector."""
    if prep.amplitudes is None:
        return {"theta": prep.theta, "phi": prep.phi}
    return {"re": prep.amplitudes.real, "im": prep.amplitudes.imag}
