"""The kick rule of ``drive_mode: kick`` (spec §14 voltage cap), shared by the spiking backends.

At tick start ``V <- V + d`` for ``d <= 0`` and ``V <- max(V, min(V + d, cap))`` for ``d > 0``:
a kick lowers V freely but lifts it at most to ``cap`` (``NetworkSpec.kick_cap_mv``, below the
threshold), and never pulls down a V that is already above the cap.
"""

from __future__ import annotations

import numpy as np

__all__ = ["kick"]


def kick(v: np.ndarray, d: np.ndarray, cap: float) -> np.ndarray:
    """V after a kick d (same units as cap): negative kicks lower V, positive ones stop at cap."""
    return np.where(d > 0, np.maximum(v, np.minimum(v + d, cap)), v + d)
