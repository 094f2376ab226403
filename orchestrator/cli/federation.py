"""Federation commands: ``qnf federation keys``; the foreground federated run and its resume;
node lines.

``qnf run`` and the job worker hand a config with a ``federation`` section to
``orchestrator.run.federation.run_federation``; ``qnf resume`` of a federation's directory
goes to ``orchestrator.run.federation_resume``; ``qnf watch`` shows one line per node
(``node_lines``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from orchestrator.cli.app import active_stop, app, err, fail, say
from orchestrator.run.hooks import RunHooks

if TYPE_CHECKING:
    from orchestrator.config.root import RunConfig
    from orchestrator.run.interrupt import SignalStop

federation_app = typer.Typer(
    help=(
        "Federated runs (spec §12): node keys.\n\n"
        "Example:\n\n  qnf federation keys lab-a lab-b --out keys"
    ),
    no_args_is_help=True,
)
app.add_typer(federation_app, name="federation")


@federation_app.command("keys")
def keys(
    nodes: Annotated[list[str], typer.Argument(help="Node ids, e.g. lab-a lab-b lab-c.")],
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Directory for the private key files.")
    ] = Path("keys"),
    base: Annotated[
        Path | None,
        typer.Option(
            "--config",
            "-c",
            help="A federated config: print it whole with its federation.nodes replaced by "
            "these nodes (a config that validates; its comments are not kept).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Make an Ed25519 key pair per node: OUT/<id>.key (private, mode 600) and, on stdout,
    the `nodes:` entries listing their public keys (to put under `federation:`), or with
    --config a whole config using them.

    Examples:

      qnf federation keys lab-a lab-b lab-c --out keys --config configs/federated.yaml > mine.yaml

      qnf run mine.yaml

      qnf federation keys lab-e --out keys         (the entry to add under federation.nodes)
    """
    import yaml

    from orchestrator.config.errors import ConfigError
    from orchestrator.contract.federation_config import NODE_ID
    from orchestrator.federation.signing import (
        generate_private_key,
        private_key_hex,
        public_key_hex,
    )
    from orchestrator.record.fsutil import make_dir

    problems = [
        f"{node!r}: not a node id (letters, digits, '_', '.', '-'; at most 64, first a letter "
        "or digit), so it cannot name a key file inside --out"
        for node in nodes
        if not NODE_ID.fullmatch(node)
    ]
    problems += [f"{node!r}: given twice" for node in sorted(set(nodes)) if nodes.count(node) > 1]
    if out_dir.exists() and not out_dir.is_dir():
        problems.append(f"--out: {out_dir} exists and is not a directory")
    elif not problems:
        problems += [
            f"{out_dir / f'{node}.key'} exists; keys are never overwritten"
            for node in nodes
            if os.path.lexists(out_dir / f"{node}.key")
        ]
    raw: dict | None = None
    if base is not None:
        raw = _federated_base(base, problems)
    if problems:  # checked before anything is written: nothing to clean up, a rerun works
        fail(problems)
    try:
        make_dir(out_dir, parents=True, exist_ok=True)  # 0700 (QNF_UMASK may share it)
    except OSError as exc:
        fail([f"--out: cannot create {out_dir} ({exc.strerror or type(exc).__name__})"])
    entries = []
    for node in nodes:
        path = out_dir / f"{node}.key"
        key = generate_private_key()
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        os.fchmod(fd, 0o600)  # a private key is never shared, whatever QNF_UMASK says
        with os.fdopen(fd, "w") as handle:
            handle.write(private_key_hex(key) + "\n")
        entries.append({"id": node, "public_key": public_key_hex(key), "key_file": str(path)})
    if raw is None:
        say(yaml.safe_dump({"nodes": entries}, sort_keys=False).rstrip())
        return
    from orchestrator.config.root import load_config_text
    from orchestrator.config.yaml_input import dump_yaml

    raw["federation"]["nodes"] = entries
    text = dump_yaml(raw)
    try:
        load_config_text(text, f"{base} with the new nodes")
    except ConfigError as exc:
        fail([*exc.problems, f"(the keys are written under {out_dir})"])
    say(f"# {base} with federation.nodes made by: qnf federation keys {' '.join(nodes)}")
    say(text.rstrip())


def _federated_base(path: Path, problems: list[str]) -> dict | None:
    """The raw data of the --config file (a mapping with a `federation` mapping), or None
    with the problem appended."""
    from orchestrator.config.errors import ConfigError
    from orchestrator.config.yaml_input import parse_yaml, read_text

    try:
        raw = parse_yaml(read_text(path), str(path)).data
    except ConfigError as exc:
        problems.extend(exc.problems)
        return None
    if not isinstance(raw, dict) or not isinstance(raw.get("federation"), dict):
        problems.append(f"--config: {path} has no federation section")
        return None
    return raw


