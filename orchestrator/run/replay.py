"""Checkpoints stored as replay records (design §27): what a record stores, how it is read.

With ``checkpoint.replay: true`` and a spiking backend that declares the capability ``replay``
(its state after ``advance`` is a pure function of the restored state and the drive), the
session stores a whole checkpoint every ``checkpoint.full_every`` checkpoints and, between them,
replay records (``orchestrator.record.checkpoint_replay``): the checkpoint without the
network's arrays, plus the drive of every tick since the whole one. ``Chain`` is what the
session keeps to write them; ``NetworkReplay`` reads them back by running the spiking backend
alone (never the quantum one) and re-encoding.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import final

import numpy as np

from orchestrator.config.root import RunConfig
from orchestrator.contract.spiking import SpikingBackend
from orchestrator.record import checkpoint
from orchestrator.record.checkpoint_replay import DRIVE
from orchestrator.record.checkpoint_replay import pack as pack_record
from orchestrator.run.assemble import open_spiking
from orchestrator.run.state import NET, decode_state

__all__ = ["Chain", "NetworkReplay", "replays", "writer_storage"]


def replays(config: RunConfig) -> bool:
    """Whether this run stores replay records: asked for, and the backend can be replayed
    (otherwise its checkpoints are stored as deltas, as without the option)."""
    caps = config.spiking.capabilities()
    return config.checkpoint.replay and caps.replay and caps.snapshot


def writer_storage(config: RunConfig) -> tuple[int, bool]:
    """(full_every, compress) for the run's writer: with replay records every checkpoint the
    writer is handed whole is stored whole (the session decides which are records)."""
    full_every = 1 if replays(config) else config.checkpoint.full_every
    return full_every, config.checkpoint.compress


@dataclass
class Chain:
    """The whole checkpoint the next replay records replay from, and the drives since.

    height, sha256: the base's block and the SHA-256 its block recorded ("" while that digest
    is being computed: the session sets it before the next checkpoint is taken); records:
    replay records written on it; drives: (N,) mV per tick since it, in order.
    """

    height: int
    sha256: str
    records: int = 0
    drives: list[np.ndarray] = field(default_factory=list)

    def record(self, ckpt: checkpoint.Checkpoint, sha256: str, size: int, base_file: str) -> bytes:
        """The stored bytes of ``ckpt`` (digest ``sha256``, ``size`` bytes encoded) as a replay
        record on this chain's base (file ``base_file``)."""
        return self.packer(ckpt, base_file)(sha256, size)

    def packer(self, ckpt: checkpoint.Checkpoint, base_file: str) -> Callable[[str, int], bytes]:
        """Counts a replay record of ``ckpt`` on this chain now; returns what packs it once its
        digest and size are known (``(sha256, size) -> stored bytes``), from what the chain
        holds now (so it may run in another thread while the next tick adds a drive)."""
        if not self.sha256:
            raise RuntimeError("a replay record's base has no digest yet")
        arrays = {k: v for k, v in ckpt.arrays.items() if not k.startswith(NET)}
        for i, drive in enumerate(self.drives):
            arrays[f"{DRIVE}{i:06d}"] = drive
        meta = {"checkpoint": dict(ckpt.meta), "ticks": len(self.drives)}
        pieces = checkpoint.parts(checkpoint.Checkpoint(meta, arrays))  # its header made now
        base_sha, ticks = self.sha256, len(self.drives)
        self.records += 1

        def pack(sha256: str, size: int) -> bytes:
            return pack_record(b"".join(pieces), sha256, size, base_file, base_sha, ticks)

        return pack


@final
class NetworkReplay:
    """Reads replay records by replaying the run's spiking backend (``checkpoint.Replay``).

    Successive records on the same base whose drives extend the last ones continue the
    backend already open (what a resume asks for, oldest first); anything else rebuilds it
    from the base. ``close()`` releases the backend (Lava's worker processes). Exact on a
    backend whose capability ``replay`` holds; anything else is caught by the digest.
    """

    def __init__(self, config: RunConfig) -> None:
        self.config = config
        self._at: tuple[str, list[np.ndarray], SpikingBackend] | None = None
        self.ticks = 0  # ticks replayed so far (what reading cost)

    def __call__(self, base: bytes, part: checkpoint.Checkpoint) -> bytes:
        try:
            n = int(part.meta["ticks"])
            drives = [part.arrays[f"{DRIVE}{i:06d}"] for i in range(n)]
            meta = part.meta["checkpoint"]
            tick, kind = int(meta["network"]["tick"]), meta["network"]["kind"]
        except (KeyError, TypeError, ValueError) as exc:
            raise checkpoint.CheckpointError(f"replay record without {exc}") from None
        key = checkpoint.digest(base)
        at = self._at
        if (
            at is not None
            and at[0] == key
            and len(at[1]) <= n
            and all(np.array_equal(a, b) for a, b in zip(at[1], drives))
        ):
            backend, done = at[2], len(at[1])  # continue the backend already open
        else:
            self.close()
            _, _, network = decode_state(checkpoint.decode(base))
            try:
                backend = open_spiking(self.config, start=network)
            except ValueError as exc:
                raise checkpoint.CheckpointError(f"its base cannot be restored ({exc})") from None
            done = 0
        self._at = None
        try:
            for drive in drives[done:]:
                backend.advance(np.asarray(drive, dtype=float))
                self.ticks += 1
            network = backend.snapshot()
        except BaseException:
            backend.close()
            raise
        self._at = (key, drives, backend)
        if network.tick != tick or network.kind != kind:
            raise checkpoint.CheckpointError(
                f"replaying from its base reaches tick {network.tick} of {network.kind!r}, "
                f"the record is at tick {tick} of {kind!r}"
            )
        arrays = {k: v for k, v in part.arrays.items() if not k.startswith(DRIVE)}
        arrays.update({f"{NET}{k}": np.asarray(v) for k, v in network.arrays.items()})
        return checkpoint.encode(checkpoint.Checkpoint(meta, arrays))

    def close(self) -> None:
        if self._at is not None:
            backend, self._at = self._at[2], None
            backend.close()
