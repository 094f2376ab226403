"""The generated MaxCut configs: all valid, and a sweep over one gives the same table twice."""

from __future__ import annotations

import csv
import io

import yaml
from typer.testing import CliRunner

from orchestrator.cli import app
from orchestrator.config import load_config
from orchestrator.record.ledger import last_events
from orchestrator.record.rundir import RunDirectory
from orchestrator.run.assemble import build_network
from orchestrator.run.sweep_plan import load_sweep_file
from orchestrator.tasks.maxcut.configs import config_of, write_configs
from orchestrator.tasks.maxcut.cut import ising_hamiltonian
from orchestrator.tasks.maxcut.instances import MaxCutInstance, instance
from tests.conftest import ASSETS

ROOT = ASSETS.parents[1]


def test_every_written_config_validates_and_decodes_its_graph(tmp_path) -> None:
    paths = write_configs(tmp_path, count=1)
    assert sorted(p.name for p in paths) == sorted(
        [
            f"{f}_n{n}{tail}.yaml"
            for f in ("regular3", "erdos_renyi")
            for n in (8, 12, 16)
            for tail in ("", "_qaoa", "_noisy", "_annealer")
        ]
        + ["sweep.yaml"]
    )
    for path in paths[:-1]:
        cfg = load_config(path)
        assert cfg.maxcut is not None and cfg.maxcut.decode
        assert (cfg.learning is not None) == path.stem.endswith("_qaoa")
        assert (cfg.spiking.noise is not None) == path.stem.endswith("_noisy")
        n = cfg.build_hamiltonian().n_qubits
        if path.stem.endswith("_annealer"):  # one neuron per vertex, 5 whole sweeps a tick
            spec = build_network(cfg).annealer
            assert spec is not None and cfg.n_neurons() == n
            assert cfg.spiking.steps_per_tick == 5 * spec.n_colours
        else:
            assert cfg.n_neurons() == 4 * n
    base, axes, seeds = load_sweep_file(tmp_path / "sweep.yaml")
    assert base == tmp_path / "regular3_n8.yaml" and seeds == 3 and axes
    for name in ("regular3_n8.yaml", "regular3_n8_qaoa.yaml", "regular3_n8_noisy.yaml",
                 "regular3_n8_annealer.yaml"):
        committed = (ROOT / "configs" / "maxcut" / name).read_text()
        assert (tmp_path / name).read_text() == committed
    committed = (ROOT / "configs" / "maxcut" / "regular3_n8.yaml").read_text()
    data = yaml.safe_load(committed)
    graph = instance("regular3", 8, 0)
    assert data["hamiltonian"]["edges"] == ising_hamiltonian(graph)["edges"]


def test_a_sweep_over_a_maxcut_config_gives_the_same_table_twice(tmp_path) -> None:
    ring = MaxCutInstance.from_edges("ring4", 4, ((i, (i + 1) % 4, 1.0) for i in range(4)))
    data = config_of(ring, ticks=2, shots=8, seed=2)
    data["spiking"]["tick_ms"] = 2.0
    config = tmp_path / "ring4.yaml"
    config.write_text(yaml.safe_dump(data))
    args = ["sweep", str(config), "--over", "pci.gamma=0.5,0.0", "-j", "1"]
    cli = CliRunner()
    tables = []
    for out in ("a", "b"):
        got = cli.invoke(app, [*args, "--out", str(tmp_path / out)])
        assert got.exit_code == 0, got.output
        tables.append((tmp_path / out / "table.csv").read_text())
    assert tables[0] == tables[1]
    rows = list(csv.DictReader(io.StringIO(tables[0])))
    assert [(r["pci.gamma"], r["status"]) for r in rows] == [
        ("0.5", "completed"),
        ("0.0", "completed"),
    ]
    assert len({r["final_root"] for r in rows}) == 2
    for row in rows:  # the decoder's result of each point, as its ledger's last event says
        (_, event), *_ = last_events(
            RunDirectory(tmp_path / "a" / "points" / row["point"]).ledger, 1
        )
        assert row["maxcut.best_cut"] == str(event["maxcut"]["best_cut"])
        assert row["maxcut.best_assignment"] == event["maxcut"]["best_assignment"]
