"""Run configs for MaxCut (issue 15): ``python -m orchestrator.tasks.maxcut.configs OUT_DIR``.

One config per graph of the seeded catalogue (``instances.catalogue``), for the families
``regular3`` and ``erdos_renyi`` at n = 8, 12, 16 (``--count`` graphs each from
``--base-seed``), plus a sweep file over the runs' seeds. Every config is the same template:

- ``hamiltonian``: the Ising cost H_C = sum w Z_i Z_j of the graph (``cut.ising_hamiltonian``)
  plus a transverse field -g sum X_i (g = ``TRANSVERSE_FIELD``): each tick evolves the
  preparation the backward PCI proposes under exp(-i (H_C + H_X) dt), a quench that mixes
  the computational basis while the cost phases steer it (the loop has no per-tick schedule
  of H, so this is not an annealing schedule; choice recorded in docs/design.md §18);
  with ``learned=True`` (files ``*_qaoa.yaml``) the tick's evolution is instead one QAOA layer
  exp(-i b H_X) exp(-i a H_C) whose angles (a, b) issue 12's learning trains over the ticks
  (``QAOA_LEARNING``: Adam on <H_C> from the shots, one epoch a tick), the spike feedback
  still on: the learned QAOA angles over ticks inside the fusion loop;
- ``quantum``: Aer with ``shots`` shots (the decoder reads every outcome);
- ``spiking``: Brian2, ``NEURONS_PER_VERTEX`` neurons per vertex (neuron a in vertex a mod n's
  group), no random recurrent synapses, no STDP, and inhibitory synapses along the graph's
  edges (``maxcut.edge_weight_mv``);
- ``maxcut: {decode: true}``: the per-tick cut decoder;
- with ``noisy=True`` (files ``*_noisy.yaml``) the neurons carry the noise current of issue 21
  (``NOISY_SPIKING``: ``spiking.noise`` and random initial potentials), so the 4 neurons of a
  vertex are no longer 4 identical copies of one deterministic neuron.

``annealer=True`` (``annealer_config_of``; files ``*_annealer.yaml``) replaces the LIF network by
the spiking Ising annealer (``spiking.annealer``, design §20): one stochastic neuron per vertex
wired from the same Ising cost, default temperatures, a tick of ``ANNEALER_SWEEPS_PER_TICK``
sweeps (``tick_ms`` = sweeps x C x dt, C the graph's colour classes), no drive offset, and
``pci.alpha = pci.beta = ANNEALER_DRIVE_MV`` (the quantum side's Bloch components as a bias of
a few mV, the scale of one coupling); alpha = beta = 0 is the annealer alone.

The file is plain YAML written by this module; ``configs/maxcut/regular3_n8.yaml`` is its
output for the first 3-regular graph at n = 8.
"""

from __future__ import annotations

import argparse
import copy
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from orchestrator.tasks.maxcut.cut import ising_hamiltonian
from orchestrator.tasks.maxcut.instances import Family, MaxCutInstance, catalogue

__all__ = [
    "ANNEALER_DRIVE_MV",
    "ANNEALER_SWEEPS_PER_TICK",
    "DEFAULTS",
    "NOISY_SPIKING",
    "QAOA_LEARNING",
    "annealer_config_of",
    "config_of",
    "main",
    "write_configs",
]

TRANSVERSE_FIELD = 1.0
NEURONS_PER_VERTEX = 4
EDGE_WEIGHT_MV = -4.0
SIZES = (8, 12, 16)
FAMILIES: tuple[Family, ...] = ("regular3", "erdos_renyi")
DEFAULTS = {"ticks": 20, "shots": 64, "seed": 1}
# depth-1 QAOA angles trained over the ticks (issue 12): cost angle 0.15, driver 0.25 to start
QAOA_LEARNING: dict[str, Any] = {
    "params": ["angles"],
    "layers": 1,
    "initial_angles": [[0.15, 0.25]],
    "epoch_ticks": 1,
    "optimizer": "adam",
    "lr": 0.05,
    "loss": {"energy": 1.0, "energy_terms": "cost"},
}


# the neurons' noise of the *_noisy.yaml configs (issue 21; figures in docs/design.md §19):
# an OU current (5 ms) that moves the free membrane potential by 3 mV (std), and initial
# potentials spread below threshold
NOISY_SPIKING: dict[str, Any] = {
    "noise": {"kind": "ou", "sigma_mv": 3.0, "tau_ms": 5.0},
    "v_init": {"low_mv": 0.0, "high_mv": 15.0},
}


