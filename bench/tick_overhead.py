"""What a fusion tick costs, against the floor of what it asks the backends to do, and against
the naive loop. Everything is measured side by side in one run of this script.

    .venv/bin/python bench/tick_overhead.py                # 8 and 12 qubits x 100 and 1000 neurons
    .venv/bin/python bench/tick_overhead.py --sizes 8x100 --ticks 50 --rounds 1   # quick look

Per size (n qubits, N neurons) and round, three ways of running T ticks:

- loop:  the real thing, ``orchestrator.run.runner.execute``: per tick the fusion loop, a
  checkpoint, the ledger's durable transaction and the CSV rows (made durable by the run's writer
  process while the next tick runs), timed from the first tick's end to the last one's
  (steady state).
- floor: what the loop asks the backends to do and nothing else: per tick, ONE Aer call on the
  already bound, already transpiled circuits of every basis (counts only, no per-shot memory),
  plus the per-tick share of ONE continuous ``Network.run(T * tick)`` of the same Brian2
  network (same code target) under the loop's mean drive, with that run's fixed start-up cost
  (measured on a one-tick run) taken out: the marginal cost of a tick.
- naive: what a straightforward loop does: per tick, build the circuits, transpile them, bind,
  run them on Aer (per-shot memory, as the loop needs), and call ``Network.run(tick)`` on the
  same, already built, Brian2 network.

Reported: ms per tick (median over rounds) and the ratios loop / floor (goal <= 1.3) and
naive / loop (goal >= 5). Setup (imports, building the network, transpiling once, Cython code)
is excluded from all three; the Cython cache is warmed before timing. Brian2 uses the cython
target here (what a long run uses); STDP is off and recurrence on (p = 0.1).
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import brian2 as b2
import numpy as np
from qiskit_aer import AerSimulator

from backends.neuromorphic.brian2.backend import SCHEDULE, build_objects, code_object_class
from backends.quantum.common import trotter
from orchestrator.config import RunConfig, validate_config
from orchestrator.physics import pci
from orchestrator.run.assemble import build_network, build_program
from orchestrator.run.hooks import RunHooks
from orchestrator.run.runner import execute


def make_config(n: int, neurons: int, ticks: int, target: str) -> RunConfig:
    edges = [[i, (i + 1) % n, 1.0] for i in range(n)] + [
        [i, (i + n // 2) % n, 0.5] for i in range(n // 2)
    ]
    return validate_config(
        {
            "hamiltonian": {"kind": "ising", "edges": edges, "transverse_field": 1.0},
            "quantum": {"kind": "aer", "shots": 1024},
            "spiking": {
                "kind": "brian2",
                "neurons": neurons,
                "tick_ms": 10.0,
                "dt_ms": 0.1,
                "recurrent": {"p": 0.1, "weight_mv": 0.2},
                "brian2": {"codegen_target": target},
            },
            "pci": {"drive_offset_mv": 15.0},
            "stability": {"enabled": False},
            "trotter": {"order": 2, "reps": 2, "dt": 0.25},
            "run": {"ticks": ticks, "seed": 1},
        }
    )


def run_loop(cfg: RunConfig, workdir: Path) -> tuple[float, list[np.ndarray], list[dict]]:
    """Seconds per tick of the real loop (``execute``: ticks, checkpoints, ledger, CSV), in
    steady state (first tick to last); the drives it used; the preparations it sent."""
    stamps: list[float] = []
    drives: list[np.ndarray] = []
    preps: list[dict] = [
        {
            "theta": np.full(cfg.build_hamiltonian().n_qubits, cfg.pci.initial_theta),
            "phi": np.full(cfg.build_hamiltonian().n_qubits, cfg.pci.initial_phi),
        }
    ]
    channels = pci.ChannelMap(cfg.pci.mapping, cfg.build_hamiltonian().n_qubits, cfg.n_neurons())

    def on_tick(record, done, total) -> None:
        stamps.append(time.perf_counter())
        drives.append(
            pci.drive(
                record.quantum.psi,
                channels,
                record.coupling.alpha,
                record.coupling.beta,
                cfg.pci.drive_offset_mv,
                cfg.pci.drive_clip_mv,
            )
        )
        prep = record.next.preparation
        preps.append({"theta": prep.theta.copy(), "phi": prep.phi.copy()})

    execute(cfg, workdir, hooks=RunHooks(on_tick=on_tick), draw_report=False)
    return (stamps[-1] - stamps[0]) / (len(stamps) - 1), drives, preps[:-1]


def _brian_network(cfg: RunConfig) -> tuple[b2.Network, b2.NeuronGroup]:
    spec = build_network(cfg)
    clock = b2.Clock(dt=spec.dt_ms * b2.ms)
    group, monitor, syn = build_objects(
        spec, clock, code_object_class(cfg.spiking.brian2.codegen_target)
    )
    net = b2.Network(*[o for o in (group, monitor, syn) if o is not None])
    net.schedule = SCHEDULE
    return net, group


def run_floor(cfg: RunConfig, drives: list[np.ndarray], preps: list[dict]) -> tuple[float, float]:
    """(Aer seconds per tick, Brian2 seconds per tick) of the floor."""
    program = build_program(cfg)
    threads = cfg.quantum.aer.max_parallel_threads
    sim = AerSimulator(method="automatic", max_parallel_threads=threads)
    circuits = trotter.transpile_once(trotter.measured_circuits(program), sim)
    columns = [trotter.parameter_columns(c, program.n_qubits) for c in circuits]
    bound_per_tick = []
    for prep in preps:
        values = trotter.prep_values(prep["theta"], prep["phi"], program.n_qubits)
        bound_per_tick.append(
            [c.assign_parameters(values[col]) for c, col in zip(circuits, columns)]
        )
    start = time.perf_counter()
    for t, bound in enumerate(bound_per_tick):
        sim.run(bound, shots=cfg.quantum.shots, seed_simulator=t).result()
    aer = (time.perf_counter() - start) / len(preps)

    # ONE continuous run of the whole length; its fixed start-up cost (code objects, ~0.1 s) is
    # measured on a one-tick run of a fresh copy and taken out, so the floor is the marginal
    # cost of a tick (stricter than T-th of the whole run, which would flatter the loop).
    mean_drive = np.mean(drives, axis=0) * 1e-3
    tick = cfg.spiking.tick_ms * b2.ms
    timings = []
    for ticks in (1, len(drives)):
        net, group = _brian_network(cfg)
        group.I_drive_[:] = mean_drive
        start = time.perf_counter()
        net.run(ticks * tick, namespace={})
        timings.append(time.perf_counter() - start)
    brian = (timings[1] - timings[0]) / (len(drives) - 1)
    return aer, brian


def run_naive(cfg: RunConfig, drives: list[np.ndarray], preps: list[dict]) -> float:
    program = build_program(cfg)
    threads = cfg.quantum.aer.max_parallel_threads
    sim = AerSimulator(method="automatic", max_parallel_threads=threads)
    net, group = _brian_network(cfg)
    tick = cfg.spiking.tick_ms * b2.ms
    start = time.perf_counter()
    for t, (drive, prep) in enumerate(zip(drives, preps)):
        circuits = trotter.transpile_once(trotter.measured_circuits(program), sim)
        values = trotter.prep_values(prep["theta"], prep["phi"], program.n_qubits)
        bound = [
            c.assign_parameters(values[trotter.parameter_columns(c, program.n_qubits)])
            for c in circuits
        ]
        sim.run(bound, shots=cfg.quantum.shots, seed_simulator=t, memory=True).result()
        group.I_drive_[:] = drive * 1e-3
        net.run(tick, namespace={})
    return (time.perf_counter() - start) / len(drives)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--sizes", default="8x100,8x1000,12x100,12x1000", help="n_qubits x neurons, comma separated"
    )
    parser.add_argument("--ticks", type=int, default=100, help="ticks per loop and floor run")
    parser.add_argument("--naive-ticks", type=int, default=30, help="ticks per naive run")
    parser.add_argument(
        "--rounds", type=int, default=3, help="interleaved repetitions (median reported)"
    )
    parser.add_argument(
        "--target", default="cython", choices=["cython", "numpy"], help="Brian2 code target"
    )
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    sizes = [tuple(int(x) for x in s.split("x")) for s in args.sizes.split(",")]

    print(f"# warming up ({args.target} code cache) ...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        for n, neurons in sizes:
            cfg = make_config(n, neurons, 2, args.target)
            run_loop(cfg, Path(tmp) / f"warm{n}x{neurons}")
            net, _ = _brian_network(cfg)
            net.run(1 * b2.ms, namespace={})

    results: dict[str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for n, neurons in sizes:
                key = f"{n}x{neurons}"
                cfg = make_config(n, neurons, args.ticks, args.target)
                loop_s, drives, preps = run_loop(cfg, Path(tmp) / f"run{r}-{key}")
                aer_s, brian_s = run_floor(cfg, drives, preps)
                naive_s = run_naive(cfg, drives[: args.naive_ticks], preps[: args.naive_ticks])
                row = results.setdefault(
                    key, {"loop": [], "aer": [], "brian": [], "floor": [], "naive": []}
                )
                row["loop"].append(loop_s)
                row["aer"].append(aer_s)
                row["brian"].append(brian_s)
                row["floor"].append(aer_s + brian_s)
                row["naive"].append(naive_s)
                ms = {k: v[-1] * 1e3 for k, v in row.items()}
                print(
                    f"# round {r} {key}: loop {ms['loop']:.1f} ms, floor {ms['floor']:.1f} ms "
                    f"(aer {ms['aer']:.1f} + brian2 {ms['brian']:.1f}), naive {ms['naive']:.1f} ms",
                    file=sys.stderr,
                    flush=True,
                )

    print(
        f"\nBrian2 target {args.target}; {args.ticks} ticks (naive {args.naive_ticks}); "
        f"median of {args.rounds} rounds; {platform.machine()}, "
        f"Python {platform.python_version()}\n"
    )
    print(
        "| qubits x neurons | loop ms/tick | floor ms/tick (Aer + Brian2) | naive ms/tick "
        "| loop / floor | naive / loop |"
    )
    print("|---|---|---|---|---|---|")
    summary = {}
    for key, row in results.items():
        med = {k: statistics.median(v) for k, v in row.items()}
        lf = med["loop"] / med["floor"]
        nl = med["naive"] / med["loop"]
        summary[key] = {**med, "loop_over_floor": lf, "naive_over_loop": nl, "rounds": row}
        ms = {k: v * 1e3 for k, v in med.items()}
        print(
            f"| {key} | {ms['loop']:.1f} | {ms['floor']:.1f} ({ms['aer']:.1f} + {ms['brian']:.1f}) "
            f"| {ms['naive']:.1f} | {lf:.2f} | {nl:.1f} |"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2))


if __name__ == "__main__":
    main()
