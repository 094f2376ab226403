"""report.png's phase panels (issue 11) appear exactly when the run recorded their fields."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from orchestrator.config.root import load_config_text
from orchestrator.record.ledger import read_blocks
from orchestrator.record.report import draw_report, report_figure
from orchestrator.run.runner import execute
from tests.orchestrator.record.plot_checks import check_axes

RUN = """
hamiltonian: {kind: tfim, n_qubits: 2, j: 0.3, h: 0.8}
quantum: {kind: aer, aer: {method: statevector}}
spiking: {kind: brian2, neurons: 4, tick_ms: 5.0}
pci: {initial_theta: 1.2, drive_offset_mv: 25.0}
psn: {coupling: 0.5}
coherence_flow: {eta: 0.05, steps: 2, params: [phi, alpha]}
jacobian: {every: 2}
run: {ticks: 4, seed: 1}
"""


def test_phase_panels_show_r_the_descent_and_the_jacobian(tmp_path):
    result = execute(load_config_text(RUN, "report-test"), tmp_path / "run", draw_report=False)
    fig = report_figure(result.run_dir)
    try:
        titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
        assert "Phase synchronization (spec §9) and coherence flow (spec §5)" in titles
        assert "Stability Jacobian (spec §13)" in titles
        phase = next(ax for ax in fig.axes if ax.get_title().startswith("Phase synchronization"))
        r = phase.get_lines()[0].get_ydata()
        assert r.size == 4 and np.all((r >= 0) & (r <= 1))
        jac = next(ax for ax in fig.axes if ax.get_title().startswith("Stability Jacobian"))
        det = jac.get_lines()[0].get_ydata()
        assert np.isfinite(det[[0, 2]]).all() and np.isnan(det[[1, 3]]).all()  # every: 2
    finally:
        plt.close(fig)
    assert draw_report(result.run_dir).stat().st_size > 0


LEARN = """
hamiltonian: {kind: ising, edges: [[0, 1, 1.0], [1, 2, 1.0]], transverse_field: 1.0}
quantum: {kind: aer, shots: 64}
spiking: {kind: brian2, neurons: 6, tick_ms: 5.0, recurrent: {p: 0.4, weight_mv: 1.0}}
pci: {drive_offset_mv: 24.0}
learning: {params: [angles], epoch_ticks: 2}
run: {ticks: 4, seed: 5}
"""


def test_every_panel_has_units_a_legend_for_each_series_and_the_run_in_its_title(tmp_path):
    """Issue 24: a report a scientist keeps. The plotted data are the ledger's."""
    for name, text in (("phase", RUN), ("learn", LEARN)):
        result = execute(load_config_text(text, name), tmp_path / name, draw_report=False)
        fig = report_figure(result.run_dir)
        try:
            title = fig._suptitle.get_text()
            seed = load_config_text(text, name).run.seed
            assert title == f"run {name} · seed {seed} · root {result.final_root[:12]}"
            check_axes(fig)
            ticks = [e for _, e, _ in read_blocks(result.run_dir / "ledger.sqlite")
                     if e["kind"] == "tick"]  # fmt: skip
            energy = next(ax for ax in fig.axes if ax.get_title() == "Energies").get_lines()[0]
            assert list(energy.get_ydata()) == [e["fusion_energy"] for e in ticks]
            assert list(energy.get_xdata()) == [e["tick"] for e in ticks]
        finally:
            plt.close(fig)


def test_the_federation_report_has_units_legends_and_names_its_run(tmp_path):
    from typer.testing import CliRunner

    from orchestrator.cli import app
    from orchestrator.record.federation_report import federation_figure
    from tests.federated import write_federation

    config, raw = write_federation(tmp_path / "given", nodes=2, ticks=2, rounds_every_ticks=1)
    fed = tmp_path / "fed"
    assert CliRunner().invoke(app, ["run", str(config), "--out", str(fed)]).exit_code == 0
    summary = __import__("json").loads((fed / "summary.json").read_text())
    fig = federation_figure(fed, {n: fed / "nodes" / n for n in ("n0", "n1")})
    try:
        seed = raw["run"]["seed"]
        assert fig._suptitle.get_text() == (
            f"run fed · seed {seed} · root {summary['final_root'][:12]}"
        )
        check_axes(fig)
    finally:
        plt.close(fig)
