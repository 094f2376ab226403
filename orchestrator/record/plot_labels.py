"""What every plot of a run or sweep says about itself: units of each quantity, the run's id.

Units: energies (<H>, E_coh, the learning losses, a cut) are in the units of the Hamiltonian's
coefficients (the config's J, h, edge weights: dimensionless numbers), entropies in nats
(natural logarithm) or normalised by n ln 2, phases in rad, couplings alpha and beta in mV (of
drive per unit of Re/Im psi), time in ms of simulated network time.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

__all__ = ["CONFIG_UNITS", "UNITS", "metric_label", "run_title"]

H_UNITS = "units of H's coefficients"
UNITS = {
    "H_coh": "nats",
    "H_coh_normalised": "H_coh / (n ln 2), dimensionless",
    "H_coh_plugin": "nats",
    "E_coh": H_UNITS,
    "avg_phase_diff": "rad",
    "fusion_energy": H_UNITS,
    "resonance_violations": "count per tick",
    "spike_count": "spikes per tick",
    "alpha": "mV",
    "beta": "mV",
    "gamma": "dimensionless",
    "ace_triggered": "0 or 1",
    "stable": "0 or 1",
    "ticks": "count",
}
_PREFIX_UNITS = (
    ("maxcut.", "sum of edge weights"),
    ("learning.loss.", H_UNITS),
    ("learning.grad_norm.", "per rad"),
    ("memory.", "dimensionless"),
)


CONFIG_UNITS = {
    "pci.alpha": "mV per unit Re psi",
    "pci.beta": "mV per unit Im psi",
    "pci.gamma": "dimensionless",
    "ace.max_entropy": "H_coh / (n ln 2)",
    "trotter.dt": "1 / units of H's coefficients",
    "hamiltonian.transverse_field": H_UNITS,
    "hamiltonian.j": H_UNITS,
    "hamiltonian.h": H_UNITS,
    "run.ticks": "ticks",
    "run.seed": "seed",
    "quantum.shots": "shots",
    "spiking.neurons": "neurons",
}
_SUFFIX_UNITS = (("_ms", "ms"), ("_mv", "mV"), ("_hz", "Hz"), ("_s", "s"))


def metric_label(metric: str) -> str:
    """``"fusion_energy (units of H's coefficients)"``, ``"pci.gamma (dimensionless)"``: a
    metric or swept config key with its unit (``as configured`` where none is known)."""
    unit = UNITS.get(metric) or CONFIG_UNITS.get(metric)
    unit = unit or next((u for p, u in _PREFIX_UNITS if metric.startswith(p)), None)
    unit = unit or next((u for suffix, u in _SUFFIX_UNITS if metric.endswith(suffix)), None)
    if metric.startswith(("maxcut.best_tick", "memory.stored", "memory.index")):
        unit = "tick" if metric.endswith("tick") else "count"
    return f"{metric} ({unit or 'as configured'})"


def run_title(run_dir: Path, genesis: dict[str, Any]) -> str:
    """``run <directory name> · seed S · root <first 12 hex>`` (root: summary.json's, else the
    ledger's, recomputed)."""
    from orchestrator.record.rundir import RunDirectory, read_summary
    from orchestrator.record.verify import verify

    files = RunDirectory(run_dir)
    root = (read_summary(files) or {}).get("final_root")
    if not isinstance(root, str):
        root = verify(files.ledger).root
    return f"run {Path(run_dir).resolve().name} · seed {genesis.get('seed')} · root {root[:12]}"
