"""A run, from a validated config to a complete run directory.

    validate (done by the caller) -> check the run directory is free -> build and compile the
    backends -> create the run directory -> tick, recording each tick -> summary -> plots

Nothing is written before the backends are built, so a config or backend that cannot run
leaves no directory behind. Each tick is one ledger transaction (event, meta and spike trains
together); ``metrics.csv`` and ``qubits.csv`` are flushed per tick; ``config.yaml`` and
``summary.json`` are written atomically. A run that fails or is interrupted still gets a
``summary.json`` saying so, and its ledger verifies up to the last completed tick.

Run directory:
    config.yaml    the resolved config (defaults filled in, overrides applied)
    ledger.sqlite  the hash-chained FusionEvents (block 0: genesis; block t+1: tick t)
    metrics.csv    one row per tick
    qubits.csv     tick, qubit, <X>, <Y>, <Z>
    summary.json   status, final_root, ticks, seed, backends with versions, wall_seconds, ...
    report.png     entropy, energy, phase difference per tick, and a spike raster
"""

from __future__ import annotations

import csv
import json
import math
import os
import platform
import socket
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from orchestrator.assemble import open_backends
from orchestrator.config.errors import ConfigError
from orchestrator.config.root import RunConfig
from orchestrator.fsutil import write_atomic
from orchestrator.ledger import Ledger
from orchestrator.loop import FusionLoop, TickRecord

__all__ = ["METRICS_COLUMNS", "RunResult", "default_run_dir", "execute", "tick_event"]

METRICS_COLUMNS = (
    "tick",
    "H_coh",
    "H_coh_normalised",
    "E_coh",
    "avg_phase_diff",
    "fusion_energy",
    "resonance_violations",
    "spike_count",
    "alpha",
    "beta",
    "gamma",
    "H_coh_plugin",
    "ace_triggered",
)

TickCallback = Callable[[TickRecord, int, int], None]
StartCallback = Callable[[dict[str, dict[str, str]]], None]


@dataclass(frozen=True)
class RunResult:
    """How a run ended: ``status`` is completed, failed or interrupted."""

    run_dir: Path
    status: str
    ticks: int
    final_root: str
    wall_seconds: float
    summary: dict[str, Any]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds")


