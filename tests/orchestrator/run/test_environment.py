"""The numeric environment (issue 26): what it records, in the genesis meta and on resume."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from threadpoolctl import threadpool_info

from orchestrator.config.root import load_config
from orchestrator.record.canonical import canonical
from orchestrator.record.ledger import read_blocks
from orchestrator.run.environment import numeric_environment
from orchestrator.run.hooks import RunHooks
from orchestrator.run.resume import resume
from orchestrator.run.runner import execute
from tests.paths import ASSETS


def test_it_names_the_cpu_numpy_and_each_blas_kernel() -> None:
    env = numeric_environment()
    canonical(env)  # JSON-able as the ledger's meta needs
    assert env["numpy"]["version"] == np.__version__
    assert set(env["numpy"]["simd_baseline"]) <= set(env["numpy"]["simd_found"])
    assert env["cpu"]["logical_cpus"] == os.cpu_count()
    # every library, each with its own kernel: numpy's and scipy's OpenBLAS may pick different
    # ones (here: Zen and Haswell), so a dict keyed by the API alone would compare either
    loaded = sorted(
        (
            str(info["internal_api"]),
            Path(str(info["filepath"])).name,
            str(info.get("architecture") or ""),
        )
        for info in threadpool_info()
    )
    recorded = sorted((row["api"], row["library"], row["kernel"]) for row in env["blas"])
    assert recorded == loaded
    assert any(api == "openblas" for api, _, _ in recorded)  # numpy's own BLAS is named
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # as this process has them
        assert env["variables"].get(name) == os.environ.get(name)


def test_the_genesis_meta_holds_it_and_a_resume_adds_its_own(tmp_path) -> None:
    cfg = load_config(ASSETS / "small.yaml", {"run.ticks": 3})
    done: list[int] = []
    run_dir = tmp_path / "run"
    hooks = RunHooks(on_tick=lambda *a: done.append(1), should_stop=lambda: len(done) >= 1)
    execute(cfg, run_dir, hooks, draw_report=False)
    result = resume(run_dir, draw_report=False)
    assert result.status == "completed"
    blocks = list(read_blocks(run_dir / "ledger.sqlite"))
    genesis_meta = blocks[0][2]
    assert genesis_meta["numeric"]["numpy"]["version"] == np.__version__
    resumed = [meta for _, event, meta in blocks[1:] if "resumed_on" in meta]
    assert len(resumed) == 1  # the first tick after the resume, once
    assert resumed[0]["resumed_on"]["cpu"] == genesis_meta["numeric"]["cpu"]
    assert [h for h, _, meta in blocks if "resumed_on" in meta] == [2]
