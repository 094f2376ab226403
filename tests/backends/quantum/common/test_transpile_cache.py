"""The transpile cache gives Aer what a fresh transpile gives it, and misses on any change.

Real qiskit, qiskit-aer and QPY; the cache folder is this test's own (``QNF_CACHE``).
"""

from __future__ import annotations

import io

import numpy as np
import pytest
from qiskit import qpy
from qiskit_aer import AerSimulator

from backends.quantum.common import transpile_cache, trotter
from orchestrator.config import load_config
from orchestrator.run.assemble import build_program
from tests.paths import ROOT


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("QNF_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache" / "transpile"


def demo_circuits(**changes):
    cfg = load_config(ROOT / "configs" / "demo.yaml", changes)
    return trotter.measured_circuits(build_program(cfg))


def simulator(method: str = "automatic") -> AerSimulator:
    return AerSimulator(method=method, max_parallel_threads=1)


def qpy_bytes(circuits) -> bytes:
    buffer = io.BytesIO()
    qpy.dump(list(circuits), buffer)
    return buffer.getvalue()


class Counting:
    """The transpile of ``trotter.transpile_once``, counting its calls."""

    def __init__(self, circuits, backend):
        self.calls = 0
        self.circuits, self.backend = circuits, backend

    def __call__(self):
        from qiskit import transpile

        self.calls += 1
        return transpile(list(self.circuits), backend=self.backend, optimization_level=1)


def test_a_hit_gives_the_bytes_and_the_counts_of_a_fresh_transpile(cache) -> None:
    sim = simulator()
    first = demo_circuits()
    miss = Counting(first, sim)
    stored = transpile_cache.cached_transpile(first, sim, 1, miss)
    assert miss.calls == 1 and len(list(cache.glob("*.qpy"))) == 1

    again = demo_circuits()  # a new run: new ParameterVectors, the same config
    hit = Counting(again, sim)
    loaded = transpile_cache.cached_transpile(again, sim, 1, hit)
    assert hit.calls == 0
    fresh = tuple(hit())  # what the transpiler gives for this run's circuits
    # Same QPY bytes once the random UUIDs are put in order (they are all that differs) ...
    assert transpile_cache._canonical_qpy(loaded) == transpile_cache._canonical_qpy(fresh)
    assert transpile_cache._canonical_qpy(loaded) == transpile_cache._canonical_qpy(stored)
    assert [c.name for c in loaded] == [c.name for c in fresh] == [c.name for c in again]
    # ... and the same shots from Aer, bound the way the backend binds them.
    n = 8
    values = np.random.default_rng(3).uniform(0, np.pi, 2 * n)
    for got, want in zip(loaded, fresh):
        cols_got = trotter.parameter_columns(got, n)
        cols_want = trotter.parameter_columns(want, n)
        np.testing.assert_array_equal(cols_got, cols_want)
        counts = [
            sim.run(c.assign_parameters(values[cols]), shots=512, seed_simulator=11)
            .result()
            .get_counts()
            for c, cols in ((got, cols_got), (want, cols_want))
        ]
        assert counts[0] == counts[1]
        assert [q.name for q in got.parameters] == [q.name for q in want.parameters]


def test_the_key_is_the_same_for_two_builds_of_one_config() -> None:
    sim = simulator()
    assert transpile_cache.circuits_key(demo_circuits(), sim, 1) == transpile_cache.circuits_key(
        demo_circuits(), sim, 1
    )


@pytest.mark.parametrize(
    "change",
    [
        {"hamiltonian.transverse_field": 1.0000001},  # an angle in the circuits
        {"trotter.reps": 3},  # the number of gates
        "level",
        "backend",
    ],
    ids=["angle", "reps", "optimization level", "backend options"],
)
def test_a_change_of_the_key_misses(change, cache) -> None:
    base = transpile_cache.circuits_key(demo_circuits(), simulator(), 1)
    if change == "level":
        other = transpile_cache.circuits_key(demo_circuits(), simulator(), 2)
    elif change == "backend":
        other = transpile_cache.circuits_key(demo_circuits(), simulator("statevector"), 1)
    else:
        other = transpile_cache.circuits_key(demo_circuits(**change), simulator(), 1)
    assert other != base


def test_a_version_change_misses(monkeypatch) -> None:
    sim = simulator()
    base = transpile_cache.circuits_key(demo_circuits(), sim, 1)
    monkeypatch.setattr(transpile_cache.qiskit, "__version__", "0.0.0-other")
    assert transpile_cache.circuits_key(demo_circuits(), sim, 1) != base


def test_a_damaged_file_is_a_miss_and_is_rewritten(cache) -> None:
    sim = simulator()
    circuits = demo_circuits()
    transpile_cache.cached_transpile(circuits, sim, 1, Counting(circuits, sim))
    (path,) = cache.glob("*.qpy")
    path.write_bytes(path.read_bytes()[:100])
    again = Counting(circuits, sim)
    out = transpile_cache.cached_transpile(circuits, sim, 1, again)
    assert again.calls == 1 and len(out) == len(circuits)
    assert transpile_cache._canonical_qpy(
        transpile_cache._read(path, circuits)
    ) == transpile_cache._canonical_qpy(out)


def test_off_and_an_unwritable_cache_transpile_as_without_one(tmp_path, monkeypatch) -> None:
    sim = simulator()
    circuits = demo_circuits()
    monkeypatch.setenv("QNF_CACHE", "off")
    assert transpile_cache.cache_dir() is None
    counting = Counting(circuits, sim)
    transpile_cache.cached_transpile(circuits, sim, 1, counting)
    transpile_cache.cached_transpile(circuits, sim, 1, counting)
    assert counting.calls == 2
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("QNF_CACHE", str(blocked))
    counting = Counting(circuits, sim)
    assert len(transpile_cache.cached_transpile(circuits, sim, 1, counting)) == len(circuits)
    assert counting.calls == 1


def test_transpile_once_uses_the_cache(cache) -> None:
    sim = simulator()
    trotter.transpile_once(demo_circuits(), sim)
    assert len(list(cache.glob("*.qpy"))) == 1
    trotter.transpile_once(demo_circuits(), sim)
    assert len(list(cache.glob("*.qpy"))) == 1


@pytest.mark.parametrize("name", ["demo", "statevector_amplitude_kick"])
def test_golden_runs_reach_their_roots_on_a_miss_and_on_a_hit(name, cache, tmp_path) -> None:
    """The whole run, not only the circuits: a cold cache (the transpiler runs, the file is
    written) and a warm one (the file is read) both give the recorded root."""
    from tests.orchestrator.run.golden import GOLDEN, run_case

    roots = []
    for attempt in ("miss", "hit"):
        before = sorted(cache.glob("*.qpy")) if cache.exists() else []
        roots.append(run_case(name, tmp_path / attempt).final_root)
        after = sorted(cache.glob("*.qpy"))
        assert (after != before) == (attempt == "miss"), (attempt, before, after)
    assert roots == [GOLDEN[name]["final_root"]] * 2


def test_a_hit_imports_no_qiskit_ibm_runtime(cache) -> None:
    """The point of the cache: the pass manager's stage plugins (qiskit-ibm-runtime among them)
    are not loaded where the circuits are read back (a fresh interpreter, after a miss)."""
    import json
    import os
    import subprocess
    import sys

    code = (
        "import json, sys\n"
        "from qiskit_aer import AerSimulator\n"
        "from backends.quantum.common import trotter\n"
        "from orchestrator.config import load_config\n"
        "from orchestrator.run.assemble import build_program\n"
        "cfg = load_config('configs/demo.yaml')\n"
        "trotter.transpile_once(trotter.measured_circuits(build_program(cfg)),"
        " AerSimulator(method='automatic', max_parallel_threads=1))\n"
        "print(json.dumps('qiskit_ibm_runtime' in sys.modules))\n"
    )
    seen = []
    for _ in ("miss", "hit"):
        proc = subprocess.run(
            [sys.executable, "-c", code],
            cwd=ROOT,
            env={**os.environ},
            capture_output=True,
            text=True,
            check=True,
        )
        seen.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    assert seen == [True, False]
