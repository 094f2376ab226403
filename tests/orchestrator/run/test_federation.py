"""Federated runs on the local engine: attacks recorded, a failed node restarted and rejoined."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.contract.federation import FederationEngine
from orchestrator.federation.local import LocalEngine
from orchestrator.federation.signing import generate_private_key, sign
from orchestrator.record.directories import FederationDirectory
from orchestrator.record.federation_report import federation_figure
from orchestrator.record.ledger import read_blocks
from orchestrator.record.rundir import RunDirectory
from orchestrator.record.verify import verify
from orchestrator.run.federation import run_federation
from orchestrator.run.hooks import RunHooks
from orchestrator.run.node import FusionNode
from orchestrator.testing.federation import PHASE_NODE, PhaseNode, open_phase_node
from tests.federated import write_federation
from tests.ledger_schema import assert_schema

ATTACKS = {2: "replayed round", 3: "bad signature", 4: "unknown key"}


class AttackingNode:
    """A phase node whose answers are tampered with in the rounds of ``ATTACKS``."""

    def __init__(self, node: PhaseNode) -> None:
        self.node = node
        self.sent: dict[int, Any] = {}

    def advance(self, round: int, until_tick: int):
        honest = self.node.advance(round, until_tick)
        self.sent[round] = honest
        attack = ATTACKS.get(round) if self.node.node_id == "n1" else None
        if attack == "replayed round":
            return self.sent[round - 1]
        if attack == "bad signature":
            return dataclasses.replace(honest, phases=tuple(x + 1e-3 for x in honest.phases))
        if attack == "unknown key":
            return sign(generate_private_key(), honest.run_id, round, "n1", honest.phases)
        return honest

    def __getattr__(self, name: str) -> Any:
        return getattr(self.node, name)


def attacking_node(**args: Any) -> AttackingNode:
    return AttackingNode(open_phase_node(**args))


def rounds(run_dir: Path) -> list[dict]:
    return [e for _, e, _ in read_blocks(run_dir / "ledger.sqlite") if e["kind"] == "round"]


def test_forged_unknown_key_and_replayed_contributions_are_refused_and_recorded(tmp_path):
    config, _ = write_federation(tmp_path, 4, ticks=12, rounds_every_ticks=2, eps_phi=3.0)
    cfg = load_config(config)
    out = tmp_path / "fed"
    factory = f"{__name__}:attacking_node"
    result = run_federation(cfg, out, factory=factory)
    assert result.status == "completed" and result.summary["rounds"] == 6
    held = rounds(out)
    for event in held:
        expect = ATTACKS.get(event["round"])
        assert event["rejected"] == ({"n1": expect} if expect else {})
        if expect:
            assert "n1" not in event["members"] and event["coupling"]["n1"] == 0.0
    assert held[5]["members"] == ["n0", "n1", "n2", "n3"]
    assert verify(out / "ledger.sqlite").ok
    cli = CliRunner().invoke(app, ["ledger", "verify", str(out)])
    assert cli.exit_code == 0 and result.final_root in cli.stdout


def test_a_failing_fusion_node_is_restarted_from_its_checkpoint_and_rejoins(
    tmp_path, monkeypatch: pytest.MonkeyPatch
):
    config, _ = write_federation(
        tmp_path, 3, ticks=12, rounds_every_ticks=3, eps_phi=3.0, ramp_rounds=1
    )
    real = FusionNode.advance
    failed = []

    def advance(self: FusionNode, round: int, until_tick: int):
        if self.node_id == "n1" and round == 1 and not failed:
            failed.append(real(self, round, until_tick - 1))  # mid-round, then it dies
            raise RuntimeError("injected fault")
        return real(self, round, until_tick)

    monkeypatch.setattr(FusionNode, "advance", advance)
    out = tmp_path / "fed"
    result = run_federation(load_config(config), out)
    assert failed and result.status == "completed"
    held = rounds(out)
    assert held[1]["missing"] == {"n1": "RuntimeError: injected fault"}
    assert held[2]["rejoining"] == ["n1"] and held[2]["decoupled"]["n1"].startswith("rejoining")
    assert held[3]["members"] == ["n0", "n1", "n2"] and held[3]["resynchronised"] == ["n1"]
    assert verify(out / "ledger.sqlite").ok
    end = [e for _, e, _ in read_blocks(out / "ledger.sqlite")][-1]
    files = FederationDirectory(out)  # the layout record/directories.py names
    assert files.coordinator.ledger == out / "ledger.sqlite" and files.nodes == out / "nodes"
    assert sorted(p.name for p in files.nodes.iterdir()) == ["n0", "n1", "n2"]
    assert files.node("n1") == out / "nodes" / "n1"
    kinds = assert_schema(files.coordinator.ledger)  # record/ledger_events.SCHEMA
    assert (kinds["federation"], kinds["round"], kinds["end"]) == (1, 4, 1)
    assert assert_schema(RunDirectory(files.node("n1")).ledger)["consensus"] == 3
    for node in ("n0", "n1", "n2"):
        node_dir = out / "nodes" / node
        checked = verify(node_dir / "ledger.sqlite")
        expect = {"status": "completed", "ticks": 12, "final_root": checked.root}
        assert checked.ok and end["nodes"][node] == expect
    assert result.summary["nodes"]["n1"]["status"] == "completed"
    blocks = [e for _, e, _ in read_blocks(out / "nodes" / "n1" / "ledger.sqlite")]
    received = [(e["round"], e["decoupled"]) for e in blocks if e["kind"] == "consensus"]
    assert received == [(0, False), (2, True), (3, False)]
    assert [e["tick"] for e in blocks if e["kind"] == "tick"][-1] == 11
    # qnf report draws the federation: members and failures per round, couplings, energies
    drawn = CliRunner().invoke(app, ["report", str(out)])
    assert drawn.exit_code == 0 and (out / "report.png").stat().st_size > 0
    fig = federation_figure(out, {n: out / "nodes" / n for n in ("n0", "n1", "n2")})
    try:
        lines = {line.get_label(): line for line in fig.axes[0].get_lines()}
        assert list(lines["members"].get_ydata()) == [len(e["members"]) for e in held]
        assert list(lines["missing"].get_ydata()) == [0, 1, 0, 0]
        coupling = {line.get_label(): line.get_ydata() for line in fig.axes[1].get_lines()}
        assert list(coupling["n1"]) == [e["coupling"]["n1"] for e in held]
        energies = {line.get_label(): line for line in fig.axes[3].get_lines()}
        n1_ticks = [e for e in blocks if e["kind"] == "tick"]
        assert list(energies["n1"].get_ydata()) == [e["fusion_energy"] for e in n1_ticks]
    finally:
        fig.clf()


def test_a_rerun_ends_at_the_same_federation_root(tmp_path):
    config, _ = write_federation(tmp_path, 3, ticks=6, rounds_every_ticks=1, eps_phi=1.0)
    cfg = load_config(config)
    first = run_federation(cfg, tmp_path / "one", factory=PHASE_NODE)
    again = run_federation(cfg, tmp_path / "two", factory=PHASE_NODE)
    assert first.final_root == again.final_root
    metas = [
        next(read_blocks(d / "ledger.sqlite"))[2]["run_id"]
        for d in (tmp_path / "one", tmp_path / "two")
    ]
    assert metas[0] != metas[1]  # the signatures differ; they live in the meta chain


def test_a_round_is_committed_after_every_node_made_its_delivery_durable(tmp_path):
    """Fusion nodes: when the round's block is committed, each node's ``consensus`` block of
    the round is in its ledger on disk (a crash, even of the nodes' writers, cannot lose a
    committed round's pull: design §12); and a second federation in the same process ends at
    the same roots (no state of the first leaks into it)."""
    config, _ = write_federation(tmp_path, 3, ticks=6, rounds_every_ticks=2)
    cfg = load_config(config)
    nodes = ("n0", "n1", "n2")

    def durable(run_dir: Path, outcome: Any) -> None:
        assert sorted(outcome.deliveries) == list(nodes)
        for node in nodes:  # read from disk, in the coordinator's process, right after
            ledger = run_dir / "nodes" / node / "ledger.sqlite"
            received = [e["round"] for _, e, _ in read_blocks(ledger) if e["kind"] == "consensus"]
            assert received == list(range(outcome.round + 1)), (node, received)

    roots = []
    for run_dir in (tmp_path / "one", tmp_path / "two"):
        hooks = RunHooks(on_round=lambda outcome, d=run_dir: durable(d, outcome))
        result = run_federation(cfg, run_dir, hooks=hooks)
        assert result.status == "completed" and result.summary["rounds"] == 3
        roots.append([verify(run_dir / "ledger.sqlite").root] + [
            verify(run_dir / "nodes" / n / "ledger.sqlite").root for n in nodes])  # fmt: skip
    assert roots[0] == roots[1]


def test_a_cancelled_federation_stops_its_nodes_where_they_are(tmp_path):
    config, _ = write_federation(tmp_path, 2, ticks=10, rounds_every_ticks=2)
    held = []
    hooks = RunHooks(on_round=held.append, should_stop=lambda: len(held) >= 2)
    result = run_federation(load_config(config), tmp_path / "fed", hooks=hooks, factory=PHASE_NODE)
    assert result.status == "cancelled" and result.summary["rounds"] == 2
    # no `end` block: the run is not over, `qnf resume` continues it (test_federation_resume)
    kinds = [e["kind"] for _, e, _ in read_blocks(tmp_path / "fed" / "ledger.sqlite")]
    assert kinds == ["federation", "round", "round"]
    nodes = result.summary["nodes"]
    assert {n["status"] for n in nodes.values()} == {"cancelled"}
    assert {n["ticks"] for n in nodes.values()} == {4}
    assert result.summary["resume"] == f"qnf resume {tmp_path / 'fed'}"


class RelayingWire(FederationEngine):
    """The local engine behind a wire on which n0 answers round 2 with n1's message (F2)."""

    def __init__(self, config: Any) -> None:
        self.inner = LocalEngine(config)

    def start(self, nodes, should_stop=None) -> bool:
        return self.inner.start(nodes, should_stop)

    def call(self, method: str, args, timeout_s: float) -> dict[str, Any]:
        answers = self.inner.call(method, args, timeout_s)
        if method == "advance" and args["n0"][0] == 2:
            answers["n0"] = answers["n1"]  # authentic, current round, another node's
        return answers

    def close(self) -> None:
        self.inner.close()


def test_a_relayed_contribution_is_recorded_and_the_honest_node_stays_a_member(tmp_path):
    config, _ = write_federation(tmp_path, 3, ticks=8, rounds_every_ticks=2, eps_phi=3.0)
    cfg = load_config(config)
    out = tmp_path / "fed"
    result = run_federation(cfg, out, engine=RelayingWire(cfg.federation), factory=PHASE_NODE)
    assert result.status == "completed"
    held = rounds(out)
    assert held[2]["rejected"] == {"n0": "relayed: carries node n1's contribution to round 2"}
    assert held[2]["members"] == ["n1", "n2"] and held[2]["coupling"]["n1"] == 1.0
    assert "n1" not in held[2]["decoupled"] and held[2]["coupling"]["n0"] == 0.0
    assert held[3]["rejected"] == {} and held[3]["members"] == ["n0", "n1", "n2"]
    signatures = [m["signatures"] for _, e, m in read_blocks(out / "ledger.sqlite")
                  if e["kind"] == "round"]
    assert set(signatures[2]) == {"n1", "n2"}
