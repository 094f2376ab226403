"""§15 Reflexive Feedback Layer: the coherence and stability metrics of one tick, as a snapshot.

``FusionLoop.monitor_entropy()`` returns an ``EntropySnapshot`` of the last tick the loop
continues from, and the job worker publishes the same snapshot (``qnf status ID --json`` under
``last_metrics.monitor``, and ``qnf watch``). Both build it with ``entropy_snapshot`` from the
tick's record, so they agree value for value. After a rollback the snapshot is the one of the
stable tick the loop returned to (or the empty one when that is the run's initial state); after a
resume it is empty until the next tick.

What it reads (None where a tick does not carry it):

    coherence_entropy              H_coh, nats, the estimate the ACE uses (§6)
    coherence_entropy_normalised   H_coh / (n ln 2)
    entropy_slope                  least-squares slope of the normalised H_coh per tick over
                                   the stability window (§13; rule field ``entropy_slope``)
    coherence_energy               E_coh (§5)
    psn_r                          Kuramoto order parameter r of the PSN (§9; rule field
                                   ``PSN_FIELD``), when a PSN rule runs
    det_j                          det J_fusion (§13; rule field ``JACOBIAN_FIELD``), on the ticks
                                   where a Jacobian rule computes it
    stable, trigger                the tick's stability verdict and its rollback trigger
    resonance_violations           channels with |wrap(phi_psi - phi_S)| >= the bound (§14)

Rules built elsewhere join by writing those field names; nothing here depends on them.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from orchestrator.control.rule import Verdict
from orchestrator.physics.readings import EntropyReading

__all__ = ["JACOBIAN_FIELD", "PSN_FIELD", "SLOPE_FIELD", "EntropySnapshot", "entropy_snapshot"]

SLOPE_FIELD = "entropy_slope"
PSN_FIELD = "psn_r"
JACOBIAN_FIELD = "jacobian_det"


@dataclass(frozen=True)
class EntropySnapshot:
    """One tick's coherence and stability metrics (see the module docstring); ``tick`` None and
    every metric None: no tick since the loop started, resumed, or rolled back to the start."""

    tick: int | None = None
    coherence_entropy: float | None = None
    coherence_entropy_normalised: float | None = None
    entropy_slope: float | None = None
    coherence_energy: float | None = None
    psn_r: float | None = None
    det_j: float | None = None
    stable: bool | None = None
    trigger: str | None = None
    resonance_violations: int | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-able: every field by name."""
        return asdict(self)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def entropy_snapshot(
    tick: int,
    entropy: EntropyReading,
    coherence_energy: float,
    resonance_violations: int,
    fields: Mapping[str, Any],
    verdict: Verdict,
) -> EntropySnapshot:
    """The snapshot of one tick from its readings, its rules' fields and its verdict."""
    return EntropySnapshot(
        tick=tick,
        coherence_entropy=float(entropy.used),
        coherence_entropy_normalised=float(entropy.normalised),
        entropy_slope=_number(fields.get(SLOPE_FIELD)),
        coherence_energy=float(coherence_energy),
        psn_r=_number(fields.get(PSN_FIELD)),
        det_j=_number(fields.get(JACOBIAN_FIELD)),
        stable=verdict.stable,
        trigger=verdict.trigger,
        resonance_violations=int(resonance_violations),
    )
