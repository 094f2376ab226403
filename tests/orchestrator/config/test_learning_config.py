"""The ``learning`` section: absent changes nothing; present, every mistake is one line."""

from __future__ import annotations

import copy

import numpy as np
import pytest
import yaml

from orchestrator.config import validate_config
from orchestrator.config.errors import ConfigError
from orchestrator.config.learning import LearningConfig, theta_names
from tests.conftest import ASSETS

RAW = yaml.safe_load((ASSETS / "small.yaml").read_text())


def problems(data: dict) -> list[str]:
    with pytest.raises(ConfigError) as info:
        validate_config(data)
    return info.value.problems


def with_learning(**learning) -> dict:
    data = copy.deepcopy(RAW)
    data["learning"] = {"params": ["angles", "alpha"], **learning}
    return data


def test_a_learning_config_validates_and_names_theta() -> None:
    cfg = validate_config(with_learning(layers=2, meta={"sigma": [0.1, 0.1, 0.1, 0.1, 2.0]}))
    assert cfg.learning is not None
    assert theta_names(cfg.learning) == [
        "angle[0].cost", "angle[0].driver", "angle[1].cost", "angle[1].driver", "alpha",
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("change", "expect"),
    [
        ({"params": ["angles", "angles"]}, "learning.params: a parameter is listed twice"),
        (
            {"params": ["weights"]},
            "learning.params[0]: must be 'angles', 'alpha'",
        ),
        (
            {"initial_angles": [[0.1, 0.2]], "layers": 2},
            "learning.initial_angles: 1 (cost, driver) pairs",
        ),
        ({"adam_betas": [0.9, 1.0]}, "learning.adam_betas: each must be in [0, 1)"),
        ({"meta": {"sigma": [0.1]}}, "learning.meta.sigma: 1 values for the 3 entries of Theta"),
        ({"meta": {"covariance": [[1, 2], [2, 1]]}}, "learning.meta.covariance: must be 3 x 3"),
        (
            {"meta": {"covariance": [[1, 0, 0], [0, 1, 0], [0, 0, -1]]}},
            "learning.meta.covariance: must be positive definite",
        ),
        ({"loss": {"target_rate_hz": 0}}, "learning.loss.target_rate_hz: must be > 0"),
    ],
)
def test_mistakes_are_one_line_each(change, expect) -> None:
    lines = problems(with_learning(**change))
    assert len(lines) == 1 and lines[0].startswith(expect), lines


def test_quantum_noise_needs_shots_and_learning_needs_the_qubit_mapping() -> None:
    data = with_learning(meta={"noise": "quantum"})
    data["quantum"]["aer"] = {"method": "statevector"}
    data["pci"]["mapping"] = "amplitude"
    data["spiking"]["neurons"] = 8
    lines = problems(data)
    assert "learning: needs pci.mapping: qubit (the product preparation)" in lines
    assert any(
        line.startswith("learning.meta.noise: quantum needs measured bits") for line in lines
    )


def test_defaults_start_from_the_lie_trotter_angles() -> None:
    start = LearningConfig(params=["angles"], layers=3).start_angles(0.3)
    np.testing.assert_allclose(start, [[0.1, 0.1]] * 3, rtol=1e-15)
