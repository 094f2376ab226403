"""Shared fixtures: paths to test assets, a QNF_HOME of its own per test; the suite's set-up.

The suite runs on every core (pytest-xdist, ``-n auto --dist loadgroup`` in pyproject.toml):
each worker is a pytest process of its own, with its own lifeline (``tests/lifeline.py``), its
own temporary directories, and each test its own QNF_HOME. Tests that must not overlap with
each other share an ``xdist_group`` (docs/design.md §26).
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

import pytest

# A suite started in the background of a non-interactive shell inherits SIGINT ignored (POSIX
# shells do that for `cmd &`). The Ctrl+C tests send SIGINT to this process and expect Python's
# KeyboardInterrupt, and Brian2 wraps whatever handler it finds at import (calling SIG_IGN then
# fails with "'Handlers' object is not callable"), so the suite starts from a terminal's state.
if signal.getsignal(signal.SIGINT) is signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

ASSETS = Path(__file__).parent / "assets"


def pytest_configure(config: pytest.Config) -> None:
    """Every process a test starts dies with this one, however it ends (``tests/lifeline.py``).

    Bytecode: a machine may set PYTHONDONTWRITEBYTECODE=1 (this VM does), and then every
    interpreter the suite starts (hundreds: CLI runs, workers, fresh-interpreter checks)
    compiles qiskit, scipy, brian2, ... from source, ~10 s of CPU each instead of ~2.5 s. The
    suite's processes write the cache (``__pycache__``, ignored by git; Python writes each file
    atomically, so concurrent workers are safe). It changes no behaviour, only what is cached.

    Run caches: QNF_CACHE (transpiled circuits, Brian2's exact integration; design §25) is one
    fresh folder of this session, made by the controller before its workers start (they
    inherit it) and deleted at its end: never the user's ~/.cache/qnfusion, never a cache an
    earlier session left (every suite starts cold). A test that needs its own sets its own.
    """
    from tests import order, ray_head
    from tests.lifeline import start

    start()
    config.pluginmanager.register(order, "qnf-heaviest-first")  # tests/order.py
    config.pluginmanager.register(ray_head, "qnf-ray-head")  # one head for consecutive tests
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    sys.dont_write_bytecode = False
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        _SESSION_CACHE.append(tempfile.mkdtemp(prefix="qnf-cache-"))
        os.environ["QNF_CACHE"] = _SESSION_CACHE[0]


_SESSION_CACHE: list[str] = []  # the controller's QNF_CACHE folder, removed at its end


def pytest_unconfigure(config: pytest.Config) -> None:
    for folder in _SESSION_CACHE:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.hookimpl(tryfirst=True)  # before xdist's worker reads the groups into the test ids
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests sharing a module-scoped fixture of ours run on one worker, so that its run (the
    expensive part: a whole experiment, several child processes) happens once, not once per
    worker that got one of them. The group is the module; a test that already names a group
    keeps it. Other tests of the module still go wherever a worker is free."""
    for item in items:
        if item.get_closest_marker("xdist_group") is not None:
            continue
        info = getattr(item, "_fixtureinfo", None)
        if info is None:
            continue
        shared = any(
            definition.scope in ("module", "class", "package", "session")
            and getattr(definition.func, "__module__", "").startswith("tests.")
            for definitions in info.name2fixturedefs.values()
            for definition in definitions
        )
        if shared:
            item.add_marker(pytest.mark.xdist_group(item.nodeid.split("::", 1)[0]))


@pytest.fixture
def assets() -> Path:
    return ASSETS


@pytest.fixture
def small_config() -> Path:
    """A 3-qubit, 6-neuron config that runs a few ticks in well under a second each."""
    return ASSETS / "small.yaml"


@pytest.fixture(autouse=True)
def _own_qnf_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test its own job store, logs and worker lock: tests on other workers never share one
    (a test that needs a particular QNF_HOME sets its own over this one)."""
    monkeypatch.setenv("QNF_HOME", str(tmp_path_factory.mktemp("qnf_home")))
