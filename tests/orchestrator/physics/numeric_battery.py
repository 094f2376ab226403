"""A battery of the fixed-order numerics (issue 26), hashed, to compare across processes.

``python -m tests.orchestrator.physics.numeric_battery`` prints one JSON object: for each
computation that reaches a ledger through ``fixed_order``, ``fixed_linalg``, the statevector
estimator, the shot estimators, the Taylor propagator and the exact memory readings, the
SHA-256 of its result's bytes; ``fixed_math``'s functions and the numpy loops design §6 counts
on (float64 sin, cos; complex exp); and, under ``"controls"``, the same for operations that DO
depend on the machine (a BLAS dot, gemv and gemm; numpy's complex multiply and ``abs``; numpy's
exp, log and arctan2, which differ on AVX512 CPUs), so a test can check that a child process
really ran on another kernel or another SIMD dispatch.
"""

from __future__ import annotations

import hashlib
import json
import sys

import numpy as np


def _digest(*values: object) -> str:
    h = hashlib.sha256()
    for v in values:
        h.update(np.ascontiguousarray(np.asarray(v)).tobytes())
    return h.hexdigest()[:16]


def battery() -> dict[str, object]:
    from orchestrator.physics import evolution, fixed_linalg, fixed_order, measurement, memory
    from orchestrator.physics.hamiltonian import PauliHamiltonian
    from orchestrator.physics.statevector import StatevectorEstimator
    from orchestrator.tasks.maxcut.cut import cut_values
    from orchestrator.tasks.maxcut.instances import MaxCutInstance

    rng = np.random.default_rng(2026)
    x, y = rng.normal(size=1001), rng.normal(size=1001)
    z = rng.normal(size=777) + 1j * rng.normal(size=777)
    w = rng.normal(size=777) + 1j * rng.normal(size=777)
    m = rng.normal(size=(37, 1001))
    a = rng.normal(size=(12, 12))
    spd = np.einsum("ik,jk->ij", a, a, optimize=False) + 12 * np.eye(12)  # no BLAS in inputs
    out: dict[str, object] = {
        "dot": _digest(fixed_order.dot(x, y), fixed_order.dot(x[::3], y[::3])),
        "vdot": _digest(fixed_order.vdot(z, w), fixed_order.vdot(z[1::2], x[:388])),
        "norm": _digest(fixed_order.norm(z), fixed_order.sum_squares(m)),
        "matvec": _digest(fixed_order.matvec(m, x)),
        "slogdet": _digest(*fixed_linalg.slogdet(a)),
        "cholesky": _digest(fixed_linalg.cholesky(spd)),
        "eigenvalues": _digest(np.array(fixed_linalg.eigenvalues(a))),
        "spectral_radius": _digest(fixed_linalg.spectral_radius(a)),
    }
    n = 10
    terms = [("ZZ", (i, (i + 1) % n), 1.0 + 0.1 * i) for i in range(n)]
    terms += [("X", (i,), -0.7) for i in range(n)] + [("XY", (0, 5), 0.3), ("YZX", (1, 4, 7), 0.2)]
    h = PauliHamiltonian.from_terms(n, terms)
    psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    psi /= np.sqrt(np.sum(np.abs(psi) ** 2))
    for bits in (6, 14):
        e = StatevectorEstimator(h, bits).estimate(psi)
        out[f"statevector_c{bits}"] = _digest(e.bloch, e.energy, e.entropy)
    bases = measurement.measurement_bases(h)
    samples = [rng.integers(0, 2, size=(512, n), dtype=np.uint8) for _ in bases]
    rates = [np.column_stack([rng.uniform(0, 0.05, n), rng.uniform(0, 0.05, n)]) for _ in bases]
    out["shots"] = _digest(
        measurement.energy_from_samples(h, bases, samples, rates),
        measurement.bloch_from_samples(samples, rates),
    )
    small = PauliHamiltonian.from_terms(6, [t for t in terms if max(t[1]) < 6])
    states = rng.normal(size=(64, 5)) + 1j * rng.normal(size=(64, 5))
    out["taylor"] = _digest(evolution.taylor_evolution(small.to_sparse(), 0.3)(states))
    cue_state = rng.normal(size=2**8) + 1j * rng.normal(size=2**8)
    out["memory"] = _digest(*memory.exact_readings(cue_state, 4, np.array([3, 9, 12])))
    graph = MaxCutInstance.from_edges(
        "battery", 8, [(i, (i + 1) % 8, 0.1 * (i + 1)) for i in range(8)]
    )
    out["maxcut"] = _digest(cut_values(graph, rng.integers(0, 2, size=(50, 8))))
    from orchestrator.physics import fixed_math

    t = rng.uniform(-30.0, 30.0, size=4001)
    p = rng.uniform(1e-9, 60.0, size=4001)
    u = rng.uniform(-1.0, 1.0, size=4001)
    out["fixed_math"] = _digest(
        fixed_math.exp(t),
        fixed_math.log(p),
        fixed_math.log1p(p),
        fixed_math.arcsin(u),
        fixed_math.tan(t),
        fixed_math.arctan2(u, t[::-1]),
        fixed_math.angle(z),
    )
    # numpy 1.26's own loops that equal the C library whatever it dispatches (design §6)
    out["numpy_libm"] = _digest(np.sin(t), np.cos(t), np.exp(1j * t))
    out["controls"] = {
        "blas": _digest(np.dot(x, y), m @ x, m @ m.T, np.vdot(z, w)),
        "simd": _digest(z * w, np.abs(z)),
        "avx512": _digest(np.exp(t), np.log(p), np.arctan2(u, t)),  # differ on AVX512 only
    }
    return out


if __name__ == "__main__":
    sys.path.insert(0, ".")
    print(json.dumps(battery()))
