"""Hardware-sized networks that validation accepts run to the end (issue 10). Slow: the default
suite covers the same code with small networks (test_assemble.py, test_footprint.py)."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.config import load_config
from orchestrator.config.footprint import estimate
from orchestrator.record.ledger import read_blocks
from orchestrator.record.rundir import RunDirectory
from orchestrator.run.runner import execute
from tests.paths import CONFIGS


@pytest.mark.slow
@pytest.mark.parametrize(
    "overrides",
    [
        {"spiking.neurons": 100_000, "spiking.recurrent": {"k": 100, "weight_mv": 0.8}},
        {"spiking.neurons": 1_000_000, "spiking.recurrent": {"k": 10, "weight_mv": 0.8}},
    ],
    ids=["1e5-k100", "1e6-k10"],
)
def test_a_large_network_runs_and_its_ledger_verifies(overrides, tmp_path) -> None:
    config = load_config(CONFIGS / "demo.yaml", {**overrides, "run.ticks": 2})
    assert estimate(config).n_synapses == 10_000_000
    result = execute(config, tmp_path / "run", draw_report=False)
    assert (result.status, result.ticks) == ("completed", 2)
    blocks = [e for _, e, _ in read_blocks(RunDirectory(result.run_dir).ledger)]
    assert sum(e["kind"] == "tick" for e in blocks) == 2
    assert np.isfinite(result.summary["ticks"])