def run_foreground(cfg: RunConfig, run_dir: Path) -> None:
    """``qnf run`` of a federated config: rounds with a line each, then the closing lines."""
    from orchestrator.run.federation import run_federation

    fed = cfg.federation
    assert fed is not None
    rounds = cfg.run.ticks // fed.rounds_every_ticks
    err.print(
        f"federation: {len(fed.nodes)} nodes on engine {fed.engine}, {rounds} rounds of "
        f"{fed.rounds_every_ticks} ticks",
        highlight=False,
    )
    interrupt = active_stop()
    _closing(
        lambda on_round: run_federation(
            cfg, run_dir, hooks=RunHooks(on_round=on_round, interrupt=interrupt)
        ),
        run_dir,
        rounds,
        interrupt,
    )


def resume_foreground(run_dir: Path) -> None:
    """``qnf resume`` of a federation's run directory: the rounds go on from the last one
    committed (``orchestrator.run.federation_resume``), with a line each."""
    from orchestrator.config.errors import ConfigError
    from orchestrator.config.stored import load_stored_config
    from orchestrator.record.rundir import RunBusy, RunDirectory
    from orchestrator.run.federation_resume import resume_federation
    from orchestrator.run.resume import ResumeError

    try:
        cfg = load_stored_config(RunDirectory(run_dir).config)
    except ConfigError as exc:
        fail(exc.problems)
    fed = cfg.federation
    assert fed is not None
    rounds = cfg.run.ticks // fed.rounds_every_ticks
    err.print(f"federation: resuming {run_dir} on engine {fed.engine}", highlight=False)
    interrupt = active_stop()
    try:
        _closing(
            lambda on_round: resume_federation(
                run_dir, hooks=RunHooks(on_round=on_round, interrupt=interrupt)
            ),
            run_dir,
            rounds,
            interrupt,
        )
    except (ResumeError, RunBusy) as exc:
        fail([str(exc)])


def _closing(
    start: Callable[[Callable[[Any], None]], Any],
    run_dir: Path,
    rounds: int,
    interrupt: SignalStop | None,
) -> None:
    """Run ``start(on_round)``, a line per round, then the closing lines and the exit code:
    0 completed; 1 failed or cancelled; 2 bad input (nodes that cannot be placed, nothing
    written); 128 + N interrupted by a signal (summary.json says how to resume)."""
    from orchestrator.config.errors import ConfigError
    from orchestrator.run.interrupt import Interrupted

    started = time.perf_counter()
    if interrupt is not None:
        interrupt.boundary = "round"  # the first signal's line: stopping after this round

    def on_round(outcome: Any) -> None:
        err.print(
            f"round {outcome.round} ({outcome.round + 1}/{rounds} done)  "
            f"members {len(outcome.members)}  "
            f"decoupled {len(outcome.decoupled)}  rejected {len(outcome.rejected)}  "
            f"missing {len(outcome.missing)}  ({time.perf_counter() - started:.1f} s)",
            highlight=False,
        )

    try:
        result = start(on_round)
    except ConfigError as exc:
        fail(exc.problems)
    except Interrupted as exc:
        fail([f"{exc}; nothing was written"], code=exc.exit_code)
    except KeyboardInterrupt:
        err.print(f"interrupted; continue with: qnf resume {run_dir}", highlight=False)
        raise typer.Exit(130) from None
    summary = result.summary
    say(f"run directory: {result.run_dir}")
    say(f"status:        {result.status}")
    say(f"rounds:        {summary['rounds']} of {rounds}")
    say(f"final root:    {result.final_root}")
    for node, outcome in summary["nodes"].items():
        say(f"node {node}: {outcome['status']}, root {outcome.get('final_root')}")
    say(f"check it:      qnf ledger verify {result.run_dir}")
    if summary.get("resume"):
        say(f"continue it:   {summary['resume']}")
    if result.status == "interrupted" and interrupt is not None and interrupt.requested:
        fail(
            [
                f"{interrupt.reason} after round {summary['rounds']} of {rounds}; every "
                f"committed round and tick is kept; continue with: qnf resume {run_dir}"
            ],
            code=interrupt.exit_code,
        )
    if result.status == "failed" and summary.get("error"):
        fail([str(summary["error"])], code=1)
    if result.status != "completed":
        raise typer.Exit(1)


def node_lines(run_dir: Path) -> list[str]:
    """One line per node of a federation's run directory: ticks, H_coh, coupling (live)."""
    from orchestrator.record.directories import FederationDirectory
    from orchestrator.record.ledger import last_events
    from orchestrator.record.rundir import RunDirectory

    lines = []
    nodes = FederationDirectory(run_dir).nodes
    if not nodes.is_dir():
        return lines
    for path in sorted(p for p in nodes.iterdir() if p.is_dir()):
        events = last_events(RunDirectory(path).ledger, 4)
        ticks = [e for _, e in events if e["kind"] == "tick"]
        rounds = [e for _, e in events if e["kind"] == "consensus"]
        line = f"node {path.name}: "
        if not ticks:
            lines.append(line + ("starting" if not events else events[-1][1]["kind"]))
            continue
        tick = ticks[-1]
        line += (
            f"tick {tick['tick']}  H_coh/(n ln 2) {tick['coherence_entropy_normalised']:.4f}"
            f"  coupling {tick.get('federation_coupling', 1.0):.2f}"
        )
        if rounds:
            last = rounds[-1]
            line += f"  round {last['round']}: " + (
                f"decoupled ({last['reason']})" if last["decoupled"] else "member"
            )
        lines.append(line)
    return lines
