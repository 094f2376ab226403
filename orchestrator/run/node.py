"""A federated node: a normal fusion run, driven round by round (spec §12; design §12).

A node is its own run (``runner.started_run``, or ``resume.resumed_run`` when its directory
already holds a run: a node restarted after a crash continues from its newest checkpoint,
replaying and checking any later ticks). ``advance`` drives its session up to the round's
tick and signs the phase vector of the preparation its next tick starts from; ``receive``
hands the round's delivery to the loop's ``federation`` rule (``control/federation.py``),
which pulls that preparation towards the consensus, and appends a ``consensus`` block with a
checkpoint of the state after the pull, so nothing a resume needs lives outside the node's
own ledger, and answers once that block is durable (the coordinator commits the round only
after every answer: a crash, even of the node's writer, never leaves a committed round whose
pull a node lost); ``finish`` runs the remaining ticks and writes the node's summary.json.

The node's config is the federation's, with ``run.seed`` set to the node's seed and
``run.out`` to ``<federation run dir>/nodes/<id>``; its private key is read from the node's
``key_file`` in the process that hosts it, and must match the public key the config lists.
"""

from __future__ import annotations

import shutil
from contextlib import ExitStack
from pathlib import Path
from typing import Any, final

import yaml

from orchestrator.config.stored import validate_stored
from orchestrator.control.federation import FederationRule, phase_vector
from orchestrator.federation.protocol import Delivery, FederatedNode
from orchestrator.federation.signing import Contribution, sign
from orchestrator.record import checkpoint
from orchestrator.record.ledger import read_blocks
from orchestrator.record.ledger_events import consensus_event
from orchestrator.record.rundir import RunDirectory
from orchestrator.run.events import preparation_fields
from orchestrator.run.federation_keys import read_node_key
from orchestrator.run.resume import resumed_run
from orchestrator.run.runner import OpenRun, finish, started_run
from orchestrator.run.session import now
from orchestrator.run.state import encode_state

__all__ = ["FusionNode", "open_node"]


def open_node(config_yaml: str, node_id: str, run_dir: str, run_id: str) -> FusionNode:
    """The node factory engines call (``NodeSpec.factory``): build or resume node ``node_id``.

    config_yaml: the federation's resolved config; run_dir: the node's run directory;
    run_id: the federation run's id (signed with every contribution).
    """
    return FusionNode(config_yaml, node_id, Path(run_dir), run_id)


@final
class FusionNode(FederatedNode):
    """One node's fusion run, open between the coordinator's calls."""

    def __init__(self, config_yaml: str, node_id: str, run_dir: Path, run_id: str) -> None:
        data = yaml.safe_load(config_yaml)
        fed = validate_stored(data).federation
        if fed is None:
            raise ValueError("a node needs a config with a federation section")
        listed = {n.id: n for n in fed.nodes}
        if node_id not in listed:
            raise ValueError(f"node {node_id!r} is not listed in federation.nodes")
        data["run"] = dict(data.get("run") or {})
        data["run"]["seed"] = fed.node_seed(int(data["run"].get("seed", 0)), node_id)
        data["run"]["out"] = str(run_dir)
        self.config = validate_stored(data)
        self.key = read_node_key(listed[node_id])  # KeyFileError: one line
        self.node_id, self.run_dir, self.run_id = node_id, run_dir, run_id
        self.resumed = _has_genesis(run_dir)
        self._stack = ExitStack()
        if self.resumed:
            opening = resumed_run(run_dir)
        else:
            if run_dir.exists():  # an attempt that died before its genesis was committed
                shutil.rmtree(run_dir)
            opening = started_run(self.config, run_dir)
        self.run: OpenRun = self._stack.enter_context(opening)
        self.session = self.run.session
        (self.rule,) = [r for r in self.session.loop.rules if isinstance(r, FederationRule)]
        self._open = True

    def advance(self, round: int, until_tick: int) -> Contribution:
        loop = self.session.loop
        if self.rule.round >= round:
            # it received this round's delivery before the coordinator stopped (killed before
            # the round's block was committed): the same contribution again, from before the pull
            if self.rule.round != round or self.rule.before is None or loop.tick != until_tick:
                raise ValueError(
                    f"node {self.node_id} received round {self.rule.round} at tick {loop.tick}; "
                    f"cannot contribute to round {round} at tick {until_tick}"
                )
            return sign(self.key, self.run_id, round, self.node_id, self.rule.before)
        if loop.tick > until_tick:
            raise ValueError(f"node {self.node_id} is at tick {loop.tick}, past {until_tick}")
        status = self.session.drive(should_stop=lambda: loop.tick >= until_tick)
        if status == "stopped":
            raise RuntimeError(f"node {self.node_id} stopped: {self.session.failure}")
        phases = phase_vector(loop.next.preparation)
        return sign(self.key, self.run_id, round, self.node_id, phases)

    def receive(self, delivery: Delivery) -> dict[str, Any]:
        if delivery.round <= self.rule.round:
            return {"round": delivery.round, "already": True}
        loop = self.session.loop
        loop.next, fields = self.rule.receive(delivery, loop.next)
        self._record(fields)
        # durable before the answer: the coordinator commits the round's block after every
        # node answered, and a resumed node starts from what its ledger holds (design §12)
        self.session.recorder.flush()
        return {"round": delivery.round, "pull_weight": fields["pull_weight"]}

    def _record(self, fields: dict[str, Any]) -> None:
        """Append the ``consensus`` block, with a checkpoint of the state after the pull."""
        session, loop = self.session, self.session.loop
        recorder = session.recorder
        data = sha = None
        if session.checkpointing:
            network = loop.spiking.snapshot()
            data, _, _ = encode_state(loop, network, recorder.height, recorder.root)
            sha = checkpoint.digest(data)
        event = consensus_event(
            tick=loop.tick,
            timestamp_us=round(loop.tick * loop.spiking.network.tick_ms * 1000),
            rule_fields=fields,
            next_preparation=preparation_fields(loop.next.preparation),
            checkpoint_sha256=sha,
            config_sha256=loop.config_hash,
        )
        stable = session.rollback.stable
        recorder.append(
            event,
            {"wall_time": now()},
            checkpoint_bytes=data,
            protect=None if stable is None else stable.height,
        )

    def finish(self, complete: bool) -> dict[str, Any]:
        self._open = False
        try:
            result = finish(
                self.session,
                self.run.started,
                self.run.setup_seconds,
                None,
                None if complete else (lambda: True),
                False,
                self.run.resumes,
            )
        finally:
            self._stack.close()
        return {
            "status": result.status,
            "ticks": result.ticks,
            "final_root": result.final_root,
            "run_dir": str(self.run_dir),
            "resumes": self.run.resumes,
        }

    def abandon(self) -> None:
        if not self._open:
            return
        self._open = False
        try:
            try:
                self.session.loop.close()
            finally:
                self.session.recorder.close()
        finally:
            self._stack.close()


def _has_genesis(run_dir: Path) -> bool:
    """Whether a run was started here and its first block committed (then it is resumed,
    and a damaged ledger is refused by the resume, never removed)."""
    files = RunDirectory(run_dir)
    return files.is_run() and next(read_blocks(files.ledger), None) is not None
