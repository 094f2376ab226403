"""Lava imports in a process whose multiprocessing start method is already fixed (fork_start).

Each case runs in a fresh interpreter: this pytest process may have imported Lava already.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.paths import ROOT


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )


@pytest.mark.parametrize(
    "module",
    ["backends.neuromorphic.lava.backend", "backends.neuromorphic.lava.annealer"],
)
def test_lava_imports_after_the_default_context_was_fixed(module: str) -> None:
    # What an earlier test (or any library) does: asking for the start method fixes it.
    done = _python(
        "import multiprocessing\n"
        "assert multiprocessing.get_start_method() == 'fork'\n"
        f"import {module}\n"
        "print(multiprocessing.get_start_method(), multiprocessing.set_start_method.__module__)\n"
    )
    assert done.returncode == 0, done.stderr
    # the start method is what it was, and multiprocessing's own function is back in place
    assert done.stdout.split() == ["fork", "multiprocessing.context"]


def test_lava_still_fixes_fork_where_nothing_did() -> None:
    done = _python(
        "import multiprocessing\n"
        "import backends.neuromorphic.lava.backend\n"
        "print(multiprocessing.get_start_method(allow_none=True))\n"
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["fork"]


def test_another_fixed_start_method_is_refused_in_one_line_and_left_as_it_was() -> None:
    done = _python(
        "import multiprocessing\n"
        "multiprocessing.set_start_method('spawn')\n"
        "try:\n"
        "    import backends.neuromorphic.lava.backend\n"
        "except ImportError as error:\n"
        "    print(error)\n"
        "print(multiprocessing.get_start_method())\n"
    )
    assert done.returncode == 0, done.stderr
    message, method = done.stdout.strip().splitlines()
    assert "Lava needs multiprocessing's start method 'fork'" in message
    assert "'spawn'" in message
    assert method == "spawn"
