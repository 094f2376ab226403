"""Every node's ledger against its federation's ledger (spec §11, §12; design §12 "Node ledgers
are checked against the federation ledger").

The federation ledger commits round r after every node it delivered to made that round's
``consensus`` block durable (``run/node.py``), so for each committed ``round`` block and each
node the genesis block lists:

    node missing from the round              no delivery: nothing is required of its ledger
    node whose delivery failed (undelivered) its block is optional (the node may have written
                                             it before it failed); if present it is compared
    any other node                           its ledger must hold a ``consensus`` block of
                                             round r, and it is compared

and "compared" means: the block's tick, consensus phases, coupling and decoupled flag are the
round block's (the delivery the coordinator recorded for that node), and, when the round's
meta holds the node's signature (its contribution was accepted), the signature verifies with
the node's listed key over the run id, the round, the node id and the block's
``phases_before`` (the phases the node contributed, kept bit for bit). The signature is what
tells two nodes' directories apart: their deliveries may be identical. A node ledger may
hold one round more than the federation ledger committed (a ``kill -9`` after a node took the
delivery of a round whose block was not committed; ``federation_resume``'s docstring), never
two, and none once the federation ended; likewise no more ticks than the end of that round,
unless every planned round is committed (then the nodes run their remaining ticks before the
``end`` block). A node directory of another run of the same config is told apart only by
that: on deterministic backends it holds the same blocks, round for round (the run id is
signed, never recorded by a node).

Problems are one line each, naming the node's directory and the round; a node whose own ledger
fails verification gets that one line and no round lines, a node with no ledger (or none with a
genesis block: it would start afresh) one line if a round was delivered to it (both only for
the resume: ``qnf ledger verify`` leaves them to its audit). At most ``LINES_PER_NODE`` round lines
per node are given, then one line saying how many more.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature

from orchestrator.federation.signing import load_public_key, signed_bytes
from orchestrator.record.audit import Audit, audit
from orchestrator.record.audit_federation import round_plan
from orchestrator.record.directories import FederationDirectory
from orchestrator.record.events import ticks_done
from orchestrator.record.ledger import LedgerError, read_blocks
from orchestrator.record.ledger_events import FEDERATION_GENESIS
from orchestrator.record.rundir import RunDirectory
from orchestrator.record.verify import verify

__all__ = [
    "LINES_PER_NODE",
    "REMEDY",
    "audit_problems",
    "audit_with_nodes",
    "node_ledger_problems",
]

LINES_PER_NODE = 10
REMEDY = "restore the node's directory from this run, or start a new run"

Block = tuple[int, dict[str, Any], dict[str, Any]]


def audit_with_nodes(run_dir: Path) -> Audit:
    """What ``qnf ledger verify`` and ``qnfusion.verify`` check: the run's audit
    (``orchestrator.record.audit``) and, for a federation, ``audit_problems`` added to its
    problems (record/ cannot sign-check: the node check lives here, in run/)."""
    result = audit(run_dir)
    result.problems.extend(audit_problems(run_dir))  # a federation's nodes, round by round
    return result


def audit_problems(run_dir: Path) -> list[str]:
    """``qnf ledger verify``'s share: the lines of ``node_ledger_problems`` (``resuming``
    False) for a federation whose own ledger verifies (else: nothing to add to what the audit
    says)."""
    files = RunDirectory(run_dir)
    try:
        if not files.is_run() or not verify(files.ledger).ok:
            return []
        blocks = list(read_blocks(files.ledger))
    except (LedgerError, sqlite3.Error):
        return []
    if not blocks or blocks[0][1].get("kind") != FEDERATION_GENESIS:
        return []
    return node_ledger_problems(run_dir, blocks, resuming=False)


def node_ledger_problems(
    run_dir: Path, blocks: Sequence[Block], resuming: bool = True
) -> list[str]:
    """One line per inconsistency between the federation ledger ``blocks`` (verified, genesis
    first) of ``run_dir`` and its nodes' ledgers (module docstring); empty when consistent.
    resuming: also a line for a node ledger that fails its own verification, and for a node
    without a ledger the federation delivered to (fusion nodes keep one; for ``ledger
    verify`` the audit says the first, and a node of another factory may keep none)."""
    genesis, meta = blocks[0][1], blocks[0][2]
    rounds = [(e, m) for _, e, m in blocks if e.get("kind") == "round"]
    ended = blocks[-1][1].get("kind") == "end"
    keys = genesis.get("nodes") if isinstance(genesis.get("nodes"), Mapping) else {}
    tick_limit = _tick_limit(genesis, len(rounds))
    problems: list[str] = []
    for node_id in sorted(keys):
        path = FederationDirectory(run_dir).node(node_id)
        held = _consensus_blocks(path)
        if held is None and not resuming:
            continue
        if isinstance(held, str):
            if resuming:
                problems.append(f"{path}: node {node_id}'s ledger {held}; {REMEDY}")
            continue
        run_id = str(meta.get("run_id"))
        lines = _node(path, node_id, str(keys[node_id]), run_id, rounds, ended, held, tick_limit)
        problems.extend(lines[:LINES_PER_NODE])
        if len(lines) > LINES_PER_NODE:
            problems.append(f"{path}: {len(lines) - LINES_PER_NODE} more problems; {REMEDY}")
    return problems


def _node(
    path: Path,
    node_id: str,
    key: str,
    run_id: str,
    rounds: list[tuple[dict[str, Any], dict[str, Any]]],
    ended: bool,
    found: tuple[dict[int, dict[str, Any]], int] | None,
    tick_limit: int | None,
) -> list[str]:
    needed = [e["round"] for e, _ in rounds if node_id not in e["missing"]
              and node_id not in e["undelivered"]]  # fmt: skip
    if found is None:  # no node ledger, or no genesis in it: the node would start afresh
        if not needed:
            return []
        return [
            f"{path}: round {needed[0]}: no ledger of node {node_id}, but the federation ledger "
            f"committed its delivery; {REMEDY}"
        ]
    held, ticks = found
    lines = []
    for event, round_meta in rounds:
        r = event["round"]
        block = held.get(r)
        if block is None:
            if r in needed:
                lines.append(
                    f"{path}: round {r}: the federation ledger committed node {node_id}'s "
                    f"delivery, its ledger has no consensus block of round {r}; {REMEDY}"
                )
            continue
        if node_id in event["missing"]:
            continue  # took round r before a crash, then missed its re-run: not compared
        signature = (round_meta.get("signatures") or {}).get(node_id)
        for what in _differences(event, block, node_id, key, run_id, signature):
            lines.append(f"{path}: round {r}: {what}; {REMEDY}")
    allowed = len(rounds) + (0 if ended else 1)  # one round ahead of an unfinished federation
    for r in sorted(x for x in held if x >= allowed):
        lines.append(
            f"{path}: round {r}: node {node_id}'s ledger holds a consensus block of a round the "
            f"federation ledger never committed (it holds {len(rounds)} rounds); {REMEDY}"
        )
    if tick_limit is not None and ticks > tick_limit:
        lines.append(
            f"{path}: round {len(rounds)}: node {node_id}'s ledger holds {ticks} ticks, past "
            f"the {tick_limit} that round {len(rounds)}, the first not committed, ends at; "
            f"{REMEDY}"
        )
    return lines


def _tick_limit(genesis: Mapping[str, Any], committed: int) -> int | None:
    """The most ticks a node may have run: up to the end of the first round not committed
    (it may have advanced to it), or any number once every planned round is committed (the
    nodes run their remaining ticks before the ``end`` block). None: not known from the
    genesis block's config."""
    plan = round_plan(genesis)
    if plan is None:
        return None
    every, planned = plan
    return None if committed >= planned else (committed + 1) * every