def default_run_dir(config_name: str, root: Path = Path("runs")) -> Path:
    """``runs/<config name>-<local time>``, made unique with a suffix if needed."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = root / f"{config_name}-{stamp}"
    k = 1
    while candidate.exists():
        k += 1
        candidate = root / f"{config_name}-{stamp}-{k}"
    return candidate


def check_run_dir(run_dir: Path) -> None:
    """Refuse a run directory that already exists (runs are never overwritten)."""
    if run_dir.exists():
        raise ConfigError(
            [f"run.out: {run_dir} already exists; choose a new directory or remove it"]
        )


def tick_event(
    record: TickRecord, backends: dict[str, dict[str, str]], config_hash: str
) -> dict[str, Any]:
    """The FusionEvent of one tick (spec §11 fields plus what makes it checkable)."""
    event: dict[str, Any] = {
        "kind": "tick",
        "tick": record.tick,
        "timestamp": record.timestamp_us,
        "coherence_entropy": record.entropy,
        "coherence_entropy_plugin": record.entropy_plugin,
        "coherence_entropy_miller_madow": record.entropy_mm,
        "coherence_entropy_normalised": record.entropy_normalised,
        "avg_phase_diff": record.phases.avg_phase_diff,
        "fusion_energy": record.fusion_energy,
        "coherence_energy": record.coherence_energy,
        "resonance_violations": record.phases.violations,
        "silent_channels": record.phases.silent,
        "spike_count": record.spike_count,
        "coupling": vars(record.coupling),
        "next_coupling": vars(record.next_coupling),
        "ace_triggered": record.ace_triggered,
        "bloch": record.bloch,
        "backends": backends,
        "config_sha256": config_hash,
    }
    if record.amplitudes is None:
        event["next_preparation"] = {"theta": record.theta, "phi": record.phi}
    else:
        amps = record.amplitudes
        event["next_preparation"] = {"re": amps.real, "im": amps.imag}
    return event


def _metrics_row(record: TickRecord) -> list[Any]:
    c = record.coupling
    avg = record.phases.avg_phase_diff
    return [
        record.tick,
        record.entropy,
        record.entropy_normalised,
        record.coherence_energy,
        "" if avg is None else avg,
        record.fusion_energy,
        record.phases.violations,
        record.spike_count,
        c.alpha,
        c.beta,
        c.gamma,
        record.entropy_plugin,
        int(record.ace_triggered),
    ]


class _Recorder:
    """Writes one run directory; one instance per run."""

    def __init__(self, run_dir: Path, config: RunConfig, backends: dict[str, dict[str, str]]):
        self.run_dir = run_dir
        self.backends = backends
        self.config_hash = config.config_hash()
        run_dir.mkdir(parents=True)
        write_atomic(
            run_dir / "config.yaml",
            yaml.safe_dump(config.resolved(), sort_keys=False).encode(),
        )
        self.ledger = Ledger.create(run_dir / "ledger.sqlite")
        self._metrics_fh = open(run_dir / "metrics.csv", "w", newline="")  # noqa: SIM115
        self._qubits_fh = open(run_dir / "qubits.csv", "w", newline="")  # noqa: SIM115
        self.metrics = csv.writer(self._metrics_fh)
        self.qubits = csv.writer(self._qubits_fh)
        self.metrics.writerow(METRICS_COLUMNS)
        self.qubits.writerow(("tick", "qubit", "X", "Y", "Z"))
        genesis_config = config.resolved()
        genesis_config["run"].pop("out", None)
        self.ledger.append(
            {
                "kind": "genesis",
                "timestamp": 0,
                "config": genesis_config,
                "config_sha256": self.config_hash,
                "seed": config.run.seed,
                "backends": backends,
            },
            {
                "run_uuid": str(uuid.uuid4()),
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "python": platform.python_version(),
                "platform": platform.platform(),
                "wall_time": _now(),
            },
        )

    def record(self, rec: TickRecord) -> str:
        meta = {
            "wall_time": _now(),
            "quantum_seconds": rec.quantum_seconds,
            "spiking_seconds": rec.spiking_seconds,
            "job_ids": list(rec.job_ids),
        }
        root = self.ledger.append(
            tick_event(rec, self.backends, self.config_hash),
            meta,
            spikes=(rec.window.neurons, rec.window.times_ms),
        )
        self.metrics.writerow(_metrics_row(rec))
        for q, (x, y, z) in enumerate(rec.bloch):
            self.qubits.writerow((rec.tick, q, x, y, z))
        self._metrics_fh.flush()
        self._qubits_fh.flush()
        return root

    def close(self) -> None:
        self._metrics_fh.close()
        self._qubits_fh.close()
        self.ledger.close()


def execute(
    config: RunConfig,
    run_dir: Path,
    on_tick: TickCallback | None = None,
    draw_report: bool = True,
    on_start: StartCallback | None = None,
) -> RunResult:
    """Run ``config`` into ``run_dir`` (which must not exist). Returns how it ended.

    ``on_start`` receives the backends' identities once they are built (before the first
    tick): what actually runs, e.g. a fallback and its ``notice``. Raises ``ConfigError`` if
    ``run_dir`` exists (before anything is built). Exceptions from the backends propagate
    after the summary records them; the backends are closed in every case.
    """
    check_run_dir(run_dir)
    started = time.perf_counter()
    started_at = _now()
    quantum, spiking = open_backends(config)
    try:
        loop = FusionLoop(config, quantum, spiking)
        backends = {"quantum": quantum.identity(), "spiking": spiking.identity()}
        if on_start is not None:
            on_start(backends)
    except BaseException:
        try:
            spiking.close()
        finally:
            quantum.close()
        raise
    setup_seconds = time.perf_counter() - started
    totals = {"quantum": 0.0, "spiking": 0.0}
    status, error = "completed", None
    last: TickRecord | None = None
    recorder: _Recorder | None = None
    try:
        recorder = _Recorder(run_dir, config, backends)
        for _ in range(config.run.ticks):
            last = loop.step()
            recorder.record(last)
            totals["quantum"] += last.quantum_seconds
            totals["spiking"] += last.spiking_seconds
            if on_tick is not None:
                on_tick(last, loop.tick, config.run.ticks)
    except KeyboardInterrupt:
        status, error = "interrupted", "interrupted by the user"
        raise
    except BaseException as exc:
        status, error = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        loop.close()
        wall = time.perf_counter() - started
        if recorder is not None:
            recorder.close()
            summary = {
                "status": status,
                "error": error,
                "final_root": recorder.ledger.root,
                "blocks": recorder.ledger.height,
                "ticks": loop.tick,
                "ticks_planned": config.run.ticks,
                "seed": config.run.seed,
                "config_sha256": recorder.config_hash,
                "backends": backends,
                "n_qubits": loop.n,
                "n_neurons": loop.channels.n_neurons,
                "started_at": started_at,
                "finished_at": _now(),
                "wall_seconds": wall,
                "seconds": {
                    "setup": setup_seconds,
                    "quantum": totals["quantum"],
                    "spiking": totals["spiking"],
                    "per_tick": (wall - setup_seconds) / max(loop.tick, 1),
                },
                "last_tick": None if last is None else _last_metrics(last),
            }
            write_atomic(run_dir / "summary.json", (json.dumps(summary, indent=2) + "\n").encode())
            if draw_report and loop.tick > 0:
                from orchestrator.report import draw_report as draw

                draw(run_dir)
    return RunResult(run_dir, status, loop.tick, summary["final_root"], wall, summary)


def _last_metrics(record: TickRecord) -> dict[str, Any]:
    row = dict(zip(METRICS_COLUMNS, _metrics_row(record)))
    return {
        k: (None if v == "" or (isinstance(v, float) and math.isnan(v)) else v)
        for k, v in row.items()
    }
