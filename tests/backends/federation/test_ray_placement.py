"""Ray federations that cannot be placed say so, and SIGTERM keeps its promise on Ray (issue 26).

On one loopback head of 2 CPUs (``backends.federation.ray.head``, never ``ray stop``):

- four nodes of ``num_cpus: 1`` can never be placed there: one line naming the field and what to
  change, exit 2, nothing written (before: the start line, then 200 s of silence);
- two nodes that fit, while this test holds every CPU: the start fails after
  ``placement_timeout_s`` with what is missing, exit 1, the run resumable;
- SIGTERM in the middle of a Ray federation: ``interrupted`` in summary.json, exit 143, no crash
  dump (before: Ray's handler, an abseil dump, no summary.json); ``qnf resume`` on Ray finishes it
  to the roots of the same federation run uninterrupted on the local engine (the ledger records
  what the nodes did, not where they ran).
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.federation.local import LocalEngine
from orchestrator.record.ledger import LedgerError, read_blocks
from orchestrator.record.verify import verify
from orchestrator.run.federation import run_federation
from tests.federated import write_federation

# One Ray head at a time (design §26): a head and its workers take both cores of a small machine.
pytestmark = [
    pytest.mark.skipif(importlib.util.find_spec("ray") is None, reason="needs ray"),
    pytest.mark.xdist_group("ray"),
]


def _qnf(*args: str) -> list[str]:
    return [sys.executable, "-m", "orchestrator.cli", *args]


def _config(directory: Path, nodes: int, ticks: int, **federation: object) -> Path:
    return write_federation(directory, nodes, ticks=ticks, **federation)[0]


def _blocks(ledger: Path) -> int:
    try:
        return sum(1 for _ in read_blocks(ledger))
    except (LedgerError, sqlite3.Error):
        return 0


def _roots(run_dir: Path) -> list[str]:
    found = [verify(run_dir / "ledger.sqlite")]
    found += [verify(p / "ledger.sqlite") for p in sorted((run_dir / "nodes").iterdir())]
    assert all(c.ok for c in found), found
    return [c.root for c in found]


def test_unplaceable_nodes_busy_clusters_and_sigterm_on_ray(tmp_path: Path, ray_head) -> None:
    head = ray_head  # tests/ray_head.py: the head of 2 CPUs the Ray tests share
    ray_at = {"engine": "ray", "address": head.address, "round_timeout_s": 120}

    # 1. more CPUs than the cluster has: refused before anything is written
    config = _config(tmp_path / "four", 4, 4, rounds_every_ticks=2, **ray_at)
    out = tmp_path / "four" / "fed"
    done = subprocess.run(_qnf("run", str(config), "--out", str(out)),
                          capture_output=True, text=True)  # fmt: skip
    problems = [line for line in done.stderr.splitlines() if line.startswith("federation.")]
    assert done.returncode == 2, done.stderr
    assert problems == [
        f"federation.nodes: the 4 nodes reserve 4 CPUs together (num_cpus), but the Ray "
        f"cluster at {head.address} has 2: set num_cpus: 0.5 on each node, or give the "
        "cluster more CPUs (ray start --num-cpus N on this host, or more hosts)"
    ], done.stderr
    assert "Traceback" not in done.stderr and not out.exists()

    # 2. nodes that fit, on a cluster whose CPUs are all held by someone else
    import ray
    from ray.util.placement_group import placement_group, remove_placement_group

    ray.init(address=head.address, namespace="someone-else", logging_level="WARNING",
             log_to_driver=False)  # fmt: skip
    hog = placement_group([{"CPU": 2}])
    ray.get(hog.ready())
    config = _config(tmp_path / "busy", 2, 4, rounds_every_ticks=2,
                     placement_timeout_s=3, **ray_at)  # fmt: skip
    out = tmp_path / "busy" / "fed"
    done = subprocess.run(_qnf("run", str(config), "--out", str(out)),
                          capture_output=True, text=True)  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert (
        "the 2 nodes were not placed within placement_timeout_s = 3 s: they need 2 CPU, "
        "and the Ray cluster has 0 CPU free now" in done.stderr
    ), done.stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "failed" and summary["resume"] == f"qnf resume {out}"
    remove_placement_group(hog)
    ray.shutdown()

    # 3. SIGTERM in the middle: interrupted, exit 143; resumed on Ray to the local roots
    config = _config(tmp_path / "term", 2, 24, rounds_every_ticks=3, eps_phi=1.0, **ray_at)
    raw = yaml.safe_load(config.read_text())
    for node in raw["federation"]["nodes"]:
        node["num_cpus"] = 0.5
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    out = tmp_path / "term" / "fed"
    proc = subprocess.Popen(
        _qnf("run", str(config), "--out", str(out)),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        while _blocks(out / "ledger.sqlite") < 3:  # genesis and two rounds
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        stdout, stderr = proc.communicate()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 143, (stdout, stderr)
    assert "SIGTERM: stopping after this round" in stderr
    assert "SIGTERM received" not in stderr and "Traceback" not in stderr, stderr
    summary = json.loads((out / "summary.json").read_text())
    assert summary["status"] == "interrupted" and summary["error"] == "interrupted by SIGTERM"
    assert 2 <= summary["rounds"] < 8
    resumed = subprocess.run(_qnf("resume", str(out)), capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr

    cfg = load_config(config)
    local = LocalEngine(cfg.federation)
    reference = run_federation(cfg, tmp_path / "term" / "local", engine=local)
    assert reference.status == "completed"
    assert _roots(out) == _roots(tmp_path / "term" / "local")
    assert json.loads((out / "summary.json").read_text())["final_root"] == reference.final_root
    assert os.path.exists(out / "nodes" / "n0" / "summary.json")
