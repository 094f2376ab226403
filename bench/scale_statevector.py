"""Issue 10, quantum half: per-tick time and peak memory at hardware sizes, each size in a fresh
process (so ``ru_maxrss`` is that size's own peak).

    .venv/bin/python bench/scale_statevector.py statevector 16 20 24      # loop vs Aer alone
    .venv/bin/python bench/scale_statevector.py mps 32 48                 # Aer MPS, shots
    .venv/bin/python bench/scale_statevector.py ibm 16 32 64 127          # IBM per-tick work
    .venv/bin/python bench/scale_statevector.py statevector 28 --json bench/results/x.json
    .venv/bin/python bench/scale_statevector.py threads 24 26 --rounds 3  # issue 25 item 2
    .venv/bin/python bench/scale_statevector.py threads 24 --base b5e3f08  # and main's estimator

Rows (one JSON line per size on stdout, a table at the end):

- ``statevector n``: the weighted Ising ring + chords of ``bench/tick_overhead.py`` (Suzuki-2,
  2 reps, dt 0.25), Aer ``method: statevector``, 2n Brian2 neurons (numpy target), through
  ``orchestrator.run.runner.execute`` (the loop with its checkpoints, ledger and CSV): seconds
  per tick in steady state (between tick ends; the first tick's setup left out) and the Aer
  call inside the loop; then, in ANOTHER fresh process, the Aer call alone: the same backend
  object (same transpiled circuit, same method, one thread) called back to back on the loop's
  first preparation. Peak memory: ``ru_maxrss`` of each process (the run's writer process is a
  child: reported apart), and the baseline before the first quantum call, against one
  statevector (2^n x 16 bytes).
- ``threads n``: issue 25's second core, side by side: the ``statevector n`` loop with the
  estimators on one thread, the same loop with them on every CPU (the default), and Aer alone,
  each in its own fresh process, the three alternating for ``--rounds`` rounds (a shared
  machine's load falls on all three alike); medians of the per-round medians, the ratios of
  each loop to Aer alone (target: threaded <= 1.15) and the 1-minute load average
  (``os.getloadavg``) at the start of every process. ``--base REV`` adds a fourth arm: the
  loop (every CPU) with the estimator module ``orchestrator/physics/statevector.py`` of git
  revision REV (side by side with today's, same bits, other speed). Beside each arm's wall
  seconds per tick: its process CPU seconds per tick (every thread's), and the loops' Aer call.
- ``mps n``: a TFIM chain (J = 1, h = 0.5, dt 0.1, one Suzuki-2 step), Aer
  ``matrix_product_state``, 1024 shots x 3 bases, through ``execute``: weakly entangling (a
  product state evolved for 0.1 each tick).
- ``ibm n``: ``IbmBackend`` on the FakeSherbrooke snapshot with H on the device's own coupling
  map restricted to qubits 0..n-1 (ZZ on each edge, X on each qubit; layout q -> q, so no
  routing): the one-time transpile, then per tick what the backend and the loop do around a
  job -- bind the angles into every ISA circuit (the sampler's binding, done here), decode 1024
  shots per basis, and the loop's estimators (Bloch vectors, <H>, H_coh, psi) -- with the
  noisy simulation left out (at 127 qubits it is what limits a local run: the runtime's local
  sampler simulates the cut noise model of every used qubit). Samples are random bits.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from orchestrator.run.hooks import RunHooks

ROOT = Path(__file__).resolve().parents[1]


def peak_gib(who: int = resource.RUSAGE_SELF) -> float:
    return resource.getrusage(who).ru_maxrss / 2**20  # KiB on Linux


def ring_config(n: int, ticks: int) -> Any:
    from orchestrator.config import validate_config

    edges = [[i, (i + 1) % n, 1.0] for i in range(n)] + [
        [i, (i + n // 2) % n, 0.5] for i in range(n // 2)
    ]
    return validate_config(
        {
            "hamiltonian": {"kind": "ising", "edges": edges, "transverse_field": 1.0},
            "quantum": {"kind": "aer", "aer": {"method": "statevector"}},
            "spiking": {
                "kind": "brian2",
                "neurons": 2 * n,
                "tick_ms": 10.0,
                "recurrent": {"p": 0.1, "weight_mv": 0.2},
                "brian2": {"codegen_target": "numpy"},
            },
            "pci": {"drive_offset_mv": 15.0},
            "trotter": {"order": 2, "reps": 2, "dt": 0.25},
            "safety": {"max_qubits": n},
            "run": {"ticks": ticks, "seed": 1},
        }
    )


def run_loop(cfg: Any) -> dict[str, Any]:
    from orchestrator.run.runner import execute

    stamps: list[float] = []
    cpu: list[float] = []
    inside: list[float] = []

    def on_tick(record: Any, done: int, total: int) -> None:
        stamps.append(time.perf_counter())
        cpu.append(time.process_time())
        inside.append(record.quantum.seconds)

    with tempfile.TemporaryDirectory() as tmp:
        result = execute(cfg, Path(tmp) / "run", hooks=RunHooks(on_tick=on_tick), draw_report=False)
    ticks = np.diff(stamps)
    return {
        "status": result.status,
        "tick_s": float(np.median(ticks)),
        "ticks_s": [round(float(t), 4) for t in ticks],
        "tick_cpu_s": float(np.median(np.diff(cpu))),
        "aer_in_loop_s": float(np.median(inside[1:])),
    }


def base_estimator(path: str) -> Any:
    """The estimator module stored at ``path`` (another revision's statevector.py), put in
    place of today's in the loop."""
    import importlib.util

    from orchestrator.run import loop

    spec = importlib.util.spec_from_file_location("base_statevector", path)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules["base_statevector"] = module
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    loop.StatevectorEstimator = module.StatevectorEstimator  # type: ignore[attr-defined]
    return module


def child_statevector(
    n: int, ticks: int, alone: bool, workers: int = 0, base: str | None = None
) -> dict[str, Any]:
    cfg = ring_config(n, ticks)
    from orchestrator.physics import statevector

    modules = [statevector] if base is None else [base_estimator(base)]
    if workers:  # the estimators' thread count (0: the default, every CPU)
        for module in modules:
            module.available_cpus = lambda: workers  # type: ignore[attr-defined]
    if not alone:
        import brian2  # noqa: F401  (the run's imports, in the baseline)
        import qiskit_aer  # noqa: F401

        base = peak_gib()
        out = run_loop(cfg)
        return {"n": n, "base_gib": base, **out}
    from backends.quantum.aer.backend import AerBackend
    from orchestrator.run.assemble import build_program
    from orchestrator.run.preparation import initial_preparation

    backend = AerBackend(cfg.quantum, build_program(cfg))
    request = initial_preparation(cfg, n)
    base = peak_gib()
    calls = []
    cpu = []
    for k in range(ticks):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = backend.execute([request], k)
        calls.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        del result  # the loop does not keep the previous tick's amplitudes either
    return {
        "n": n,
        "base_gib": base,
        "aer_alone_s": float(np.median(calls[1:] if len(calls) > 1 else calls)),
        "aer_alone_cpu_s": float(np.median(cpu[1:] if len(cpu) > 1 else cpu)),
        "calls_s": [round(c, 4) for c in calls],
    }


def child_mps(n: int, ticks: int) -> dict[str, Any]:
    from orchestrator.config import validate_config

    cfg = validate_config(
        {
            "hamiltonian": {"kind": "tfim", "n_qubits": n, "j": 1.0, "h": 0.5},
            "quantum": {"kind": "aer", "aer": {"method": "matrix_product_state"}, "shots": 1024},
            "spiking": {
                "kind": "brian2",
                "neurons": 2 * n,
                "tick_ms": 10.0,
                "recurrent": {"p": 0.1, "weight_mv": 0.5},
                "brian2": {"codegen_target": "numpy"},
            },
            "pci": {"drive_offset_mv": 15.0},
            "trotter": {"order": 2, "reps": 1, "dt": 0.1},
            "safety": {"max_qubits": n},
            "run": {"ticks": ticks, "seed": 1},
        }
    )
    return {"n": n, **run_loop(cfg)}


def child_ibm(n: int, ticks: int) -> dict[str, Any]:
    from qiskit.primitives.containers import BitArray, DataBin, PrimitiveResult, SamplerPubResult

    from backends.quantum.common.fake_devices import load_fake
    from backends.quantum.ibm.backend import IbmBackend
    from backends.quantum.ibm.config import IbmConfig
    from backends.quantum.ibm.runtime import RuntimeJob
    from orchestrator.contract.quantum import QuantumProgram
    from orchestrator.physics import coherence, measurement, pci
    from orchestrator.physics.hamiltonian import PauliHamiltonian
    from orchestrator.physics.tick_io import QuantumRequest

    device = load_fake("fake_sherbrooke")
    edges = sorted({tuple(sorted(e)) for e in device.coupling_map.get_edges() if max(e) < n})
    terms = [("ZZ", e, 1.0) for e in edges] + [("X", (q,), 0.7) for q in range(n)]
    h = PauliHamiltonian.from_terms(n, terms)
    bases = measurement.measurement_bases(h)
    program = QuantumProgram(h, 0.25, 2, 1, True, bases, ticks=ticks)
    config = IbmConfig.model_validate(
        {
            "kind": "ibm",
            "device": "fake_sherbrooke",
            "shots": 1024,
            "initial_layout": list(range(n)),
        }
    )
    start = time.perf_counter()
    backend = IbmBackend(config, program)
    build_s = time.perf_counter() - start
    rng = np.random.default_rng(0)
    shots = config.shots

    class Job(RuntimeJob):  # what the device would return: one BitArray per pub
        def __init__(self, pubs: list[Any]) -> None:
            # the sampler binds each pub's values into its ISA circuit before running it
            for circuit, values in pubs:
                circuit.assign_parameters(values)
            self._result = PrimitiveResult(
                [
                    SamplerPubResult(
                        DataBin(
                            meas=BitArray.from_bool_array(
                                rng.random((shots, n)) < 0.5, order="little"
                            )
                        )
                    )
                    for _ in pubs
                ]
            )

        def job_id(self) -> str:
            return "bench"

        def result(self, timeout: float | None) -> Any:
            return self._result

        def usage(self) -> float | None:
            return None

    samples_s: list[float] = []

    def submit(pubs: list[Any], shots_: int, seed: int) -> RuntimeJob:
        start = time.perf_counter()
        job = Job(pubs)
        samples_s.append(time.perf_counter() - start)
        return job

    backend._client.submit = submit  # type: ignore[method-assign]  # no noisy simulation
    request = QuantumRequest(theta=np.full(n, 1.2), phi=np.full(n, 0.3))
    per_tick = []
    for k in range(ticks):
        start = time.perf_counter()
        measured = backend.execute([request], k).results[0]
        bloch = measurement.bloch_from_samples(measured.samples, measured.readout)
        measurement.energy_from_samples(h, bases, measured.samples, measured.readout)
        coherence.entropy(measurement.z_probabilities_from_samples(measured.samples[0]), shots)
        pci.amplitudes_from_bloch(bloch)
        per_tick.append(time.perf_counter() - start)
    backend.close()
    tick = float(np.median(per_tick[1:]))
    random_bits = float(np.median(samples_s[1:]))
    return {
        "n": n,
        "edges": len(edges),
        "bases": len(bases),
        "transpile_once_s": build_s,
        "tick_s": tick,
        "bind_and_fake_bits_s": random_bits,
        "depth": backend._measured[0].depth(),
    }


def spawn(
    kind: str, n: int, ticks: int, alone: bool = False, workers: int = 0, base: str | None = None
) -> dict[str, Any]:
    args = [sys.executable, __file__, "--child", kind, str(n), str(ticks)]
    if alone:
        args.append("--alone")
    if workers:
        args += ["--workers", str(workers)]
    if base is not None:
        args += ["--base", base]
    out = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, check=False)
    if out.returncode != 0:
        return {"n": n, "error": out.stderr.strip().splitlines()[-1:]}
    return json.loads(out.stdout.strip().splitlines()[-1])


