"""The suite's own set-up (tests/conftest.py, design §26): what lets it run on every core."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HOMES: list[str] = []


@pytest.fixture(scope="module")
def shared() -> object:
    return object()


def test_a_test_sharing_a_module_fixture_runs_in_its_modules_group(shared, request) -> None:
    groups = [mark.args[0] for mark in request.node.iter_markers("xdist_group")]
    assert groups == ["tests/test_suite_setup.py"]
    if os.environ.get("PYTEST_XDIST_WORKER"):  # on a worker, xdist has scheduled by the group
        assert request.node.nodeid.endswith("@tests/test_suite_setup.py")


def test_a_test_without_one_goes_wherever_a_worker_is_free(request) -> None:
    assert request.node.get_closest_marker("xdist_group") is None


@pytest.mark.parametrize("round_", [1, 2])
def test_each_test_has_a_qnf_home_of_its_own(round_: int, tmp_path_factory) -> None:
    home = os.environ["QNF_HOME"]
    assert Path(home).is_dir() and Path(home).is_relative_to(tmp_path_factory.getbasetemp())
    assert home not in HOMES
    HOMES.append(home)


def test_the_suite_writes_the_bytecode_cache() -> None:
    assert "PYTHONDONTWRITEBYTECODE" not in os.environ and not sys.dont_write_bytecode
