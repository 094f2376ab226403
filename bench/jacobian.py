"""What J_fusion (§13) costs per evaluation, against one fusion tick, at 8 and 12 qubits.

    .venv/bin/python bench/jacobian.py                      # 8 and 12 qubits, 100 neurons
    .venv/bin/python bench/jacobian.py --sizes 8 --ticks 10 # quick look

Per size n: one ``FusionLoop`` (Aer ``method: statevector``, Brian2 with 100 neurons, TFIM
chain, the loop's own rules) built once, warmed for 3 ticks, then per tick:

- tick: ``FusionLoop.step()`` of a run WITHOUT a ``jacobian`` section (measure, forward, spike,
  backward, the ACE and stability rules; no recording), ms;
- J: ``JacobianEstimator.estimate`` on that tick's reading: 4n statevector circuits (x +- eps
  e_i for the 2n preparation angles) in ONE call of a second Aer instance, then 4n exact Bloch
  readings and the 2n x 2n slogdet / eigenvalues, ms.

Reported: medians over the ticks, and J / tick. (A J every K ticks costs J / K per tick.)
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
from pathlib import Path

from orchestrator.config import validate_config
from orchestrator.physics.readings import TickReading
from orchestrator.run.assemble import open_backends, quantum_factory
from orchestrator.run.loop import FusionLoop
from orchestrator.run.rules import jacobian_estimator


def make_config(n: int, neurons: int, with_jacobian: bool):
    raw = {
        "hamiltonian": {"kind": "tfim", "n_qubits": n, "j": 1.0, "h": 0.8},
        "quantum": {"kind": "aer", "aer": {"method": "statevector"}},
        "spiking": {"kind": "brian2", "neurons": neurons, "tick_ms": 5.0},
        "pci": {"initial_theta": 1.2, "drive_offset_mv": 15.0},
        "run": {"ticks": 1000, "seed": 1},
    }
    if with_jacobian:
        raw["jacobian"] = {"every": 1}
    return validate_config(raw)


def measure(n: int, neurons: int, ticks: int) -> dict:
    config = make_config(n, neurons, with_jacobian=False)
    backends = open_backends(config)
    loop = FusionLoop(config, backends.quantum, backends.spiking, backends.rules)
    with_j = make_config(n, neurons, with_jacobian=True)
    estimator = jacobian_estimator(with_j, quantum_factory(with_j))
    assert estimator is not None
    tick_ms, jac_ms = [], []
    try:
        for k in range(ticks + 3):
            preparation = loop.next.preparation
            start = time.perf_counter()
            record = loop.step()
            step = time.perf_counter() - start
            reading = TickReading(
                record.tick, record.quantum, record.spikes, preparation, record.coupling
            )
            start = time.perf_counter()
            summary = estimator.estimate(reading)
            jac = time.perf_counter() - start
            if k >= 3:
                tick_ms.append(step * 1000)
                jac_ms.append(jac * 1000)
    finally:
        estimator.close()
        loop.close()
    tick, j = statistics.median(tick_ms), statistics.median(jac_ms)
    return {
        "n_qubits": n,
        "neurons": neurons,
        "ticks": ticks,
        "tick_ms": round(tick, 2),
        "jacobian_ms": round(j, 2),
        "ratio": round(j / tick, 1),
        "requests_per_jacobian": 4 * n,
        "last_det": summary.det,
        "last_spectral_radius": summary.spectral_radius,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="8,12", help="comma-separated qubit counts")
    parser.add_argument("--neurons", type=int, default=100)
    parser.add_argument("--ticks", type=int, default=20, help="timed ticks per size")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = parser.parse_args()
    rows = [measure(int(n), args.neurons, args.ticks) for n in args.sizes.split(",")]
    print(f"python {platform.python_version()}, {platform.machine()}")
    print(f"{'n':>3} {'N':>5} {'tick ms':>9} {'J ms':>9} {'J / tick':>9} {'circuits':>9}")
    for r in rows:
        print(
            f"{r['n_qubits']:>3} {r['neurons']:>5} {r['tick_ms']:>9.2f} {r['jacobian_ms']:>9.2f}"
            f" {r['ratio']:>9.1f} {r['requests_per_jacobian']:>9}"
        )
    if args.json is not None:
        args.json.write_text(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
