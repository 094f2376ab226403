"""Runs from Python: load a config, run it into a directory, read what it recorded, verify it.

What ``qnfusion`` re-exports (see docs/api.md). Thin, like the CLI: every function here is
one call into ``orchestrator.run`` / ``orchestrator.record``; the numbers are the ones the CLI
prints and the ledger holds. Ticks are numbered from 0 everywhere.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, final

import numpy as np

from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig, load_config_text
from orchestrator.config.root import load_config as _load_path
from orchestrator.run.hooks import RunHooks

__all__ = ["Run", "Verification", "load_config", "open_run", "reproduce", "run", "verify"]


def load_config(
    source: str | Path | Mapping[str, Any] | RunConfig,
    overrides: Mapping[str, Any] | None = None,
) -> RunConfig:
    """A validated ``RunConfig`` from a YAML file (``str`` or ``Path``), a dict of sections
    (as the YAML would hold them) or a ``RunConfig``, with ``overrides`` applied: dotted keys
    such as ``{"run.ticks": 20, "pci.gamma": 0.0}``, validated with the rest.

    Raises ``ConfigError`` whose ``problems`` are the one-line messages ``qnf validate``
    prints (``quantum.shots: must be > 0``).
    """
    from orchestrator.config.yaml_input import dump_yaml

    if isinstance(source, RunConfig):
        if not overrides:
            return source
        from orchestrator.config.moved import migrate

        source = migrate(source.resolved())  # a run's config read in an earlier layout
    if isinstance(source, Mapping):
        return load_config_text(dump_yaml(_plain(source)), "<dict>", overrides)
    return _load_path(Path(source), overrides)


def _plain(value: Any) -> Any:
    """Tuples and mappings of a user's dict as the YAML lists and dicts they stand for."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


@final
@dataclass(frozen=True)
class Verification:
    """``qnf ledger verify`` as a value: ``ok``, the blocks and final root of the chain, the
    ``problems`` (first bad block or file; empty when ok) and ``notes``."""

    ok: bool
    blocks: int
    root: str
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok


def verify(run_dir: str | Path) -> Verification:
    """Check a run directory as ``qnf ledger verify RUN_DIR`` does (the hash chain, then
    config.yaml, summary.json and the checkpoints against it). A directory that is not a run
    is a ``Verification`` with ok False and one problem saying so."""
    from orchestrator.record.rundir import RunDirectory, not_a_run
    from orchestrator.run.federation_check import audit_with_nodes

    path = Path(run_dir)
    if not RunDirectory(path).is_run():
        return Verification(False, 0, "", [not_a_run(path)])
    found = audit_with_nodes(path)
    return Verification(found.ok, found.blocks, found.root, found.problems, found.notes)


def _columns(path: Path) -> dict[str, np.ndarray]:
    """A CSV's columns as float64 arrays (empty cells NaN); ``tick``, ``epoch``, ``block``,
    ``qubit`` as int64."""
    with path.open(newline="") as fh:
        rows = list(csv.reader(fh))
    if not rows:
        return {}
    header, body = rows[0], rows[1:]
    out: dict[str, np.ndarray] = {}
    for i, name in enumerate(header):
        cells = [r[i] if i < len(r) else "" for r in body]
        values = np.array([float(c) if c != "" else np.nan for c in cells], dtype=np.float64)
        whole = name in ("tick", "epoch", "block", "qubit")
        out[name] = values.astype(np.int64) if whole else values
    return out


