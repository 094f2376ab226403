"""report.png's phase panels (issue 11) appear exactly when the run recorded their fields."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np

from orchestrator.config.root import load_config_text
from orchestrator.record.report import draw_report, report_figure
from orchestrator.run.runner import execute

RUN = """
hamiltonian: {kind: tfim, n_qubits: 2, j: 0.3, h: 0.8}
quantum: {kind: aer, method: statevector}
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
