"""The CLI's lines and exits without typer or rich: ``say``, ``fail``, ``load`` and the consoles.

Every command prints through two rich consoles, ``console()`` (stdout) and
``console(stderr=True)``, ``Console(soft_wrap=True)`` both (``cli.app`` names them ``out`` and
``err``). ``say`` and ``fail`` print one line with ``markup=False, highlight=False``. For a line of
printable ASCII without an emoji code (``:name:``: rich replaces a known one, ``:smile:``) what
rich writes is the line and ``"\\n"``, flushed; here such a line is written so, without importing
rich (~0.02 s), while no console exists yet. That is the typer-free ``qnf validate PATH``
(``cli.direct``): ``cli.app`` makes both consoles when it is imported, so every command typer
runs prints through rich as before. Any other line (a tab, a control or non-ASCII character, two
colons with no space between) makes the console and prints through it
(``tests/orchestrator/cli/test_plain.py`` compares the bytes with rich's). docs/design.md §25.
"""

from __future__ import annotations

import builtins
import os
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from rich.console import Console

    from orchestrator.config.root import RunConfig

__all__ = ["console", "fail", "load", "say"]

_consoles: dict[bool, Console] = {}  # stderr? -> the console, made on first use
_EMOJI_CODE = re.compile(r":\S*?:")  # what rich's _emoji_replace looks at (a superset)


def console(stderr: bool = False) -> Console:
    """The CLI's rich console on stdout (or stderr), made on first use."""
    made = _consoles.get(stderr)
    if made is None:
        from rich.console import Console

        made = _consoles[stderr] = Console(stderr=stderr, soft_wrap=True)
    return made


def is_plain(line: str) -> bool:
    """Whether rich would write ``line`` as it is: printable ASCII, no ``:code:``."""
    return line.isascii() and line.isprintable() and _EMOJI_CODE.search(line) is None


def _write(line: str, stderr: bool) -> None:
    stream = sys.stderr if stderr else sys.stdout
    if (
        _consoles  # a console exists (typer's commands, a line printed through rich)
        or not is_plain(line)
        or stream is None
        or hasattr(stream, "rich_proxied_file")  # rich's live display holds the stream
        or "get_ipython" in builtins.__dict__  # rich renders for Jupyter there
    ):
        console(stderr).print(line, markup=False, highlight=False, soft_wrap=True)
        return
    try:
        stream.write(line + "\n")
        stream.flush()
    except BrokenPipeError:  # as rich's Console.on_broken_pipe
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        raise SystemExit(1) from None


def say(line: str) -> None:
    """One line on stdout, as written (no markup, no highlighting)."""
    _write(line, stderr=False)


def fail(problems: list[str], code: int = 2) -> NoReturn:
    """Print one line per problem on stderr and exit with ``code`` (no traceback)."""
    for line in problems:
        _write(line, stderr=True)
    from typer import Exit  # imported here: the typer-free path pays for it on failure only

    raise Exit(code)


def load(
    path: Path, ticks: int | None = None, seed: int | None = None, out_dir: Path | None = None
) -> RunConfig:
    """Validate CONFIG with the CLI overrides applied, or exit 2 listing every problem."""
    from orchestrator.config.errors import ConfigError
    from orchestrator.config.root import load_config

    overrides: dict[str, Any] = {
        "run.ticks": ticks,
        "run.seed": seed,
        "run.out": None if out_dir is None else str(out_dir),
    }
    try:
        return load_config(path, {k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        fail(exc.problems)
