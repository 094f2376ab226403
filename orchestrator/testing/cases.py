"""What the conformance suites share: which (plugin, case) pairs a suite class runs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from orchestrator.contract.registry import BackendPlugin, ConformanceCase

__all__ = ["PluginCase", "Suite"]


@dataclass(frozen=True)
class PluginCase:
    """One conformance case of one plugin, with its validated config."""

    plugin: BackendPlugin
    name: str
    case: ConformanceCase

    def config(self, **extra: Any) -> Any:
        """The plugin's config model for this case (plus ``extra`` keys)."""
        return self.plugin.config.model_validate(
            {"kind": self.plugin.kind, **self.case.options, **extra}
        )

    def load(self) -> type:
        """The implementation class; skips the test when the plugin's SDK is missing."""
        gone = self.plugin.missing()
        if gone:
            pytest.skip(
                f"{self.plugin.layer} backend '{self.plugin.kind}' needs {', '.join(gone)}: "
                f"{self.plugin.install}"
            )
        return self.plugin.load()


class Suite:
    """Base of the suites: parametrises every test taking ``case`` over the plugin's cases.

    Set ``plugin`` in a subclass (or override ``plugins_under_test`` to run several).
    """

    plugin: BackendPlugin | None = None

    def plugins_under_test(self) -> list[BackendPlugin]:
        if self.plugin is None:
            raise TypeError(f"{type(self).__name__}: set `plugin` to the BackendPlugin to test")
        return [self.plugin]

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        if "case" not in metafunc.fixturenames:
            return
        cases = [
            PluginCase(plugin, name, case)
            for plugin in self.plugins_under_test()
            for name, case in plugin.conformance.items()
        ]
        ids = [f"{c.plugin.kind}-{c.name}" for c in cases]
        metafunc.parametrize("case", cases, ids=ids)
