"""Shared fixtures: paths to test assets and a fresh working directory per test."""

from __future__ import annotations

import signal
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
    """Every process a test starts dies with this one, however it ends (``tests/lifeline.py``)."""
    from tests.lifeline import start

    start()


@pytest.fixture
def assets() -> Path:
    return ASSETS


@pytest.fixture
def small_config() -> Path:
    """A 3-qubit, 6-neuron config that runs a few ticks in well under a second each."""
    return ASSETS / "small.yaml"
