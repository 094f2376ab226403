"""The example plugins import one module of the orchestrator: ``orchestrator.backend_api``."""

from __future__ import annotations

import ast

import pytest

import orchestrator.backend_api as api
from tests.paths import ROOT

EXAMPLES = ("numpy_backend", "numpy_lif")


def orchestrator_imports(package: str) -> set[str]:
    found = set()
    for path in (ROOT / "tests" / "examples" / package).glob("*.py"):
        if path.name.startswith("test_"):
            continue  # a plugin's tests import the suites (orchestrator.testing)
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
            elif isinstance(node, ast.Import):
                found.update(alias.name for alias in node.names)
    return {name for name in found if name.split(".")[0] == "orchestrator"}


@pytest.mark.parametrize("package", EXAMPLES)
def test_an_example_plugin_imports_only_the_backend_api(package: str) -> None:
    assert orchestrator_imports(package) == {"orchestrator.backend_api"}


def test_the_backend_api_exports_what_it_names() -> None:
    assert sorted(api.__all__) == sorted(set(api.__all__))
    assert all(getattr(api, name) is not None for name in api.__all__)
