"""What one PSN step costs (spec §9): the O(N) step through the order parameter against the
spec's O(N^2) loop, measured side by side in one run of this script.

    .venv/bin/python bench/psn.py                                 # N = 10^3, 10^4, 10^5
    .venv/bin/python bench/psn.py --sizes 1000,10000 --rounds 1   # quick look

Per N, four ways of advancing N phases by one step dt (one dense random state, omega ~ N(0,1)):

- spec loop: the spec's sample code written faithfully in Python loops (lists and math.sin,
  phi_i updated in place inside the loop over i; one Euler step, no omega, as in the spec).
  Run only for N <= --python-max-n (default 10^4: about 20 s per step there); above it the
  table says "not run" and a footnote gives the N^2 extrapolation from the largest measured N,
  marked as such.
- numpy O(N^2): the double sum sum_j sin(phi_j - phi_i) for every pair, vectorised over row
  chunks of about 32 MB, every i from the same old phases (Jacobi), one Euler step.
- O(N) Euler: ``kuramoto.velocity`` (order parameter) and one Euler update: the same work as
  the spec's step without its order dependence.
- O(N) RK4: ``kuramoto.rk4_step``, four velocity evaluations: what the PSN uses.

Reported: ms per step (median over samples, each sample >= 50 ms of back-to-back
calls; a method whose samples exceed --budget-s is timed once), and the ratios spec loop /
O(N) RK4 and numpy O(N^2) / O(N) RK4 (goal from issue 11: >= 100x at N = 10^4). Two checks
ride along: the largest |v_O(N^2) - v_O(N)| (the identity, expected at rounding level), and
the largest |spec in-place step - Jacobi Euler step| (how far the spec's in-place update moves
the result, at the smallest N).
"""

from __future__ import annotations

import argparse
import json
import math
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from orchestrator.physics import kuramoto

K, DT = 2.0, 0.01
CHUNK_FLOATS = 4_000_000  # 32 MB of float64 per row chunk of the dense double sum


def spec_loop_step(phases: list[float], k: float, dt: float) -> None:
    """The spec's ``synchronize_phases`` (§9), line for line: in place, O(N^2), order-dependent."""
    n = float(len(phases))
    delta = [0.0] * len(phases)
    for i in range(len(phases)):
        for j in range(len(phases)):
            delta[i] += math.sin(phases[j] - phases[i])
        phases[i] += (k / n) * delta[i] * dt


