"""A federated run from its config to a verifying federation ledger (spec §12; design §12).

    check the directory is free -> connect the engine, check it can place the nodes (else
    ``ConfigError``, nothing written) -> config.yaml, federation ledger with its genesis block
    -> the engine builds every node (each a normal run under nodes/<id>) -> rounds: advance
    every node to the round's tick, the coordinator's round, deliveries, one ``round`` block
    -> every node finishes its remaining ticks -> ``end`` block, summary.json

A node that fails (its process dies, it raises, it does not answer in time) is missing from
that round; its engine restarts it from its checkpoint while ``max_restarts`` allows, and it
rejoins decoupled. The federation never stops for one node: it ends ``completed`` when every
node completed, else ``failed`` naming the nodes that did not.

Stopping: before every round (and while the engine places the nodes) ``should_stop`` and the
``interrupt`` (a signal: Ctrl+C, SIGTERM, SIGHUP) are asked; either ends the rounds there:
every node stops where it is and writes what it did, no ``end`` block is written, and
summary.json says ``cancelled`` or ``interrupted`` with the resume command. Everything that
is committed stays; ``orchestrator.run.federation_resume`` continues the run from it (also
after ``kill -9``) to the root of a run never interrupted.
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

from orchestrator.config.digest import hashed_config
from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig
from orchestrator.config.yaml_input import dump_yaml
from orchestrator.contract.federation import FederationEngine, NodeDown, NodeSpec
from orchestrator.contract.registry import plugins
from orchestrator.federation.coordinator import Coordinator
from orchestrator.record import faults
from orchestrator.record.directories import FederationDirectory
from orchestrator.record.fsutil import make_dir, write_atomic
from orchestrator.record.ledger import Ledger
from orchestrator.record.ledger_events import federation_end_event, federation_genesis_event
from orchestrator.record.rundir import RunDirectory
from orchestrator.record.verify import verify
from orchestrator.run.federation_keys import (
    key_file_problems,
    repository_keys,
    repository_keys_line,
)
from orchestrator.run.hooks import CommitCallback, RoundCallback, RunHooks
from orchestrator.run.interrupt import Interrupted, SignalStop
from orchestrator.run.runner import RunResult, check_run_dir
from orchestrator.run.session import now

__all__ = [
    "NODE_FACTORY",
    "Appender",
    "channels",
    "drive",
    "federation_summary",
    "node_specs",
    "open_engine",
    "run_federation",
    "stopping",
]

NODE_FACTORY = "orchestrator.run.node:open_node"

Appender = Callable[[dict[str, Any], dict[str, Any]], None]
Stopping = Callable[[], str | None]


def channels(config: RunConfig) -> int:
    """Phases per contribution: the PCI's channels (qubits, or basis states)."""
    n = config.build_hamiltonian().n_qubits
    return n if config.pci.mapping == "qubit" else 2**n


def open_engine(config: RunConfig) -> FederationEngine:
    """The engine ``federation.engine`` names, connected."""
    assert config.federation is not None
    return plugins("federation")[config.federation.engine].load()(config.federation)


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
                "run_dir": str(FederationDirectory(run_dir).node(node.id).absolute()),
                "run_id": run_id,
            },
            dict(node.resources),
            node.num_cpus,
        )
        for node in sorted(config.federation.nodes, key=lambda n: n.id)
    ]


def stopping(
    should_stop: Callable[[], bool] | None, interrupt: SignalStop | None
) -> Stopping:
    """Why the rounds must end now: ``interrupted`` (a signal), ``cancelled`` (should_stop),
    or None."""

    def why() -> str | None:
        if interrupt is not None and interrupt.requested:
            return "interrupted"
        if should_stop is not None and should_stop():
            return "cancelled"
        return None

    return why


def appender(ledger: Ledger, on_commit: CommitCallback | None) -> Appender:
    """Append an event (and its meta) to the federation ledger, then tell ``on_commit``."""

    ledger.crash_phase = "federation-commit"

    def append(event: dict[str, Any], meta: dict[str, Any]) -> None:
        height = ledger.height
        ledger.append(event, meta)
        faults.crash_point("federation-after", height)
        if on_commit is not None:
            on_commit(height, dict(event, block=height))

    return append


def run_federation(
    config: RunConfig,
    run_dir: Path,
    engine: FederationEngine | None = None,
    hooks: RunHooks | None = None,
    factory: str = NODE_FACTORY,
) -> RunResult:
    """Run the federation ``config`` into ``run_dir`` (which must not exist).

    engine: an engine to use instead of the one the config names (it is closed at the end).
    factory: the nodes' factory (``node_specs``); the default makes fusion nodes.
    hooks (``run/hooks.py``): on_round(outcome) after each round's block is committed;
    should_stop() checked before each round, True ends the rounds ("cancelled"); interrupt: a
    signal ends them the same way ("interrupted"; module docstring); on_commit(height, event)
    after each federation block is committed. Raises ``ConfigError`` when the engine cannot
    place the nodes (nothing is written), ``Interrupted`` when a signal came before anything was
    written.
    """
    hooks = hooks or RunHooks()
    on_round, should_stop, on_commit = hooks.on_round, hooks.should_stop, hooks.on_commit
    interrupt = hooks.interrupt
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
    faults.arm()
    started = time.perf_counter()
    files = RunDirectory(run_dir)
    run_id = uuid.uuid4().hex
    keys = {n.id: n.public_key for n in fed.nodes}
    m = channels(config)
    specs = node_specs(config, run_dir, run_id, factory)
    engine = engine if engine is not None else open_engine(config)
    try:
        if interrupt is not None:
            interrupt.settle()  # an engine's SDK may have put its own handlers in (Ray does)
        problems = engine.check(specs)
        if problems:
            raise ConfigError(problems)
        if interrupt is not None and interrupt.requested:
            raise Interrupted(interrupt.signum or 0)
        make_dir(FederationDirectory(run_dir).nodes, parents=True)  # private, as a run's (fsutil)
        with files.locked():
            write_atomic(files.config, dump_yaml(config.resolved()).encode())
            with Ledger.create(files.ledger) as ledger:
                append = appender(ledger, on_commit)
                append(
                    federation_genesis_event(
                        config=hashed_config(config.resolved()),
                        config_sha256=config.config_hash(),
                        keys=keys,
                        channels=m,
                    ),
                    _genesis_meta(run_id, fed.engine, repository_keys(fed)),
                )
                coordinator = Coordinator(run_id, keys, m, fed.eps_phi, fed.ramp_rounds)
                return drive(
                    config, run_dir, specs, engine, coordinator, 0, append,
                    on_round, stopping(should_stop, interrupt), started, 0, interrupt,
                )  # fmt: skip
    finally:
        engine.close()


