"""summary.json: how a run ended, read back from what its ledger holds (committed blocks only).

status        completed | cancelled | stopped | failed | interrupted
error         why, when it did not complete
final_root    the chain's root after the last committed block (``qnf ledger verify``)
blocks, ticks, ticks_planned, reverts, resumes, seed, config_sha256, backends,
n_qubits, n_neurons, checkpoints (whether the run keeps them), finished_at,
wall_seconds, seconds {writing, setup, quantum, spiking, per_tick},
last_tick     the metrics.csv row of the last tick
result        what the run found: the task's result (``orchestrator.record.result``)
budget        what the run spent: the sums of its tick events' ``budget`` fields
              (``orchestrator.record.budget``; issue 22)
resume        the command that continues it (when not completed)
"""

from __future__ import annotations

import time
from typing import Any

from orchestrator.record.budget import budget_totals
from orchestrator.record.events import last_tick_metrics
from orchestrator.record.ledger import read_blocks
from orchestrator.record.result import ResultReader
from orchestrator.record.verify import verify
from orchestrator.run.session import Session, now

__all__ = ["summarise"]


def summarise(
    session: Session,
    status: str,
    error: str | None,
    started: float,
    setup_seconds: float,
    resumes: int,
    reader: ResultReader | None = None,
) -> dict[str, Any]:
    """The summary of ``session``'s run as it stands now; ``reader`` (when given, fresh) is
    left holding the run's events for ``learning.csv``."""
    reader = ResultReader() if reader is None else reader
    run_dir = session.recorder.run_dir
    config = session.config
    height, ticks, reverts, last = -1, 0, 0, None
    events = []
    for h, event, _ in read_blocks(run_dir.ledger):
        height = h
        reader.add(event)
        events.append(event)
        if event["kind"] == "tick":
            ticks, last = event["tick"] + 1, event
        elif event["kind"] == "revert":
            ticks, reverts = event["tick"], event["reverts"]
    wall = time.perf_counter() - started
    summary: dict[str, Any] = {
        "status": status,
        "error": error,
        "final_root": verify(run_dir.ledger).root,
        "blocks": height + 1,
        "ticks": ticks,
        "ticks_planned": config.run.ticks,
        "seed": config.run.seed,
        "config_sha256": session.config_hash,
        "backends": session.backends,
        "n_qubits": session.loop.n,
        "n_neurons": session.loop.channels.n_neurons,
        "reverts": reverts,
        "resumes": resumes,
        "checkpoints": session.checkpointing,
        "finished_at": now(),
        "wall_seconds": wall,
        "seconds": {
            "writing": session.recorder.write_seconds,
            "setup": setup_seconds,
            "quantum": session.seconds["quantum"],
            "spiking": session.seconds["spiking"],
            "per_tick": (wall - setup_seconds) / max(session.ticks_run, 1),
        },
        "last_tick": None if last is None else last_tick_metrics(last),
        "result": reader.result(),
        "budget": budget_totals(events),
    }
    if status != "completed":
        summary["resume"] = f"qnf resume {run_dir}"
    return summary

