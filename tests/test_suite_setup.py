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


def test_units_go_out_longest_first_and_a_group_stays_together(tmp_path, monkeypatch) -> None:
    import json

    from tests import order

    class Item:
        def __init__(self, nodeid: str, group: str | None = None) -> None:
            self.nodeid = nodeid + (f"@{group}" if group else "")
            self.group = group

        def get_closest_marker(self, name: str):
            return pytest.mark.xdist_group(self.group).mark if self.group else None

    record = tmp_path / "durations.json"
    record.write_text(json.dumps({"a.py::short": 1.0, "b.py::long": 9.0, "g.py::x[1]": 4.0}))
    monkeypatch.setattr(order, "RECORD", record)
    items = [
        Item("a.py::short"),
        Item("g.py::x[1]", "g.py"),
        Item("a.py::new"),  # no record: 0.5 s
        Item("b.py::long"),
        Item("g.py::x[2]", "g.py"),  # the group: 4.0 + 0.5
    ]
    order.pytest_collection_modifyitems(None, items)  # type: ignore[arg-type]
    assert [i.nodeid for i in items] == [
        "b.py::long",
        "g.py::x[1]@g.py",
        "g.py::x[2]@g.py",
        "a.py::short",
        "a.py::new",
    ]



def test_the_run_caches_are_this_sessions_own() -> None:
    """QNF_CACHE is a folder the session made (shared by its workers), not the user's
    ~/.cache/qnfusion nor a cache an earlier session left."""
    cache = Path(os.environ["QNF_CACHE"])
    assert cache.is_dir() and cache.name.startswith("qnf-cache-")
    assert not cache.is_relative_to(Path.home() / ".cache")