def dense_velocity(phi: np.ndarray, omega: np.ndarray, k: float) -> np.ndarray:
    """omega_i + (K/N) sum_j sin(phi_j - phi_i) over every pair, in row chunks (O(N^2))."""
    n = phi.size
    rows = max(1, CHUNK_FLOATS // n)
    buf = np.empty((min(rows, n), n))
    out = np.empty(n)
    for a in range(0, n, rows):
        b = min(n, a + rows)
        block = buf[: b - a]
        np.subtract(phi[None, :], phi[a:b, None], out=block)
        np.sin(block, out=block)
        out[a:b] = block.sum(axis=1)
    return omega + (k / n) * out


def dense_euler_step(
    phi: np.ndarray, omega: np.ndarray, k: float, dt: float
) -> tuple[np.ndarray, np.ndarray]:
    """(phases after one Jacobi Euler step, the velocities) through the O(N^2) double sum."""
    v = dense_velocity(phi, omega, k)
    return phi + dt * v, v


def time_it(fn: Callable[[], object], rounds: int, budget_s: float) -> tuple[float, int, object]:
    """(median seconds per call, samples, the first call's result). A sample times enough
    back-to-back calls to last >= 50 ms; ``rounds`` samples, fewer once ``budget_s`` is spent
    (at least one)."""
    t0 = time.perf_counter()
    result = fn()
    first = time.perf_counter() - t0
    inner = max(1, math.ceil(0.05 / max(first, 1e-9)))
    times: list[float] = [] if inner > 1 else [first]
    spent = first
    while len(times) < rounds and (not times or spent < budget_s):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        elapsed = time.perf_counter() - t0
        times.append(elapsed / inner)
        spent += elapsed
    return statistics.median(times), len(times), result


def measure(n: int, args: argparse.Namespace, order_check: bool) -> dict:
    """One N: every method's (median s per step, samples) and the two checks."""
    rng = np.random.default_rng(n)
    phi, omega = rng.uniform(0.0, 2.0 * np.pi, n), rng.normal(0.0, 1.0, n)
    row: dict = {"n": n}
    row["rk4"] = time_it(lambda: kuramoto.rk4_step(phi, omega, K, DT), args.rounds, 1.0)[:2]
    row["euler"] = time_it(
        lambda: phi + DT * kuramoto.velocity(phi, omega, K), args.rounds, 1.0
    )[:2]
    print(f"# N={n}: O(N) done; numpy O(N^2) ...", file=sys.stderr, flush=True)
    *row["dense"], (_, v_dense) = time_it(
        lambda: dense_euler_step(phi, omega, K, DT), args.rounds, args.budget_s
    )
    v_fast = kuramoto.velocity(phi, omega, K)
    row["identity_err"] = float(np.abs(v_dense - v_fast).max())
    if n <= args.python_max_n:
        print(f"# N={n}: spec loop ...", file=sys.stderr, flush=True)
        start = phi.tolist()
        row["spec"] = time_it(
            lambda: spec_loop_step(list(start), K, DT), args.rounds, args.budget_s
        )[:2]
        if order_check:
            moved = list(start)
            spec_loop_step(moved, K, DT)
            jacobi = dense_euler_step(phi, np.zeros(n), K, DT)[0]
            row["order_effect"] = float(np.abs(np.array(moved) - jacobi).max())
    print(f"# N={n}: {row}", file=sys.stderr, flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="comma-separated N")
    parser.add_argument("--python-max-n", type=int, default=10_000, help="largest N for the loop")
    parser.add_argument("--rounds", type=int, default=5, help="calls per method (median)")
    parser.add_argument("--budget-s", type=float, default=10.0, help="stop repeating after this")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]

    rows = {n: measure(n, args, order_check=n == min(sizes)) for n in sizes}
    measured_spec = [n for n in sizes if "spec" in rows[n]]
    print(f"\n`python {' '.join(sys.argv)}`\n")
    print(
        f"K = {K}, dt = {DT}; ms per step, median of up to {args.rounds} samples (samples in "
        f"brackets; a sample times >= 50 ms of back-to-back calls); numpy {np.__version__}, "
        f"{platform.machine()}, Python {platform.python_version()}. "
        "Every figure measured unless marked †.\n"
    )
    print(
        "| N | spec loop (Python, in place) | numpy O(N^2) (chunked) | O(N) Euler | O(N) RK4 "
        "| spec loop / O(N) RK4 | numpy O(N^2) / O(N) RK4 | max abs(v_N^2 - v_N) |"
    )
    print("|---|---|---|---|---|---|---|---|")
    footnotes = []
    for n in sizes:
        row = rows[n]
        ms = {k: row[k][0] * 1e3 for k in ("rk4", "euler", "dense")}
        calls = {k: row[k][1] for k in ("rk4", "euler", "dense")}
        if "spec" in row:
            spec_ms = row["spec"][0] * 1e3
            spec_cell = f"{spec_ms:,.0f} [{row['spec'][1]}]"
            spec_ratio = f"{spec_ms / ms['rk4']:,.0f}x"
        elif measured_spec:
            ref = max(measured_spec)
            extrap = rows[ref]["spec"][0] * 1e3 * (n / ref) ** 2
            spec_cell = "not run"
            spec_ratio = f"~{extrap / ms['rk4']:,.0f}x †"
            footnotes.append(
                f"† N = {n}: spec loop not run; N^2 extrapolation from the measured N = {ref}: "
                f"~{extrap / 1e3:.3g} s per step."
            )
        else:
            spec_cell, spec_ratio = "not run", "—"
        print(
            f"| {n:,} | {spec_cell} | {ms['dense']:,.1f} [{calls['dense']}] "
            f"| {ms['euler']:.3f} [{calls['euler']}] | {ms['rk4']:.3f} [{calls['rk4']}] "
            f"| {spec_ratio} | {ms['dense'] / ms['rk4']:,.0f}x | {row['identity_err']:.1e} |"
        )
    for line in footnotes:
        print(f"\n{line}")
    for n in sizes:
        if "order_effect" in rows[n]:
            print(
                f"\nOrder dependence of the spec's in-place update at N = {n}: its step differs "
                f"from the Jacobi Euler step by up to {rows[n]['order_effect']:.1e} rad "
                f"(dt = {DT}, K = {K})."
            )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({str(n): r for n, r in rows.items()}, indent=2))


if __name__ == "__main__":
    main()
