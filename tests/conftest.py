"""Shared fixtures: paths to test assets and a fresh working directory per test."""

from __future__ import annotations

from pathlib import Path

import pytest

ASSETS = Path(__file__).parent / "assets"


@pytest.fixture
def assets() -> Path:
    return ASSETS


@pytest.fixture
def small_config() -> Path:
    """A 3-qubit, 6-neuron config that runs a few ticks in well under a second each."""
    return ASSETS / "small.yaml"
