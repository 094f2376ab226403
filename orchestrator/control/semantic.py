"""§15 Semantic Plasticity Layer: quantum phase drifts projected on a basis.

The quantum phase of channel c at tick t is phi_c(t) = arg psi_c(t) (psi the measured
per-channel amplitudes, §3.3); its drift over tick t is

    d_c(t) = wrap(phi_c(t) - phi_c(t - 1))      radians per tick, in (-pi, pi]

(NaN where |psi_c| < 1e-12 at either tick: no phase). ``phase_to_semantic(basis)`` returns the
drifts of the last W ticks, D (W x C), and their projection on a basis B (K x C rows, the
"semantic" directions; identity if none): P = D' B^T (W x K), D' being D with undefined
entries as 0 (``valid`` marks them). Everything is labelled: ticks, channel names (``q0``...
for the qubit mapping, ``b0``... for basis states under the amplitude mapping) and component
names (the basis's keys, ``e0``... for a plain array, the channel names for the identity).

The history holds the phases of the last ``capacity`` ticks the loop continues from: a resume
starts it afresh, a rollback cuts the ticks after the restored state. It is not checkpointed
(it changes nothing the run does).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import final

import numpy as np

from orchestrator.physics import fixed_math
from orchestrator.physics.coherence import PHASE_EPS, wrap

__all__ = ["PhaseHistory", "PhaseSemantics", "project_drifts"]

Basis = np.ndarray | Mapping[str, Sequence[float]] | None


@dataclass(frozen=True)
class PhaseSemantics:
    """Phase drifts and their projection, labelled.

    ticks: (W,) the tick each row ends at. channels: (C,) names. components: (K,) names.
    drift: (W, C) d_c(t), radians per tick, NaN where undefined. valid: (W, C) bool.
    projection: (W, K) D' B^T. basis: (K, C) the basis used.
    """

    ticks: np.ndarray
    channels: tuple[str, ...]
    components: tuple[str, ...]
    drift: np.ndarray
    valid: np.ndarray
    projection: np.ndarray
    basis: np.ndarray

    def as_dict(self) -> dict[str, object]:
        """JSON-able (NaN drifts as None)."""
        return {
            "ticks": self.ticks.tolist(),
            "channels": list(self.channels),
            "components": list(self.components),
            "drift": [[None if np.isnan(x) else float(x) for x in row] for row in self.drift],
            "projection": self.projection.tolist(),
        }


@final
class PhaseHistory:
    """The quantum phases of the last ``capacity`` ticks (tick numbers increasing)."""

    def __init__(self, capacity: int) -> None:
        self.entries: deque[tuple[int, np.ndarray]] = deque(maxlen=capacity)

    def push(self, tick: int, psi: np.ndarray) -> None:
        phases = np.where(np.abs(psi) > PHASE_EPS, fixed_math.angle(psi), np.nan)
        self.entries.append((tick, phases))

    def rewind(self, tick: int) -> None:
        """Forget the ticks at or after ``tick`` (the loop continues from before it)."""
        while self.entries and self.entries[-1][0] >= tick:
            self.entries.pop()

    def drifts(self, window: int) -> tuple[np.ndarray, np.ndarray]:
        """(ticks (W,), drift (W, C)) of the last ``window`` ticks that follow their previous."""
        pairs = list(self.entries)[-(window + 1) :]
        ticks, rows = [], []
        for (t0, a), (t1, b) in pairwise(pairs):
            if t1 == t0 + 1:
                ticks.append(t1)
                rows.append(wrap(b - a))
        width = pairs[-1][1].size if pairs else 0
        return np.array(ticks, dtype=np.int64), np.array(rows).reshape(len(rows), width)


def project_drifts(
    ticks: np.ndarray, drift: np.ndarray, channels: tuple[str, ...], basis: Basis
) -> PhaseSemantics:
    """Project ``drift`` (W x C) on ``basis``; ``ValueError`` for a basis of the wrong width."""
    c = len(channels)
    if basis is None:
        b, components = np.eye(c), channels
    elif isinstance(basis, Mapping):
        components = tuple(str(k) for k in basis)
        b = np.array([np.asarray(v, dtype=float) for v in basis.values()])
    else:
        b = np.atleast_2d(np.asarray(basis, dtype=float))
        components = tuple(f"e{k}" for k in range(b.shape[0]))
    if b.ndim != 2 or b.shape[1] != c or not np.all(np.isfinite(b)):
        raise ValueError(f"a basis is K finite vectors of {c} entries, one per channel")
    valid = ~np.isnan(drift)
    return PhaseSemantics(
        ticks=ticks,
        channels=channels,
        components=components,
        drift=drift,
        valid=valid,
        projection=np.where(valid, drift, 0.0) @ b.T,
        basis=b,
    )
