"""Rebuilding a job store that is corrupt or not ours from the run directories it listed.

``qnf jobs --rebuild``: the old file (with its -wal and -shm) is renamed to
``jobs.sqlite.<time>.bad`` (kept, never emptied), a new store is created, and every run
directory under ``QNF_HOME/runs/`` becomes a job again: its id is the directory's name, its
config the run's config.yaml, its state the status its summary.json records (``interrupted``
when it has none: it was stopped before it could write one), its ticks those its ledger holds.
Runs written elsewhere (``run.out``) are not found; their logs stay in ``QNF_HOME/logs/``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from orchestrator.config.errors import ConfigError
from orchestrator.config.yaml_input import parse_yaml, read_text
from orchestrator.jobs.store import TERMINAL, JobStore, durable_ticks
from orchestrator.jobs.storefile import JobStoreError, reason
from orchestrator.record.directories import HomeDirectory
from orchestrator.record.rundir import RunDirectory, read_summary

__all__ = ["rebuild_store"]


def rebuild_store(home: Path) -> tuple[Path | None, int]:
    """Move the store aside (if there is one) and rebuild it; (where it went, jobs found)."""
    path = HomeDirectory(home).jobs
    moved = None
    if path.exists():
        moved = path.with_name(f"jobs.sqlite.{time.strftime('%Y%m%d-%H%M%S')}.bad")
        try:
            for suffix in ("", "-wal", "-shm"):
                old = Path(f"{path}{suffix}")
                if old.exists():
                    os.rename(old, Path(f"{moved}{suffix}"))
        except OSError as exc:
            raise JobStoreError(f"{path}: cannot move it aside ({reason(exc)})") from None
    store = JobStore(home)
    count = 0
    try:
        runs = HomeDirectory(home).runs
        for run_dir in sorted(runs.iterdir()) if runs.is_dir() else []:
            row = _job_of(RunDirectory(run_dir))
            if row is not None:
                store.adopt(row)
                count += 1
    finally:
        store.close()
    return moved, count


def _job_of(files: RunDirectory) -> dict[str, Any] | None:
    if not files.is_run():
        return None
    try:
        text = read_text(files.config)
        config = parse_yaml(text, str(files.config)).data
    except ConfigError:
        text, config = "", None
    config = config if isinstance(config, dict) else {}
    run = config.get("run") if isinstance(config.get("run"), dict) else {}
    kinds = [(config.get(k) or {}).get("kind", "?") if isinstance(config.get(k), dict) else "?"
             for k in ("quantum", "spiking")]
    summary = read_summary(files) or {}
    state = summary.get("status")
    state = state if state in (*TERMINAL, "interrupted") else "interrupted"
    ticks = durable_ticks(files.path, 0)
    total = run.get("ticks")
    return {
        "id": files.path.name,
        "config_path": f"(rebuilt from {files.config})",
        "config_yaml": text,
        "run_dir": str(files.path.resolve()),
        "state": state,
        "ticks_done": ticks,
        "ticks_total": total if isinstance(total, int) else ticks,
        "backends": "+".join(str(k) for k in kinds),
        "created_at": files.path.stat().st_mtime,
        "final_root": summary.get("final_root") if isinstance(summary.get("final_root"), str)
        else None,
        "error": summary.get("error") if isinstance(summary.get("error"), str) else None,
    }
