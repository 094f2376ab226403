"""A federated run from its config to a verifying federation ledger (spec §12; design §12).

    check the directory is free -> config.yaml, federation ledger with its genesis block ->
    the engine builds every node (each a normal run under nodes/<id>) -> rounds: advance
    every node to the round's tick, the coordinator's round, deliveries, one ``round`` block
    -> every node finishes its remaining ticks (or, cancelled, stops where it is, resumable)
    -> ``end`` block, summary.json

A node that fails (its process dies, it raises, it does not answer in time) is missing from
that round; its engine restarts it from its checkpoint while ``max_restarts`` allows, and it
rejoins decoupled. The federation never stops for one node: it ends ``completed`` when every
node completed, else ``failed`` naming the nodes that did not.
"""

from __future__ import annotations

import json
import os
import platform
import socket
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig
from orchestrator.config.yaml_input import dump_yaml
from orchestrator.contract.federation import FederationEngine, NodeDown, NodeSpec, engine_plugins
from orchestrator.federation.coordinator import Coordinator, RoundOutcome
from orchestrator.federation.record import end_event, genesis_event, node_dir
from orchestrator.record.fsutil import make_dir, write_atomic
from orchestrator.record.ledger import Ledger
from orchestrator.record.rundir import RunDirectory
from orchestrator.record.verify import verify
from orchestrator.run.federation_keys import (
    key_file_problems,
    repository_keys,
    repository_keys_line,
)
from orchestrator.run.runner import RunResult, check_run_dir
from orchestrator.run.session import now

__all__ = ["NODE_FACTORY", "channels", "node_specs", "open_engine", "run_federation"]

NODE_FACTORY = "orchestrator.run.node:open_node"

RoundCallback = Callable[[RoundOutcome], None]
CommitCallback = Callable[[int, dict[str, Any]], None]


def channels(config: RunConfig) -> int:
    """Phases per contribution: the PCI's channels (qubits, or basis states)."""
    n = config.build_hamiltonian().n_qubits
    return n if config.pci.mapping == "qubit" else 2**n


def open_engine(config: RunConfig) -> FederationEngine:
    """The engine ``federation.engine`` names, connected."""
    assert config.federation is not None
    return engine_plugins()[config.federation.engine].load()(config.federation)


def node_specs(
    config: RunConfig, run_dir: Path, run_id: str, factory: str = NODE_FACTORY
) -> list[NodeSpec]:
    """Every node's ``NodeSpec``, by id; ``factory`` takes (config_yaml, node_id, run_dir,
    run_id) like ``orchestrator.run.node.open_node``, the fusion node."""
    assert config.federation is not None
    text = dump_yaml(config.resolved())
    return [
        NodeSpec(
            node.id,
            factory,
            {
                "config_yaml": text,
                "node_id": node.id,
                "run_dir": str(node_dir(run_dir, node.id).absolute()),
                "run_id": run_id,
            },
            dict(node.resources),
            node.num_cpus,
        )
        for node in sorted(config.federation.nodes, key=lambda n: n.id)
    ]


def run_federation(
    config: RunConfig,
    run_dir: Path,
    engine: FederationEngine | None = None,
    on_round: RoundCallback | None = None,
    should_stop: Callable[[], bool] | None = None,
    on_commit: CommitCallback | None = None,
    factory: str = NODE_FACTORY,
) -> RunResult:
    """Run the federation ``config`` into ``run_dir`` (which must not exist).

    engine: an engine to use instead of the one the config names (it is closed at the end).
    factory: the nodes' factory (``node_specs``); the default makes fusion nodes.
    on_round(outcome): after each round's block is committed. should_stop(): checked before
    each round; True ends the rounds ("cancelled"; each node stops where it is and closes).
    on_commit(height, event): after each federation block is committed.
    """
    fed = config.federation
    if fed is None:
        raise ValueError("run_federation needs a config with a federation section")
    problems = key_file_problems(fed)  # before anything is made: a rerun is never blocked
    if problems:
        raise ConfigError(problems)
    check_run_dir(run_dir)
    warning = repository_keys_line(fed)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    started = time.perf_counter()
    files = RunDirectory(run_dir)
    run_id = uuid.uuid4().hex
    keys = {n.id: n.public_key for n in fed.nodes}
    m = channels(config)
    engine = engine if engine is not None else open_engine(config)
    try:
        make_dir(run_dir / "nodes", parents=True)  # private, as a run's (fsutil)
        with files.locked():
            write_atomic(files.config, dump_yaml(config.resolved()).encode())
            with Ledger.create(files.ledger) as ledger:

                def append(event: dict[str, Any], meta: dict[str, Any]) -> None:
                    height = ledger.height
                    ledger.append(event, meta)
                    if on_commit is not None:
                        on_commit(height, dict(event, block=height))

                resolved = config.resolved()
                resolved["run"].pop("out", None)
                append(
                    genesis_event(resolved, config.config_hash(), keys, m),
                    _genesis_meta(run_id, fed.engine, repository_keys(fed)),
                )
                specs = node_specs(config, run_dir, run_id, factory)
                status, rounds, nodes = _rounds(
                    config, run_id, specs, engine, append, on_round, should_stop
                )
                tick_us = config.spiking.tick_ms * 1000
                append(
                    end_event(round(config.run.ticks * tick_us), rounds, nodes),
                    {"wall_time": now()},
                )
            summary = _summary(config, run_dir, status, rounds, nodes, started)
            write_atomic(files.summary, (json.dumps(summary, indent=2) + "\n").encode())
    finally:
        engine.close()
    return RunResult(
        run_dir,
        summary["status"],
        summary["ticks"],
        summary["final_root"],
        summary["wall_seconds"],
        summary,
    )