def default_ticks(kind: str, n: int) -> int:
    if kind == "statevector":
        return 6 if n <= 20 else 4 if n <= 24 else 3
    return 6


def base_file(rev: str) -> str:
    """``orchestrator/physics/statevector.py`` of git revision ``rev``, in a temporary file."""
    from statevector_revisions import revision_file  # bench/ is this script's sys.path[0]

    return str(revision_file(rev))


def threads(
    sizes: list[int], ticks: int | None, rounds: int, base: str | None = None
) -> list[dict[str, Any]]:
    """Issue 25 item 2: loop (estimators on 1 thread), loop (every CPU), Aer alone, alternating
    (and the loop with revision ``base``'s estimator, every CPU)."""
    import os

    arms: dict[str, tuple[bool, int, str | None]] = {
        "loop_1_thread": (False, 1, None),
        "loop_all_cpus": (False, 0, None),
        "aer_alone": (True, 0, None),
    }
    if base is not None:
        arms["base_all_cpus"] = (False, 0, base_file(base))
    rows = []
    for n in sizes:
        count = ticks or default_ticks("statevector", n)
        seen: dict[str, list[float]] = {arm: [] for arm in arms}
        cpu: dict[str, list[float]] = {arm: [] for arm in arms}
        aer: dict[str, list[float]] = {arm: [] for arm in arms if not arms[arm][0]}
        loads: list[float] = []
        for _ in range(rounds):
            for arm, (alone, workers, path) in arms.items():
                loads.append(os.getloadavg()[0])
                out = spawn("statevector", n, count, alone=alone, workers=workers, base=path)
                if "error" in out:
                    raise SystemExit(f"{arm} n={n}: {out['error']}")
                seen[arm].append(out["aer_alone_s"] if alone else out["tick_s"])
                cpu[arm].append(out["aer_alone_cpu_s"] if alone else out["tick_cpu_s"])
                if not alone:
                    aer[arm].append(out["aer_in_loop_s"])
        med = {arm: float(np.median(v)) for arm, v in seen.items()}
        row = {
            "n": n,
            "ticks": count,
            "rounds": rounds,
            "cpus": len(os.sched_getaffinity(0)),
            **{f"{arm}_s": med[arm] for arm in arms},
            **{f"{arm}_rounds_s": [round(x, 3) for x in v] for arm, v in seen.items()},
            **{f"{arm}_cpu_s": float(np.median(v)) for arm, v in cpu.items()},
            **{f"{arm}_rounds_cpu_s": [round(x, 3) for x in v] for arm, v in cpu.items()},
            **{f"{arm}_aer_in_loop_s": float(np.median(v)) for arm, v in aer.items()},
            "one_thread_over_aer": med["loop_1_thread"] / med["aer_alone"],
            "all_cpus_over_aer": med["loop_all_cpus"] / med["aer_alone"],
            "all_cpus_over_one_thread": med["loop_all_cpus"] / med["loop_1_thread"],
            "load_1min": [round(x, 2) for x in loads],
        }
        if base is not None:
            row["base_over_aer"] = med["base_all_cpus"] / med["aer_alone"]
            row["all_cpus_over_base"] = med["loop_all_cpus"] / med["base_all_cpus"]
        print(json.dumps(row), flush=True)
        rows.append(row)
    head = f"{'n':>3} {'1 thread s':>10} {'all CPUs s':>10} {'Aer alone s':>11}"
    print(head + f" {'1thr/Aer':>8} {'all/Aer':>8} {'all/1thr':>8}  load (1 min) per process")
    for r in rows:
        print(
            f"{r['n']:>3} {r['loop_1_thread_s']:>10.3f} {r['loop_all_cpus_s']:>10.3f} "
            f"{r['aer_alone_s']:>11.3f} {r['one_thread_over_aer']:>8.2f} "
            f"{r['all_cpus_over_aer']:>8.2f} {r['all_cpus_over_one_thread']:>8.2f}  "
            f"{min(r['load_1min']):.1f}-{max(r['load_1min']):.1f}"
        )
        cpus = "  ".join(f"{arm} {r[arm + '_cpu_s']:.3f}" for arm in arms)
        print(f"    CPU s per tick: {cpus}")
        if base is not None:
            print(
                f"    base (every CPU) {r['base_all_cpus_s']:.3f} s, {r['base_over_aer']:.2f} x "
                f"Aer alone; today / base {r['all_cpus_over_base']:.2f}"
            )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("kind", choices=["statevector", "threads", "mps", "ibm"])
    parser.add_argument("sizes", type=int, nargs="+")
    parser.add_argument("--ticks", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=3, help="threads: alternating rounds")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--base", default=None, help="threads: also the loop with this git revision's estimator"
    )
    args = parser.parse_args()
    if args.kind == "threads":
        rows = threads(args.sizes, args.ticks, args.rounds, args.base)
        if args.json is not None:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"kind": "threads", "rows": rows}, indent=1))
        return
    rows = []
    for n in args.sizes:
        ticks = args.ticks or default_ticks(args.kind, n)
        row = spawn(args.kind, n, ticks)
        if args.kind == "statevector" and "error" not in row:
            alone = spawn("statevector", n, ticks, alone=True)
            sv = 2**n * 16 / 2**30
            row.update(
                {
                    "sv_gib": sv,
                    "aer_alone_s": alone.get("aer_alone_s"),
                    "aer_calls_s": alone.get("calls_s"),
                    "aer_alone_peak_gib": alone.get("peak_gib"),
                    "aer_alone_base_gib": alone.get("base_gib"),
                }
            )
            if alone.get("aer_alone_s"):
                row["tick_over_aer"] = row["tick_s"] / alone["aer_alone_s"]
            row["peak_over_sv"] = row["peak_gib"] / sv
            row["above_base_over_sv"] = (row["peak_gib"] - row["base_gib"]) / sv
        print(json.dumps(row), flush=True)
        rows.append(row)
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"kind": args.kind, "rows": rows}, indent=1))


def child(kind: str, n: int, ticks: int, alone: bool, workers: int, base: str | None) -> None:
    if kind == "statevector":
        row = child_statevector(n, ticks, alone, workers, base)
    elif kind == "mps":
        row = child_mps(n, ticks)
    else:
        row = child_ibm(n, ticks)
    row["peak_gib"] = peak_gib()
    row["children_peak_gib"] = peak_gib(resource.RUSAGE_CHILDREN)
    print(json.dumps(row), flush=True)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        workers = int(sys.argv[sys.argv.index("--workers") + 1]) if "--workers" in sys.argv else 0
        base = sys.argv[sys.argv.index("--base") + 1] if "--base" in sys.argv else None
        child(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), "--alone" in sys.argv, workers, base)
    else:
        main()