def drive(
    config: RunConfig,
    run_dir: Path,
    specs: list[NodeSpec],
    engine: FederationEngine,
    coordinator: Coordinator,
    first_round: int,
    append: Appender,
    on_round: RoundCallback | None,
    why_stop: Stopping,
    started: float,
    resumes: int,
    interrupt: SignalStop | None = None,
) -> RunResult:
    """Start the nodes and hold rounds ``first_round`` on (the caller holds the directory's
    lock and the ledger); ``end`` block when they ran out, summary.json either way."""
    fed = config.federation
    assert fed is not None
    error = None
    try:
        placed = engine.start(specs, should_stop=lambda: why_stop() is not None)
    except Exception as exc:  # not placed in time, a node that cannot be built: said in one
        placed, error = False, str(exc)  # line; the run resumes once the cause is fixed
    if placed:
        status, held, nodes = _rounds(
            config, specs, engine, coordinator, first_round, append, on_round, why_stop
        )
    else:  # the nodes were never all started: none of them went on
        status, held = ("failed" if error else why_stop() or "interrupted"), first_round
        nodes = {s.node_id: {"status": "not started", "ticks": None, "final_root": None}
                 for s in specs}  # fmt: skip
    if placed and status in ("completed", "failed"):
        tick_us = config.spiking.tick_ms * 1000
        end = federation_end_event(
            timestamp_us=round(config.run.ticks * tick_us), rounds=held, nodes=nodes
        )
        append(end, {"wall_time": now()})
    if status == "interrupted" and interrupt is not None:
        error = interrupt.reason
    summary = federation_summary(
        config, run_dir, status, held, nodes, started, resumes, error, resumable=not placed
    )
    write_atomic(RunDirectory(run_dir).summary, (json.dumps(summary, indent=2) + "\n").encode())
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
    specs: list[NodeSpec],
    engine: FederationEngine,
    coordinator: Coordinator,
    first_round: int,
    append: Appender,
    on_round: RoundCallback | None,
    why_stop: Stopping,
) -> tuple[str, int, dict[str, dict[str, Any]]]:
    """Hold every round from ``first_round`` on, finish the nodes: (status, rounds held in the
    ledger, node outcomes). Stopped, the nodes stop where they are (``finish(False)``)."""
    fed = config.federation
    assert fed is not None
    ids = [s.node_id for s in specs]
    tick_us = config.spiking.tick_ms * 1000
    status, held = "completed", first_round
    for r in range(first_round, config.run.ticks // fed.rounds_every_ticks):
        why = why_stop()
        if why is not None:
            status = why
            break
        until = (r + 1) * fed.rounds_every_ticks
        began = time.perf_counter()
        answers = engine.call("advance", {i: (r, until) for i in ids}, fed.round_timeout_s)
        outcome = coordinator.collect(r, until, answers)
        receipts = engine.call(
            "receive", {i: (d,) for i, d in outcome.deliveries.items()}, fed.round_timeout_s
        )
        coordinator.delivered(outcome, receipts)
        event = outcome.event(round(until * tick_us))
        meta = {
            "wall_time": now(),
            "seconds": time.perf_counter() - began,
            "signatures": outcome.signatures,
        }
        append(event, meta)
        held = r + 1
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


def federation_summary(
    config: RunConfig,
    run_dir: Path,
    status: str,
    rounds: int,
    nodes: dict[str, dict[str, Any]],
    started: float,
    resumes: int,
    error: str | None = None,
    resumable: bool = False,
) -> dict[str, Any]:
    """The federation's summary.json as it stands (``orchestrator.record.ledger_events``);
    ``resume`` names the command that continues it unless it ended (completed, or failed
    after its last round: resumable=False)."""
    files = RunDirectory(run_dir)
    bad = sorted(n for n, o in nodes.items() if o["status"] != "completed")
    wall = time.perf_counter() - started
    ticks = min((o.get("ticks") or 0 for o in nodes.values()), default=0)
    if error is None and bad and status in ("completed", "failed"):
        error = f"nodes not completed: {', '.join(bad)}"
    summary = {
        "status": status,
        "error": error,
        "final_root": verify(files.ledger).root,
        "rounds": rounds,
        "ticks": ticks,
        "ticks_planned": config.run.ticks,
        "engine": config.federation.engine if config.federation else None,
        "nodes": {
            n: dict(o, run_dir=str(FederationDirectory(run_dir).node(n)))
            for n, o in sorted(nodes.items())
        },
        "resumes": resumes,
        "finished_at": now(),
        "wall_seconds": wall,
        "seconds": {"per_round": wall / max(rounds, 1)},
        "last_tick": None,
    }
    if resumable or status not in ("completed", "failed"):
        summary["resume"] = f"qnf resume {run_dir}"
    return summary
