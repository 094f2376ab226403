"""The §6 recalibration rule."""

from __future__ import annotations

import pytest

from orchestrator.config.sections import AceConfig
from orchestrator.control.ace import recalibrate
from orchestrator.physics.pci import AceState


def test_ace_rule_fires_above_threshold_and_respects_bounds() -> None:
    cfg = AceConfig(max_entropy=0.5, alpha_bounds=(0, 42), gamma_bounds=(0.3, 1))
    state = AceState(alpha=40, beta=7, gamma=0.5)
    same, fired = recalibrate(state, 0.5, cfg)
    assert same == state and not fired
    new, fired = recalibrate(state, 0.51, cfg)
    assert fired and new.alpha == 42 and new.gamma == pytest.approx(0.45) and new.beta == 7
    for _ in range(20):
        new, _ = recalibrate(new, 0.9, cfg)
    assert new.gamma == pytest.approx(0.3)
