"""One epoch's parameter-shift gradient: ONE batched backend call against one call per circuit.

    .venv/bin/python bench/gradients.py                 # 8 and 12 qubits, shots and statevector
    .venv/bin/python bench/gradients.py --sizes 8 --rounds 3    # quick look

Per size n: H = sum_{ring} Z_i Z_{i+1} + sum_i 0.5 Z_i Z_{i+n/2} (n/2 chords) - sum_i X_i, one
layer of free angles, so K = 5n/2 terms and the epoch's batch holds 1 + 2K requests
(``orchestrator.physics.parameter_shift.shifted_angles``): 41 at n = 8, 61 at n = 12. The
Aer backend (``backends/quantum/aer``, transpiled once, max_parallel_threads 1) runs them

- batched: ``execute(all requests, seed)``, one call (what the learning rule does);
- per circuit: ``execute([request], seed)`` once per request, one after the other;

then the gradient is assembled from the results (both ways, the same code). Reported: ms per
epoch gradient, median over rounds, and the ratio per-circuit / batched (goal >= 5); and the
same for the backend calls alone (without the estimators). Shots:
1024 per basis, 3 bases (Z, X, Y: every request is measured in every basis, as a tick is);
statevector: exact amplitudes. Setup (imports, transpiling) is excluded.

A second table (shots only): the learning rule's energy-only epoch (issue 15; lambda_N =
lambda_P = 0, loss <H_C> on the cost terms) as it now runs, its batch on an instance measuring
Z^n only (``control/learning_batch.energy_bases``), against the same batch measured in Z, X, Y as
before; both batched, in alternating rounds, each followed by the same assembly of the
gradient of <H_C> from its Z samples.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import sys
import time

import numpy as np

from backends.quantum.aer.backend import AerBackend
from backends.quantum.aer.config import AerConfig
from orchestrator.contract.quantum import QuantumProgram
from orchestrator.physics import measurement
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.parameter_shift import (
    group_gradient,
    shift_derivative,
    shifted_angles,
    term_layout,
)
from orchestrator.physics.statevector import StatevectorEstimator
from orchestrator.physics.tick_io import QuantumRequest


def hamiltonian(n: int) -> PauliHamiltonian:
    terms = [("ZZ", (i, (i + 1) % n), 1.0) for i in range(n)]
    terms += [("ZZ", (i, i + n // 2), 0.5) for i in range(n // 2)]
    terms += [("X", (i,), -1.0) for i in range(n)]
    return PauliHamiltonian.from_terms(n, terms)


def gradient(h, matrix, layout, results, statevector: bool, bases) -> np.ndarray:
    if statevector:
        values = [matrix.estimate(np.asarray(r.statevector)).energy for r in results]
    else:
        values = [measurement.energy_from_samples(h, bases, r.samples) for r in results]
    return group_gradient(shift_derivative(np.array(values), 1, layout.n_terms), layout)


def program_of(h: PauliHamiltonian, layout, statevector: bool) -> QuantumProgram:
    """One layer of free angles over every term of ``h``, measured in its bases."""
    return QuantumProgram(
        hamiltonian=h,
        time=0.0,
        order=1,
        reps=1,
        preserve_order=True,
        bases=measurement.measurement_bases(h),
        want_statevector=statevector,
        layers=1,
        layer_terms=layout.terms,
    )


def bench(n: int, method: str, rounds: int) -> tuple[float, float, float, float, int]:
    h = hamiltonian(n)
    matrix = StatevectorEstimator(h)  # the learning rule's exact estimator
    layout = term_layout(h)
    program = program_of(h, layout, method == "statevector")
    backend = AerBackend(AerConfig(kind="aer", aer={"method": method}, shots=1024), program)
    x = layout.term_angles(np.array([[0.4, 0.3]]))
    theta, phi = np.full(n, np.pi / 2), np.zeros(n)
    requests = [QuantumRequest(theta=theta, phi=phi, evolution=e) for e in shifted_angles(x)]
    sv = method == "statevector"
    batched, single, batched_call, single_calls = [], [], [], []
    backend.execute(requests[:2], 0)  # warm-up
    for r in range(rounds):
        start = time.perf_counter()
        results = backend.execute(requests, r).results
        batched_call.append(time.perf_counter() - start)
        g1 = gradient(h, matrix, layout, results, sv, program.bases)
        batched.append(time.perf_counter() - start)
        start = time.perf_counter()
        results = tuple(backend.execute([q], r).results[0] for q in requests)
        single_calls.append(time.perf_counter() - start)
        g2 = gradient(h, matrix, layout, results, sv, program.bases)
        single.append(time.perf_counter() - start)
        if sv:
            assert np.allclose(g1, g2)
    backend.close()
    ms = [statistics.median(x) * 1e3 for x in (batched, single, batched_call, single_calls)]
    return (*ms, len(requests))


def bench_bases(n: int, rounds: int) -> tuple[float, float, int]:
    """(ms Z, X, Y batch, ms Z-only batch, requests) of one energy-only epoch gradient."""
    from dataclasses import replace

    from orchestrator.control.learning_batch import energy_bases, energy_hamiltonian

    h = hamiltonian(n)
    cost = energy_hamiltonian(h, "cost")
    layout = term_layout(h)
    full = program_of(h, layout, statevector=False)
    only_z = replace(full, bases=energy_bases(cost, full.bases))
    assert only_z.bases == ("Z" * n,)
    config = AerConfig(kind="aer", aer={"method": "automatic"}, shots=1024)
    backends = [AerBackend(config, full), AerBackend(config, only_z)]
    x = layout.term_angles(np.array([[0.4, 0.3]]))
    theta, phi = np.full(n, np.pi / 2), np.zeros(n)
    requests = [QuantumRequest(theta=theta, phi=phi, evolution=e) for e in shifted_angles(x)]
    times: list[list[float]] = [[], []]
    for backend in backends:
        backend.execute(requests[:2], 0)  # warm-up
    for r in range(rounds):
        for k, backend in enumerate(backends):
            start = time.perf_counter()
            results = backend.execute(requests, r).results
            gradient(cost, None, layout, results, False, backend.program.bases)
            times[k].append(time.perf_counter() - start)
    for backend in backends:
        backend.close()
    return statistics.median(times[0]) * 1e3, statistics.median(times[1]) * 1e3, len(requests)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 12])
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args(argv)
    print(f"Python {sys.version.split()[0]}, {platform.machine()}, rounds {args.rounds}")
    print(
        "| n | method | requests | batched ms | per-circuit ms | ratio "
        "| calls only: batched ms | per-circuit ms | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for n in args.sizes:
        for method in ("automatic", "statevector"):
            one, many, call, calls, count = bench(n, method, args.rounds)
            label = "shots 1024 x 3 bases" if method == "automatic" else "statevector"
            print(
                f"| {n} | {label} | {count} | {one:.1f} | {many:.1f} | {many / one:.1f}x "
                f"| {call:.1f} | {calls:.1f} | {calls / call:.1f}x |"
            )
    print("\nEnergy-only epoch on shots (1024), batched: measured in Z, X, Y vs in Z^n only")
    print("| n | requests | Z, X, Y ms | Z only ms | ratio |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        three, one, count = bench_bases(n, args.rounds)
        print(f"| {n} | {count} | {three:.1f} | {one:.1f} | {three / one:.1f}x |")


if __name__ == "__main__":
    main()