@final
class Run:
    """A run directory, read back: ``summary``, ``result``, ``metrics``, ``events(...)``.

    Everything is read from the files the run wrote, so a ``Run`` of a directory written
    yesterday, by ``qnf run`` or by a job, is the same as the one ``run()`` returns.
    """

    def __init__(self, path: str | Path) -> None:
        from orchestrator.record.rundir import RunDirectory, not_a_run

        self.path = Path(path)
        self.files = RunDirectory(self.path)
        if not self.files.is_run():
            raise FileNotFoundError(not_a_run(self.path))

    def __repr__(self) -> str:
        summary = self.summary
        return (
            f"Run({str(self.path)!r}, status={summary.get('status')!r}, "
            f"ticks={summary.get('ticks')}, final_root={str(summary.get('final_root'))[:12]!r})"
        )

    @property
    def summary(self) -> dict[str, Any]:
        """summary.json ({} while the run has none: still running, or killed before it)."""
        from orchestrator.record.rundir import read_summary

        return read_summary(self.files) or {}

    @property
    def status(self) -> str | None:
        """completed | cancelled | stopped | failed | interrupted (None without a summary)."""
        return self.summary.get("status")

    @property
    def final_root(self) -> str | None:
        return self.summary.get("final_root")

    @property
    def result(self) -> dict[str, Any] | None:
        """What the run found (summary.json's ``result``; ``orchestrator.record.result``):
        best cut and assignment (MaxCut), final loss and expected cut fraction (learning),
        recalls (memory), the fusion means otherwise."""
        return self.summary.get("result")

    def describe(self) -> str:
        """The result in a few lines, as ``qnf run`` ends."""
        from orchestrator.record.result import describe

        return "\n".join(describe(self.result))

    @cached_property
    def config(self) -> RunConfig:
        """The resolved config the run ran (config.yaml; one written before a backend moved
        an option is read with it moved, ``orchestrator.config.stored``)."""
        from orchestrator.config.stored import load_stored_config

        return load_stored_config(self.files.config)

    @property
    def metrics(self) -> dict[str, np.ndarray]:
        """metrics.csv as columns: ``{"tick": int64[T], "fusion_energy": float64[T], ...}``,
        one entry per tick in ledger order (NaN where a cell is empty)."""
        return _columns(self.files.metrics)

    @property
    def qubits(self) -> dict[str, np.ndarray]:
        """qubits.csv as columns (tick, qubit, x, y, z), one row per tick and qubit."""
        return _columns(self.files.qubits)

    @property
    def learning(self) -> dict[str, np.ndarray] | None:
        """learning.csv as columns (epoch, tick, loss_total, ..., theta[...]); None when the
        run has no ``learning`` section."""
        return _columns(self.files.learning) if self.files.learning.is_file() else None

    def events(
        self,
        fields: Sequence[str] | str | None = None,
        ticks: str | slice | int | None = None,
        kinds: Sequence[str] | None = ("tick",),
    ) -> list[dict[str, Any]]:
        """The run's FusionEvents as plain dicts, in ledger order.

        fields: dotted paths (``"coupling.alpha"``, ``"maxcut.best_cut"``): each event becomes
        ``{path: value}`` (None where absent); None: whole events. ticks: ``"3:10"``, a
        ``slice(3, 10)`` or a tick number (ticks from 0, stop excluded). kinds: the block kinds
        to read (None: all, genesis and reverts included).
        """
        from orchestrator.record.event_query import TickRange, iter_events, select

        if isinstance(fields, str):
            fields = [fields]
        if isinstance(ticks, slice):
            window = TickRange(ticks.start, ticks.stop)
        elif isinstance(ticks, int):
            window = TickRange(ticks, ticks + 1)
        else:
            window = TickRange.parse(ticks)
        return [select(e, fields) for e in iter_events(self.files.ledger, window, kinds)]

    def verify(self) -> Verification:
        """``qnfusion.verify(self.path)``."""
        return verify(self.path)


def open_run(path: str | Path) -> Run:
    """The run directory ``path`` (written by ``run``, ``qnf run`` or a job) as a ``Run``."""
    return Run(path)


def run(
    config: str | Path | Mapping[str, Any] | RunConfig,
    out: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    report: bool = True,
    progress: bool = False,
) -> Run:
    """Run ``config`` in this process into the new directory ``out`` and return it as a Run.

    out: must not exist; default ``run.out``, else ``runs/<name>-<time>``. report: draw
    report.png. progress: a progress bar on stderr. A federated config (``federation:``) runs
    its nodes as ``qnf run`` does. Raises ``ConfigError`` (bad config or ``out``; nothing
    written), and what the run raises after its summary is written. A run that ends
    otherwise than completed (cancelled, stopped, interrupted) is returned; see ``status``.
    """
    from orchestrator.run.runner import check_run_dir, default_run_dir, execute

    name = Path(config).stem if isinstance(config, (str, Path)) else "run"
    cfg = load_config(config, overrides)
    target = Path(out) if out is not None else (cfg.run.out or default_run_dir(name))
    run_dir = check_run_dir(Path(target))
    if cfg.federation is not None:
        from orchestrator.run.federation import run_federation

        run_federation(cfg, run_dir)
        return Run(run_dir)
    if progress:
        from orchestrator.cli.app import tick_progress

        with tick_progress(cfg.run.ticks) as on_tick:
            done = execute(cfg, run_dir, hooks=RunHooks(on_tick=on_tick), draw_report=report)
    else:
        done = execute(cfg, run_dir, draw_report=report)
    return Run(done.run_dir)


def reproduce(run_dir: str | Path, out: str | Path | None = None) -> dict[str, Any]:
    """Re-run ``run_dir``'s recorded config and seed here and compare the ledgers, as
    ``qnf reproduce RUN_DIR --json`` does: ``{"matches": bool, "roots": [...],
    "first_difference": ..., "rerun": path, ...}``. out: where the rerun is written (must not
    exist; default a temporary directory, removed afterwards). Raises ``ConfigError`` for a
    directory that cannot be re-run (not a run, a federation, a hardware run)."""
    import shutil
    import tempfile

    from orchestrator.run.reproduce import ReproduceError
    from orchestrator.run.reproduce import reproduce as _reproduce

    scratch_root = None
    if out is None:
        scratch_root = Path(tempfile.mkdtemp(prefix="qnf-reproduce-"))
        target = scratch_root / "rerun"
    else:
        target = Path(out)
    try:
        found = _reproduce(Path(run_dir), target)
    except ReproduceError as exc:
        raise ConfigError(exc.problems) from None
    finally:
        if scratch_root is not None:
            shutil.rmtree(scratch_root, ignore_errors=True)
    return found.to_dict()
