"""A private Ray head on 127.0.0.1 for tests and benchmarks (never ``ray stop``).

``loopback_head()`` starts ``ray start --head --block`` bound to 127.0.0.1 in its own process
group, with RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 (without it Ray 2.60 swaps in the host's
routable address and listens there), its own temporary directory and HOME (Ray writes an auth
token under HOME), and usage statistics off. The same variables are set in this process for
the duration (Ray reads them when it is imported and connects: import it only inside the
``with``). Every port a head would take at a fixed default (the dashboard agent's 52365, ...)
gets a free one, so the heads of several tests or users on one host do not compete for it. It
yields once the head says "Ray runtime started." (a driver's ``ray.init`` gives up on a head
still starting). On a loaded host (load 12-18 on 2 cores) the raylet gives up on its slow
dashboard agent after a fixed 15 s (ray-project/ray#65983) and the start fails "timed out
during startup": it is tried ``attempts`` times, then ``HeadFailed`` with the end of its log.
On leaving, the driver is disconnected and the head's process group is stopped by its id:
SIGTERM, then SIGKILL for what is left after ``grace_s`` (Ray's own graceful stop takes ~30 s
here). ``ray stop`` would stop every Ray on the host, other people's included.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

__all__ = ["HeadFailed", "LoopbackHead", "loopback_head"]

RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}


@dataclass(frozen=True)
class LoopbackHead:
    """address: ``127.0.0.1:PORT`` for ``federation.address``; pgid: the head's process group;
    home: its temporary directory (HOME, Ray's temp dir under ``ray/``, the head's log)."""

    address: str
    pgid: int
    home: Path


# Ports a head takes at a fixed default (the dashboard agent's 52365, ...): a second head on
# the host (another test, another user's) then fails to start ("The current node timed out
# during startup"). Each gets a free port of its own.
_FIXED_PORTS = (
    "dashboard-agent-listen-port",
    "dashboard-agent-grpc-port",
    "runtime-env-agent-port",
    "metrics-export-port",
)  # not --ray-client-server-port (10001): without ray[client] installed no client server runs


def _free_ports(count: int) -> list[int]:
    """``count`` distinct TCP ports free on 127.0.0.1 now."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


class HeadFailed(RuntimeError):
    """The head did not start (the message holds the end of its log)."""


def _wait_started(head: subprocess.Popen, log: Path, start_s: float) -> None:
    deadline = time.monotonic() + start_s
    while "Ray runtime started." not in log.read_text(errors="replace"):
        if head.poll() is not None or time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-2000:]
            raise HeadFailed(f"the Ray head did not start (exit {head.poll()}):\n{tail}")
        time.sleep(0.2)


@contextlib.contextmanager
def loopback_head(
    num_cpus: int = 4, grace_s: float = 10.0, start_s: float = 900.0, attempts: int = 3
) -> Iterator[LoopbackHead]:
    """Start a loopback-only head; stop it by its process group id afterwards (docstring).

    attempts: starts tried before ``HeadFailed`` (on a loaded host the raylet gives up on a
    slow dashboard agent after a fixed 15 s, ray-project/ray#65983; a second try often lands).
    """
    saved = {name: os.environ.get(name) for name in ("HOME", *RAY_ENV)}
    try:
        for attempt in range(attempts):
            home = Path(tempfile.mkdtemp(prefix="qnfray-", dir="/tmp"))  # short socket paths
            os.environ.update(HOME=str(home), **RAY_ENV)
            head, port = _start(home, num_cpus)
            try:
                _wait_started(head, home / "head.log", start_s)
                break
            except HeadFailed:
                _stop(head, grace_s, home)
                if attempt + 1 == attempts:
                    raise
        try:
            yield LoopbackHead(f"127.0.0.1:{port}", head.pid, home)
        finally:
            ray = sys.modules.get("ray")
            if ray is not None and ray.is_initialized():
                ray.shutdown()
            _stop(head, grace_s, home)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _start(home: Path, num_cpus: int) -> tuple[subprocess.Popen, int]:
    """``ray start --head --block`` in its own process group, logging to ``home/head.log``."""
    port, *others = _free_ports(len(_FIXED_PORTS) + 1)
    ray_bin = Path(sys.executable).parent / "ray"
    command = [
        str(ray_bin), "start", "--head", "--block", "--node-ip-address=127.0.0.1",
        f"--port={port}", f"--temp-dir={home}/ray", f"--num-cpus={num_cpus}",
        "--include-dashboard=false", "--disable-usage-stats",
        *(f"--{name}={p}" for name, p in zip(_FIXED_PORTS, others)),
    ]  # fmt: skip
    with open(home / "head.log", "w") as log:
        head = subprocess.Popen(
            command, env=dict(os.environ, PYTHONUNBUFFERED="1"), stdout=log,
            stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    return head, port


def _stop(head: subprocess.Popen, grace_s: float, home: Path) -> None:
    """Stop the head's process group (SIGTERM, SIGKILL after ``grace_s``); remove ``home``."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(head.pid, signal.SIGTERM)
    try:
        head.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(head.pid, signal.SIGKILL)
        head.wait()
    deadline = time.monotonic() + grace_s
    while _alive_in_group(head.pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(head.pid, signal.SIGKILL)
    shutil.rmtree(home, ignore_errors=True)


def _alive_in_group(pgid: int) -> bool:
    """Whether a process of group ``pgid`` still runs (zombies do not count)."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        with contextlib.suppress(OSError):
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            if int(fields[2]) == pgid and fields[0] != "Z":
                return True
    return False
