"""Nodes as Ray actors (``federation.engine: ray``; design §12).

Each node is an actor of ``NodeHost``, built from its ``NodeSpec`` inside the actor (so the
node's backends are built where its hardware is), with ``max_restarts`` from the config and
``max_task_retries=0``: a node is stateful, and a call must not be silently re-run on a
restarted actor. When an actor's process dies, the call in flight (or the next one, before
Ray has noticed) raises a ``RayActorError``: the node answers ``NodeDown`` for that round and
Ray re-runs the constructor, which resumes the node from its checkpoint (measured: ~1.7 s
plus the node's own start). While it comes back, calls that find it unavailable are asked
again until the round's timeout; a restart the engine did not see fail (Ray queued the call
for the new actor) is recognised by the host's incarnation id and reported as ``NodeDown``
once, so the coordinator always knows a node restarted and lets it rejoin decoupled. A node
whose method raised, or that did not answer within the round's timeout, is killed with
restart and comes back the same way. With the restarts used up, the actor is killed for good
and the node stays down.

The driver connects with ``ray.init(address=federation.address)``; when it started Ray
itself (no address) it shuts Ray down again in ``close``.
"""

from __future__ import annotations

import contextlib
import os
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, final

import ray
from ray.exceptions import ActorUnavailableError, RayActorError, RayTaskError

from orchestrator.contract.federation import FederationEngine, NodeDown, NodeSpec

if TYPE_CHECKING:
    from orchestrator.config.federation import FederationConfig

__all__ = ["NodeHost", "RayEngine"]


class NodeHost:
    """The body of a node's actor: builds the node, forwards calls to it.

    Every answer carries the host's incarnation (a fresh id per constructor run), so the
    engine notices a restart even when Ray queued the call for the new actor.
    """

    def __init__(self, spec: NodeSpec) -> None:
        self.incarnation = uuid.uuid4().hex
        self.node = spec.build()

    def call(self, method: str, *args: Any) -> tuple[str, Any]:
        return self.incarnation, getattr(self.node, method)(*args)

    def hello(self) -> tuple[str, int]:
        return self.incarnation, os.getpid()


@final
class RayEngine(FederationEngine):
    """Nodes as Ray actors (module docstring)."""

    def __init__(self, config: FederationConfig) -> None:
        self.config = config
        self.owned = not ray.is_initialized()
        if self.owned:
            ray.init(
                address=config.address,
                namespace="qnfusion",
                logging_level="WARNING",
                log_to_driver=False,
                include_dashboard=False,
            )
        self.actors: dict[str, Any] = {}
        self.incarnation: dict[str, str] = {}
        self.failures: dict[str, int] = {}
        self.restarting: set[str] = set()
        self.down: set[str] = set()

    def start(
        self, nodes: Sequence[NodeSpec], should_stop: Callable[[], bool] | None = None
    ) -> bool:
        host = ray.remote(NodeHost)
        for spec in nodes:
            options: dict[str, Any] = {
                "max_restarts": self.config.max_restarts,
                "max_task_retries": 0,
                "num_cpus": spec.num_cpus,
            }
            if spec.resources:
                options["resources"] = dict(spec.resources)
            self.actors[spec.node_id] = host.options(**options).remote(spec)
            self.failures[spec.node_id] = 0
        pending = {i: a.hello.remote() for i, a in self.actors.items()}
        ready, _ = ray.wait(
            list(pending.values()), num_returns=len(pending), timeout=self.config.round_timeout_s
        )
        for node_id, ref in pending.items():
            if ref not in ready:
                self.close()
                wanted = {s.node_id: dict(s.resources) for s in nodes}[node_id]
                raise RuntimeError(
                    f"node {node_id} was not placed within {self.config.round_timeout_s:g} s "
                    f"(does the cluster have {wanted or 'a free CPU'}?)"
                )
            try:
                self.incarnation[node_id], _ = ray.get(ref)
            except (RayActorError, RayTaskError) as exc:
                self.close()
                raise RuntimeError(f"node {node_id} could not be built: {exc}") from None
        return True

    def call(
        self, method: str, args: Mapping[str, tuple[Any, ...]], timeout_s: float
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        out: dict[str, Any] = {}
        pending = {}
        for node_id, arguments in args.items():
            if node_id in self.down:
                out[node_id] = NodeDown(node_id, "down: no restarts left", restarted=False)
            else:
                pending[node_id] = arguments
        while pending:
            refs = {i: self.actors[i].call.remote(method, *a) for i, a in pending.items()}
            left = max(0.0, deadline - time.monotonic())
            ready, _ = ray.wait(list(refs.values()), num_returns=len(refs), timeout=left)
            done, again = set(ready), {}
            for node_id, ref in refs.items():
                if ref not in done:
                    reason = f"no answer in {timeout_s:g} s"
                    out[node_id] = self._failed(node_id, reason, kill=True)
                    continue
                try:
                    incarnation, result = ray.get(ref)
                except ActorUnavailableError as exc:
                    if node_id in self.restarting and time.monotonic() < deadline:
                        again[node_id] = pending[node_id]  # still coming back: ask again
                    else:
                        out[node_id] = self._failed(node_id, _first_line(exc), kill=False)
                except RayActorError as exc:
                    out[node_id] = self._failed(node_id, _first_line(exc), kill=False)
                except RayTaskError as exc:
                    out[node_id] = self._failed(node_id, _first_line(exc.cause or exc), kill=True)
                else:
                    out[node_id] = self._answered(node_id, incarnation, result)
            pending = again
            if pending:
                time.sleep(0.2)
        return out

    def _answered(self, node_id: str, incarnation: str, result: Any) -> Any:
        """The result, unless the actor restarted unseen since the last call (a failure)."""
        known = self.incarnation[node_id]
        self.incarnation[node_id] = incarnation
        if incarnation == known or node_id in self.restarting:
            self.restarting.discard(node_id)
            return result
        down = self._failed(node_id, "restarted by Ray since its last call", kill=False)
        self.restarting.discard(node_id)
        return down

    def _failed(self, node_id: str, reason: str, kill: bool) -> NodeDown:
        self.failures[node_id] += 1
        restarted = self.failures[node_id] <= self.config.max_restarts
        if kill or not restarted:
            with contextlib.suppress(Exception):
                ray.kill(self.actors[node_id], no_restart=not restarted)
        if restarted:
            self.restarting.add(node_id)
        else:
            self.down.add(node_id)
        return NodeDown(node_id, reason, restarted)

    def close(self) -> None:
        for node_id, actor in self.actors.items():
            if node_id not in self.down:
                with contextlib.suppress(Exception):
                    ray.kill(actor, no_restart=True)
        self.down.update(self.actors)
        if self.owned and ray.is_initialized():
            ray.shutdown()
            self.owned = False


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
