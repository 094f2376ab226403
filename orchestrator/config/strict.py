"""``StrictModel``: the base of every config model (``orchestrator.config.base`` re-exports it).

Its own module so that section modules which ``base`` needs (``orchestrator.config.annealer``)
can build on it without importing ``base``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["StrictModel"]


class StrictModel(BaseModel):
    """Base of every config model: unknown keys, NaN and infinities are errors."""

    model_config = ConfigDict(
        extra="forbid", allow_inf_nan=False, frozen=True, validate_default=True
    )
