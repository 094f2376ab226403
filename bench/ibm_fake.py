"""IBM backend on a device snapshot: time per tick, and how far noisy Bloch vectors are from exact.

    .venv/bin/python bench/ibm_fake.py [--device fake_sherbrooke] [--qubits 4 8] [--ticks 10]

Per tick (median over ``--ticks`` ticks after one warm-up; TFIM chain J=1, h=0.8, Suzuki-2,
2 steps, t=0.3, bases Z/X/Y, 1024 shots, random product states):
  - ``ibm``: the backend as a run uses it (runtime local mode, Session, Sampler job, mirror
    with the noise model cut to the used qubits), with and without readout calibration;
  - ``runtime+full``: the runtime's local mode handed the snapshot object itself (what the
    runtime does by default: the 127-qubit noise model per job), 2 ticks only;
  - ``aer noise_from``: Aer's raw ``run`` with the same cut noise model.
Distance to the exact answer (exp(-iHt) by scipy on the product state; 8192 shots, 8 ticks):
  - marginal TVD: mean over qubits and X/Y/Z of |r - r_exact| / 2 (the TVD of each one-qubit
    outcome distribution); raw, calibrated and twirled readout mitigation, and a noiseless
    sampler (shot-noise floor);
  - Z-distribution TVD: (1/2) sum_i |p_i - p_exact_i| over the 2^n outcomes (raw only: the
    mitigation corrects expectation values, not distributions).
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
from scipy.sparse.linalg import expm_multiply

from backends.quantum.aer.backend import AerBackend
from backends.quantum.aer.config import AerConfig
from backends.quantum.common import trotter
from backends.quantum.common.fake_devices import load_fake
from backends.quantum.ibm.backend import IbmBackend
from backends.quantum.ibm.config import IbmConfig
from orchestrator.contract.quantum import QuantumBackend, QuantumProgram
from orchestrator.physics import measurement
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.tick_io import QuantumRequest

T = 0.3


def tfim(n: int) -> PauliHamiltonian:
    zz = [("ZZ", (i, i + 1), -1.0) for i in range(n - 1)]
    return PauliHamiltonian.from_terms(n, zz + [("X", (i,), -0.8) for i in range(n)])


def product_state(theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    psi = np.ones(1, dtype=complex)
    for t, p in zip(theta, phi):
        psi = np.kron(np.array([np.cos(t / 2), np.exp(1j * p) * np.sin(t / 2)]), psi)
    return psi


def program(n: int) -> QuantumProgram:
    return QuantumProgram(tfim(n), T, 2, 2, True, ("Z" * n, "X" * n, "Y" * n), ticks=100)


def requests(n: int, count: int, seed: int = 0) -> list[QuantumRequest]:
    rng = np.random.default_rng(seed)
    return [
        QuantumRequest(seed=k, theta=rng.uniform(0, np.pi, n), phi=rng.uniform(0, 2 * np.pi, n))
        for k in range(count)
    ]


def per_tick_ms(backend: QuantumBackend, reqs: list[QuantumRequest]) -> float:
    backend.execute(reqs[0])  # warm-up
    times = []
    for request in reqs:
        start = time.perf_counter()
        backend.execute(request)
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def runtime_full_ms(device: str, n: int, shots: int, ticks: int) -> float:
    """The runtime's local mode on the snapshot object (full noise model), same ISA circuits."""
    from qiskit_ibm_runtime import Session
    from qiskit_ibm_runtime.executor_sampler import Sampler

    fake = load_fake(device)
    isa = trotter.transpile_for_device(trotter.measured_circuits(program(n)), fake)
    columns = [trotter.parameter_columns(c, n) for c in isa]
    sampler = Sampler(mode=Session(backend=fake))
    times = []
    for request in requests(n, ticks):
        values = trotter.prep_values(request.theta, request.phi, n)
        start = time.perf_counter()
        sampler.run([(c, values[cols]) for c, cols in zip(isa, columns)], shots=shots).result()
        times.append(time.perf_counter() - start)
    return 1e3 * statistics.median(times)


def distances(device: str, n: int, shots: int, ticks: int) -> dict[str, float]:
    prog = program(n)
    backends = {
        mode: IbmBackend(
            IbmConfig(kind="ibm", device=device, shots=shots, resilience={"readout": mode}), prog
        )
        for mode in ("calibrated", "twirled")
    }
    noiseless = AerBackend(AerConfig(kind="aer", shots=shots), prog)
    sums = {"raw": 0.0, "calibrated": 0.0, "twirled raw": 0.0, "twirled": 0.0, "noiseless": 0.0}
    sums["Z-dist raw"] = sums["Z-dist noiseless"] = 0.0
    for request in requests(n, ticks, seed=1):
        exact_state = expm_multiply(
            -1j * T * tfim(n).to_sparse(), product_state(request.theta, request.phi)
        )
        exact = measurement.bloch_exact(exact_state, n)
        p_exact = np.abs(exact_state) ** 2

        def tvd(bloch: np.ndarray, exact: np.ndarray = exact) -> float:
            return float(np.mean(np.abs(bloch - exact)) / 2)

        def z_tvd(z: np.ndarray, p_exact: np.ndarray = p_exact) -> float:
            index = z.astype(np.int64) @ (1 << np.arange(n))
            p = np.bincount(index, minlength=2**n) / len(index)
            return float(0.5 * np.abs(p - p_exact).sum())

        result = backends["calibrated"].execute(request)
        sums["raw"] += tvd(measurement.bloch_from_samples(result.samples))
        sums["calibrated"] += tvd(measurement.bloch_from_samples(result.samples, result.readout))
        sums["Z-dist raw"] += z_tvd(result.samples[0])
        twirled = backends["twirled"].execute(request)
        sums["twirled raw"] += tvd(measurement.bloch_from_samples(twirled.samples))
        sums["twirled"] += tvd(measurement.bloch_from_samples(twirled.samples, twirled.readout))
        ideal = noiseless.execute(request)
        sums["noiseless"] += tvd(measurement.bloch_from_samples(ideal.samples))
        sums["Z-dist noiseless"] += z_tvd(ideal.samples[0])
    return {k: v / ticks for k, v in sums.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="fake_sherbrooke")
    parser.add_argument("--qubits", type=int, nargs="+", default=[4, 8])
    parser.add_argument("--ticks", type=int, default=10)
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    shots = 1024
    print(f"device {args.device}, {shots} shots, 3 bases, median of {args.ticks} ticks")
    print("n  ibm(ms)  ibm+calib(ms)  runtime+full(ms)  aer noise_from(ms)")
    for n in args.qubits:
        reqs = requests(n, args.ticks)
        plain = IbmBackend(IbmConfig(kind="ibm", device=args.device, shots=shots), program(n))
        calibrated = IbmBackend(
            IbmConfig(
                kind="ibm",
                device=args.device,
                shots=shots,
                resilience={"readout": "calibrated", "calibrate_every": 1},
            ),
            program(n),
        )
        noisy = AerConfig(kind="aer", shots=shots, aer={"noise_from": args.device})
        aer = AerBackend(noisy, program(n))
        print(
            f"{n:<2} {per_tick_ms(plain, reqs):7.0f}  {per_tick_ms(calibrated, reqs):13.0f}  "
            f"{runtime_full_ms(args.device, n, shots, 2):16.0f}  {per_tick_ms(aer, reqs):18.0f}"
        )
    print("\ndistance to the exact answer, 8192 shots, mean of 8 random product states")
    for n in args.qubits:
        figures = distances(args.device, n, 8192, 8)
        print(f"n={n}: " + ", ".join(f"{k} {v:.4f}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
