"""``python -m orchestrator.testing.conformance KIND``: run the conformance suites on a backend.

For a plugin author: the registered backend ``KIND`` (any quantum or spiking plugin in the
entry points of this environment: install your package, e.g. ``pip install -e .``) runs the
same suites the built-in backends pass (``QuantumBackendSuite``; ``SpikingBackendSuite``,
plus ``AnnealerBackendSuite`` when the plugin names an annealer), once per conformance case it
declares. Prints one line per failed check (``FAIL test[case]: first line of the error``) and a
summary; exit code 0 when every check passed, 1 when one failed (or the backend's SDK is not
installed: nothing could be checked), 2 for an unknown kind. ``--verbose`` shows pytest's own
report (tracebacks included). Needs pytest.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

from orchestrator.contract.registry import BackendPlugin, plugins

__all__ = ["main", "run_suites"]

_MODULE = """\
from orchestrator.contract.registry import plugins
from orchestrator.testing import {suite}


class Test{name}({suite}):
    plugin = plugins({layer!r})[{kind!r}]
"""


def suites_of(plugin: BackendPlugin) -> list[str]:
    """The suite classes (``orchestrator.testing``) a plugin must pass."""
    if plugin.layer == "quantum":
        return ["QuantumBackendSuite"]
    return ["SpikingBackendSuite", *(["AnnealerBackendSuite"] if plugin.annealer else [])]


class _Collector:
    """A pytest plugin keeping the outcome of every check (one test of one case)."""

    def __init__(self) -> None:
        self.failed: list[str] = []
        self.passed = 0
        self.skipped = 0

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.failed:
            name = report.nodeid.split("::")[-1]
            message = getattr(report.longrepr, "reprcrash", None)
            line = message.message.splitlines()[0] if message else str(report.longrepr)
            self.failed.append(f"FAIL {name} ({report.when}): {line}")
        elif report.when == "call" and report.passed:
            self.passed += 1
        elif report.skipped:
            self.skipped += 1

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.failed.append(f"FAIL collecting the suite: {report.longrepr}")


def run_suites(plugin: BackendPlugin, verbose: bool = False) -> tuple[list[str], int, int]:
    """(failure lines, checks passed, checks skipped) of the plugin's suites."""
    collector = _Collector()
    with tempfile.TemporaryDirectory(prefix="qnf-conformance-") as tmp:
        paths = []
        for suite in suites_of(plugin):
            path = Path(tmp) / f"test_{plugin.kind}_{suite.lower()}.py"
            name = "".join(part.title() for part in plugin.kind.split("_")) + suite
            path.write_text(
                _MODULE.format(suite=suite, name=name, layer=plugin.layer, kind=plugin.kind)
            )
            paths.append(str(path))
        args = [*paths, "-p", "no:cacheprovider", "--rootdir", tmp, "-q"]
        if verbose:
            pytest.main(args, plugins=[collector])
        else:
            with contextlib.redirect_stdout(io.StringIO()):
                pytest.main(args, plugins=[collector])
    return collector.failed, collector.passed, collector.skipped


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orchestrator.testing.conformance",
        description="Run the conformance suites on a registered quantum or spiking backend.",
    )
    parser.add_argument("kind", help="the backend's kind (its entry-point name)")
    parser.add_argument("--verbose", action="store_true", help="show pytest's own report")
    args = parser.parse_args(argv)
    found = {**plugins("quantum"), **plugins("spiking")}
    plugin = found.get(args.kind)
    if plugin is None:
        print(
            f"kind: unknown backend {args.kind!r}; registered here: {', '.join(sorted(found))} "
            "(install your package so its entry points are seen, e.g. pip install -e .)",
            file=sys.stderr,
        )
        return 2
    gone = plugin.missing()
    if gone:
        print(f"FAIL {plugin.kind}: needs {', '.join(gone)}: {plugin.install}")
        return 1
    failed, passed, skipped = run_suites(plugin, args.verbose)
    for line in failed:
        print(line)
    suites = ", ".join(suites_of(plugin))
    verdict = "conforms" if not failed and passed else "does not conform"
    print(
        f"{plugin.layer} backend '{plugin.kind}' {verdict}: {passed} checks passed, "
        f"{len(failed)} failed, {skipped} skipped ({suites}; cases: "
        f"{', '.join(plugin.conformance)})"
    )
    return 0 if not failed and passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
