"""A run's state between ticks as checkpoint bytes, and back (spec §13 rollback, issue 5 resume).

A checkpoint after block h holds the loop's classical state (``FusionLoop.state``: tick,
coupling, next preparation, reverts, and every control rule's own state), the spiking
network's ``NetworkState`` (arrays prefixed ``net/``), and the ledger position it belongs to
(``block`` = h, ``parent_root`` = the root before block h, the config hash). The bytes are
deterministic (``orchestrator.record.checkpoint``), so their SHA-256, which block h records,
is the same in a resumed run as in the uninterrupted one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from orchestrator.contract.spiking import NetworkState
from orchestrator.record import checkpoint
from orchestrator.run.loop import FusionLoop

__all__ = [
    "CHECKPOINT_FORMAT",
    "NET",
    "StablePoint",
    "decode_state",
    "encode_state",
    "state_checkpoint",
]

CHECKPOINT_FORMAT = 1
NET = "net/"  # prefix of the network's arrays in a checkpoint


@dataclass(frozen=True)
class StablePoint:
    """A rollback target: a block whose checkpoint holds a stable state."""

    height: int
    sha256: str
    loop_meta: dict[str, Any]
    loop_arrays: dict[str, np.ndarray]
    network: NetworkState


def state_checkpoint(
    loop: FusionLoop, network: NetworkState, height: int, parent_root: str, copy: bool = False
) -> tuple[checkpoint.Checkpoint, dict[str, Any], dict[str, np.ndarray]]:
    """(the checkpoint of block ``height``, loop meta, the loop arrays, uncopied unless
    ``copy``: then the checkpoint holds the copies too)."""
    loop_meta, loop_arrays = loop.state()
    if copy:
        loop_arrays = {k: np.array(v, copy=True) for k, v in loop_arrays.items()}
    meta = {
        "format": CHECKPOINT_FORMAT,
        "block": height,
        "parent_root": parent_root,
        "config_sha256": loop.config_hash,
        "loop": loop_meta,
        "network": {"kind": network.kind, "tick": network.tick},
    }
    arrays = {**loop_arrays, **{f"{NET}{k}": np.asarray(v) for k, v in network.arrays.items()}}
    return checkpoint.Checkpoint(meta, arrays), loop_meta, loop_arrays


def encode_state(
    loop: FusionLoop, network: NetworkState, height: int, parent_root: str
) -> tuple[bytes, dict[str, Any], dict[str, np.ndarray]]:
    """(checkpoint bytes, loop meta, copies of the loop arrays) for block ``height``."""
    ckpt, loop_meta, loop_arrays = state_checkpoint(loop, network, height, parent_root)
    data = checkpoint.encode(ckpt)
    return data, loop_meta, {k: np.array(v, copy=True) for k, v in loop_arrays.items()}


def decode_state(
    ckpt: checkpoint.Checkpoint,
) -> tuple[dict[str, Any], dict[str, np.ndarray], NetworkState]:
    """(loop meta, loop arrays, network state) of a checkpoint."""
    meta = ckpt.meta
    if meta.get("format") != CHECKPOINT_FORMAT:
        raise checkpoint.CheckpointError(f"unknown checkpoint format {meta.get('format')!r}")
    loop_arrays = {k: v for k, v in ckpt.arrays.items() if k.startswith("loop.")}
    net_arrays = {k[len(NET) :]: v for k, v in ckpt.arrays.items() if k.startswith(NET)}
    network = NetworkState(meta["network"]["kind"], int(meta["network"]["tick"]), net_arrays)
    return meta["loop"], loop_arrays, network
