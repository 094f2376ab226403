"""Rollback to the last stable block (spec §13: "revert parameters to last stable block"; §14).

Stable blocks are the rollback targets: the genesis (the run's initial state), every tick the
control stage judges stable and that has a checkpoint, and every revert. When a tick's verdict
carries a trigger (a decoherence spike, a sustained entropy rise, ...), rollback is enabled and
reverts are left, the session reverts before the next tick: the last stable state is restored
(the loop's state, and a spiking backend rebuilt from the checkpointed network state), gamma is
weakened by ``stability.decouple_factor`` (the spec's "temporary decoupling") so the same path
is not retaken, that state is checkpointed and a ``revert`` event is appended pointing at the
stable block. Nothing already written changes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, final

import numpy as np

from orchestrator.contract.spiking import NetworkState, SpikingBackend
from orchestrator.record import checkpoint
from orchestrator.record.ledger_events import revert_event
from orchestrator.record.recorder import RunRecorder
from orchestrator.run.loop import FusionLoop
from orchestrator.run.state import StablePoint, encode_state

__all__ = ["Rollback"]

Reopen = Callable[[NetworkState], SpikingBackend]


@final
class Rollback:
    """The last stable point of a run, and the way back to it.

    stable: None when the run keeps no checkpoints (its spiking backend cannot snapshot).
    reopen: builds a spiking backend continuing from a network state.
    """

    def __init__(self, stable: StablePoint | None, reopen: Reopen) -> None:
        self.stable = stable
        self.reopen = reopen

    def mark(
        self,
        height: int,
        sha256: str,
        loop_meta: dict[str, Any],
        loop_arrays: Mapping[str, np.ndarray],
        network: NetworkState,
    ) -> None:
        """Block ``height`` (its checkpoint ``sha256``: the loop's state ``loop_meta``,
        ``loop_arrays`` and ``network``) holds a stable state: the new target."""
        self.stable = StablePoint(height, sha256, loop_meta, dict(loop_arrays), network)

    def possible(self, loop: FusionLoop) -> bool:
        """Whether a rollback may happen now (a target exists, reverts are left)."""
        rule = loop.config.stability
        return rule.enabled and self.stable is not None and loop.reverts < rule.max_reverts

    def revert(
        self,
        loop: FusionLoop,
        recorder: RunRecorder,
        reason: str,
        backends: dict[str, dict[str, str]],
        now: str,
    ) -> None:
        """Return ``loop`` to the stable point and append the ``revert`` block."""
        target = self.stable
        if target is None:
            raise RuntimeError("no stable point to revert to")
        reverts = loop.reverts + 1
        loop.spiking.close()
        loop.spiking = self.reopen(target.network)
        loop.restore(target.loop_meta, target.loop_arrays)
        loop.reverts = reverts
        loop.decouple(loop.config.stability.decouple_factor)
        network = loop.spiking.snapshot()
        data, loop_meta, loop_arrays = encode_state(loop, network, recorder.height, recorder.root)
        sha = checkpoint.digest(data)
        event = revert_event(
            tick=loop.tick,
            timestamp_us=round(loop.tick * loop.spiking.network.tick_ms * 1000),
            reason=reason,
            to_block=target.height,
            to_checkpoint_sha256=target.sha256,
            checkpoint_sha256=sha,
            coupling=vars(loop.coupling),
            reverts=reverts,
            backends=backends,
            config_hash=loop.config_hash,
        )
        block = recorder.append(
            event, {"wall_time": now}, checkpoint_bytes=data, protect=target.height
        )
        self.stable = StablePoint(block.height, sha, loop_meta, loop_arrays, network)
