"""The embedded federation engine: every node in the coordinator's process (``engine: local``).

Nodes are built in ``start`` and called one after the other, in the order given (their calls
do not overlap, so a round costs the sum of the nodes' work; an engine with processes, such
as Ray, overlaps them at a transport cost per call: BENCHMARKS.md). A node whose call raises
is abandoned (what it
made durable stays) and built again from its spec, which resumes it from its checkpoint,
while ``max_restarts`` allows; it answers ``NodeDown`` for that call. ``timeout_s`` cannot
interrupt a call in the same process and is not enforced.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, final

from orchestrator.contract.federation import EnginePlugin, FederationEngine, NodeDown, NodeSpec

if TYPE_CHECKING:
    from orchestrator.contract.federation_config import FederationConfig

__all__ = ["LOCAL_ENGINE", "LocalEngine"]


@final
class LocalEngine(FederationEngine):
    """Nodes as objects of this process (module docstring)."""

    def __init__(self, config: FederationConfig) -> None:
        self.max_restarts = config.max_restarts
        self.specs: dict[str, NodeSpec] = {}
        self.nodes: dict[str, Any] = {}
        self.restarts: dict[str, int] = {}
        self.down: set[str] = set()

    def start(
        self, nodes: Sequence[NodeSpec], should_stop: Callable[[], bool] | None = None
    ) -> bool:
        for spec in nodes:
            self.specs[spec.node_id] = spec
            self.restarts[spec.node_id] = 0
        try:
            for spec in nodes:
                if should_stop is not None and should_stop():
                    self.close()
                    return False
                self.nodes[spec.node_id] = spec.build()
        except BaseException:
            self.close()
            raise
        return True

    def call(
        self, method: str, args: Mapping[str, tuple[Any, ...]], timeout_s: float
    ) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for node_id, arguments in args.items():
            if node_id in self.down:
                out[node_id] = NodeDown(node_id, "down: no restarts left", restarted=False)
                continue
            try:
                out[node_id] = getattr(self.nodes[node_id], method)(*arguments)
            except Exception as exc:
                out[node_id] = self._restart(node_id, f"{type(exc).__name__}: {exc}")
        return out

    def _restart(self, node_id: str, reason: str) -> NodeDown:
        with contextlib.suppress(Exception):
            self.nodes[node_id].abandon()
        if self.restarts[node_id] >= self.max_restarts:
            self.down.add(node_id)
            return NodeDown(node_id, reason, restarted=False)
        self.restarts[node_id] += 1
        try:
            self.nodes[node_id] = self.specs[node_id].build()
        except Exception as exc:
            self.down.add(node_id)
            return NodeDown(node_id, f"{reason}; restart failed: {exc}", restarted=False)
        return NodeDown(node_id, reason, restarted=True)

    def close(self) -> None:
        for node_id, node in self.nodes.items():
            if node_id not in self.down:
                with contextlib.suppress(Exception):
                    node.abandon()
        self.down.update(self.nodes)


LOCAL_ENGINE = EnginePlugin(
    kind="local",
    implementation="orchestrator.federation.local:LocalEngine",
    requires=(),
    install="(built in)",
    distribution="qnfusion",
    summary="Every node in the coordinator's process, called one after the other.",
)
