"""A Lava runtime a session owns: compiled once, run tick by tick, waited on safely, always ended.

What every Lava process graph of ours shares (the LIF network's ``session.LavaSession``, the
annealer's ``annealer_session.AnnealerSession``): ``_launch`` compiles the graph of a root
process and forks Lava's workers (``workers.forking_workers``: shielded from Ctrl+C, tied to
our life); ``_run_steps`` starts ``RunSteps`` without blocking and waits for the runtime's
answer while checking that every worker lives; ``_await`` does the same for a host pipe;
``close`` stops the runtime with a bounded wait, then SIGKILLs what is left. A session whose
run did not complete (an interrupt, a failure) is never run again.
"""

from __future__ import annotations

import queue
import time
from abc import ABC, abstractmethod
from collections.abc import Mapping
from typing import Any, Literal, final

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.runtime.mgmt_token_enums import MGMT_RESPONSE, enum_equal

from backends.neuromorphic.lava import workers as lava_workers

__all__ = ["LavaFailure", "RuntimeSession"]

_POLL_S = 0.25  # how often a waiting host checks that the workers live


@final
class LavaFailure(RuntimeError):
    """Lava's workers failed; they have been ended."""


class RuntimeSession(ABC):
    """The runtime of one process graph (module docstring); subclasses build the graph.

    ``_state``: new (building), paused (between ticks), running (a tick started and did not
    finish: its state is unknown), closed.
    """

    def _prepare(self, stop_timeout_s: float) -> None:
        """Before building: no runtime, no workers yet."""
        self._stop_timeout_s = stop_timeout_s
        self._workers: set[int] = set()
        self._runtime: Any = None
        self._root: Any = None
        self._state: Literal["new", "paused", "running", "closed"] = "new"
        self.ended_by: Literal["stop", "kill"] | None = None

    def _launch(self, root: Any, run_config: Any) -> None:
        """Compile the graph of ``root`` for ``run_config`` and start Lava's workers."""
        self._root = root
        self.run_config = run_config
        executable = root.compile(run_config)
        try:
            with lava_workers.forking_workers() as self._workers:
                root.create_runtime(executable=executable)
        except BaseException:
            self._end(kill=True)
            raise
        self._runtime = root.runtime
        self._state = "paused"

    @abstractmethod
    def state(self) -> Mapping[str, np.ndarray] | None:
        """The network's state after the last tick (what a checkpoint holds), None where it
        cannot be read (a chip); raises between a tick's start and its end."""

    @property
    def workers(self) -> frozenset[int]:
        """Pids of Lava's worker processes of this network (empty before the runtime)."""
        return frozenset(self._workers)

    def _begin_tick(self) -> None:
        if self._state != "paused":
            raise RuntimeError(f"the Lava network is {self._state}; it cannot run again")
        self._state = "running"  # until the tick is complete (an interrupt leaves it so)

    def _run_steps(self, steps: int) -> None:
        """Run ``steps`` steps and wait for the runtime's answer (workers checked)."""
        self._root.run(condition=RunSteps(num_steps=steps, blocking=False), run_cfg=self.run_config)
        for port in self._runtime.service_to_runtime:
            self._await(port)
            if not enum_equal(port.peek(), MGMT_RESPONSE.DONE):
                self._fail("Lava's runtime reported an error during the run")
        self._runtime.wait()

    def _end_tick(self) -> None:
        self._state = "paused"

    def _await(self, port: object) -> None:
        """Block until ``port`` holds a message, checking every _POLL_S that workers live."""
        while True:
            try:
                port._queue.get(timeout=_POLL_S, peek=True)  # type: ignore[attr-defined]
                return
            except queue.Empty:
                dead = [pid for pid in self._workers if not lava_workers.alive(pid)]
                if dead:
                    self._fail(f"Lava worker process(es) {sorted(dead)} ended during the run")

    def _fail(self, reason: str) -> None:
        details = _worker_errors(self._runtime)
        self._end(kill=True)
        raise LavaFailure(f"{reason}{details}; all Lava workers were stopped")

    def _check_paused(self) -> None:
        """Only between ticks is the state known."""
        if self._state != "paused":
            raise RuntimeError(f"the Lava network is {self._state}: its state is unknown")

    def close(self) -> None:
        """Stop the runtime (bounded wait), kill what did not stop. Idempotent."""
        if self._state != "closed":
            self._end(kill=False)

    def _end(self, kill: bool) -> None:
        """Orderly stop unless ``kill`` (or it fails); then SIGKILL any worker still alive."""
        runtime = None if self._root is None else self._root.runtime
        self._state = "closed"
        if not kill and runtime is not None:
            # Lava 0.10's stop() signals the workers only once the runtime has run; a network
            # built and never run would be left waiting (and stop() would hang joining it).
            runtime._is_started = True
            kill = lava_workers.stop_within(self._root.stop, self._stop_timeout_s) is not None
        self.ended_by = "kill" if kill or runtime is None else "stop"
        left = lava_workers.kill(self._workers)
        if runtime is not None:
            runtime._is_started = False  # Runtime.__del__ must not stop() dead workers again
        if left:
            raise RuntimeError(f"Lava worker process(es) {sorted(left)} survived SIGKILL")


def _worker_errors(runtime: object, grace_s: float = 1.0) -> str:
    """The last line of each failed worker's exception, as Lava's SystemProcess recorded it.

    A failing model reports ERROR to the runtime first and sends its exception as it exits,
    so wait up to ``grace_s`` for the workers to exit (those that hang are killed after).
    Best effort: Lava internals, no guarantee.
    """
    try:
        actors = list(runtime._messaging_infrastructure.actors)  # type: ignore[attr-defined]
    except AttributeError:
        return ""
    deadline = time.monotonic() + grace_s
    while any(actor.is_alive() for actor in actors) and time.monotonic() < deadline:
        time.sleep(0.02)
    lines = []
    for actor in actors:
        try:
            error = None if actor.is_alive() else actor.exception
        except (OSError, ValueError, EOFError):
            continue
        if error:
            lines.append(str(error[1]).strip().splitlines()[-1])
    return (": " + "; ".join(lines)) if lines else ""
