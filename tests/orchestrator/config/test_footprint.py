"""Memory estimates of validation (issue 10): the terms against their formulas, refusal of a
config that cannot fit, and no traceback at any size validation is asked about."""

from __future__ import annotations

import pytest
import yaml
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.config.footprint import (
    BASE_BYTES,
    CHECKPOINT_COPIES,
    DELTA_COPIES,
    PER_NEURON_BYTES,
    WRITER_COPIES,
    checkpoint_copies,
    estimate,
    footprint_problems,
)
from orchestrator.contract.backend_config import SYNAPSE_BYTES, SYNAPSE_STDP_BYTES
from orchestrator.record import writer
from tests.paths import CONFIGS

DEMO = CONFIGS / "demo.yaml"  # 8 qubits, Brian2, STDP on
runner = CliRunner()


def _demo(**overrides):
    return load_config(DEMO, overrides)


def test_in_degree_synapses_and_their_bytes() -> None:
    cfg = _demo(**{"spiking.neurons": 2000, "spiking.recurrent": {"k": 30, "weight_mv": 0.5}})
    fp = estimate(cfg)
    assert fp.n_synapses == 2000 * 30
    assert fp.synapses == 2000 * 30 * (24 + SYNAPSE_BYTES + SYNAPSE_STDP_BYTES)
    assert fp.neurons == 2000 * PER_NEURON_BYTES
    # a checkpoint: 6 float64 per neuron plus 5 per plastic synapse, held 3 + 4 + 1 times
    assert fp.checkpoint == 6 * 8 * 2000 + 5 * 8 * 60_000
    assert fp.checkpoints_held == 8 * fp.checkpoint
    assert fp.total == BASE_BYTES + fp.quantum + fp.neurons + fp.synapses + fp.checkpoints_held


def test_probability_synapses_are_expected_p_n_n_minus_1() -> None:
    fp = estimate(_demo(**{"spiking.neurons": 1000, "spiking.stdp": {"enabled": False}}))
    assert fp.n_synapses == round(0.1 * 1000 * 999)
    assert fp.synapses == fp.n_synapses * (24 + SYNAPSE_BYTES)
    assert fp.checkpoint == 6 * 8 * 1000  # static synapses are not checkpointed


def test_statevector_is_three_states_and_shots_one() -> None:
    sv = estimate(_demo(**{"quantum.aer.method": "statevector"}))
    shots = estimate(_demo())
    assert sv.quantum == 3 * 16 * 2**8
    assert shots.quantum == 16 * 2**8


def test_a_config_over_the_available_memory_is_refused_with_the_estimate() -> None:
    cfg = _demo(**{"spiking.neurons": 2000, "spiking.recurrent": {"k": 100}})
    total = estimate(cfg).total
    assert footprint_problems(cfg, available=total) == []
    # one byte short: the checkpoint copies are the largest term and without them it fits
    (line,) = footprint_problems(cfg, available=total - 1)
    assert line.startswith("spiking.stdp.enabled: this run needs about ")
    assert "kept 8 times at once: turn STDP off" in line
    # too short even without them: the synapses are named
    fp = estimate(cfg)
    (line,) = footprint_problems(cfg, available=fp.total - fp.checkpoints_held - 1)
    assert line.startswith("spiking.recurrent: this run needs about ")
    assert "smaller p or in-degree k" in line


def _write(tmp_path, overrides) -> str:
    raw = yaml.safe_load(DEMO.read_text())
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node = raw
        for key in parents:
            node = node[key]
        node[leaf] = value
    path = tmp_path / "big.yaml"
    path.write_text(yaml.safe_dump(raw))
    return str(path)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"spiking.neurons": 1_000_000}, "spiking.recurrent"),  # p = 0.1: 10^11 synapses
        ({"spiking.neurons": 1_000_000, "spiking.recurrent": {"k": 5000}}, "spiking.recurrent"),
        ({"spiking.neurons": 100_000, "spiking.kind": "lava"}, "spiking.neurons"),
        ({"spiking.neurons": 100, "spiking.recurrent": {"k": 100}}, "spiking.recurrent.k"),
    ],
)
def test_huge_networks_are_refused_in_one_line_exit_2(overrides, field, tmp_path) -> None:
    path = _write(tmp_path, overrides)
    result = runner.invoke(app, ["validate", path])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.split(":")[0] == field


def test_validate_prints_the_estimate_of_a_big_network_it_accepts(tmp_path) -> None:
    path = _write(tmp_path, {"spiking.neurons": 100_000, "spiking.recurrent": {"k": 100}})
    result = runner.invoke(app, ["validate", path])
    assert result.exit_code == 0, result.output
    assert "10000000 synapses" in result.stdout
    assert "memory estimate: " in result.stdout
    assert "note: every tick writes a 386.0 MiB checkpoint" in result.stdout  # 5 x 8 B x 10^7
    spaced = _write(
        tmp_path,
        {
            "spiking.neurons": 100_000,
            "spiking.recurrent": {"k": 100},
            "checkpoint": {"every": 10},
        },
    )
    assert "note:" not in runner.invoke(app, ["validate", spaced]).stdout


def test_a_local_federation_counts_every_node() -> None:
    fed = load_config(CONFIGS / "federated.yaml")  # 4 local nodes of 16 neurons
    single = load_config(CONFIGS / "federated.yaml", {"federation": None})
    a, b = estimate(fed), estimate(single)
    assert len(fed.federation.nodes) == 4 and fed.federation.engine == "local"
    assert (a.quantum, a.neurons, a.synapses) == (4 * b.quantum, 4 * b.neurons, 4 * b.synapses)
    assert a.checkpoints_held == 4 * b.checkpoints_held


def test_checkpoint_copies_count_the_writer_and_the_delta_base() -> None:
    """The run holds 3 copies, the writer process its read-ahead + 2, deltas one base more."""
    assert WRITER_COPIES == writer._AHEAD + 2  # the messages the writer's reader thread queues
    deltas = _demo()  # checkpoint.full_every 10 by default: deltas
    full = _demo(**{"checkpoint.full_every": 1})
    assert checkpoint_copies(deltas) == CHECKPOINT_COPIES + WRITER_COPIES + DELTA_COPIES == 8
    assert checkpoint_copies(full) == CHECKPOINT_COPIES + WRITER_COPIES == 7
    assert estimate(full).checkpoints_held == 7 * estimate(full).checkpoint
