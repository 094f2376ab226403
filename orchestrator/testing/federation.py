"""A node without a fusion loop, for testing and measuring federation engines (bench, tests).

An engine plugin's author runs a federation of these on the engine (``run_federation(...,
factory=PHASE_NODE)``) to check the engine carries rounds, restarts and failures, without
building any backend.

``PhaseNode`` keeps one phase per channel. Each tick every phase turns by its own frequency
plus Gaussian noise (a drifting oscillator, seeded from the node's position in the config):

    phi <- wrap(phi + omega + sigma * N(0, 1)),   omega ~ U(-0.2, 0.2), sigma = 0.05 rad

and a delivery pulls it towards the consensus exactly as the fusion node's ``federation``
rule does (``orchestrator.control.federation.pulled``). Its calls cost what the protocol
costs (signing, transport, the coordinator) and nearly nothing else; it keeps no ledger, so
its outcome has no final root. After the last round, ``finish`` runs it to ``run.ticks``.
"""

from __future__ import annotations

from typing import Any, final

import numpy as np
import yaml

from orchestrator.config.root import validate_config
from orchestrator.control.federation import pulled
from orchestrator.federation.protocol import Delivery, FederatedNode
from orchestrator.federation.signing import Contribution, load_private_key, sign
from orchestrator.physics.coherence import wrap

__all__ = ["PHASE_NODE", "PhaseNode", "open_phase_node"]

PHASE_NODE = "orchestrator.testing.federation:open_phase_node"
SIGMA = 0.05


def open_phase_node(config_yaml: str, node_id: str, run_dir: str, run_id: str) -> PhaseNode:
    """Factory with the fusion node's signature (``run_dir`` is not used)."""
    config = validate_config(yaml.safe_load(config_yaml))
    fed = config.federation
    assert fed is not None
    (node,) = [n for n in fed.nodes if n.id == node_id]
    n = config.build_hamiltonian().n_qubits
    channels = n if config.pci.mapping == "qubit" else 2**n
    seed = fed.node_seed(config.run.seed, node_id)
    key = load_private_key(open(node.key_file).read().strip())  # noqa: SIM115
    key_hex = key.private_bytes_raw().hex()
    return PhaseNode(node_id, run_id, key_hex, channels, seed, fed.pull, config.run.ticks)


@final
class PhaseNode(FederatedNode):
    """A drifting phase vector that signs itself and follows the consensus (docstring)."""

    def __init__(
        self,
        node_id: str,
        run_id: str,
        key_hex: str,
        channels: int,
        seed: int,
        pull: float,
        ticks: int,
    ) -> None:
        self.node_id, self.run_id, self.pull, self.ticks = node_id, run_id, pull, ticks
        self.key = load_private_key(key_hex)
        self.rng = np.random.default_rng(seed)
        self.omega = self.rng.uniform(-0.2, 0.2, channels)
        self.phases = self.rng.uniform(-np.pi, np.pi, channels)
        self.tick = 0

    def advance(self, round: int, until_tick: int) -> Contribution:
        self._run(until_tick)
        return sign(self.key, self.run_id, round, self.node_id, self.phases)

    def receive(self, delivery: Delivery) -> dict[str, Any]:
        weight = 0.0
        if delivery.consensus is not None and delivery.coupling > 0:
            weight = self.pull * delivery.coupling
            self.phases = pulled(self.phases, np.array(delivery.consensus), weight)
        return {"round": delivery.round, "pull_weight": weight}

    def _run(self, until_tick: int) -> None:
        while self.tick < until_tick:
            noise = SIGMA * self.rng.standard_normal(self.phases.size)
            self.phases = wrap(self.phases + self.omega + noise)
            self.tick += 1

    def finish(self, complete: bool) -> dict[str, Any]:
        if complete:
            self._run(self.ticks)
        status = "completed" if self.tick >= self.ticks else "cancelled"
        return {"status": status, "ticks": self.tick, "final_root": None}

    def abandon(self) -> None:
        pass
