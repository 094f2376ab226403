"""One loopback Ray head shared by the tests that run one after the other on it (design §26).

A head (``backends.federation.ray.head.loopback_head``) costs ~3 CPU-seconds and 5-15 s of
wall time to start on this kind of machine, and its stop waits ``grace_s`` (10 s by default)
for Ray's graceful exit before SIGKILL. The Ray tests (``tests/backends/sweep/test_ray_pool.py``,
``tests/backends/federation/test_ray.py``, ``test_ray_placement.py``; the ``ray`` xdist group,
so one worker runs them one after the other) each started their own; now the ``ray_head``
fixture starts one when a test asks for it and none is up, and the head is stopped after the
last test of a run of consecutive tests asking for it (``pytest_runtest_teardown``: when the
next test does not ask for it, or there is none), so no head idles behind the group.

Between the tests: each test's driver is disconnected (``ray.shutdown()``) at its end, as the
head's own exit did; HOME and Ray's variables stay those of the head while it is up (as they
were inside each test's ``with``). What a test started on the head (actors, placement groups)
is its own to end, as before; ``test_ray_placement.py`` holds every CPU of the head only after
its placement group is ready, so it waits for what an earlier test's job still frees.

``tests/test_lifeline.py`` keeps a head of its own: it is about a head's process group dying
with the test process that started it.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from backends.federation.ray.head import LoopbackHead

NUM_CPUS = 2  # every test on it sizes its nodes for 2 CPUs (the placement test needs exactly 2)
FIXTURE = "ray_head"
# SIGTERM to SIGKILL when it stops: Ray's graceful stop takes ~30 s here, so the default 10 s
# ended in SIGKILL anyway (a 10.3 s teardown measured); no test looks at how the head ends
GRACE_S = 2.0

_up: list[tuple[contextlib.ExitStack, LoopbackHead]] = []

# HOME of this pytest process, read when conftest.py registers this plugin (before any head):
# a head points HOME at its own directory while it is up, and a test that needs the user's
# (uv's binary and cache) reads it here
HOME_OUTSIDE = os.environ.get("HOME")


def _stop() -> None:
    while _up:
        stack, _ = _up.pop()
        stack.close()


@pytest.fixture
def ray_head() -> Iterator[LoopbackHead]:
    """The shared loopback head of ``NUM_CPUS`` CPUs (module docstring)."""
    from backends.federation.ray.head import loopback_head

    if not _up:
        stack = contextlib.ExitStack()
        head = stack.enter_context(loopback_head(num_cpus=NUM_CPUS, grace_s=GRACE_S))
        _up.append((stack, head))
    yield _up[0][1]
    ray = sys.modules.get("ray")
    if ray is not None and ray.is_initialized():
        ray.shutdown()  # this test's driver, as the head's own exit did


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    yield  # the test's fixtures first (its driver is disconnected)
    if _up and (nextitem is None or FIXTURE not in getattr(nextitem, "fixturenames", ())):
        _stop()


def pytest_unconfigure(config: pytest.Config) -> None:
    _stop()
