"""Learning in a recorded run: one epoch = one FusionEvent with the `learning` field, a run
killed mid-epoch resumes to the uninterrupted root, `qnf report` plots the epochs."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.record.ledger import read_blocks
from orchestrator.record.report import draw_report
from orchestrator.record.verify import verify
from orchestrator.run.resume import resume
from orchestrator.run.runner import execute
from tests.conftest import ASSETS
from tests.orchestrator.run.test_resume import _crashed_run

LEARNING = {
    "params": ["angles", "alpha", "beta", "gamma"],
    "layers": 2,
    "epoch_ticks": 3,
    "optimizer": "adam",
    "lr": 0.05,
    "loss": {"energy": 1.0, "energy_terms": "all", "neural": 0.5, "phase": 0.5},
    "meta": {
        "eta_q": 0.05,
        "eta_n": 0.01,
        "sigma": [0.1, 0.1, 0.1, 0.1, 1.0, 1.0, 0.05],
        "noise": "quantum",
    },
}


@pytest.fixture(scope="module")
def learning_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("learn")
    data = yaml.safe_load((ASSETS / "small.yaml").read_text())
    data["learning"] = LEARNING
    data["run"]["ticks"] = 8
    path = tmp / "learn.yaml"
    path.write_text(yaml.safe_dump(data))
    return path, execute(load_config(path), tmp / "run", draw_report=False)


def test_each_epoch_is_a_fusion_event_with_its_parts(learning_run) -> None:
    _, result = learning_run
    ticks = [e for _, e, _ in read_blocks(result.run_dir / "ledger.sqlite") if e["kind"] == "tick"]
    epochs = [(e["tick"], e["learning"]) for e in ticks if "learning" in e]
    assert [t for t, _ in epochs] == [2, 5]  # the last tick of each 3-tick epoch
    assert [fields["epoch"] for _, fields in epochs] == [0, 1]
    for _, fields in epochs:
        loss, norms = fields["loss"], fields["grad_norm"]
        assert set(loss) == {"total", "energy", "neural", "coherence"}
        assert loss["total"] == pytest.approx(
            loss["energy"] + 0.5 * loss["neural"] + 0.5 * loss["coherence"]
        )
        assert min(norms.values()) > 0 and fields["mutation_norm"] > 0
        theta = np.array(fields["theta"], dtype="<f8")
        assert fields["theta_sha256"] == hashlib.sha256(theta.tobytes()).hexdigest()
        assert fields["theta_names"] == [
            "angle[0].cost",
            "angle[0].driver",
            "angle[1].cost",
            "angle[1].driver",
            "alpha",
            "beta",
            "gamma",
        ]
    # the couplings learned at an epoch are the ones the next tick uses (the next block, unless
    # a rollback came between)
    blocks = [e for _, e, _ in read_blocks(result.run_dir / "ledger.sqlite")]
    followed = 0
    for event, following in itertools.pairwise(blocks):
        if "learning" in event and following["kind"] == "tick":
            fields = event["learning"]
            for name in ("alpha", "beta", "gamma"):
                value = fields["theta"][fields["theta_names"].index(name)]
                assert following["coupling"][name] == pytest.approx(value)
            followed += 1
    assert followed >= 1
    by_tick = {e["tick"]: e for e in ticks}
    # E_coh of the epoch is the mean of its ticks' E_coh
    first = [by_tick[t]["coherence_energy"] for t in range(3)]
    assert epochs[0][1]["loss"]["coherence"] == pytest.approx(np.mean(first))
    assert verify(result.run_dir / "ledger.sqlite").ok


def test_a_run_killed_mid_epoch_resumes_to_the_same_root(learning_run, tmp_path) -> None:
    path, reference = learning_run
    _crashed_run(path, tmp_path / "run", "after-commit:4")  # tick 4: inside epoch 1
    result = resume(tmp_path / "run", draw_report=False)
    assert result.final_root == reference.final_root


def test_report_plots_the_epochs(learning_run) -> None:
    _, result = learning_run
    import matplotlib.image

    out = draw_report(result.run_dir)
    height = matplotlib.image.imread(out).shape[0]
    assert height == 1500  # five panels of 3 inches at 100 dpi (four without learning: 1200)
