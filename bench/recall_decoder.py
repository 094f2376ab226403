"""Control of issue 22 (item 4): §10 quantum recall against a classical one-step decoder.

    .venv/bin/python bench/recall_decoder.py                 # design §11's table, n = 8
    .venv/bin/python bench/recall_decoder.py --sets 4 --cues 5

Design §11's recall table (``bench/memory_recall.py``) compares the quantum memory with
Hopfield dynamics. On a basis cue the exact engine computes one synchronous, soft Hebbian step
(design §11: P(bit i = 1) = (1 + sin(2 t h_i))/2, h = J s / ||J||) and decodes it to the most
likely stored pattern. The control here is the classical decoder that does the same without
a quantum register:

- decoder (field)  the stored pattern xi (as spins) best correlated with one Hebbian step of
                   the cue, argmax_mu xi_mu . (J s) (every xi has norm sqrt(n), so the dot
                   product ranks as the correlation does); ties to the first stored pattern,
                   as the quantum engine's;
- decoder (sign)   the same step hardened, s' = sign(J s) (a zero field keeps the cue's bit),
                   decoded to the nearest stored pattern in Hamming distance (ties first).

For each cell (p stored random patterns, k flipped bits) of design §11's table: ``sets``
random sets of p distinct patterns, ``cues`` cues each (a stored pattern chosen at random, k
distinct bits flipped; drawn from ``default_rng(seed)`` as in ``memory_recall.py``, though
not the same draws: that script's rng also feeds its Hopfield updates). The exact engine
(``DensityMatrixMemory``, the real §10 code path) and both decoders see the same cues. Prints
per cell: accuracies, quantum minus decoder (field) with a 95 % bootstrap CI that resamples the
pattern SETS of the cell (cues of one set share a J: a cluster bootstrap, 10,000 resamples,
``default_rng(0)``), and how many cues the two decide differently; then the same pooled over
all cells.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from backends.quantum.memory_exact.backend import DensityMatrixMemory  # noqa: E402
from bench.memory_recall import N, distinct_patterns  # noqa: E402  (design §11's table's draw)
from orchestrator.contract.memory_config import MemoryConfig  # noqa: E402
from orchestrator.physics.hopfield import hebbian_couplings, spins  # noqa: E402


def decode_field(j: np.ndarray, patterns: np.ndarray, cue: np.ndarray) -> int:
    h = j @ spins(cue)
    scores = spins(patterns) @ h
    return int(np.flatnonzero(scores >= scores.max() - 1e-9)[0])


def decode_sign(j: np.ndarray, patterns: np.ndarray, cue: np.ndarray) -> int:
    s = spins(cue)
    h = j @ s
    stepped = np.where(h > 0, 1.0, np.where(h < 0, -1.0, s))
    return int(np.argmin((spins(patterns) != stepped).sum(axis=1)))


def cluster_ci(diff_by_set: list[np.ndarray], resamples: int = 10_000) -> tuple[float, float]:
    """95 % bootstrap CI of the mean per-cue difference, resampling whole sets."""
    rng = np.random.default_rng(0)
    sums = np.array([d.sum() for d in diff_by_set])
    sizes = np.array([d.size for d in diff_by_set])
    pick = rng.integers(0, len(sums), size=(resamples, len(sums)))
    means = sums[pick].sum(axis=1) / sizes[pick].sum(axis=1)
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--patterns", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    ap.add_argument("--flips", type=int, nargs="+", default=[0, 1, 2, 3])
    ap.add_argument("--sets", type=int, default=10, help="pattern sets per (p, k)")
    ap.add_argument("--cues", type=int, default=10, help="cues per pattern set")
    ap.add_argument("--seed", type=int, default=2024)
    args = ap.parse_args()

    rng = np.random.default_rng(args.seed)
    config = MemoryConfig()
    started = time.perf_counter()
    pooled: list[np.ndarray] = []
    totals = {"quantum": 0, "field": 0, "sign": 0, "cues": 0, "differ": 0}
    print(f"n = {N}; {args.sets} pattern sets x {args.cues} cues per cell; accuracy = fraction"
          " of cues recalled as their source pattern\n")
    print("| p | k | quantum exact | decoder (field) | decoder (sign) | quantum - decoder "
          "(field) [95% CI] | cues decided differently |")
    print("|---|---|---|---|---|---|---|")
    worst = 0.0
    for p in args.patterns:
        for k in args.flips:
            by_set: list[np.ndarray] = []
            hits = {"quantum": 0, "field": 0, "sign": 0}
            differ = 0
            for _ in range(args.sets):
                patterns = distinct_patterns(p, rng)
                j = hebbian_couplings(patterns)
                sources = rng.integers(0, p, args.cues)
                cues = patterns[sources].copy()
                for c in cues:
                    c[rng.choice(N, k, replace=False)] ^= 1
                memory = DensityMatrixMemory(config, N, lambda program: None)
                memory.load(patterns)
                quantum = np.array([memory.recall(c.astype(float), 0).index for c in cues])
                field = np.array([decode_field(j, patterns, c) for c in cues])
                sign = np.array([decode_sign(j, patterns, c) for c in cues])
                q_ok, f_ok = quantum == sources, field == sources
                hits["quantum"] += int(q_ok.sum())
                hits["field"] += int(f_ok.sum())
                hits["sign"] += int((sign == sources).sum())
                differ += int((quantum != field).sum())
                by_set.append(q_ok.astype(float) - f_ok.astype(float))
            trials = args.sets * args.cues
            d = np.concatenate(by_set)
            lo, hi = cluster_ci(by_set)
            worst = max(worst, abs(float(d.mean())))
            pooled += by_set
            for key in hits:
                totals[key] += hits[key]
            totals["cues"] += trials
            totals["differ"] += differ
            print(f"| {p} | {k} | {hits['quantum'] / trials:.2f} | {hits['field'] / trials:.2f}"
                  f" | {hits['sign'] / trials:.2f} | {d.mean():+.3f} [{lo:+.3f}, {hi:+.3f}] |"
                  f" {differ} of {trials} |")
    d = np.concatenate(pooled)
    lo, hi = cluster_ci(pooled)
    c = totals["cues"]
    print(f"\npooled over {c} cues: quantum {totals['quantum'] / c:.4f}, decoder (field) "
          f"{totals['field'] / c:.4f}, decoder (sign) {totals['sign'] / c:.4f}; quantum - "
          f"decoder (field) {d.mean():+.4f} [{lo:+.4f}, {hi:+.4f}] (sets resampled); decided "
          f"differently on {totals['differ']} of {c} cues; largest |difference| in a cell "
          f"{worst:.3f}")
    print(f"seconds: {time.perf_counter() - started:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
