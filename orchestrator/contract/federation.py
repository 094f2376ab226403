"""Federation engines: what hosts the nodes of a federated run, and how one registers.

An engine hosts the nodes of one federation (spec §12) and carries the coordinator's calls to
them; it knows nothing of phases or consensus. The coordinator names each node's constructor
as ``"module:function"`` plus its arguments (``NodeSpec``), so a node is built inside whatever
process hosts it, and calls a method on a set of nodes at once (``FederationEngine.call``).
A node whose call fails (it raised, its process or host died, it did not answer in time)
answers ``NodeDown`` for that call; the engine then builds it again from its spec, which
resumes it from its checkpoint, while ``federation.max_restarts`` allows.

Engines register like backends: a ``EnginePlugin`` in entry-point group
``qnfusion.federation`` named after its kind. The built-in ``local`` engine
(``orchestrator.federation.local``) runs every node in the coordinator's process; ``ray``
(``backends/federation/ray``) makes each node a Ray actor, and only that plugin imports Ray.
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

from orchestrator.contract.plugin import ImplementationPlugin

if TYPE_CHECKING:
    from orchestrator.contract.federation_config import FederationConfig

__all__ = [
    "EnginePlugin",
    "FederationEngine",
    "NodeDown",
    "NodeSpec",
]



@dataclass(frozen=True)
class NodeSpec:
    """How to build one node where it runs.

    node_id: the node's id. factory: ``"module:function"``; ``function(**args)`` returns the
    node object whose methods ``call`` invokes. args: picklable keyword arguments. resources:
    custom resources the node holds for its life (engines with placement); num_cpus: CPUs it
    reserves there.
    """

    node_id: str
    factory: str
    args: Mapping[str, Any]
    resources: Mapping[str, float] = field(default_factory=dict)
    num_cpus: float = 1.0

    def build(self) -> Any:
        """Import the factory and call it (in the hosting process)."""
        module, _, name = self.factory.partition(":")
        return getattr(importlib.import_module(module), name)(**self.args)


@dataclass(frozen=True)
class NodeDown:
    """A node's answer to a call it could not answer.

    reason: what happened (its exception, "process died", "no answer in N s").
    restarted: whether the engine is bringing it back (restarts were left).
    """

    node_id: str
    reason: str
    restarted: bool


class FederationEngine(ABC):
    """Hosts a federation's nodes. Subclasses are final; built with the federation section."""

    @abstractmethod
    def __init__(self, config: FederationConfig) -> None:
        """Connect to where nodes will run (a cluster address, or nothing for in-process)."""

    def check(self, nodes: Sequence[NodeSpec]) -> list[str]:
        """Why ``nodes`` can never be placed here, one ``field: message`` line per problem
        that says what to change (empty: they can be). Asked before anything is written, so
        a federation that cannot run is refused as bad input. Default: nothing to check."""
        return []

    @abstractmethod
    def start(
        self, nodes: Sequence[NodeSpec], should_stop: Callable[[], bool] | None = None
    ) -> bool:
        """Build every node (each ``NodeSpec.build`` where that node runs); True when built.

        should_stop(): asked while waiting for placement (at least every second) and between
        nodes; when it says True the engine lets go of what it started and returns False.
        Raises when a node cannot be placed or built at all (a missing resource, a factory
        that fails on its first try, placement that does not come in time): the federation
        cannot start.
        """

    @abstractmethod
    def call(
        self, method: str, args: Mapping[str, tuple[Any, ...]], timeout_s: float
    ) -> dict[str, Any]:
        """``method(*args[id])`` on each node named in ``args``, concurrently where possible.

        Returns {node id: its result, or ``NodeDown``}; waits at most ``timeout_s`` seconds
        for any node. A node that failed is rebuilt from its spec while restarts are left
        (``NodeDown.restarted``); one with none left stays down and answers ``NodeDown`` to
        every later call.
        """

    @abstractmethod
    def close(self) -> None:
        """Let go of every node and of the connection (idempotent)."""


@dataclass(frozen=True)
class EnginePlugin(ImplementationPlugin):
    """A registered federation engine (``implementation``: its ``FederationEngine`` class;
    ``kind``: the value of ``federation.engine``)."""

    role: ClassVar[str] = "federation engine"
    group: ClassVar[str] = "federation"