def _consensus_blocks(path: Path) -> tuple[dict[int, dict[str, Any]], int] | str | None:
    """(round -> the node ledger's last ``consensus`` block of it, ticks done); None when the
    directory holds no ledger with a genesis block; a string saying why the ledger cannot be
    trusted."""
    files = RunDirectory(path)
    try:
        if not files.is_run() or next(read_blocks(files.ledger), None) is None:
            return None  # as run/node.py's _has_genesis: the node would start afresh
        checked = verify(files.ledger)
        if not checked.ok:
            return f"fails verification at block {checked.bad_block} ({checked.reason})"
        events = [e for _, e, _ in read_blocks(files.ledger)]
    except (LedgerError, sqlite3.Error) as exc:
        return f"cannot be read ({exc})"
    held = {e["round"]: e for e in events if e.get("kind") == "consensus" and "round" in e}
    return held, ticks_done(events)


def _differences(
    event: dict[str, Any],
    block: dict[str, Any],
    node_id: str,
    key: str,
    run_id: str,
    signature: str | None,
) -> list[str]:
    out = []
    if block.get("tick") != event["tick"]:
        out.append(f"the consensus block is at tick {block.get('tick')!r}, the round at tick "
                   f"{event['tick']!r}")  # fmt: skip
    if not _same_phases(block.get("consensus"), event["consensus"]):
        out.append("the consensus phases the node received differ from the round block's")
    coupling = (event.get("coupling") or {}).get(node_id)
    if block.get("federation_coupling") != coupling:
        out.append(f"the node received coupling {block.get('federation_coupling')!r}, the round "
                   f"block records {coupling!r}")  # fmt: skip
    decoupled = node_id in event["decoupled"] or node_id in event["rejected"]
    if block.get("decoupled") is not decoupled:
        out.append(f"the node was told decoupled={block.get('decoupled')!r}, the round block "
                   f"records decoupled={decoupled!r}")  # fmt: skip
    if signature is not None and not _signed(key, signature, run_id, event["round"], node_id,
                                             block.get("phases_before")):  # fmt: skip
        out.append(
            "the phases the node's ledger says it contributed are not the ones the round's "
            "signature covers (another node's directory, or another run's)"
        )
    return out


def _same_phases(a: Any, b: Any) -> bool:
    """Bit for bit: both lists of the same doubles (as the ledgers' JSON gives them back),
    or both None (no consensus formed)."""
    return type(a) is type(b) and a == b


def _signed(key: str, signature: str, run_id: str, round: int, node_id: str, phases: Any) -> bool:
    try:
        load_public_key(key).verify(
            bytes.fromhex(signature), signed_bytes(run_id, round, node_id, phases)
        )
    except (InvalidSignature, ValueError, TypeError):
        return False
    return True
