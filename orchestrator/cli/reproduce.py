"""``qnf reproduce RUN_DIR``: re-run a run's recorded config and seed and compare the roots."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from orchestrator.cli.app import (
    EXIT_IO,
    RunDirArg,
    active_stop,
    app,
    err,
    fail,
    interruptible,
    io_fault,
    out,
    print_notices,
    say,
    tick_progress,
)

if TYPE_CHECKING:
    from orchestrator.record.compare import Comparison


def _number(x: float | None) -> str:
    return "-" if x is None else f"{x:.3g}"


def comparison_lines(comparison: Comparison, original_status: str | None) -> list[str]:
    """The human report of a comparison (what ``qnf reproduce`` prints after its verdict)."""
    lines = []
    a, b = comparison.blocks
    if comparison.first is None and a != b:
        lines.append(
            f"the original holds {a} blocks (status {original_status or 'unknown'}), the rerun "
            f"{b}: the {min(a, b)} blocks both hold are equal"
        )
    first = comparison.first
    if first is not None:
        where = f"block {first.height}" + ("" if first.tick is None else f" (tick {first.tick})")
        lines.append(f"first difference: {where}, a {first.kind or '?'} event")
        width = max([len(f.field) for f in first.fields] + [5])
        if first.fields:
            lines.append(f"  {'field':<{width}}  values  max |diff|  max rel   where (max |diff|)")
        for f in first.fields:
            if f.max_abs is None and f.example is not None:
                original, rerun = (json.dumps(v) for v in f.to_dict()["example"])
                lines.append(f"  {f.field:<{width}}  {f.count:>6}  differs: {original} vs {rerun}")
            else:
                lines.append(
                    f"  {f.field:<{width}}  {f.count:>6}  {_number(f.max_abs):>10}  "
                    f"{_number(f.max_rel):>8}  {f.max_abs_at}"
                )
        if first.spikes:
            lines.append(f"  spike trains: {first.spikes}")
    if comparison.environment and not comparison.matches:
        lines.append("numeric environment (genesis meta), original vs this machine:")
        lines += [f"  {line}" for line in comparison.environment]
    return lines


@app.command()
@interruptible
def reproduce(
    run_dir: RunDirArg,
    scratch: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Where the rerun goes (must not exist; kept). Default: a temporary "
            "directory, removed when the roots match, kept and named when they differ.",
            show_default=False,
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Re-run RUN_DIR's recorded config and seed here and say whether the final root matches.

    The config comes from the genesis block of RUN_DIR's ledger (covered by its root). Exit 0
    when every block of the rerun equals the original's; exit 1 naming the first block whose
    event differs, with each differing field's count of values and largest absolute and
    relative deviation (descending into nested fields and arrays), and the spike trains when
    they differ; exit 2 for a directory that is not a run, a federated run, or a run on a
    device or chip (shots on hardware do not repeat). When the roots differ it also lists how
    this machine's numeric environment (CPU, numpy's SIMD, the BLAS kernels) differs from the
    one the original recorded: docs/design.md §6 says which differences change roots.

    Examples:

      qnf reproduce runs/demo-20250101-120000

      qnf reproduce runs/colleague-run --out runs/my-rerun --json
    """
    from orchestrator.config.errors import ConfigError
    from orchestrator.contract.quantum import QuantumBackendFailure
    from orchestrator.record.failure import RecorderError
    from orchestrator.run.interrupt import Interrupted
    from orchestrator.run.reproduce import ReproduceError, recorded_config
    from orchestrator.run.reproduce import reproduce as run_reproduce

    try:
        config = recorded_config(run_dir)
    except ReproduceError as exc:
        fail(exc.problems)
    temporary = scratch is None
    target = Path(tempfile.mkdtemp(prefix="qnf-reproduce-")) / "run" if temporary else scratch
    assert target is not None

    def cleanup() -> None:
        if temporary:
            shutil.rmtree(target.parent, ignore_errors=True)

    err.print(
        f"re-running {run_dir} ({config.run.ticks} ticks, seed {config.run.seed}) in {target}",
        highlight=False,
    )
    try:
        with tick_progress(config.run.ticks) as on_tick:
            result = run_reproduce(
                run_dir, target, on_tick=on_tick, on_start=print_notices, interrupt=active_stop()
            )
    except (ReproduceError, ConfigError) as exc:
        cleanup()
        fail(exc.problems)
    except QuantumBackendFailure as exc:
        cleanup()
        fail([str(exc)], code=2 if exc.reason == "budget" else 1)
    except Interrupted as exc:
        cleanup()
        fail([f"{exc}; nothing compared"], code=exc.exit_code)
    except RecorderError as exc:
        cleanup()
        fail([str(exc)], code=EXIT_IO)
    except OSError as exc:
        cleanup()
        fail([io_fault(exc)], code=EXIT_IO)
    comparison = result.comparison
    stop = active_stop()
    interrupted = stop is not None and stop.requested
    # every block of the original reproduced (an original that ended early is a prefix)
    reproduced = comparison.prefix_matches and comparison.blocks[1] >= comparison.blocks[0]
    keep = not temporary or not reproduced or interrupted
    if not keep:
        cleanup()
    if as_json:
        data = result.to_dict()
        data["rerun"] = str(result.rerun.run_dir) if keep else None
        out.print_json(json.dumps(data))
    else:
        if comparison.matches:
            say(f"matches: final root {comparison.roots[0]} ({comparison.blocks[0]} blocks)")
        elif reproduced:
            say(
                f"matches: every block of the original ({comparison.blocks[0]}, root "
                f"{comparison.roots[0]}) is reproduced"
            )
        elif comparison.prefix_matches:
            say(
                f"incomplete: the rerun ended {result.rerun.status} after {comparison.blocks[1]} "
                f"of the original's {comparison.blocks[0]} blocks (all equal so far)"
            )
        else:
            say(
                f"differs: final root {comparison.roots[0]} (original) vs "
                f"{comparison.roots[1]} (rerun)"
            )
        for line in comparison_lines(comparison, result.original_status):
            say(line)
        if keep:
            say(f"rerun kept in {result.rerun.run_dir}")
    if interrupted and stop is not None:
        raise typer.Exit(stop.exit_code)
    if not reproduced:
        raise typer.Exit(1)
