"""Issue 27: what validating a large config costs, and what building its circuits costs per gate.

    .venv/bin/python bench/config_cost.py validate --base 35e3682 --repeats 3
    .venv/bin/python bench/config_cost.py build ising:500 ising:2000 pauli:100 pauli:400 hex127

``validate``: the red team's configs (45,000 Ising edges; 8,000 Pauli terms of weight 1-6; on
30 qubits, safety.max_qubits 64) and configs/demo.yaml, each ``load_config`` timed in a fresh
process (imports excluded; wall and CPU seconds: a shared machine's load distorts the CPU time
of the process least), this tree and ``--base`` (a commit, unpacked with ``git archive``)
alternating, ``--repeats`` times; medians and the CPU ratio, one table. Validation may refuse a
config (the Pauli one is now refused by safety.max_circuit_gates): the time to the answer is
what is measured.

``build``: in one process, after a warm-up build (imports, first transpile), each config's
quantum backend is built (``select_quantum(...).load()(config.quantum, build_program(config))``:
the circuits of every basis, transpiled) and timed; the line gives the estimated gates
(``orchestrator.config.circuit_cost``), seconds, estimated gates per second and the growth of
the peak RSS. ``ising:E`` is E random weighted edges on 30 qubits with a
transverse field; ``pauli:T`` T random terms of weight 1-6 on 30 qubits (Aer, shots);
``hex127`` is the 127-qubit heavy-hex Ising model of FakeSherbrooke's coupling map (ZZ on each
edge, X on each qubit, Suzuki-2, 4 reps) on the IBM backend against that snapshot (transpiled
for the device; no job is run), built from a program directly: configs cap registers at 64.
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
SMALL = ROOT / "tests" / "assets" / "small.yaml"


def red_team_config(kind: str, count: int, n: int = 30, seed: int = 1) -> dict[str, Any]:
    rng = random.Random(seed)
    raw = yaml.safe_load(SMALL.read_text())
    raw["safety"] = {"max_qubits": 64}
    raw["spiking"]["neurons"] = 64
    if kind == "ising":
        edges = [[*rng.sample(range(n), 2), round(rng.uniform(-1, 1), 3)] for _ in range(count)]
        raw["hamiltonian"] = {"kind": "ising", "edges": edges, "transverse_field": 1.0}
    else:
        terms = []
        for _ in range(count):
            qubits = rng.sample(range(n), rng.randint(1, 6))
            paulis = "".join(rng.choice("XYZ") for _ in qubits)
            terms.append(
                {"paulis": paulis, "qubits": qubits, "coeff": round(rng.uniform(-1, 1), 3)}
            )
        raw["hamiltonian"] = {"kind": "pauli", "n_qubits": n, "terms": terms}
    return raw


def hex127() -> tuple[Any, Any, Any]:
    """(IbmConfig, QuantumProgram, CircuitCost) of the heavy-hex model on FakeSherbrooke: built
    directly, as config validation caps registers at 64 qubits (hamiltonian: _MAX_REGISTER)."""
    from backends.quantum.common.fake_devices import load_fake
    from backends.quantum.ibm.config import IbmConfig
    from orchestrator.config.circuit_cost import program_cost
    from orchestrator.contract.quantum import QuantumProgram
    from orchestrator.physics.hamiltonian import PauliHamiltonian
    from orchestrator.physics.measurement import measurement_bases

    device = load_fake("fake_sherbrooke")
    edges = sorted({tuple(sorted(e)) for e in device.coupling_map.get_edges()})
    n = device.num_qubits
    terms = [("ZZ", e, 1.0) for e in edges] + [("X", (q,), -0.8) for q in range(n)]
    h = PauliHamiltonian.from_terms(n, terms)
    program = QuantumProgram(
        hamiltonian=h,
        time=0.25,
        order=2,
        reps=4,
        preserve_order=False,
        bases=measurement_bases(h),
        preparation="product",
    )
    config = IbmConfig.model_validate({"kind": "ibm", "device": "fake_sherbrooke"})
    return config, program, program_cost(h, 2, 4)


_TIME_ONE = """
import sys, time
from orchestrator.config import ConfigError, load_config
t, c = time.perf_counter(), time.process_time()
try:
    load_config(sys.argv[1])
    answer = "accepted"
