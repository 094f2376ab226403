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

Placement (issue 26 part 2): actors that cannot be placed wait in Ray without a word (four
nodes of ``num_cpus: 1`` on a 2-CPU host waited 200 s in silence). So ``check`` compares the
nodes' demands with the cluster's resources before anything is written, and refuses, one line
each, what the cluster can never hold: more CPUs (or of a custom resource) than it has in all,
or a node that no single host can hold. Then ``start`` reserves every node's bundle
(``num_cpus`` and its ``resources``) in one placement group and waits for it at most
``placement_timeout_s`` (asking ``should_stop`` every second: a SIGTERM while waiting stops the
run at once), then creates each node's actor in its bundle; a restarted actor comes back in the
same bundle. Waiting longer fails the start with what is missing, free now.
"""

from __future__ import annotations

import contextlib
import math
import os
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, final

import ray
from ray._private import ray_constants
from ray.exceptions import ActorUnavailableError, RayActorError, RayTaskError
from ray.util.placement_group import PlacementGroup, placement_group, remove_placement_group
from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

from orchestrator.config.errors import ConfigError
from orchestrator.contract.federation import FederationEngine, NodeDown, NodeSpec

if TYPE_CHECKING:
    from orchestrator.contract.federation_config import FederationConfig

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
        # Ship nothing of the user's directory: under ``uv run`` Ray 2.60 would upload the
        # current directory (private keys among it) as a working_dir of its own accord; the
        # sweep pool turns it off the same way (backends/sweep/ray/backend.py's docstring).
        ray_constants.RAY_ENABLE_UV_RUN_RUNTIME_ENV = False  # read by ray.init
        if self.owned:
            try:
                ray.init(
                    address=config.address,
                    namespace="qnfusion",
                    logging_level="WARNING",
                    log_to_driver=False,
                    include_dashboard=False,
                    runtime_env={},  # ship nothing (above)
                )
            except ConnectionError as exc:  # one line, not Ray's traceback
                raise ConfigError(
                    [
                        f"federation.address: cannot connect to the Ray cluster at "
                        f"{config.address} ({exc}); start it (ray start --head) or give the "
                        "address of a running head"
                    ]
                ) from None
        self.actors: dict[str, Any] = {}
        self.incarnation: dict[str, str] = {}
        self.failures: dict[str, int] = {}
        self.restarting: set[str] = set()
        self.down: set[str] = set()
        self.group: PlacementGroup | None = None

    def check(self, nodes: Sequence[NodeSpec]) -> list[str]:
        total = ray.cluster_resources()
        hosts = [n["Resources"] for n in ray.nodes() if n.get("Alive")]
        address = self.config.address
        where = f"the Ray cluster at {address}" if address else "the Ray started here"
        lines = []
        demand = _total({s.node_id: _bundle(s) for s in nodes}.values())
        for name, need in sorted(demand.items()):
            have = total.get(name, 0.0)
            if need > have + 1e-9:
                if name == "CPU":
                    each = math.floor(have / len(nodes) * 100) / 100
                    fix = (
                        f"set num_cpus: {each:g} on each node, or give the cluster more CPUs "
                        "(ray start --num-cpus N on this host, or more hosts)"
                    )
                    what = f"reserve {need:g} CPUs together (num_cpus)"
                else:
                    fix = f"start hosts that declare it (ray start --resources '{{\"{name}\": N}}')"
                    what = f"hold {need:g} of resource {name!r} together"
                lines.append(
                    f"federation.nodes: the {len(nodes)} nodes {what}, but {where} has "
                    f"{have:g}: {fix}"
                )
        for spec in nodes:
            bundle = _bundle(spec)
            if not any(all(host.get(k, 0.0) >= v for k, v in bundle.items()) for host in hosts):
                lines.append(
                    f"federation.nodes ({spec.node_id}): needs {_describe(bundle)} on one host, "
                    f"but no host of {where} has that much (largest: "
                    f"{_describe(_largest(hosts, bundle))}); lower its num_cpus or resources"
                )
        return lines

    def start(
        self, nodes: Sequence[NodeSpec], should_stop: Callable[[], bool] | None = None
    ) -> bool:
        bundles = {s.node_id: _bundle(s) for s in nodes}
        held = [s.node_id for s in nodes if bundles[s.node_id]]
        if held:
            self.group = placement_group([bundles[i] for i in held], strategy="PACK")
            if not self._placed(bundles, should_stop):
                self.close()
                return False
        host = ray.remote(NodeHost)
        for spec in nodes:
            options: dict[str, Any] = {
                "max_restarts": self.config.max_restarts,
                "max_task_retries": 0,
                "num_cpus": spec.num_cpus,
            }
            if spec.resources:
                options["resources"] = dict(spec.resources)
            if spec.node_id in held:
                options["scheduling_strategy"] = PlacementGroupSchedulingStrategy(
                    placement_group=self.group,
                    placement_group_bundle_index=held.index(spec.node_id),
                )
            self.actors[spec.node_id] = host.options(**options).remote(spec)
            self.failures[spec.node_id] = 0
        pending = {i: a.hello.remote() for i, a in self.actors.items()}
        deadline = time.monotonic() + self.config.round_timeout_s
        waiting = list(pending.values())
        while waiting:
            left = deadline - time.monotonic()
            if left <= 0:
                break
            _, waiting = ray.wait(waiting, num_returns=len(waiting), timeout=min(1.0, left))
            if waiting and should_stop is not None and should_stop():
                self.close()
                return False
        for node_id, ref in pending.items():
            if ref in waiting:
                self.close()
                raise RuntimeError(
                    f"node {node_id} was not built within round_timeout_s = "
                    f"{self.config.round_timeout_s:g} s"
                )
            try:
                self.incarnation[node_id], _ = ray.get(ref)
            except (RayActorError, RayTaskError) as exc:
                self.close()
                raise RuntimeError(f"node {node_id} could not be built: {exc}") from None
        return True

    def _placed(
        self, bundles: dict[str, dict[str, float]], should_stop: Callable[[], bool] | None
    ) -> bool:
        """Wait for the placement group (module docstring); False if should_stop said so."""
        timeout = self.config.placement_timeout_s
        deadline = time.monotonic() + timeout
        ready = self.group.ready()
        while True:
            left = deadline - time.monotonic()
            done, _ = ray.wait([ready], timeout=max(0.0, min(1.0, left)))
            if done:
                return True
            if should_stop is not None and should_stop():
                return False
            if left <= 0:
                break
        free = ray.available_resources()
        need = _total(bundles.values())
        short = {k: v for k, v in need.items() if free.get(k, 0.0) < v}
        self.close()
        raise RuntimeError(
            f"the {len(bundles)} nodes were not placed within placement_timeout_s = "
            f"{timeout:g} s: they need {_describe(need)}, and the Ray cluster has "
            f"{_describe({k: free.get(k, 0.0) for k in short}) or 'enough'} free now (other "
            "jobs hold the rest); free them, lower the nodes' num_cpus, or wait longer "
            "(federation.placement_timeout_s)"
        )

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
        if self.group is not None:
            with contextlib.suppress(Exception):
                remove_placement_group(self.group)
            self.group = None
        if self.owned and ray.is_initialized():
            ray.shutdown()
            self.owned = False


def _bundle(spec: NodeSpec) -> dict[str, float]:
    """What a node's actor reserves: its CPUs and custom resources (none at 0)."""
    bundle = {"CPU": float(spec.num_cpus), **{k: float(v) for k, v in spec.resources.items()}}
    return {k: v for k, v in bundle.items() if v > 0}


def _total(bundles: Iterable[dict[str, float]]) -> dict[str, float]:
    total: dict[str, float] = {}
    for bundle in bundles:
        for name, amount in bundle.items():
            total[name] = total.get(name, 0.0) + amount
    return total


def _largest(hosts: list[dict[str, float]], bundle: dict[str, float]) -> dict[str, float]:
    """The most of each of ``bundle``'s resources that one host has."""
    return {k: max((h.get(k, 0.0) for h in hosts), default=0.0) for k in bundle}


def _describe(resources: dict[str, float]) -> str:
    return ", ".join(
        f"{v:g} CPU" if k == "CPU" else f"{v:g} {k}" for k, v in sorted(resources.items())
    )


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"
