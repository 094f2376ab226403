"""Behaviour does not change by accident: short runs reach the final roots recorded for them.

The roots in ``tests/assets/golden_roots.json`` were recorded before the orchestrator's layout
was reorganised (issue 9) and must survive every refactor: the demo on Aer + Brian2 with STDP,
the demo on Lava, a run with rollbacks, an IBM device snapshot with readout mitigation, the
amplitude mapping on a statevector with kicks and sparse checkpoints, Brian2 under Lava's timing
with multiplicative STDP, and the Lava -> Brian2 fallback (its identity is in every event). A
root covers every event, spike train and checkpoint of the run, bit for bit.
"""

from __future__ import annotations

import json

import pytest

from orchestrator.config.root import load_config
from orchestrator.run.runner import execute
from tests.paths import ASSETS, ROOT

GOLDEN = json.loads((ASSETS / "golden_roots.json").read_text())["cases"]


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_the_run_reaches_its_recorded_root(name: str, tmp_path, monkeypatch) -> None:
    case = GOLDEN[name]
    if name == "lava_fallback_brian2":  # Loihi 2 is configured and absent here, as recorded
        from backends.neuromorphic.lava import config as lava_config

        monkeypatch.setattr(lava_config, "loihi2_sdk", lambda: None)
    config = load_config(ROOT / case["config"], case["overrides"])
    result = execute(config, tmp_path / "run", draw_report=False)
    assert (result.status, result.ticks) == ("completed", case["ticks"])
    assert result.summary["reverts"] == case["reverts"]
    assert result.final_root == case["final_root"]
