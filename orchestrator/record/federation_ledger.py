"""The federation's own run directory and ledger (spec §11, §12; design §12).

    <run dir>/config.yaml      the federated config, resolved
    <run dir>/ledger.sqlite    the federation ledger: the same hash chain as a run's
                               (``orchestrator.record.chain``), so ``qnf ledger verify``
                               checks it
    <run dir>/summary.json     how it ended: status, final_root, rounds, every node's outcome
    <run dir>/nodes/<id>/      each node's own run directory (a normal run: its own ledger,
                               checkpoints, summary)

Blocks of the federation ledger, one event each:

- ``federation`` (block 0): the config (without ``run.out``), its SHA-256, the nodes' public
  keys, the channel count. Meta: the run id every contribution signs, host, start time.
- ``round``: one round's outcome (``Coordinator``: consensus, members, decoupled and why,
  rejected and why, missing, rejoining, coupling, resynchronised, undelivered). ``timestamp``
  is the nodes' logical clock (ticks done times tick length, microseconds). Meta: each
  accepted contribution's signature, wall time.
- ``end``: every node's outcome (status, ticks, final root of its ledger), which ties the
  node ledgers to this one. Written once every round was held and the nodes finished: a
  federation stopped by a signal or ``qnf cancel`` has none until it is resumed (its chain is
  then that of a run never stopped).

What depends on the run's random id (the signatures) is in the meta chain, so two runs of the
same config on deterministic backends end at the same final root, as single runs do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["GENESIS_KIND", "end_event", "genesis_event", "node_dir"]

GENESIS_KIND = "federation"


def node_dir(run_dir: Path, node_id: str) -> Path:
    """The run directory of node ``node_id`` inside a federation's run directory."""
    return run_dir / "nodes" / node_id


def genesis_event(
    config: dict[str, Any], config_sha256: str, keys: dict[str, str], channels: int
) -> dict[str, Any]:
    """Block 0 of a federation ledger (``config`` resolved, without ``run.out``)."""
    return {
        "kind": GENESIS_KIND,
        "timestamp": 0,
        "config": config,
        "config_sha256": config_sha256,
        "nodes": dict(sorted(keys.items())),
        "channels": channels,
    }


def end_event(timestamp_us: int, rounds: int, nodes: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The last block: rounds held and each node's outcome."""
    return {"kind": "end", "timestamp": timestamp_us, "rounds": rounds, "nodes": nodes}