def config_of(
    inst: MaxCutInstance,
    ticks: int = 20,
    shots: int = 64,
    seed: int = 1,
    learned: bool = False,
    noisy: bool = False,
) -> dict[str, Any]:
    """The run config (a plain mapping, as YAML would load it) for MaxCut on ``inst``;
    ``learned``: QAOA angles trained over the ticks instead of the fixed quench; ``noisy``:
    the neurons carry ``NOISY_SPIKING``'s noise."""
    hamiltonian = {**ising_hamiltonian(inst), "transverse_field": TRANSVERSE_FIELD}
    config = {
        "hamiltonian": hamiltonian,
        "quantum": {"kind": "aer", "shots": shots, "aer": {"method": "automatic"}},
        "spiking": {
            "kind": "brian2",
            "neurons": NEURONS_PER_VERTEX * inst.n,
            "tau_m_ms": 20.0,
            "v_th_mv": 20.0,
            "v_reset_mv": 0.0,
            "refractory_ms": 2.0,
            "dt_ms": 0.1,
            "tick_ms": 10.0,
            "recurrent": None,
            "stdp": {"enabled": False},
            "brian2": {"codegen_target": "numpy"},
        },
        "pci": {
            "mapping": "qubit",
            "alpha": 40.0,
            "beta": 40.0,
            "gamma": 0.5,
            "drive": "current",
            "drive_offset_mv": 15.0,
            "drive_clip_mv": 60.0,
        },
        "trotter": {"order": 2, "reps": 2, "dt": 0.25},
        "ace": {"max_entropy": 0.9, "estimator": "miller_madow"},
        "safety": {"max_qubits": 16, "voltage_cap": 0.99},
        "maxcut": {"decode": True, "edge_weight_mv": EDGE_WEIGHT_MV},
        "run": {"ticks": ticks, "seed": seed},
    }
    if learned:
        config["learning"] = copy.deepcopy(QAOA_LEARNING)
    if noisy:
        spiking = config["spiking"]
        brian2 = spiking.pop("brian2")  # keep the Brian2-only block last in the file
        spiking.update(copy.deepcopy(NOISY_SPIKING), brian2=brian2)
    return config


VARIANTS = ((False, False, ""), (True, False, "_qaoa"), (False, True, "_noisy"))
ANNEALER_SWEEPS_PER_TICK = 5
ANNEALER_DRIVE_MV = 4.0  # |alpha|, |beta|: one edge's synapse is 4 mV (kappa = 1)


def annealer_config_of(
    inst: MaxCutInstance,
    ticks: int = 20,
    shots: int = 64,
    seed: int = 1,
    sweeps_per_tick: int = ANNEALER_SWEEPS_PER_TICK,
) -> dict[str, Any]:
    """``config_of`` with the spiking annealer as the network (module docstring)."""
    import numpy as np

    from orchestrator.physics.annealing import colouring

    edges = np.array([(i, j) for i, j, _ in inst.edges], dtype=np.int64).reshape(-1, 2)
    colours = colouring(inst.n, np.concatenate([edges[:, 0], edges[:, 1]]),
                        np.concatenate([edges[:, 1], edges[:, 0]]))
    dt_ms = 0.1
    config = config_of(inst, ticks, shots, seed)
    config["spiking"] = {
        "kind": "brian2",
        "dt_ms": dt_ms,
        "tick_ms": round(sweeps_per_tick * (int(colours.max()) + 1) * dt_ms, 10),
        "annealer": {"mv_per_unit": 1.0, "schedule": "geometric"},
        "brian2": {"codegen_target": "numpy"},
    }
    config["pci"].update(
        alpha=ANNEALER_DRIVE_MV, beta=ANNEALER_DRIVE_MV, drive_offset_mv=0.0, drive_clip_mv=60.0
    )
    config["maxcut"] = {"decode": True}
    config["safety"]["max_qubits"] = max(config["safety"]["max_qubits"], inst.n)
    return config


def _yaml(data: dict[str, Any], inst: MaxCutInstance) -> str:
    import yaml

    head = (
        f"# MaxCut on {inst.name} ({inst.n} vertices, {len(inst.edges)} edges; "
        f"digest {inst.digest()[:12]}).\n"
        "# Written by `python -m orchestrator.tasks.maxcut.configs`; run with `qnf run FILE`.\n"
    )
    return head + yaml.safe_dump(data, sort_keys=False, default_flow_style=None, width=100)


def write_configs(
    out: Path, count: int, base_seed: int = 0, ticks: int = 20, shots: int = 64
) -> list[Path]:
    """Write one config per catalogue graph and ``sweep.yaml`` into ``out``; returns paths."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for family in FAMILIES:
        for n in SIZES:
            for k, inst in enumerate(catalogue(family, n, count, base_seed)):
                suffix = "" if k == 0 else f"_{k:02d}"
                for learned, noisy, tail in VARIANTS:
                    path = out / f"{family}_n{n}{suffix}{tail}.yaml"
                    data = config_of(inst, ticks, shots, learned=learned, noisy=noisy)
                    path.write_text(_yaml(data, inst))
                    written.append(path)
                path = out / f"{family}_n{n}{suffix}_annealer.yaml"
                path.write_text(_yaml(annealer_config_of(inst, ticks, shots), inst))
                written.append(path)
    sweep = out / "sweep.yaml"
    sweep.write_text(
        "# qnf sweep --file configs/maxcut/sweep.yaml: the n = 8 3-regular graph, fusion vs\n"
        "# no spike feedback (gamma = 0) vs no quantum drive (alpha = beta = 0), 3 seeds.\n"
        "config: regular3_n8.yaml\n"
        "over:\n"
        "  pci.gamma: [0.5, 0.0]\n"
        "  pci.alpha: [40.0, 0.0]\n"
        "seeds: 3\n"
    )
    written.append(sweep)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m orchestrator.tasks.maxcut.configs")
    parser.add_argument("out", type=Path, help="directory to write the configs into")
    parser.add_argument("--count", type=int, default=1, help="graphs per family and size")
    parser.add_argument("--base-seed", type=int, default=0, help="first catalogue seed")
    parser.add_argument("--ticks", type=int, default=DEFAULTS["ticks"])
    parser.add_argument("--shots", type=int, default=DEFAULTS["shots"])
    args = parser.parse_args(argv)
    for path in write_configs(args.out, args.count, args.base_seed, args.ticks, args.shots):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
