"""Foreground commands: run, validate, backends, ledger verify, report, export-nir."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.app import (
    EXIT_IO,
    ConfigArg,
    OutOpt,
    RunDirArg,
    SeedOpt,
    TicksOpt,
    active_stop,
    app,
    err,
    fail,
    interruptible,
    io_fault,
    load,
    print_notices,
    print_result,
    say,
    tick_progress,
)
from orchestrator.run.hooks import RunHooks

if TYPE_CHECKING:
    from orchestrator.record.failure import RecorderError

# Each command imports what it uses inside its body: `qnf --help` and `qnf validate` must not
# pay for numpy, scipy or a backend's SDK they never use (issue 25 item 1).

ledger_app = typer.Typer(
    help=(
        "Check the tamper-evident record of a run.\n\n"
        "Example:\n\n  qnf ledger verify runs/demo-20250101-120000"
    ),
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")


@app.command()
@interruptible
def run(
    config: ConfigArg,
    ticks: TicksOpt = None,
    seed: SeedOpt = None,
    out_dir: OutOpt = None,
    report: Annotated[bool, typer.Option(help="Draw report.png at the end.")] = True,
) -> None:
    """Run the fusion loop of CONFIG in the foreground and write a run directory.

    The run directory holds ledger.sqlite (hash-chained FusionEvents), checkpoints/,
    metrics.csv, qubits.csv, config.yaml (the resolved config), summary.json and report.png.
    Ctrl+C (or SIGTERM) stops it after the current tick, a second Ctrl+C at once;
    `qnf resume RUN_DIR` continues it from the last committed block.

    Examples:

      qnf run configs/demo.yaml

      qnf run configs/demo.yaml --ticks 200 --seed 7 --out runs/demo-seed7
    """
    from orchestrator.config.circuit_cost import circuit_cost
    from orchestrator.config.errors import ConfigError
    from orchestrator.run.runner import check_run_dir, default_run_dir, execute

    cfg = load(config, ticks, seed, out_dir)
    try:
        run_dir = check_run_dir(cfg.run.out or default_run_dir(config.stem))
    except ConfigError as exc:
        fail(exc.problems)
    if cfg.federation is not None:
        from orchestrator.cli.federation import run_foreground

        try:
            run_foreground(cfg, run_dir)
        except ConfigError as exc:
            fail(exc.problems)
        return
    err.print(
        f"building backends: {cfg.quantum.kind} + {cfg.spiking.kind} "
        f"({cfg.build_hamiltonian().n_qubits} qubits, {cfg.n_neurons()} neurons; "
        f"{circuit_cost(cfg).short()})",
        highlight=False,
    )
    with run_failures(run_dir, "nothing was written"), tick_progress(cfg.run.ticks) as on_tick:
        hooks = RunHooks(on_tick=on_tick, on_start=print_notices, interrupt=active_stop())
        result = execute(cfg, run_dir, hooks, draw_report=report)
    print_result(result, active_stop())


@contextmanager
def run_failures(
    run_dir: Path, interrupted: str, refusals: tuple[type[Exception], ...] = ()
) -> Iterator[None]:
    """The one ladder from what a foreground run or resume of ``run_dir`` raises to its lines
    and exit code: a config problem or one of ``refusals`` (its text) 2; a backend that refused
    while building 2 for a budget, else 1 (nothing was written); a signal before the first
    block 128 + its number, ``interrupted`` saying what that left; the disk refusing
    ``EXIT_IO``; a second Ctrl+C 130 with how to go on."""
    from orchestrator.config.errors import ConfigError
    from orchestrator.contract.quantum import QuantumBackendFailure
    from orchestrator.record.failure import RecorderError
    from orchestrator.run.interrupt import Interrupted

    try:
        yield
    except ConfigError as exc:
        fail(exc.problems)
    except refusals as exc:
        fail([str(exc)])
    except QuantumBackendFailure as exc:
        fail([str(exc)], code=2 if exc.reason == "budget" else 1)
    except Interrupted as exc:
        fail([f"{exc}; {interrupted}"], code=exc.exit_code)
    except RecorderError as exc:
        fail([write_fault_line(exc, run_dir)], code=EXIT_IO)
    except OSError as exc:
        fail([io_fault(exc)], code=EXIT_IO)
    except KeyboardInterrupt:
        err.print(f"interrupted; continue with: qnf resume {run_dir}", highlight=False)
        raise typer.Exit(130) from None


def write_fault_line(exc: RecorderError, run_dir: Path) -> str:
    """The one line of a run the disk refused: what failed and how to go on."""
    from orchestrator.record.rundir import RunDirectory

    if not RunDirectory(run_dir).is_run():
        return f"{exc}; nothing was kept (the run had not started)"
    return (
        f"{exc}; the run stopped at a tick boundary and keeps every committed tick; "
        f"free space, then: qnf resume {run_dir}"
    )


@app.command()
def validate(config: ConfigArg) -> None:
    """Check CONFIG without running anything: exit 0 if it can run, else 2 with the problems.

    Example:

      qnf validate configs/demo.yaml
    """
    from orchestrator.cli.direct import check

    check(config)


@ledger_app.command("verify")
def ledger_verify(run_dir: RunDirArg) -> None:
    """Recompute the hash chain of RUN_DIR's ledger and check what the directory claims.

    Exit 0 and print the final root when every block matches and config.yaml, summary.json
    and the checkpoints agree with the ledger (it says when no summary.json anchors the end of
    the ledger); exit 1 naming the first bad block or file (a flipped byte, a missing or
    reordered block, a summary, config or checkpoint that disagrees). On a federation's
    directory every node's ledger is also checked against the rounds the federation ledger
    committed to it (one line per node and round that differs).

    Examples:

      qnf ledger verify runs/demo-20250101-120000

      qnf ledger verify runs/fed/nodes/lab-a
    """
    from orchestrator.record.rundir import RunDirectory, not_a_run
    from orchestrator.run.federation_check import audit_with_nodes

    target = run_dir if run_dir.is_dir() else run_dir.parent
    if not RunDirectory(target).is_run():
        fail([not_a_run(run_dir)])
    result = audit_with_nodes(target)
    if result.problems:
        fail(result.problems, code=1)
    for note in result.notes:
        err.print(f"note: {note}", markup=False, highlight=False)
    say(f"ok: {result.blocks} blocks verify; final root {result.root}")


@app.command()
def report(run_dir: RunDirArg) -> None:
    """Re-draw RUN_DIR/report.png from the run's ledger.

    On a federated run's directory (a config with `federation:`): consensus members and
    failures per round, each node's coupling, the consensus's coherence, and each node's
    fusion energy.

    Example:

      qnf report runs/demo-20250101-120000
    """
    from orchestrator.record.directories import FederationDirectory
    from orchestrator.record.federation_report import draw_federation_report
    from orchestrator.record.ledger import read_blocks
    from orchestrator.record.ledger_events import FEDERATION_GENESIS as GENESIS_KIND
    from orchestrator.record.report import draw_report
    from orchestrator.record.rundir import RunDirectory

    files = RunDirectory(run_dir)
    if not files.is_run():
        fail([f"{run_dir}: not a run directory (no {files.LEDGER})"])
    genesis = next(read_blocks(files.ledger), (0, {}, {}))[1]
    if genesis.get("kind") == GENESIS_KIND:
        nodes = {node: FederationDirectory(run_dir).node(node) for node in genesis.get("nodes", {})}
        say(str(draw_federation_report(run_dir, nodes)))
    else:
        say(str(draw_report(run_dir)))


@app.command("export-nir")
def export_nir_cmd(
    run_dir: RunDirArg,
    out_path: Annotated[
        Path | None,
        typer.Option("--out", help="NIR file to write; default RUN_DIR/network.nir."),
    ] = None,
) -> None:
    """Write RUN_DIR's spiking network as a NIR graph, with its learned (STDP) weights.

    Other tools (snnTorch, Norse, Lava-dl, Rockpool, ...) read NIR; `spiking.network:
    {nir: FILE}` runs it here again. A federation's directory holds one network per node:
    give the node's directory (RUN_DIR/nodes/ID).

    Examples:

      qnf export-nir runs/demo-20250101-120000          (writes its network.nir)

      qnf export-nir runs/fed/nodes/lab-a --out lab-a.nir
    """
    from orchestrator.config.errors import ConfigError
    from orchestrator.run.export_nir import export_nir

    target = out_path or run_dir / "network.nir"
    try:
        say(str(export_nir(run_dir, target)))
    except ConfigError as exc:
        fail(exc.problems)
    except ValueError as exc:
        fail([str(exc)])


@interruptible
def resume_run_dir(run_dir: Path, report: bool) -> None:
    """Foreground resume of a run directory (``qnf resume RUN_DIR``)."""
    from orchestrator.config.stored import load_stored_config
    from orchestrator.record.rundir import RunBusy, RunDirectory, read_summary
    from orchestrator.run.federation_resume import is_federation
    from orchestrator.run.resume import (
        ResumeError,
        refuse_completed,
        refuse_node_alone,
        resume,
    )

    if is_federation(run_dir):
        from orchestrator.cli.federation import resume_foreground

        resume_foreground(run_dir)
        return
    files = RunDirectory(run_dir)
    try:
        refuse_node_alone(run_dir)  # a node's own state says nothing: its federation's does
        refuse_completed(run_dir)  # before the progress bar and before building anything
    except ResumeError as exc:
        fail([str(exc)])
    done = (read_summary(files) or {}).get("ticks", 0)
    done = done if isinstance(done, int) and done >= 0 else 0
    with run_failures(run_dir, "nothing changed, resume again", (ResumeError, RunBusy)):
        total = load_stored_config(files.config).run.ticks
        with tick_progress(total, done) as on_tick:
            hooks = RunHooks(on_tick=on_tick, on_start=print_notices, interrupt=active_stop())
            result = resume(run_dir, hooks, draw_report=report)
    print_result(result, active_stop())
