"""The ``qnf`` Typer app and what its commands share: consoles, errors, progress, results.

Exit codes: 0 success; 1 a check failed (``ledger verify``, ``reproduce``), a run or job failed
or was cancelled; 2 bad input (config problems are printed one per line as ``field: message``, no
traceback, nothing written or recorded; also a run the quantum backend refuses over its QPU
budget, and a ``--out`` that exists or cannot be created); 3 the run stopped cleanly at a tick
boundary (a device fault or a spent budget) and can be resumed; 4 a file could not be written
or read (a full disk, an I/O error, a read-only QNF_HOME for a command that writes, a corrupt
or foreign job store): one line names the file and the errno or what to do; a run stops at a
tick boundary, keeps every committed tick and writes summary.json if space allows, and
``qnf resume`` continues it once the cause is fixed; 128 + N a signal stopped the run at a
tick boundary, summary.json says ``interrupted`` and how to resume: 130 SIGINT (Ctrl+C), 143
SIGTERM, 129 SIGHUP (a second signal, not the same one within 2 s,
exits at once with its code, still resumable).
"""

from __future__ import annotations

import errno
import functools
import signal
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

import typer

from orchestrator.cli import lean_typer, plain
from orchestrator.cli.lazy_commands import LazyTyper
from orchestrator.cli.plain import fail, load, say
from orchestrator.run.interrupt import REPEAT_WINDOW_S, SignalStop, ignore_late_copy

__all__ = [
    "EXIT_IO",
    "active_stop",
    "app",
    "err",
    "fail",
    "interruptible",
    "io_fault",
    "load",
    "main",
    "out",
    "say",
    "stop_on_signals",
]

app = LazyTyper(  # imports the command modules when its commands are read (lazy_commands.py)
    name="qnf",
    help=(
        "qnfusion: closed-loop hybrid runs of a quantum processor and a spiking network.\n\n"
        "Each fusion tick runs a Trotterized circuit of the task Hamiltonian, turns the "
        "measurements into spike drives (the Phase Coupling Interface), runs the persistent "
        "spiking network, feeds its spike phases back into the next circuit, and appends a "
        "hash-chained FusionEvent to the run's ledger.\n\n"
        "Start with:  qnf run configs/demo.yaml     (foreground)\n\n"
        "or:          qnf submit configs/demo.yaml  (background job; then qnf watch ID)\n\n"
        "Ticks (and federation rounds, learning epochs) are numbered from 0 in every output. "
        "Shell completion: qnf --install-completion (bash, zsh, fish, PowerShell).\n\n"
        "Examples:\n\n"
        "  qnf run configs/demo.yaml --ticks 20 --out runs/first\n\n"
        "  qnf events runs/first --field maxcut.best_cut\n\n"
        "  qnf ledger verify runs/first"
    ),
    no_args_is_help=True,
    add_completion=True,
    context_settings={"help_option_names": ["-h", "--help"]},
    pretty_exceptions_show_locals=False,
)


def _no_flag_metavar() -> None:
    """Typer 0.29's rich help shows a ``<bool>`` type beside every flag (``--json <bool>``),
    which reads as if the flag took a value: a flag shows no type here."""
    from typer.core import TyperOption

    shown = TyperOption.display_type_rich
    if getattr(shown, "_qnf_flags", False):
        return

    def display_type_rich(self: TyperOption, ctx: Any) -> str | None:
        return None if self.is_flag else shown(self, ctx)

    display_type_rich._qnf_flags = True  # type: ignore[attr-defined]
    TyperOption.display_type_rich = display_type_rich  # type: ignore[method-assign]


_no_flag_metavar()
lean_typer.install()


def _version(value: bool) -> None:
    if value:
        from importlib.metadata import version

        print(f"qnf (qnfusion) {version('qnfusion')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version",
            "-V",
            help="Print the version and exit.",
            is_eager=True,
            callback=_version,
        ),
    ] = False,
) -> None:
    """qnfusion's command line (the help text is the app's)."""


out = plain.console()  # both made here: every command typer runs prints through rich
err = plain.console(stderr=True)

ConfigArg = Annotated[
    Path, typer.Argument(help="YAML run config, e.g. configs/demo.yaml.", show_default=False)
]
RunDirArg = Annotated[
    Path, typer.Argument(help="A run directory written by `qnf run`.", show_default=False)
]
TicksOpt = Annotated[
    int | None, typer.Option("--ticks", "-n", help="Override run.ticks.", show_default=False)
]
SeedOpt = Annotated[
    int | None, typer.Option("--seed", "-s", help="Override run.seed.", show_default=False)
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", help="Run directory (must not exist); overrides run.out.", show_default=False
    ),
]


EXIT_IO = 4  # see the module docstring