def _rounds(
    config: RunConfig,
    run_id: str,
    specs: list[NodeSpec],
    engine: FederationEngine,
    append: Callable[[dict[str, Any], dict[str, Any]], None],
    on_round: RoundCallback | None,
    should_stop: Callable[[], bool] | None,
) -> tuple[str, int, dict[str, dict[str, Any]]]:
    """Build the nodes, hold every round, finish the nodes: (status, rounds, node outcomes)."""
    fed = config.federation
    assert fed is not None
    ids = [s.node_id for s in specs]
    engine.start(specs)
    coordinator = Coordinator(
        run_id, {n.id: n.public_key for n in fed.nodes}, channels(config), fed.eps_phi,
        fed.ramp_rounds,
    )
    tick_us = config.spiking.tick_ms * 1000
    status, held = "completed", 0
    for r in range(config.run.ticks // fed.rounds_every_ticks):
        if should_stop is not None and should_stop():
            status = "cancelled"
            break
        until = (r + 1) * fed.rounds_every_ticks
        began = time.perf_counter()
        answers = engine.call("advance", {i: (r, until) for i in ids}, fed.round_timeout_s)
        outcome = coordinator.collect(r, until, answers)
        receipts = engine.call(
            "receive", {i: (d,) for i, d in outcome.deliveries.items()}, fed.round_timeout_s
        )
        coordinator.delivered(outcome, receipts)
        event = dict(outcome.event(), timestamp=round(until * tick_us))
        meta = {
            "wall_time": now(),
            "seconds": time.perf_counter() - began,
            "signatures": outcome.signatures,
        }
        append(event, meta)
        held += 1
        if on_round is not None:
            on_round(outcome)
    complete = status == "completed"
    finals = engine.call("finish", {i: (complete,) for i in ids}, fed.round_timeout_s)
    nodes: dict[str, dict[str, Any]] = {}
    for node_id in ids:
        answer = finals[node_id]
        if isinstance(answer, NodeDown):
            nodes[node_id] = {"status": "down", "error": answer.reason}
        else:
            nodes[node_id] = {k: answer[k] for k in ("status", "ticks", "final_root")}
    if status == "completed" and any(n["status"] != "completed" for n in nodes.values()):
        status = "failed"
    return status, held, nodes


def _genesis_meta(run_id: str, engine: str, published: list[str]) -> dict[str, Any]:
    meta = {
        "run_id": run_id,
        "engine": engine,
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "python": platform.python_version(),
        "wall_time": now(),
    }
    if published:  # nodes signing with a demo key of the repository (federation_keys)
        meta["repository_keys"] = published
    return meta


def _summary(
    config: RunConfig,
    run_dir: Path,
    status: str,
    rounds: int,
    nodes: dict[str, dict[str, Any]],
    started: float,
) -> dict[str, Any]:
    files = RunDirectory(run_dir)
    bad = sorted(n for n, o in nodes.items() if o["status"] != "completed")
    wall = time.perf_counter() - started
    ticks = min((o.get("ticks", 0) for o in nodes.values()), default=0)
    return {
        "status": status,
        "error": f"nodes not completed: {', '.join(bad)}" if bad else None,
        "final_root": verify(files.ledger).root,
        "rounds": rounds,
        "ticks": ticks,
        "ticks_planned": config.run.ticks,
        "engine": config.federation.engine if config.federation else None,
        "nodes": {
            n: dict(o, run_dir=str(node_dir(run_dir, n))) for n, o in sorted(nodes.items())
        },
        "finished_at": now(),
        "wall_seconds": wall,
        "seconds": {"per_round": wall / max(rounds, 1)},
        "last_tick": None,
    }
