"""`qnf export-nir`: a run's network with its learned weights, read back as the same network."""

from __future__ import annotations

import nir
import numpy as np
import yaml
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.record import checkpoint
from orchestrator.record.ledger import read_blocks
from orchestrator.record.rundir import RunDirectory
from orchestrator.run.assemble import build_network
from orchestrator.run.runner import execute
from orchestrator.run.state import decode_state
from tests.paths import ASSETS


def test_export_then_import_returns_the_run_network_with_learned_weights(tmp_path) -> None:
    data = yaml.safe_load((ASSETS / "small.yaml").read_text())
    data["spiking"]["stdp"] = {"enabled": True, "a_plus": 0.05, "a_minus": 0.04}
    data["pci"]["drive_offset_mv"] = 26.0
    data["run"]["ticks"] = 12
    (tmp_path / "stdp.yaml").write_text(yaml.safe_dump(data))
    config = load_config(tmp_path / "stdp.yaml")
    run = execute(config, tmp_path / "run", draw_report=False).run_dir

    out = tmp_path / "run.nir"
    result = CliRunner().invoke(app, ["export-nir", str(run), "--out", str(out)])
    assert result.exit_code == 0, result.output
    meta = nir.read(out).metadata["qnfusion"]
    assert float(meta["refractory_ms"]) == 2.0 and float(meta["dt_ms"]) == 0.1

    # the weights of the run's last checkpoint, read independently of the export
    files = RunDirectory(run)
    height, event = [(h, e) for h, e, _ in read_blocks(files.ledger) if e["kind"] == "tick"][-1]
    _, _, state = decode_state(
        checkpoint.read(files.checkpoint(height), event["checkpoint_sha256"])
    )
    learned = state.arrays["weights_mv"]
    original = build_network(config)
    assert not np.array_equal(learned, original.weight_mv)  # STDP moved them

    data["spiking"] = {"kind": "brian2", "tick_ms": 5.0, "network": {"nir": str(out)}}
    data["spiking"]["stdp"] = {"enabled": True, "a_plus": 0.05, "a_minus": 0.04}
    (tmp_path / "again.yaml").write_text(yaml.safe_dump(data))
    back = build_network(load_config(tmp_path / "again.yaml"))
    np.testing.assert_array_equal(back.pre, original.pre)
    np.testing.assert_array_equal(back.post, original.post)
    np.testing.assert_array_equal(back.weight_mv, learned)
    for name in ("n_neurons", "tau_m_ms", "v_th_mv", "v_reset_mv", "refractory_ms", "dt_ms"):
        assert getattr(back, name) == getattr(original, name), name


def test_export_refuses_a_directory_that_is_not_a_run(tmp_path) -> None:
    result = CliRunner().invoke(app, ["export-nir", str(tmp_path)])
    assert result.exit_code != 0 and "not a run directory" in result.output


def test_export_refuses_a_network_too_large_for_a_dense_matrix(tmp_path, monkeypatch) -> None:
    """NIR's Linear is dense: over the limit, one line and nothing written or allocated."""
    from orchestrator.run import export_nir

    config = load_config(ASSETS / "small.yaml", {"run.ticks": 1})  # 6 neurons, p = 0.3
    run = execute(config, tmp_path / "run", draw_report=False).run_dir
    monkeypatch.setattr(export_nir, "NIR_MAX_NEURONS", 5)
    out = tmp_path / "run.nir"
    result = CliRunner().invoke(app, ["export-nir", str(run), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert "dense N x N matrix" in result.stderr and "at most 5 neurons" in result.stderr
    assert not out.exists()


def test_export_writes_into_the_run_directory_by_default(tmp_path, monkeypatch) -> None:
    """Issue 24: not into the current directory."""
    run = execute(load_config(ASSETS / "small.yaml", {"run.ticks": 1}), tmp_path / "run",
                  draw_report=False).run_dir  # fmt: skip
    elsewhere = tmp_path / "cwd"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    result = CliRunner().invoke(app, ["export-nir", str(run)])
    assert result.exit_code == 0, result.output
    assert (run / "network.nir").is_file() and not list(elsewhere.iterdir())


def test_export_of_a_federation_directory_names_the_nodes_to_choose_from(tmp_path) -> None:
    """Issue 24: a federation holds one network per node; none is picked silently."""
    from tests.federated import write_federation

    config, _ = write_federation(tmp_path / "given", nodes=2, ticks=1, rounds_every_ticks=1)
    fed = tmp_path / "fed"
    ran = CliRunner().invoke(app, ["run", str(config), "--out", str(fed)])
    assert ran.exit_code == 0 and "round 0 (1/1 done)" in ran.output  # numbered from 0
    result = CliRunner().invoke(app, ["export-nir", str(fed)])
    assert result.exit_code == 2
    assert "one network per node" in result.output and "nodes: n0, n1" in result.output
    assert f"qnf export-nir {fed / 'nodes' / 'n0'}" in result.output
    assert not list(fed.glob("*.nir")) and not list(tmp_path.glob("*.nir"))
    node = CliRunner().invoke(app, ["export-nir", str(fed / "nodes" / "n0")])  # its config has
    assert node.exit_code == 0, node.output  # the federation section too: a node exports
    assert (fed / "nodes" / "n0" / "network.nir").is_file()
