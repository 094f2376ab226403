"""The ``placebo`` section (issue 22): the backward coupling's push with its information removed.

Present, each tick the PCI's spike phasors F_c (one per channel) are permuted across the
channels by a fresh uniformly random permutation pi_t before the backward update, so the next
preparation is built from psi_c + gamma F_pi_t(c) instead of psi_c + gamma F_c: the same
multiset of pushes |gamma F| (same number of channels pushed, same sizes, same phases), but
none of them on the channel whose spikes produced it. pi_t is drawn from
``default_rng(derive_seed(run.seed, Stream.PLACEBO, t))``, so a resumed or rolled-back run
draws the same permutation at the same tick. The FusionEvent records it
(``placebo_permutation``). Everything measured (E_coh, the phase report, the rules' readings)
still sees the real phasors: only the push is scrambled.

Absent (the default), the run is exactly what it was without this section.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from orchestrator.contract.strict import StrictModel

__all__ = ["PlaceboConfig"]


class PlaceboConfig(StrictModel):
    """A placebo of the spike feedback: the spike phasors permuted across channels each tick."""

    permute: Literal["channels"] = Field(
        "channels",
        description=(
            "What is scrambled: `channels` permutes the spike phasors F_c across the PCI's "
            "channels, a fresh random permutation each tick, before psi + gamma F."
        ),
    )