except ConfigError as exc:
    answer = "refused: " + exc.problems[0][:60]
print(time.perf_counter() - t, time.process_time() - c, answer)
"""


def _time_validation(tree: Path, config: Path) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, answer) of one ``load_config`` in a fresh process."""
    done = subprocess.run(
        [sys.executable, "-c", _TIME_ONE, str(config)],
        cwd=tree,
        env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    wall, cpu, answer = done.stdout.strip().splitlines()[-1].split(" ", 2)
    return float(wall), float(cpu), answer


def validate(base: str, repeats: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        old = Path(scratch) / "base"
        old.mkdir()
        archive = subprocess.run(
            ["git", "archive", base], cwd=ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        configs = {
            "ising 45,000 edges": red_team_config("ising", 45_000),
            "pauli 8,000 terms": red_team_config("pauli", 8_000),
            "configs/demo.yaml": yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text()),
        }
        rows = []
        for name, raw in configs.items():
            path = Path(scratch) / f"{name.split()[0].replace('/', '_')}.yaml"
            path.write_text(yaml.safe_dump(raw, default_flow_style=None))
            times: dict[str, list[tuple[float, float]]] = {"base": [], "this": []}
            answers: dict[str, str] = {}
            for _ in range(repeats):
                for label, tree in (("base", old), ("this", ROOT)):
                    wall, cpu, answers[label] = _time_validation(tree, path)
                    times[label].append((wall, cpu))
            medians = {
                k: tuple(statistics.median(t[i] for t in times[k]) for i in (0, 1)) for k in times
            }
            rows.append((name, medians["base"], medians["this"], answers["this"]))
            said = {f"answer_{k}": v for k, v in answers.items()}
            print(json.dumps({"config": name, "wall_cpu": times, **said}))
    print(f"\nvalidation, median of {repeats} (fresh process each, imports excluded)")
    head = f"{'config':<20} {'base wall':>9} {'this wall':>9} {'base CPU':>9} {'this CPU':>9}"
    print(f"{head} {'CPU ratio':>9}  answer (this)")
    for name, (bw, bc), (tw, tc), answer in rows:
        print(f"{name:<20} {bw:9.2f} {tw:9.2f} {bc:9.2f} {tc:9.2f} {bc / tc:9.1f}  {answer}")


def build(specs: list[str]) -> None:
    from orchestrator.config.circuit_cost import circuit_cost
    from orchestrator.config.root import validate_config
    from orchestrator.run.assemble import build_program, select_quantum

    def construct(raw: dict[str, Any]) -> tuple[Any, Any, float]:
        config = validate_config(copy.deepcopy(raw))
        program = build_program(config)
        started = time.perf_counter()
        backend = select_quantum(config.quantum).plugin.load()(config.quantum, program)
        return config, backend, time.perf_counter() - started

    construct(red_team_config("ising", 20))  # imports and the first transpile
    print(f"{'config':<12} {'est. gates':>11} {'s':>8} {'gates/s':>9} {'RSS +MB':>8}")
    for spec in specs:
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if spec == "hex127":
            from backends.quantum.ibm.backend import IbmBackend

            ibm, program, cost = hex127()
            started = time.perf_counter()
            backend = IbmBackend(ibm, program)
            seconds = time.perf_counter() - started
            estimate = cost.gates
        else:
            kind, count = spec.split(":")
            config, backend, seconds = construct(red_team_config(kind, int(count)))
            estimate = circuit_cost(config).gates
        grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss) / 1024
        backend.close()
        print(
            f"{spec:<12} {estimate:>11,} {seconds:8.2f} {estimate / seconds:9,.0f} {grown:8.0f}",
            flush=True,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="what", required=True)
    v = sub.add_parser("validate")
    v.add_argument("--base", default="35e3682")
    v.add_argument("--repeats", type=int, default=3)
    b = sub.add_parser("build")
    b.add_argument("specs", nargs="+")
    args = parser.parse_args()
    if args.what == "validate":
        validate(args.base, args.repeats)
    else:
        build(args.specs)


if __name__ == "__main__":
    main()
