"""The ``federation`` section (spec §12; design §12): several fusion nodes kept in phase.

Absent (the default), a run is one fusion loop and nothing here applies. Present, the config
describes a federation: every entry of ``nodes`` runs the rest of the config as its own fusion
run (its own run directory, ledger and checkpoints, seed ``run.seed + position`` unless given),
and every ``rounds_every_ticks`` ticks a coordinator takes each node's signed phase vector,
forms the consensus of ``orchestrator.federation.consensus`` with radius ``eps_phi``, and sends
it back (``orchestrator.federation.coordinator``; the node side is the ``federation`` control
rule, ``orchestrator.control.federation``).

``engine`` says where the nodes run: ``local`` (built in) runs them in the coordinator's
process, one after the other; another value names a registered engine plugin (entry-point
group ``qnfusion.federation``), such as ``ray``, where each node is a Ray actor, ``address``
says which cluster, and a node's ``resources`` pin it to the host that has its hardware.
"""

from __future__ import annotations

import re
from pathlib import Path

from pydantic import Field, field_validator, model_validator

from orchestrator.contract.strict import StrictModel

__all__ = ["NODE_ID", "FederationConfig", "FederationNode"]

NODE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_KEY = re.compile(r"[0-9a-fA-F]{64}")


class FederationNode(StrictModel):
    """One node of the federation: who it is, how it signs, where it may run."""

    id: str = Field(
        description=(
            "Node id: letters, digits, '_', '.', '-' (at most 64, first a letter or digit); "
            "also the name of its run directory, <run dir>/nodes/<id>."
        )
    )
    public_key: str = Field(
        description="The node's Ed25519 public key, 64 hex characters (`qnf federation keys`)."
    )
    key_file: Path = Field(
        description=(
            "File holding the node's Ed25519 private key as 64 hex characters, read where the "
            "node runs (relative paths from that process's working directory)."
        )
    )
    seed: int | None = Field(
        None, ge=0, description="The node's run.seed; default run.seed + its position in nodes."
    )
    resources: dict[str, float] = Field(
        default_factory=dict,
        description=(
            "Custom resources the node's actor holds for its life (e.g. {loihi2: 1}, "
            "{ibm_session: 1}): engines with placement (ray) start it only where they exist."
        ),
    )
    num_cpus: float = Field(
        1.0, ge=0, description="CPUs the node's actor reserves on engines with placement."
    )

    @field_validator("id")
    @classmethod
    def _id(cls, value: str) -> str:
        if not NODE_ID.fullmatch(value):
            raise ValueError(f"{value!r} is not a node id (letters, digits, '_', '.', '-')")
        return value

    @field_validator("public_key")
    @classmethod
    def _key(cls, value: str) -> str:
        if not _KEY.fullmatch(value):
            raise ValueError("must be 64 hex characters (a raw Ed25519 public key)")
        return value.lower()

    @field_validator("resources")
    @classmethod
    def _resources(cls, value: dict[str, float]) -> dict[str, float]:
        bad = [name for name, amount in value.items() if amount <= 0]
        if bad:
            raise ValueError(f"resource amounts must be > 0 ({', '.join(bad)})")
        return value


class FederationConfig(StrictModel):
    """Federated fusion (spec §12): nodes, their consensus, and the engine that hosts them."""

    engine: str = Field(
        "local",
        description=(
            "local: every node in this process (the embedded default); or a registered engine "
            "plugin, e.g. ray (each node a Ray actor; needs qnfusion[ray])."
        ),
    )
    address: str | None = Field(
        None,
        description=(
            "Engine-specific cluster address; ray: 'auto' (the cluster this host belongs to), "
            "'HOST:PORT' of a head, or omitted for a private single-host Ray."
        ),
    )
    nodes: list[FederationNode] = Field(min_length=1, description="The federation's nodes.")
    eps_phi: float = Field(
        0.5,
        gt=0,
        le=3.141592653589793,
        description=(
            "Consensus radius, rad: a node farther than this from the robust centre on any "
            "channel is decoupled for the round."
        ),
    )
    rounds_every_ticks: int = Field(
        10, ge=1, description="A consensus round after every this many ticks of each node."
    )
    pull: float = Field(
        0.5,
        ge=0,
        le=1,
        description=(
            "How far a fully coupled node's next preparation phases move towards the "
            "consensus in a round (0: not at all, 1: onto it)."
        ),
    )
    ramp_rounds: int = Field(
        3,
        ge=1,
        description="Rounds over which a decoupled node's coupling returns from 0 to 1 (ACE).",
    )
    max_restarts: int = Field(
        1, ge=0, description="Times a failed node is restarted from its checkpoint."
    )
    round_timeout_s: float = Field(
        600.0, gt=0, description="Seconds the coordinator waits for a node in one round."
    )
    placement_timeout_s: float = Field(
        60.0,
        gt=0,
        le=86400,
        description=(
            "Engines with placement (ray): seconds to wait for the cluster to reserve every "
            "node's num_cpus and resources before the run fails with what is missing (nodes "
            "the cluster can never hold are refused at once, before anything is written)."
        ),
    )

    @field_validator("engine")
    @classmethod
    def _engine(cls, value: str) -> str:
        from orchestrator.contract.registry import plugins

        found = plugins("federation")
        if value not in found:
            known = ", ".join(found)
            raise ValueError(f"unknown federation engine {value!r}; registered here: {known}")
        gone = found[value].missing()
        if gone:
            raise ValueError(
                f"engine '{value}' needs {', '.join(gone)}, which is not installed: "
                f"{found[value].install}"
            )
        return value

    @model_validator(mode="after")
    def _distinct(self) -> FederationConfig:
        ids = [n.id for n in self.nodes]
        keys = [n.public_key for n in self.nodes]
        if len(set(ids)) != len(ids):
            raise ValueError("nodes: two nodes have the same id")
        if len(set(keys)) != len(keys):
            raise ValueError("nodes: two nodes list the same public key")
        return self

    def node_seed(self, base: int, node_id: str) -> int:
        """The run.seed of node ``node_id`` when the federation's run.seed is ``base``."""
        for position, node in enumerate(self.nodes):
            if node.id == node_id:
                return node.seed if node.seed is not None else base + position
        raise KeyError(node_id)

    def problems(self, snapshot: bool, ticks: int) -> list[str]:
        """Cross-section problems (``field: message``): nodes must be able to resume."""
        lines = []
        if not snapshot:
            lines.append(
                "federation: a federated node resumes from its checkpoints, but the spiking "
                "backend as configured cannot snapshot its state"
            )
        if self.rounds_every_ticks > ticks:
            lines.append(
                f"federation.rounds_every_ticks: {self.rounds_every_ticks} exceeds run.ticks "
                f"= {ticks}; the federation would hold no round"
            )
        return lines