def io_fault(exc: OSError) -> str:
    """One line for an ``OSError``: the file, the error text and the errno's symbol."""
    name = errno.errorcode.get(exc.errno or 0, "")
    where = f"{exc.filename}: " if exc.filename is not None else ""
    return f"{where}{exc.strerror or exc}" + (f" ({name})" if name else "")


@contextmanager
def stop_on_signals() -> Iterator[SignalStop]:
    """SIGINT/SIGTERM/SIGHUP stop the run at a tick boundary (``orchestrator.run.interrupt``)."""

    def on_first(signum: int) -> None:
        name = signal.Signals(signum).name
        err.print(
            f"{name}: stopping after this {stop.boundary} (send it again, "
            f"{REPEAT_WINDOW_S:g} s or more later, to stop at once)",
            highlight=False,
        )

    stop = SignalStop(on_first)
    try:
        with stop:
            yield stop
    finally:  # the command is over (returned or exits): uv's late copy must not raise
        if stop.signalled is not None:
            ignore_late_copy(stop.signalled)


_active: list[SignalStop] = []


def interruptible(command: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``command`` inside ``stop_on_signals``; ``active_stop()`` returns its ``SignalStop``."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with stop_on_signals() as stop:
            _active.append(stop)
            try:
                return command(*args, **kwargs)
            finally:
                _active.pop()

    return wrapper


def active_stop() -> SignalStop | None:
    """The ``SignalStop`` of the ``interruptible`` command running now, if any."""
    return _active[-1] if _active else None


def print_notices(identities: dict[str, dict[str, str]]) -> None:
    """Print what the backends say the user must know (e.g. a fallback runs instead)."""
    for identity in identities.values():
        if identity.get("notice"):
            err.print(identity["notice"], markup=False, highlight=False)


@contextmanager
def tick_progress(total: int, done: int = 0) -> Iterator[Callable[[Any, int, int], None]]:
    """A progress bar on stderr with live H_coh / E_coh; yields the on_tick callback."""
    from rich.progress import (  # only where a bar is drawn (design.md §25)
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    progress = Progress(
        TextColumn("[bold]fusion[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
        console=err,
    )
    with progress:
        task = progress.add_task("run", total=total, completed=done, status="")

        def on_tick(record: Any, ticks_done: int, ticks_total: int) -> None:
            entropy, energy = record.quantum.entropy.normalised, record.spikes.coherence_energy
            status = f"H_coh {entropy:.3f}  E_coh {energy:.4f}"
            progress.update(task, completed=ticks_done, total=ticks_total, status=status)

        yield on_tick


def print_result(result: Any, interrupt: SignalStop | None = None) -> None:
    """The closing lines of a run: where it is, its root, how long, how to check it.

    Exits 3 for a stopped run, 128 + the signal's number for an interrupted one."""
    summary = result.summary
    lines = [
        f"run directory: {result.run_dir}",
        f"status:        {result.status}",
        f"ticks:         {result.ticks}",
        f"final root:    {result.final_root}",
        f"wall time:     {result.wall_seconds:.2f} s "
        f"({summary['seconds']['per_tick'] * 1e3:.1f} ms per tick after setup)",
    ]
    if summary.get("reverts"):
        lines.append(f"reverts:       {summary['reverts']} (rollbacks to stable blocks)")
    last = summary["last_tick"] or {}
    if last:
        lines.append(
            f"last tick:     H_coh/(n ln 2) {last['H_coh_normalised']:.4f}, "
            f"E_coh {last['E_coh']:.4f}, fusion energy {last['fusion_energy']:.4f}"
        )
    from orchestrator.record.result import describe

    for i, line in enumerate(describe(summary.get("result"))):
        lines.append(f"{'result:' if i == 0 else '':<15}{line}")
    lines.append(f"check it:      qnf ledger verify {result.run_dir}")
    if result.status == "stopped":
        fail(
            [
                f"stopped after {result.ticks} of {summary['ticks_planned']} ticks: "
                f"{summary['error']}",
                f"run directory: {result.run_dir} (ledger verifies; nothing done is lost)",
                f"to go on:      {summary['resume']}",
            ],
            code=3,
        )
    if result.status != "completed":
        lines.append(f"continue it:   qnf resume {result.run_dir}")
    for line in lines:
        say(line)
    if result.status == "interrupted" and interrupt is not None and interrupt.requested:
        fail(
            [
                f"{interrupt.reason} after {result.ticks} of {summary['ticks_planned']} ticks; "
                f"continue with: qnf resume {result.run_dir}"
            ],
            code=interrupt.exit_code,
        )


def main() -> None:
    """Run ``sys.argv`` through the app; ``qnf COMMAND ...`` imports the module of COMMAND only
    (the console script, ``orchestrator.cli.main``, runs ``qnf validate PATH`` without typer
    first: ``cli.direct``)."""
    with app.only(sys.argv[1:]):
        app(prog_name="qnf")
