"""The worker process that holds one PyNN network, and the session the backend talks to it by.

Why a process: NEST's kernel and sPyNNaker's simulation are one per Python process (PyNN's
``setup`` resets them), so two networks in one process (a run and its rollback twin, federated
nodes, the conformance suite) would destroy each other. Each ``PynnBackend`` therefore owns a
worker, which also keeps NEST's console output and its OpenMP threads out of the orchestrator.

Workers are forked from multiprocessing's fork server, which has imported PyNN and the
simulator once (``set_forkserver_preload``): a worker starts in ~0.1 s instead of the seconds
an import of NEST takes. As with any multiprocessing start method but ``fork``, the main
module is imported by the server (as ``__mp_main__``): a script that builds this backend needs
the ``if __name__ == "__main__":`` guard. A worker ignores Ctrl+C (the orchestrator stops it
in order), dies with the fork server (``PR_SET_PDEATHSIG``, Linux), which ends with the
orchestrator, and ends itself when its pipe closes.

Protocol (pickled tuples over a ``Pipe``): the worker sends ``("ready", identity)`` once the
driver is built; then for each request ``("advance", drive)`` / ``("weights",)`` it answers
``("ok", payload)``; ``("close",)`` closes the driver and ends the process. Any exception in
the worker answers ``("error", type name, message, traceback)``; a ``ValueError`` from building
the network is re-raised as ``ValueError`` (a network the simulator refuses), anything else as
``RuntimeError``.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import multiprocessing
import signal
import sys
import time
import traceback
from abc import ABC, abstractmethod
from multiprocessing.connection import Connection
from typing import Any, final

from backends.neuromorphic.pynn.config import SIMULATORS, PynnOptions
from backends.neuromorphic.pynn.driver import DRIVERS, Driver
from orchestrator.contract.spiking import NetworkSpec

__all__ = ["LocalSession", "Session", "WorkerSession"]

_POLL_S = 0.5
_STOP_S = 10.0
_PR_SET_PDEATHSIG = 1
_BUILDING = "building the network"
_QUIET = "backends.neuromorphic.pynn.quiet"  # imported first by the fork server


def load_driver(simulator: str) -> type[Driver]:
    module, _, name = DRIVERS[simulator].partition(":")
    return getattr(importlib.import_module(module), name)


class Session(ABC):
    """The backend's handle on its driver: ``call`` a request, ``close`` at the end."""

    identity: dict[str, str]

    @abstractmethod
    def call(self, *request: Any) -> Any:
        """Send one request (``("advance", drive)``, ``("weights",)``), return its payload."""

    @abstractmethod
    def close(self) -> None:
        """Close the driver and release the worker. Idempotent."""


def _answer(driver: Driver, request: tuple[Any, ...]) -> Any:
    if request[0] == "advance":
        return driver.tick(request[1])
    if request[0] == "weights":
        return driver.weights_mv()
    raise ValueError(f"unknown request {request[0]!r}")


@final
class LocalSession(Session):
    """The driver in this process (debugging, and tests that stand in for a simulator module).
    At most one per process for NEST or sPyNNaker, see the module docstring."""

    def __init__(self, network: NetworkSpec, options: PynnOptions) -> None:
        self._driver: Driver | None = load_driver(options.simulator)(network, options)
        self.identity = self._driver.identity()

    def call(self, *request: Any) -> Any:
        if self._driver is None:
            raise RuntimeError("pynn backend is closed")
        return _answer(self._driver, request)

    def close(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None:
            driver.close()


def _serve(conn: Connection, network: NetworkSpec, options: PynnOptions) -> None:
    """The worker's main: build the driver, answer requests until ``close`` or EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    from backends.neuromorphic.pynn.quiet import quiet

    quiet()
    try:
        driver = load_driver(options.simulator)(network, options)
        conn.send(("ready", driver.identity()))
    except BaseException as exc:
        conn.send(("error", type(exc).__name__, str(exc), traceback.format_exc()))
        return
    try:
        while True:
            try:
                request = conn.recv()
            except EOFError:  # the backend is gone
                return
            if request[0] == "close":
                return
            try:
                conn.send(("ok", _answer(driver, request)))
            except Exception as exc:
                conn.send(("error", type(exc).__name__, str(exc), traceback.format_exc()))
    finally:
        with contextlib.suppress(Exception):
            driver.close()
        with contextlib.suppress(Exception):
            conn.send(("closed",))


def _context(options: PynnOptions) -> multiprocessing.context.BaseContext:
    """The fork server, preloading PyNN and the simulator before its first fork."""
    context = multiprocessing.get_context("forkserver")
    module = SIMULATORS[options.simulator][0]
    driver = DRIVERS[options.simulator].split(":")[0]
    context.set_forkserver_preload(["__main__", _QUIET, __name__, module, driver])
    return context


@final
class WorkerSession(Session):
    """The driver in its own worker process; see the module docstring."""

    def __init__(self, network: NetworkSpec, options: PynnOptions) -> None:
        context = _context(options)
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(child, network, options), name="qnf-pynn", daemon=True
        )
        self._process.start()
        child.close()
        self._closed = False
        try:
            kind, *payload = self._receive(options.start_timeout_s, _BUILDING)
        except BaseException:
            self._kill()
            raise
        if kind == "error":
            self._kill()
            error, message, _ = payload
            if error == "ValueError":
                raise ValueError(message)
            raise RuntimeError(f"pynn worker failed to build the network: {error}: {message}")
        self.identity = payload[0]

    def call(self, *request: Any) -> Any:
        if self._closed:
            raise RuntimeError("pynn backend is closed")
        with contextlib.suppress(OSError):  # a dead worker: _receive says so
            self._conn.send(request)
        kind, *payload = self._receive(None, request[0])
        if kind == "error":
            error, message, _ = payload
            if error == "ValueError":
                raise ValueError(message)
            raise RuntimeError(f"pynn worker failed in {request[0]}: {error}: {message}")
        return payload[0]

    def _receive(self, timeout_s: float | None, doing: str) -> tuple[Any, ...]:
        """The worker's next message; ``RuntimeError`` when it died or ran past ``timeout_s``."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        try:
            while not self._conn.poll(_POLL_S):
                if not self._process.is_alive() and not self._conn.poll(0):
                    raise EOFError
                if deadline is not None and time.monotonic() > deadline:
                    raise RuntimeError(
                        f"pynn worker: {doing} took more than {timeout_s:g} s "
                        "(spiking.pynn.start_timeout_s)"
                    )
            return self._conn.recv()
        except (EOFError, OSError):
            self._process.join(_STOP_S)
            self._closed = True
            code = self._process.exitcode
            hint = (
                "; a script that builds it needs multiprocessing's "
                "`if __name__ == '__main__':` guard"
                if code == 1 and doing == _BUILDING
                else ""
            )
            raise RuntimeError(f"pynn worker died while {doing} (exit code {code}{hint})") from None

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError, EOFError):
            self._conn.send(("close",))
            if self._conn.poll(_STOP_S):
                self._conn.recv()
        self._process.join(_STOP_S)
        self._kill()

    def _kill(self) -> None:
        self._closed = True
        if self._process.is_alive():
            self._process.kill()
            self._process.join(_STOP_S)
        with contextlib.suppress(OSError):
            self._conn.close()
