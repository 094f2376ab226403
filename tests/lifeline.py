"""Every process a test starts dies with the test process, however that ends (issue 26).

``start()`` (called once per pytest process, from ``conftest.py``) starts a watchdog: a small
process in a session of its own (a Ctrl+C to the suite's process group leaves it be) reading
a pipe whose write end only the pytest process holds. It then puts a marker,
``QNF_TEST_LIFELINE=<random>``, into the pytest process's environment, which every process
started from then on inherits: a ``ray start --head`` (in a process group of its own) and
Ray's workers, a ``qnf worker`` started by ``qnf submit``, a ``python -m orchestrator.cli
run`` child, a pool's workers. When the pytest process ends (at the end of the session, on
an exception, or by ``kill -9``) the pipe closes, and the watchdog SIGKILLs every process
whose environment holds the marker, again until none is left, then exits. The pytest process
does not carry the marker in its own start-up environment, so a suite never kills the outer
pytest that started it; a pytest started by a test carries the outer marker and dies with the
outer one (its own watchdog then kills its children).

A marked process that leads a process group (``ray start --head`` does) is killed with its
whole group: Ray's dashboard and runtime-env agents overwrite their environment with their
process title (``/proc/PID/environ`` no longer holds the marker), and they used to outlive the
kill by ~60 s (until they noticed their raylet gone; seen in ``tests/test_lifeline.py``, whose
wait for them then took 60-65 s of its ~70). Every member of such a group was started by the
marked leader or its descendants.

**Choice:** the environment, not the process tree: a process whose parent died is
re-parented (to init), and Ray's head starts its own process group, so neither parent links
nor process groups find them all; ``PR_SET_PDEATHSIG`` reaches only a direct child.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import signal
import sys
import time

__all__ = ["MARKER", "start"]

MARKER = "QNF_TEST_LIFELINE"


def start() -> None:
    """Start the watchdog for this process (once) and mark the environment its children get."""
    if os.environ.get(f"{MARKER}_OWNER") == str(os.getpid()):
        return
    token = secrets.token_hex(8)
    read, write = os.pipe()
    env = {k: v for k, v in os.environ.items() if not k.startswith(MARKER)}
    devnull = os.open(os.devnull, os.O_RDWR)
    os.posix_spawn(
        sys.executable,
        [sys.executable, os.path.abspath(__file__), token],
        env,
        file_actions=[
            (os.POSIX_SPAWN_DUP2, read, 0),
            (os.POSIX_SPAWN_DUP2, devnull, 1),
            (os.POSIX_SPAWN_DUP2, devnull, 2),
            (os.POSIX_SPAWN_CLOSE, write),
        ],
        setsid=True,
    )
    os.close(read)
    os.close(devnull)
    os.set_inheritable(write, False)  # only this process: its end is the watchdog's signal
    os.register_at_fork(after_in_child=lambda: _close(write))  # a fork without exec too
    os.environ[MARKER] = token
    os.environ[f"{MARKER}_OWNER"] = str(os.getpid())


def _close(fd: int) -> None:
    with contextlib.suppress(OSError):
        os.close(fd)


def _marked(entry: bytes) -> list[int]:
    pids = []
    for name in os.listdir("/proc"):
        if not name.isdigit() or int(name) == os.getpid():
            continue
        try:
            with open(f"/proc/{name}/environ", "rb") as handle:
                if entry in handle.read().split(b"\0"):
                    pids.append(int(name))
        except OSError:  # gone, or not ours to read
            continue
    return pids


def watch(token: str) -> None:
    """The watchdog: wait for the pipe on stdin to close, then kill every marked process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    while sys.stdin.buffer.read(4096):
        pass
    entry = f"{MARKER}={token}".encode()
    quiet = 0
    while quiet < 3:  # a process may start another while it is being killed: look again
        pids = _marked(entry)
        quiet = 0 if pids else quiet + 1
        for pid in pids:
            with contextlib.suppress(OSError):
                leader = os.getpgid(pid) == pid
                os.kill(pid, signal.SIGKILL)
                if leader:  # and its group (module docstring: Ray's agents)
                    os.killpg(pid, signal.SIGKILL)
        time.sleep(0.1)


if __name__ == "__main__":
    watch(sys.argv[1])
