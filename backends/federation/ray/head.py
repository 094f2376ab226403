"""A private Ray head on 127.0.0.1 for tests and benchmarks (never ``ray stop``).

``loopback_head()`` starts ``ray start --head --block`` bound to 127.0.0.1 in its own process
group, with RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 (without it Ray 2.60 swaps in the host's
routable address and listens there), its own temporary directory and HOME (Ray writes an auth
token under HOME), and usage statistics off. The same variables are set in this process for
the duration (Ray reads them when it is imported and connects: import it only inside the
``with``), which is entered once ``ray start`` says the runtime started (a driver waits 60 s
for the node; on a loaded machine the head alone took 35-57 s here). On leaving, the driver
is disconnected and the head's process group is stopped by
its id: SIGTERM, then SIGKILL for what is left after ``grace_s`` (Ray's own graceful stop
takes ~30 s here). ``ray stop`` would stop every Ray on the host, other people's included.
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
from typing import IO

__all__ = ["LoopbackHead", "loopback_head"]

RAY_ENV = {"RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0", "RAY_USAGE_STATS_ENABLED": "0"}
HEAD_ATTEMPTS = 3  # a head whose raylet did not register in Ray's 30 s is started again


@dataclass(frozen=True)
class LoopbackHead:
    """address: ``127.0.0.1:PORT`` for ``federation.address``; pgid: the head's process group;
    home: its temporary directory (HOME, Ray's temp dir under ``ray/``, the head's log)."""

    address: str
    pgid: int
    home: Path


@contextlib.contextmanager
def loopback_head(num_cpus: int = 4, grace_s: float = 10.0) -> Iterator[LoopbackHead]:
    """Start a loopback-only head; stop it by its process group id afterwards (docstring)."""
    home = Path(tempfile.mkdtemp(prefix="qnfray-", dir="/tmp"))  # Ray's socket paths are short
    saved = {name: os.environ.get(name) for name in ("HOME", *RAY_ENV)}
    os.environ.update(HOME=str(home), **RAY_ENV)
    log = open(home / "head.log", "w")  # noqa: SIM115
    head, port = _start(home, num_cpus, log)
    try:
        for attempt in range(1, HEAD_ATTEMPTS + 1):
            try:
                _wait_until_started(head, home / "head.log")
                break
            except RuntimeError:  # the raylet took over Ray's own 30 s to register (a load)
                if attempt == HEAD_ATTEMPTS:
                    raise
                _kill_group(head)
                log.write(f"\n--- attempt {attempt} failed; starting the head again ---\n")
                log.flush()
                head, port = _start(home, num_cpus, log)
        yield LoopbackHead(f"127.0.0.1:{port}", head.pid, home)
    finally:
        ray = sys.modules.get("ray")
        if ray is not None and ray.is_initialized():
            ray.shutdown()
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
        log.close()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(home, ignore_errors=True)


def _start(home: Path, num_cpus: int, log: IO[str]) -> tuple[subprocess.Popen, int]:
    """``ray start --head --block`` on a free loopback port, in its own process group."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    ray_bin = Path(sys.executable).parent / "ray"
    command = [
        str(ray_bin), "start", "--head", "--block", "--node-ip-address=127.0.0.1",
        f"--port={port}", f"--temp-dir={home}/ray", f"--num-cpus={num_cpus}",
        "--include-dashboard=false", "--disable-usage-stats",
    ]  # fmt: skip
    head = subprocess.Popen(
        command, env=dict(os.environ), stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    return head, port


def _kill_group(head: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(head.pid, signal.SIGKILL)
    head.wait()
    while _alive_in_group(head.pid):
        time.sleep(0.2)


def _wait_until_started(head: subprocess.Popen, log: Path, patience_s: float = 600.0) -> None:
    """Until ``ray start`` says the runtime started: on a loaded machine that takes longer than
    a driver's ``ray.init`` waits for the node (60 s), which then fails to connect."""
    deadline = time.monotonic() + patience_s
    while "Ray runtime started" not in log.read_text(errors="replace"):
        if head.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the Ray head did not start: {log.read_text()[-2000:]}")
        time.sleep(0.2)


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
