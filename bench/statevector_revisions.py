"""The exact statevector estimator of another revision against this one, side by side.

    .venv/bin/python bench/statevector_revisions.py 35e3682 --sizes 8 12 16 --reps 30

Loads ``orchestrator/physics/statevector.py`` as it was at REV (``git show``) next to this
checkout's, builds both for the same Hamiltonian (the weighted Ising ring + n/2 chords and a
transverse field of ``bench/scale_statevector.py``) and times ``estimate`` on the same random
state, alternating the two call by call, ``--reps`` times each. Prints a Markdown table: the
median ms of each, their ratio (this / REV), and the largest differences of the estimates (the
two sum in different orders: issue 26 replaced BLAS dot products by fixed-order sums).
"""

from __future__ import annotations

import argparse
import importlib.util
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from orchestrator.physics.hamiltonian import PauliHamiltonian  # noqa: E402
from orchestrator.physics.statevector import StatevectorEstimator  # noqa: E402


def revision_file(rev: str) -> Path:
    """``orchestrator/physics/statevector.py`` of git revision ``rev``, in a temporary file."""
    source = subprocess.run(
        ["git", "show", f"{rev}:orchestrator/physics/statevector.py"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    path = Path(tempfile.mkdtemp()) / "statevector_at_rev.py"
    path.write_text(source)
    return path


def load_revision(rev: str) -> type:
    """StatevectorEstimator as it was at ``rev``."""
    path = revision_file(rev)
    spec = importlib.util.spec_from_file_location("statevector_at_rev", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["statevector_at_rev"] = module
    spec.loader.exec_module(module)
    return module.StatevectorEstimator


def hamiltonian(n: int) -> PauliHamiltonian:
    rng = np.random.default_rng(n)
    edges = [(i, (i + 1) % n, float(rng.uniform(0.5, 1.5))) for i in range(n)]
    edges += [(i, (i + n // 2) % n, float(rng.uniform(0.5, 1.5))) for i in range(n // 2)]
    terms = [("ZZ", (i, j), w) for i, j, w in edges] + [("X", (i,), -1.0) for i in range(n)]
    return PauliHamiltonian.from_terms(n, terms)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("rev", help="the other revision, e.g. 35e3682")
    parser.add_argument("--sizes", type=int, nargs="+", default=[8, 12, 16])
    parser.add_argument("--reps", type=int, default=30)
    args = parser.parse_args()
    other = load_revision(args.rev)
    print(f"| qubits | {args.rev}, ms | this, ms | this / {args.rev} | max diff <H>, r, H_coh |")
    print("|---|---|---|---|---|")
    for n in args.sizes:
        rng = np.random.default_rng(0)
        psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
        psi /= np.sqrt(np.sum(np.abs(psi) ** 2))
        h = hamiltonian(n)
        estimators = {"rev": other(h), "this": StatevectorEstimator(h)}
        times: dict[str, list[float]] = {"rev": [], "this": []}
        for _ in range(args.reps):
            for name, estimator in estimators.items():
                start = time.perf_counter()
                estimator.estimate(psi)
                times[name].append(time.perf_counter() - start)
        a, b = (e.estimate(psi) for e in estimators.values())
        t_rev, t_this = (statistics.median(times[k]) * 1e3 for k in ("rev", "this"))
        diffs = (abs(a.energy - b.energy), float(np.max(np.abs(a.bloch - b.bloch))),
                 abs(a.entropy - b.entropy))  # fmt: skip
        print(
            f"| {n} | {t_rev:.3f} | {t_this:.3f} | {t_this / t_rev:.2f} | "
            + ", ".join(f"{d:.1e}" for d in diffs)
            + " |",
            flush=True,
        )


if __name__ == "__main__":
    main()
