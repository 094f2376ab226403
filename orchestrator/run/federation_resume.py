"""Resuming a federation's coordinator (spec §12, §13; design §12; issue 26 part 3).

    lock the federation's directory -> its ledger must verify, start with a ``federation``
    block and match config.yaml -> an ``end`` block: the run is over (summary.json is written
    again if it was lost, else refused) -> every node's ledger must hold what the federation
    ledger committed to it (``federation_check``; else refused, one line per problem, nothing
    written) -> the coordinator's state from the ``round`` blocks
    (``Coordinator.replay``) -> the engine builds every node, which resumes its own run
    directory from its newest checkpoint -> the rounds go on from the first one not committed

A ``kill -9`` can land anywhere: between rounds, while the nodes advance (some ahead of
others), between deliveries (some nodes received round r, the round's block is not
committed), inside the federation ledger's transaction (SQLite rolls it back), after the last
round while the nodes run their remaining ticks, or before summary.json. Every case reduces to
"round r is the first not committed": a node that already advanced answers round r again from
where it is, and one that already received round r's delivery answers with the contribution
it made before the pull (its federation rule keeps it in its checkpoint) and takes the
delivery again as a no-op, because the coordinator decides round r from the same signed
phases and the same replayed state exactly as before. No node lacks a committed round's
delivery: a node answers ``receive`` once its ``consensus`` block is durable (``run/node.py``)
and the round's block is committed after every answer. So on deterministic backends the
resumed federation ends with the federation root, and every node with the root, of a run
never interrupted (tested at kill points of each kind on the local engine). A node directory
that does not fit (restored from an older backup, swapped with another node's, copied from
another run) is refused before anything is built or written: resuming it would end silently
at other roots.

The run id, which every contribution signs, is the genesis block's; node restarts counted
against ``max_restarts`` start again from zero in the resumed coordinator.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from orchestrator.config.errors import ConfigError
from orchestrator.config.stored import load_stored_config
from orchestrator.contract.federation import FederationEngine
from orchestrator.federation.coordinator import Coordinator
from orchestrator.record import faults
from orchestrator.record.fsutil import write_atomic
from orchestrator.record.ledger import Ledger, read_blocks
from orchestrator.record.ledger_events import FEDERATION_GENESIS as GENESIS_KIND
from orchestrator.record.rundir import RunDirectory, read_summary
from orchestrator.record.verify import verify
from orchestrator.run.federation import (
    NODE_FACTORY,
    appender,
    channels,
    drive,
    federation_summary,
    node_specs,
    open_engine,
    stopping,
)
from orchestrator.run.federation_check import node_ledger_problems
from orchestrator.run.hooks import RunHooks
from orchestrator.run.interrupt import Interrupted
from orchestrator.run.resume import ResumeError
from orchestrator.run.runner import RunResult

__all__ = ["is_federation", "resume_federation"]


def is_federation(run_dir: Path) -> bool:
    """Whether ``run_dir`` holds a federation's coordinator (its ledger opens with a
    ``federation`` block), not a single run or one of its nodes."""
    files = RunDirectory(run_dir)
    if not files.is_run():
        return False
    first = next(read_blocks(files.ledger), None)
    return first is not None and first[1].get("kind") == GENESIS_KIND


def resume_federation(
    run_dir: Path,
    engine: FederationEngine | None = None,
    hooks: RunHooks | None = None,
    factory: str = NODE_FACTORY,
) -> RunResult:
    """Continue the federation in ``run_dir`` from its last committed round (docstring).

    The arguments are ``run_federation``'s. Raises ``ResumeError`` (not a federation, a
    ledger that fails verification, a config.yaml that does not match it, a run that is
    over, a node ledger that does not hold what the federation ledger committed to it: one
    line per problem), ``RunBusy`` when another process holds the directory, ``ConfigError``
    when the config no longer validates or the engine cannot place the nodes, ``Interrupted``
    when a signal came before anything changed.
    """
    hooks = hooks or RunHooks()
    on_round, should_stop, on_commit = hooks.on_round, hooks.should_stop, hooks.on_commit
    interrupt = hooks.interrupt
    files = RunDirectory(run_dir)
    if not files.is_run():
        raise ResumeError(f"{run_dir}: not a run directory (no {files.LEDGER})")
    faults.arm()
    started = time.perf_counter()
    with files.locked():
        config = load_stored_config(files.config)
        fed = config.federation
        checked = verify(files.ledger)
        if not checked.ok:
            raise ResumeError(
                f"{run_dir}: the federation ledger fails verification at block "
                f"{checked.bad_block} ({checked.reason}); a tampered or damaged run is not resumed"
            )
        blocks = list(read_blocks(files.ledger))
        if not blocks or blocks[0][1].get("kind") != GENESIS_KIND or fed is None:
            raise ResumeError(f"{run_dir}: not a federation's run directory")
        genesis, meta = blocks[0][1], blocks[0][2]
        if genesis.get("config_sha256") != config.config_hash():
            raise ResumeError(f"{files.config} does not match the config the run started with")
        rounds = [e for _, e, _ in blocks if e["kind"] == "round"]
        resumes = _previous_resumes(files) + 1
        if blocks[-1][1]["kind"] == "end":
            return _ended(config, run_dir, blocks[-1][1], started, resumes)
        # before any node or backend is built; a node of another factory may keep no ledger
        problems = node_ledger_problems(run_dir, blocks) if factory == NODE_FACTORY else []
        if problems:
            raise ResumeError("\n".join(problems))
        keys = {n.id: n.public_key for n in fed.nodes}
        coordinator = Coordinator(meta["run_id"], keys, channels(config), fed.eps_phi,
                                  fed.ramp_rounds)  # fmt: skip
        for event in rounds:
            coordinator.replay(event)
        specs = node_specs(config, run_dir, meta["run_id"], factory)
        engine = engine if engine is not None else open_engine(config)
        try:
            if interrupt is not None:
                interrupt.settle()
                if interrupt.requested:
                    raise Interrupted(interrupt.signum or 0)
            problems = engine.check(specs)
            if problems:
                raise ConfigError(problems)
            with Ledger.open(files.ledger) as ledger:
                return drive(
                    config, run_dir, specs, engine, coordinator, len(rounds),
                    appender(ledger, on_commit), on_round, stopping(should_stop, interrupt),
                    started, resumes, interrupt,
                )  # fmt: skip
        finally:
            engine.close()


def _ended(
    config: Any, run_dir: Path, end: dict[str, Any], started: float, resumes: int
) -> RunResult:
    """A federation whose ``end`` block is committed: refused, unless summary.json was lost
    (killed between the two), which is written again from the block."""
    files = RunDirectory(run_dir)
    summary = read_summary(files)
    if summary is not None and summary.get("final_root") == verify(files.ledger).root:
        raise ResumeError(
            f"{run_dir}: the federation is over ({summary.get('status')}, {end['rounds']} "
            f"rounds); nothing to resume (see `qnf ledger verify {run_dir}`)"
        )
    nodes = end["nodes"]
    status = "completed" if all(n["status"] == "completed" for n in nodes.values()) else "failed"
    summary = federation_summary(config, run_dir, status, end["rounds"], nodes, started, resumes)
    write_atomic(files.summary, (json.dumps(summary, indent=2) + "\n").encode())
    return RunResult(
        run_dir, status, summary["ticks"], summary["final_root"], summary["wall_seconds"], summary
    )


def _previous_resumes(files: RunDirectory) -> int:
    resumes = (read_summary(files) or {}).get("resumes", 0)
    return resumes if isinstance(resumes, int) and resumes >= 0 else 0
