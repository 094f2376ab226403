"""Re-run a run from its record and compare the two ledgers (``qnf reproduce``; issue 26).

    reproduce(RUN_DIR, scratch): read the genesis block of RUN_DIR's ledger (the resolved
    config, seed included, under the chain's root) -> validate it -> refuse what cannot repeat
    (a federated run, a device or a chip) -> run it into ``scratch`` (a new run directory) ->
    ``orchestrator.record.compare.compare_ledgers(original, rerun)``.

The rerun is a whole ordinary run of the recorded config (run.ticks as recorded: changing it
would change the genesis block, and the checkpoint taken at a run's last tick). A run that
ended early (interrupted, stopped, failed) is compared over the blocks it holds. What the
comparison says, and why two machines can disagree: design §6.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig
from orchestrator.config.stored import validate_stored
from orchestrator.record.compare import Comparison, compare_ledgers
from orchestrator.record.ledger import LedgerError, read_blocks
from orchestrator.record.rundir import RunDirectory, read_summary
from orchestrator.run.hooks import RunHooks
from orchestrator.run.interrupt import SignalStop
from orchestrator.run.runner import RunResult, check_run_dir, execute
from orchestrator.run.session import TickCallback

__all__ = ["ReproduceError", "Reproduction", "recorded_config", "reproduce"]


class ReproduceError(ValueError):
    """RUN_DIR cannot be reproduced (not a run, unreadable, or not repeatable): one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Reproduction:
    """The rerun (its directory and how it ended) and the comparison of the two ledgers."""

    original: Path
    rerun: RunResult
    comparison: Comparison
    original_status: str | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "original": str(self.original),
            "original_status": self.original_status,
            "rerun": str(self.rerun.run_dir),
            "rerun_status": self.rerun.status,
            **self.comparison.to_dict(),
        }


def recorded_config(run_dir: Path) -> RunConfig:
    """The config RUN_DIR's genesis block records, validated; ``ReproduceError`` otherwise."""
    files = RunDirectory(run_dir)
    if not files.is_run():
        raise ReproduceError([f"{run_dir}: not a run directory (no {files.LEDGER})"])
    try:
        first = next(read_blocks(files.ledger), None)
    except (LedgerError, OSError, ValueError, sqlite3.Error) as exc:
        raise ReproduceError([f"{files.ledger}: not a readable ledger ({exc})"]) from None
    if first is None:
        raise ReproduceError([f"{files.ledger}: empty (the run never started)"])
    genesis = first[1]
    if genesis.get("kind") != "genesis" or not isinstance(genesis.get("config"), dict):
        kind = genesis.get("kind")
        raise ReproduceError(
            [
                f"{files.ledger}: block 0 is a {kind!r} block, not a run's genesis"
                + (
                    " (a federated run: reproduce is for single runs)"
                    if "federation" in str(kind)
                    else ""
                )
            ]
        )
    try:
        config = validate_stored(genesis["config"])
    except ConfigError as exc:
        raise ReproduceError(
            [f"the recorded config no longer validates here: {p}" for p in exc.problems]
        ) from None
    if config.federation is not None:
        raise ReproduceError(["a federated run: reproduce is for single runs"])
    hardware = [
        f"{layer} backend '{section.kind}'"
        for layer, section in (("quantum", config.quantum), ("spiking", config.spiking))
        if section.capabilities().hardware
    ]
    if hardware:
        raise ReproduceError(
            [
                f"the run uses hardware ({', '.join(hardware)}): a device's shots and a chip's "
                "spikes do not repeat, so it cannot be re-run bit for bit"
            ]
        )
    return config


def reproduce(
    run_dir: Path,
    scratch: Path,
    on_tick: TickCallback | None = None,
    on_start: Callable[[dict[str, dict[str, str]]], None] | None = None,
    interrupt: SignalStop | None = None,
) -> Reproduction:
    """Re-run RUN_DIR's recorded config into ``scratch`` (must not exist) and compare.

    Raises ``ReproduceError`` (bad input, before anything is built or written), and whatever
    ``runner.execute`` raises for the rerun (``ConfigError`` for a ``scratch`` that exists).
    """
    config = recorded_config(run_dir)
    check_run_dir(scratch)
    files = RunDirectory(run_dir)
    status = (read_summary(files) or {}).get("status")
    hooks = RunHooks(on_tick=on_tick, on_start=on_start, interrupt=interrupt)
    result = execute(config, scratch, hooks, draw_report=False)
    comparison = compare_ledgers(files.ledger, RunDirectory(result.run_dir).ledger)
    return Reproduction(run_dir, result, comparison, status if isinstance(status, str) else None)
