"""Recall accuracy of the §10 quantum memory against a classical Hopfield network (n = 8).

    .venv/bin/python bench/memory_recall.py                    # exact and sampled engines
    .venv/bin/python bench/memory_recall.py --sets 4 --cues 5 --no-sampled

For each number of stored patterns p and of flipped bits k: ``sets`` random sets of p distinct
patterns in {0,1}^n, and for each ``cues`` cues (a stored pattern chosen at random, k distinct
bits flipped). The same patterns and cues go to every method, side by side:

- quantum exact:    ``DensityMatrixMemory`` (overlaps Tr(P_S rho) summed in a fixed order from
                    the evolved state); correct when the recalled pattern (largest overlap;
                    within 1e-9: the first stored, issue 26) is the cue's source
- quantum sampled:  ``SampledMemory`` on Aer, ``--shots`` shots (same criterion; ties in the
                    shot counts go to the first stored pattern)
- Hopfield:         the classical network on the same Hebbian J, asynchronous updates to a
                    fixed point; correct when the fixed point is the source pattern
- Hopfield+nearest: that fixed point decoded to the nearest stored pattern (Hamming)
- nearest:          the cue decoded to the nearest stored pattern (the best any decoder does
                    with uniform flips; ties to the first): a reference, not a memory

Prints one Markdown table (a row per (p, k), a column per method) and the seconds each took.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from backends.quantum.memory_exact.backend import DensityMatrixMemory
from backends.quantum.memory_sampled.backend import SampledMemory
from orchestrator.contract.memory_config import MemoryConfig
from orchestrator.physics.hopfield import hebbian_couplings, hopfield_recall

N = 8


def distinct_patterns(p: int, rng: np.random.Generator) -> np.ndarray:
    while True:
        patterns = rng.integers(0, 2, (p, N)).astype(np.uint8)
        if len({tuple(x) for x in patterns}) == p:
            return patterns


def nearest(patterns: np.ndarray, state: np.ndarray) -> int:
    return int(np.argmin((patterns != state).sum(axis=1)))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patterns", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--flips", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument("--sets", type=int, default=10, help="pattern sets per (p, k)")
    ap.add_argument("--cues", type=int, default=10, help="cues per pattern set")
    ap.add_argument("--sampled-sets", type=int, default=5, help="of those, run sampled on")
    ap.add_argument("--shots", type=int, default=1024)
    ap.add_argument("--no-sampled", action="store_true")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    methods = ["quantum exact", "quantum sampled", "Hopfield", "Hopfield+nearest", "nearest"]
    if args.no_sampled:
        methods.remove("quantum sampled")
    hits = {m: {} for m in methods}
    trials = {m: {} for m in methods}
    seconds = dict.fromkeys(methods, 0.0)
    exact_cfg = MemoryConfig()
    sampled_cfg = MemoryConfig(engine="sampled", purity_bases=0)

    def open_aer(program):
        from backends.quantum.aer.backend import AerBackend
        from backends.quantum.aer.config import AerConfig

        return AerBackend(AerConfig(kind="aer", shots=args.shots), program)

    for p in args.patterns:
        for k in args.flips:
            cell = (p, k)
            for m in methods:
                hits[m][cell] = trials[m][cell] = 0
            for s in range(args.sets):
                patterns = distinct_patterns(p, rng)
                j = hebbian_couplings(patterns)
                sources = rng.integers(0, p, args.cues)
                cues = patterns[sources].copy()
                for c in cues:
                    c[rng.choice(N, k, replace=False)] ^= 1
                start = time.perf_counter()
                exact = DensityMatrixMemory(exact_cfg, N, open_aer)
                exact.load(patterns)
                got = [exact.recall(c.astype(float), 0).index for c in cues]
                seconds["quantum exact"] += time.perf_counter() - start
                hits["quantum exact"][cell] += int(np.sum(np.array(got) == sources))
                trials["quantum exact"][cell] += len(cues)
                if "quantum sampled" in methods and s < args.sampled_sets:
                    start = time.perf_counter()
                    sampled = SampledMemory(sampled_cfg, N, open_aer)
                    sampled.load(patterns)
                    seed = int(rng.integers(2**31))
                    got = [
                        sampled.recall(c.astype(float), seed + i).index
                        for i, c in enumerate(cues)
                    ]
                    sampled.close()
                    seconds["quantum sampled"] += time.perf_counter() - start
                    hits["quantum sampled"][cell] += int(np.sum(np.array(got) == sources))
                    trials["quantum sampled"][cell] += len(cues)
                start = time.perf_counter()
                fixed = [hopfield_recall(j, c, rng) for c in cues]
                seconds["Hopfield"] += time.perf_counter() - start
                for c, f, src in zip(cues, fixed, sources):
                    hits["Hopfield"][cell] += int(np.array_equal(f, patterns[src]))
                    hits["Hopfield+nearest"][cell] += int(nearest(patterns, f) == src)
                    hits["nearest"][cell] += int(nearest(patterns, c) == src)
                for m in ("Hopfield", "Hopfield+nearest", "nearest"):
                    trials[m][cell] += len(cues)

    print(f"n = {N}; accuracy: the fraction of cues recalled correctly\n")
    counts = " / ".join(f"{m} {trials[m][(args.patterns[0], args.flips[0])]}" for m in methods)
    print(f"trials per cell: {counts}\n")
    print("| p | k | " + " | ".join(methods) + " |")
    print("|---|---|" + "---|" * len(methods))
    for p in args.patterns:
        for k in args.flips:
            cells = [f"{hits[m][(p, k)] / trials[m][(p, k)]:.2f}" for m in methods]
            print(f"| {p} | {k} | " + " | ".join(cells) + " |")
    print("\nseconds: " + ", ".join(f"{m} {seconds[m]:.1f}" for m in methods))

if __name__ == "__main__":
    main()
