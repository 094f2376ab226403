"""``qnf validate PATH`` without typer: the one start whose arguments need no parsing.

Typer, rich and the Typer app cost a ``qnf validate`` start ~0.05-0.07 s of its ~0.3 s of CPU
before anything was validated (issue 25 item 1: ``validate`` under 0.3 s; docs/design.md §25,
fifth round). The console script (``orchestrator.cli.main``) asks ``takes`` first, and ``start``
runs the command itself only for exactly ``validate PATH`` where typer would hand ``Path(PATH)``
to the command and print nothing itself:

- PATH does not begin with ``-`` (an option, ``--``, ``-`` to typer), is not empty, has only
  printable characters, and ``Path`` writes it back unchanged (``lean_typer``'s rule: the
  command then sees the text typer would give it);
- PATH is missing, or exists and is readable (typer refuses an unreadable one itself);
- no shell completion (``_QNF_COMPLETE``), not on Windows (click expands wildcards there).

Anything else returns False and typer runs the start as before. The command's body is
``check`` (``cli.commands.validate`` calls it too); its lines go through ``cli.plain``; its ends
are typer's: exit 0 after the command returns, the code of ``fail``'s ``typer.Exit``, 130 for
Ctrl+C, 1 for a closed pipe; an unexpected exception leaves through typer's pretty traceback
hook as under typer (the frames typer would hide are not there to hide).
``tests/orchestrator/cli/test_direct.py`` compares stdout, stderr and exit code with typer's path.

The start runs with Python's cyclic garbage collector off, and freezes the heap before it exits
(``gc.freeze``: the interpreter's last collections at exit skip it): the process validates one
config and ends; reference counting frees what it drops (the peak memory of a 28,000-edge config
is the same, 47 MB), and the collections that walked the growing heap of the imports, the models
and their validators, then the whole heap again at exit, were ~0.03 s of its CPU time. The
collector is on again when ``start`` raises ``SystemExit`` (a caller that catches it goes on).
"""

from __future__ import annotations

import errno
import gc
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from orchestrator.cli.plain import load, say

__all__ = ["check", "start", "takes"]

COMPLETE_VAR = "_QNF_COMPLETE"  # click's shell-completion variable for prog_name "qnf"


def takes(argv: Sequence[str]) -> bool:
    """Whether ``argv`` (``sys.argv[1:]``) is a start ``start`` runs without typer."""
    if len(argv) != 2 or argv[0] != "validate" or os.name == "nt" or COMPLETE_VAR in os.environ:
        return False
    text = argv[1]
    if not text or text.startswith("-") or not text.isprintable() or str(Path(text)) != text:
        return False
    try:
        os.stat(text)
    except (OSError, ValueError):  # missing: typer passes it on, the command reports it
        return True
    return os.access(text, os.R_OK)


def check(config: Path) -> None:
    """``qnf validate CONFIG``: the config's summary, its memory and circuit estimates."""
    from orchestrator.config.circuit_cost import circuit_cost
    from orchestrator.config.footprint import BIG_CHECKPOINT, estimate, human

    cfg = load(config)
    h = cfg.build_hamiltonian()
    exact = cfg.quantum.capabilities().statevector
    reading = "exact statevector, no shots" if exact else f"{cfg.quantum.shots} shots"
    say(
        f"ok: {cfg.hamiltonian.kind} Hamiltonian on {h.n_qubits} qubits ({len(h.terms)} terms); "
        f"quantum {cfg.quantum.kind} ({reading}); "
        f"spiking {cfg.spiking.kind} ({cfg.n_neurons()} neurons); "
        f"{cfg.pci.mapping} mapping; {cfg.run.ticks} ticks, seed {cfg.run.seed}"
    )
    footprint = estimate(cfg)
    say(footprint.line())
    say(circuit_cost(cfg).line())
    if footprint.checkpoint >= BIG_CHECKPOINT and cfg.checkpoint.every == 1:
        say(
            f"note: every tick writes a {human(footprint.checkpoint)} checkpoint (the plastic "
            "synapse state); checkpoint.every: 10 writes one per 10 ticks (a resume replays "
            "the ticks since, verified against the ledger)"
        )


def start(argv: Sequence[str]) -> NoReturn:
    """Run ``qnf validate PATH`` (``takes(argv)``) and exit as typer would have."""
    gc.disable()
    try:
        _run(argv)
    finally:
        gc.freeze()
        gc.enable()


def _run(argv: Sequence[str]) -> NoReturn:
    try:
        check(Path(argv[1]))
    except KeyboardInterrupt:
        sys.exit(130)  # typer: Exit(130)
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            _unexpected(exc)
        from typer._click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
        sys.stderr = PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
        sys.exit(1)
    except Exception as exc:
        typer = sys.modules.get("typer")
        if typer is not None and isinstance(exc, typer.Exit):  # fail(): its code
            sys.exit(exc.exit_code)
        _unexpected(exc)
    sys.exit(0)


def _unexpected(exc: Exception) -> NoReturn:
    """Hand a bug's exception to typer's traceback hook, as ``Typer.__call__`` does."""
    from typer import main as typer_main
    from typer.models import DeveloperExceptionConfig

    from orchestrator.cli.app import app

    sys.excepthook = typer_main.except_hook
    setattr(
        exc,
        typer_main._typer_developer_exception_attr_name,
        DeveloperExceptionConfig(
            pretty_exceptions_enable=app.pretty_exceptions_enable,
            pretty_exceptions_show_locals=app.pretty_exceptions_show_locals,
            pretty_exceptions_short=app.pretty_exceptions_short,
        ),
    )
    raise exc
