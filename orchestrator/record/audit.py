"""``qnf ledger verify``: what a run directory claims, checked against its ledger (spec §11).

The hash chain (``orchestrator.record.verify``) proves the blocks were not changed; it cannot
see blocks removed from the end, nor files beside the ledger that disagree with it. So after
the chain:

1. the genesis block: its ``config_sha256`` is the hash of the config it holds
   (SHA-256 of the RFC 8785 JSON, ``run.out`` left out, as ``RunConfig.config_hash``);
2. config.yaml hashes to the same value and names the same ``run.seed`` (it is what a resume
   runs);
3. summary.json, when there is one, is a JSON object whose ``final_root``, ``blocks``,
   ``ticks``, ``seed`` and ``config_sha256`` are the ledger's: it anchors the tail, so a
   truncated ledger fails here. Without one (a run killed before it could write it) nothing
   anchors the tail, and the result says so;
4. summary.json's account of how the run ended agrees with the ledger (issue 27, F9): a
   ``completed`` status needs every planned tick in the ledger and no error, a ledger ending
   in a ``stop`` block needs ``stopped``; ``last_tick`` is the metrics row of the ledger's last
   tick; ``backends`` are the identities the ledger's last block ran with (a run resumed on
   other package versions only to write its summary would show here); ``reverts``,
   ``ticks_planned`` and ``result`` (``orchestrator.record.result``, recomputed from the
   events) are the ledger's;
5. every checkpoint file belongs to a block that records its SHA-256 and matches it; a file
   past the ledger's end by more than the one block a crash can leave uncommitted shows
   blocks are missing at the end.

A federation's coordinator directory (genesis kind ``federation``) is checked by 1-3 without
the seed and tick counts (its summary counts the nodes' ticks), keeps no checkpoints, and its
``end`` block and summary are checked against the rounds and against every node's directory,
each audited as a run (``orchestrator.record.audit_federation``).

Files are read bounded (config.yaml through the config reader's limits, summary.json up to
1 MiB, checkpoints only as regular files), so a hostile directory cannot stall the check.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from orchestrator.config.digest import config_digest
from orchestrator.config.errors import ConfigError
from orchestrator.config.yaml_input import parse_yaml, read_text
from orchestrator.record import checkpoint
from orchestrator.record.audit_federation import check_federation
from orchestrator.record.budget import budget_totals
from orchestrator.record.events import last_tick_metrics, ticks_done
from orchestrator.record.ledger import read_blocks
from orchestrator.record.ledger_events import FEDERATION_GENESIS
from orchestrator.record.result import run_result
from orchestrator.record.rundir import RunDirectory, load_summary
from orchestrator.record.verify import verify

__all__ = ["STATUSES", "Audit", "audit"]

STATUSES = ("completed", "cancelled", "stopped", "failed", "interrupted")


@dataclass(frozen=True)
class Audit:
    """The outcome: ``problems`` (empty when everything checks), ``notes`` (what could not be
    checked), blocks and final root of the chain."""

    blocks: int
    root: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _digest(config: Any) -> str | None:
    """The config digest (``orchestrator.config.digest``) of a mapping; None for anything else
    or a mapping JSON cannot hold (it cannot be the hash of a config a run recorded)."""
    if not isinstance(config, Mapping):
        return None
    try:
        return config_digest(config)
    except ValueError:
        return None


def audit(run_dir: Path) -> Audit:
    """Check the run directory ``run_dir`` (see the module docstring)."""
    files = RunDirectory(run_dir)
    chain = verify(files.ledger)
    if not chain.ok:
        problem = f"FAILED at block {chain.bad_block}: {chain.reason}"
        return Audit(chain.blocks, chain.root, [problem])
    events = {h: e for h, e, _ in read_blocks(files.ledger)}
    result = Audit(chain.blocks, chain.root)
    genesis = events.get(0, {})
    if genesis.get("kind") not in ("genesis", FEDERATION_GENESIS):
        result.problems.append("FAILED at block 0: it is not a genesis block")
        return result
    _check_genesis(genesis, result)
    _check_config(files, genesis, result)
    summary = _check_summary(files, genesis, events, result)
    if genesis["kind"] == "genesis":  # a federation's coordinator keeps no checkpoints
        if summary is not None:
            _check_run_outcome(files, genesis, events, summary, result)
        _check_checkpoints(files, events, result)
    else:
        check_federation(files, genesis, events, summary, result)
    return result


def _check_genesis(genesis: dict[str, Any], result: Audit) -> None:
    config = genesis.get("config")
    digest = _digest(config)
    if digest is None or digest != genesis.get("config_sha256"):
        result.problems.append(
            "FAILED at block 0: its config_sha256 is not the hash of the config it records"
        )


def _check_config(files: RunDirectory, genesis: dict[str, Any], result: Audit) -> None:
    try:
        config = parse_yaml(read_text(files.config), str(files.config)).data
    except ConfigError as exc:
        result.problems.append(f"FAILED: {files.CONFIG}: {exc.problems[0]}")
        return
    if not isinstance(config, Mapping):
        result.problems.append(f"FAILED: {files.CONFIG} is not a mapping of sections")
        return
    digest = _digest(config)
    if digest is None or digest != genesis.get("config_sha256"):
        result.problems.append(
            f"FAILED: {files.CONFIG} does not hash to the config_sha256 of the genesis block "
            "(changed after the run started)"
        )
    run = config.get("run")
    seed = run.get("seed") if isinstance(run, Mapping) else None
    if "seed" in genesis and seed != genesis["seed"]:
        result.problems.append(
            f"FAILED: {files.CONFIG} names seed {seed!r}, the genesis block {genesis.get('seed')!r}"
        )


def _ticks(events: dict[int, dict[str, Any]]) -> int:
    return ticks_done(events[height] for height in sorted(events))


def _check_summary(
    files: RunDirectory,
    genesis: dict[str, Any],
    events: dict[int, dict[str, Any]],
    result: Audit,
) -> dict[str, Any] | None:
    """The claims every summary makes (root, blocks, config hash; a run's ticks and seed);
    returns the summary, or None when there is none or it cannot be read."""
    try:
        summary = load_summary(files)
    except FileNotFoundError:
        result.notes.append(
            f"no {files.SUMMARY}: nothing anchors the end of the ledger, so blocks removed "
            "from its end would go unseen (a run killed before it wrote one has none)"
        )
        return None
    except ValueError as exc:
        result.problems.append(f"FAILED: {files.SUMMARY} {exc}")
        return None
    claims = {
        "final_root": (result.root, result.blocks),
        "blocks": (result.blocks, result.blocks),
        "config_sha256": (genesis.get("config_sha256"), 0),
    }
    if genesis["kind"] == "genesis":  # a federation's summary counts its nodes' ticks
        claims["ticks"] = (_ticks(events), result.blocks)
        claims["seed"] = (genesis.get("seed"), 0)
    for key, (expected, block) in claims.items():
        recorded = summary.get(key)
        if key in summary and recorded != expected:
            hint = " (blocks missing at the end?)" if key in ("final_root", "blocks") else ""
            result.problems.append(
                f"FAILED at block {block}: {files.SUMMARY} records {key} {recorded!r}, the "
                f"ledger {expected!r}{hint}"
            )
    return summary


def _same(a: Any, b: Any) -> bool:
    """Equal as JSON (NaN equal to NaN, a tuple to a list)."""
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def _check_run_outcome(
    files: RunDirectory,
    genesis: dict[str, Any],
    events: dict[int, dict[str, Any]],
    summary: dict[str, Any],
    result: Audit,
) -> None:
    """summary.json's status, last_tick, budget, backends, reverts and ticks_planned against the
    ledger."""
    last = max(events)
    config = genesis.get("config") if isinstance(genesis.get("config"), Mapping) else {}
    run = config.get("run") if isinstance(config.get("run"), Mapping) else {}
    planned, ticks = run.get("ticks"), _ticks(events)
    where = f"FAILED at block {last}: {files.SUMMARY}"
    status = summary.get("status")
    if "ticks_planned" in summary and summary["ticks_planned"] != planned:
        result.problems.append(
            f"{where} records ticks_planned {summary['ticks_planned']!r}, the genesis config "
            f"{planned!r}"
        )
    if status == "completed" and ticks != planned:
        result.problems.append(
            f"{where} records status 'completed', but the ledger holds {ticks} of the "
            f"{planned!r} ticks planned"
        )
    if status == "completed" and summary.get("error") is not None:
        result.problems.append(f"{where} records status 'completed' with an error")
    if status == "stopped" and events[last].get("kind") != "stop":
        result.problems.append(
            f"{where} records status 'stopped', but the ledger does not end with a stop block"
        )
    if events[last].get("kind") == "stop" and status != "stopped":
        result.problems.append(
            f"{where} records status {status!r}, but the ledger ends with a stop block "
            f"({events[last].get('reason', 'the quantum backend could not go on')})"
        )
    if "status" in summary and status not in STATUSES:
        result.problems.append(f"{where} records status {status!r}, not one a run ends with")
    tick_events = [events[h] for h in sorted(events) if events[h].get("kind") == "tick"]
    if "last_tick" in summary:
        expected = last_tick_metrics(tick_events[-1]) if tick_events else None
        if not _same(summary["last_tick"], expected):
            result.problems.append(
                f"{where} records a last_tick that is not the ledger's last tick "
                f"(tick {expected['tick'] if expected else None})"
            )
    if "budget" in summary:
        expected_budget = budget_totals(events[h] for h in sorted(events))
        if not _same(summary["budget"], expected_budget):
            result.problems.append(
                f"{where} records a budget that is not the sum of the ledger's tick events' "
                f"budgets (the ledger: {expected_budget['shots_total']} shots, "
                f"{expected_budget['circuits']} circuits)"
            )
    recorded = [events[h]["backends"] for h in sorted(events) if "backends" in events[h]]
    if "backends" in summary and recorded and not _same(summary["backends"], recorded[-1]):
        result.problems.append(
            f"{where} records backends other than the ones the ledger's last block ran on"
        )
    if "result" in summary and not _same(
        summary["result"], run_result(events[h] for h in sorted(events))
    ):
        result.problems.append(
            f"{where} records a result that is not the one its ledger's events give"
        )
    reverts = [events[h].get("reverts") for h in sorted(events) if events[h]["kind"] == "revert"]
    if "reverts" in summary and summary["reverts"] != (reverts[-1] if reverts else 0):
        result.problems.append(
            f"{where} records reverts {summary['reverts']!r}, the ledger "
            f"{reverts[-1] if reverts else 0!r}"
        )


def _check_checkpoints(
    files: RunDirectory, events: dict[int, dict[str, Any]], result: Audit
) -> None:
    if not files.checkpoints.is_dir():
        return
    for path in sorted(files.checkpoints.glob("*.ckpt")):
        height = files.checkpoint_height(path)
        if height is None:
            continue
        if height > result.blocks:
            result.problems.append(
                f"FAILED at block {result.blocks}: checkpoints/{path.name} belongs to block "
                f"{height}, but the ledger ends at block {result.blocks - 1} (blocks missing "
                "at the end?)"
            )
            continue
        if height == result.blocks:  # written just before a crash, its block never committed
            continue
        sha = events[height].get("checkpoint_sha256")
        if sha is None:
            result.problems.append(
                f"FAILED at block {height}: checkpoints/{path.name} exists, but its block "
                "records no checkpoint"
            )
            continue
        try:
            checkpoint.read(path, sha)
        except checkpoint.ReplayRequired:
            continue  # its bytes and base verified; its network state is checked on resume
        except checkpoint.CheckpointError as exc:
            why = str(exc).removeprefix(f"{path}: ")
            result.problems.append(f"FAILED at block {height}: checkpoints/{path.name}: {why}")
