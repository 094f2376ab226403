"""``qnf ledger verify`` of a federation's directory: its summary and ``end`` block against the
rounds it holds and against every node's own ledger (spec §11, §12; issue 27, F9).

After the checks every ledger gets (``orchestrator.record.audit``: chain, genesis, config.yaml,
summary's root, blocks and config hash):

1. the ``end`` block: there is at most one, it is the last block, its ``rounds`` is the number
   of ``round`` blocks, and its nodes are the nodes the genesis block lists;
2. summary.json: its ``rounds`` and each node's status, ticks and final root are the end
   block's; its ``status`` is what the end block implies (``completed`` exactly when every
   node completed and every planned round was held);
3. each node listed in the end block: ``nodes/<id>`` is a run directory that passes the
   single-run audit (its problems are reported prefixed ``node <id>:``), and its chain's final
   root and tick count are the ones the end block records, so a node ledger replaced, cut or
   extended after the federation ended is caught here, as is an end block edited to match a
   forged node summary.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from orchestrator.record.directories import FederationDirectory
from orchestrator.record.events import ticks_done
from orchestrator.record.ledger import read_blocks
from orchestrator.record.rundir import RunDirectory, read_summary
from orchestrator.record.verify import verify

if TYPE_CHECKING:
    from orchestrator.record.audit import Audit

__all__ = ["check_federation", "round_plan"]

_NODE_KEYS = ("status", "ticks", "final_root")


def check_federation(
    files: RunDirectory,
    genesis: dict[str, Any],
    events: dict[int, dict[str, Any]],
    summary: dict[str, Any] | None,
    result: Audit,
) -> None:
    """The checks of the module docstring; problems and notes are added to ``result``."""
    last = max(events)
    ends = [h for h in sorted(events) if events[h].get("kind") == "end"]
    rounds = sum(1 for e in events.values() if e.get("kind") == "round")
    listed = sorted(genesis.get("nodes") or {})
    if not ends:
        result.notes.append("no end block: the federation did not finish, its nodes are unchecked")
        if summary is not None and summary.get("status") == "completed":
            result.problems.append(
                f"FAILED at block {last}: {files.SUMMARY} records status 'completed', but the "
                "ledger has no end block"
            )
        return
    end = events[ends[-1]]
    where = f"FAILED at block {ends[-1]}"
    if len(ends) > 1 or ends[-1] != last:
        result.problems.append(f"{where}: the end block must be the ledger's last and only one")
    if end.get("rounds") != rounds:
        result.problems.append(
            f"{where}: the end block records {end.get('rounds')!r} rounds, the ledger holds "
            f"{rounds}"
        )
    nodes = end.get("nodes") if isinstance(end.get("nodes"), Mapping) else {}
    if sorted(nodes) != listed:
        result.problems.append(
            f"{where}: the end block names nodes {sorted(nodes)}, the genesis block {listed}"
        )
    if summary is not None:
        _check_summary_against_end(files, genesis, end, nodes, rounds, summary, result, where)
    for node_id in sorted(set(nodes) & set(listed)):
        _check_node(files, node_id, nodes[node_id], result, where)


def round_plan(genesis: Mapping[str, Any]) -> tuple[int, int] | None:
    """(ticks between rounds, rounds planned) from a federation genesis block's config (its
    ``federation.rounds_every_ticks`` and ``run.ticks``); None where the block does not say."""
    config = genesis.get("config") if isinstance(genesis.get("config"), Mapping) else {}
    fed = config.get("federation") if isinstance(config.get("federation"), Mapping) else {}
    run = config.get("run") if isinstance(config.get("run"), Mapping) else {}
    every, ticks = fed.get("rounds_every_ticks"), run.get("ticks")
    if not isinstance(every, int) or not isinstance(ticks, int) or every <= 0:
        return None
    return every, ticks // every


def _check_summary_against_end(
    files: RunDirectory,
    genesis: dict[str, Any],
    end: dict[str, Any],
    nodes: Mapping[str, Any],
    rounds: int,
    summary: dict[str, Any],
    result: Audit,
    where: str,
) -> None:
    plan = round_plan(genesis)
    planned = plan[1] if plan is not None else None
    if "rounds" in summary and summary["rounds"] != end.get("rounds"):
        result.problems.append(
            f"{where}: {files.SUMMARY} records rounds {summary['rounds']!r}, the end block "
            f"{end.get('rounds')!r}"
        )
    told = summary.get("nodes") if isinstance(summary.get("nodes"), Mapping) else None
    if "nodes" in summary:
        for node_id in sorted(set(nodes) | set(told or {})):
            mine = (told or {}).get(node_id)
            theirs = nodes.get(node_id)
            mine = {k: mine.get(k) for k in _NODE_KEYS} if isinstance(mine, Mapping) else mine
            theirs = (
                {k: theirs.get(k) for k in _NODE_KEYS} if isinstance(theirs, Mapping) else theirs
            )
            if json.dumps(mine, sort_keys=True) != json.dumps(theirs, sort_keys=True):
                result.problems.append(
                    f"{where}: {files.SUMMARY} records node {node_id} as {mine!r}, the end "
                    f"block {theirs!r}"
                )
    done = all(isinstance(n, Mapping) and n.get("status") == "completed" for n in nodes.values())
    complete = done and rounds == planned
    status = summary.get("status")
    if "status" in summary and (status == "completed") != complete:
        result.problems.append(
            f"{where}: {files.SUMMARY} records status {status!r}, but "
            + (
                "every node completed every round"
                if complete
                else f"the end block shows {rounds} of {planned!r} rounds and node statuses "
                f"{ {k: (v or {}).get('status') for k, v in sorted(nodes.items())} }"
            )
        )


def _check_node(
    files: RunDirectory, node_id: str, recorded: Any, result: Audit, where: str
) -> None:
    from orchestrator.record.audit import audit

    path = FederationDirectory(files.path).node(node_id)
    node = RunDirectory(path)
    recorded = recorded if isinstance(recorded, Mapping) else {}
    if not node.ledger.is_file():
        if recorded.get("final_root") is not None:
            result.problems.append(
                f"{where}: node {node_id} has no ledger at {path}, the end block records root "
                f"{recorded.get('final_root')}"
            )
        return
    inner = audit(path)
    result.problems.extend(f"node {node_id}: {p}" for p in inner.problems)
    result.notes.extend(f"node {node_id}: {n}" for n in inner.notes)
    chain = verify(node.ledger)
    if not chain.ok:
        return  # said by the node's own audit
    if recorded.get("final_root") != chain.root:
        result.problems.append(
            f"{where}: the end block records node {node_id}'s final root "
            f"{recorded.get('final_root')!r}, its ledger ends at {chain.root!r}"
        )
    ticks = ticks_done(event for _, event, _ in read_blocks(node.ledger))
    if "ticks" in recorded and recorded["ticks"] != ticks:
        result.problems.append(
            f"{where}: the end block records {recorded['ticks']!r} ticks of node {node_id}, "
            f"its ledger holds {ticks}"
        )
    own = read_summary(node)
    if own is not None and "status" in recorded and own.get("status") != recorded["status"]:
        result.problems.append(
            f"{where}: the end block records node {node_id} {recorded['status']!r}, its "
            f"summary.json {own.get('status')!r}"
        )
