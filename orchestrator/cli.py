"""The ``qnf`` command line: a thin Typer layer over the orchestrator's functions.

Exit codes: 0 success; 1 a check failed (``ledger verify``) or a run failed; 2 bad input
(config problems are printed one per line as ``field: message``, no traceback, nothing
written); 130 interrupted.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from rich.table import Table

from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig, load_config
from orchestrator.registry import plugins

app = typer.Typer(
    name="qnf",
    help=(
        "qnfusion: closed-loop hybrid runs of a quantum processor and a spiking network.\n\n"
        "Each fusion tick runs a Trotterized circuit of the task Hamiltonian, turns the "
        "measurements into spike drives (the Phase Coupling Interface), runs the persistent "
        "spiking network, feeds its spike phases back into the next circuit, and appends a "
        "hash-chained FusionEvent to the run's ledger.\n\n"
        "Start with:  qnf run configs/demo.yaml"
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,
)
ledger_app = typer.Typer(help="Check the tamper-evident record of a run.", no_args_is_help=True)
app.add_typer(ledger_app, name="ledger")

out = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

ConfigArg = Annotated[
    Path, typer.Argument(help="YAML run config, e.g. configs/demo.yaml.", show_default=False)
]
RunDirArg = Annotated[
    Path, typer.Argument(help="A run directory written by `qnf run`.", show_default=False)
]


def _fail(problems: list[str], code: int = 2) -> NoReturn:
    for line in problems:
        err.print(line, markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _load(path: Path, overrides: dict[str, Any]) -> RunConfig:
    try:
        return load_config(path, {k: v for k, v in overrides.items() if v is not None})
    except ConfigError as exc:
        _fail(exc.problems)


@app.command()
def run(
    config: ConfigArg,
    ticks: Annotated[
        int | None, typer.Option("--ticks", "-n", help="Override run.ticks.", show_default=False)
    ] = None,
    seed: Annotated[
        int | None, typer.Option("--seed", "-s", help="Override run.seed.", show_default=False)
    ] = None,
    out_dir: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Run directory (must not exist); overrides run.out.",
            show_default=False,
        ),
    ] = None,
    report: Annotated[bool, typer.Option(help="Draw report.png at the end.")] = True,
) -> None:
    """Run the fusion loop of CONFIG and write a run directory.

    The run directory holds ledger.sqlite (hash-chained FusionEvents), metrics.csv,
    qubits.csv, config.yaml (the resolved config), summary.json and report.png.

    Examples:

      qnf run configs/demo.yaml

      qnf run configs/demo.yaml --ticks 200 --seed 7 --out runs/demo-seed7
    """
    from orchestrator.runner import default_run_dir, execute

    cfg = _load(
        config,
        {
            "run.ticks": ticks,
            "run.seed": seed,
            "run.out": None if out_dir is None else str(out_dir),
        },
    )
    run_dir = cfg.run.out or default_run_dir(config.stem)
    progress = Progress(
        TextColumn("[bold]fusion[/bold]"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[status]}"),
        console=err,
        transient=False,
    )

    def on_tick(record: Any, done: int, total: int) -> None:
        status = f"H_coh {record.entropy_normalised:.3f}  E_coh {record.coherence_energy:.4f}"
        progress.update(task, completed=done, status=status)

    def on_start(identities: dict[str, dict[str, str]]) -> None:
        for identity in identities.values():
            if identity.get("notice"):
                progress.console.print(identity["notice"], markup=False, highlight=False)

    err.print(
        f"building backends: {cfg.quantum.kind} + {cfg.spiking.kind} "
        f"({cfg.build_hamiltonian().n_qubits} qubits, {cfg.n_neurons()} neurons)",
        highlight=False,
    )
    try:
        with progress:
            task = progress.add_task("run", total=cfg.run.ticks, status="")
            result = execute(cfg, run_dir, on_tick=on_tick, draw_report=report, on_start=on_start)
    except ConfigError as exc:
        _fail(exc.problems)
    except KeyboardInterrupt:
        err.print(f"interrupted; partial run recorded in {run_dir}")
        raise typer.Exit(130) from None
    summary = result.summary
    lines = [
        f"run directory: {result.run_dir}",
        f"ticks:         {result.ticks}",
        f"final root:    {result.final_root}",
        f"wall time:     {result.wall_seconds:.2f} s "
        f"({summary['seconds']['per_tick'] * 1e3:.1f} ms per tick after setup)",
    ]
    last = summary["last_tick"] or {}
    if last:
        lines.append(
            f"last tick:     H_coh/(n ln 2) {last['H_coh_normalised']:.4f}, "
            f"E_coh {last['E_coh']:.4f}, fusion energy {last['fusion_energy']:.4f}"
        )
    lines.append(f"check it:      qnf ledger verify {result.run_dir}")
    for line in lines:
        out.print(line, highlight=False, markup=False)


@app.command()
def validate(config: ConfigArg) -> None:
    """Check CONFIG without running anything: exit 0 if it can run, else 2 with the problems."""
    cfg = _load(config, {})
    h = cfg.build_hamiltonian()
    out.print(
        f"ok: {cfg.hamiltonian.kind} Hamiltonian on {h.n_qubits} qubits ({len(h.terms)} terms); "
        f"quantum {cfg.quantum.kind} ({cfg.quantum.shots} shots); "
        f"spiking {cfg.spiking.kind} ({cfg.n_neurons()} neurons); "
        f"{cfg.pci.mapping} mapping; {cfg.run.ticks} ticks, seed {cfg.run.seed}",
        highlight=False,
    )


@app.command()
def backends(
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """List the registered backends: installed or not, version, hardware, what each can do."""
    rows = []
    for layer in ("quantum", "spiking"):
        for kind, plugin in plugins(layer).items():
            missing = plugin.missing()
            rows.append(
                {
                    "layer": layer,
                    "kind": kind,
                    "installed": not missing,
                    "missing": missing,
                    "install": plugin.install if missing else None,
                    "version": plugin.version(),
                    "package": plugin.distribution,
                    "hardware": plugin.hardware(),
                    "summary": plugin.summary,
                }
            )
    if as_json:
        out.print_json(json.dumps(rows))
        return
    table = Table(title="qnfusion backends")
    for col in ("layer", "kind", "installed", "package", "version", "what it does"):
        table.add_column(col)
    for r in rows:
        installed = "yes" if r["installed"] else f"no: {r['install']}"
        summary = r["summary"] if r["hardware"] is None else f"{r['summary']}\n{r['hardware']}"
        table.add_row(r["layer"], r["kind"], installed, r["package"], r["version"] or "-", summary)
    out.print(table)


@ledger_app.command("verify")
def ledger_verify(run_dir: RunDirArg) -> None:
    """Recompute the hash chain of RUN_DIR's ledger.

    Exit 0 and print the final root when every block matches; exit 1 naming the first block
    that does not (a flipped byte, a missing or reordered block, a summary that disagrees).
    """
    from orchestrator.ledger import verify

    ledger = run_dir / "ledger.sqlite" if run_dir.is_dir() else run_dir
    result = verify(ledger)
    if not result.ok:
        _fail([f"FAILED at block {result.bad_block}: {result.reason}"], code=1)
    summary_path = ledger.parent / "summary.json"
    if summary_path.is_file():
        recorded = json.loads(summary_path.read_text()).get("final_root")
        if recorded is not None and recorded != result.root:
            _fail(
                [
                    f"FAILED at block {result.blocks}: summary.json records final root "
                    f"{recorded}, the ledger ends at {result.root} (blocks missing at the end?)"
                ],
                code=1,
            )
    out.print(f"ok: {result.blocks} blocks verify; final root {result.root}", highlight=False)


@app.command()
def report(run_dir: RunDirArg) -> None:
    """Re-draw RUN_DIR/report.png from the run's ledger."""
    from orchestrator.report import draw_report

    if not (run_dir / "ledger.sqlite").is_file():
        _fail([f"{run_dir}: not a run directory (no ledger.sqlite)"])
    out.print(str(draw_report(run_dir)))


def main() -> None:
    """Console-script entry point."""
    app(prog_name="qnf")


if __name__ == "__main__":
    sys.exit(main())
