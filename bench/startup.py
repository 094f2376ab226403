"""Issue 25 item 1: how long the quick `qnf` commands take to answer, against their targets.

    .venv/bin/python bench/startup.py --repeats 7
    .venv/bin/python bench/startup.py --repeats 7 --base d9f3ab6     (before and after)

Each command runs in a fresh process (``python -c "from orchestrator.cli import main; main()"``,
what the ``qnf`` console script runs), from process start to exit, wall-clock; the commands (and
the trees, with ``--base``) alternate round by round so that a shared machine's load falls on
all of them alike; the table gives the median of ``--repeats`` rounds and its ratio to the
target (<= 1 meets it). ``status`` asks about a queued job of a scratch QNF_HOME; ``validate``
reads configs/demo.yaml.

Two settings of Python's bytecode cache, both measured unless ``--cache`` picks one:
``pyc``: compiled modules are cached (what an installed package has; here under a scratch
PYTHONPYCACHEPREFIX, warmed by one untimed round); ``source``: PYTHONDONTWRITEBYTECODE=1, every
module compiled from source on every start (what this machine's environment sets; a tree that
was never imported from, or a read-only one, behaves so too).

``--setup N``: instead, the demo's setup (what `qnf run configs/demo.yaml` does before tick 0)
step by step in N fresh processes (``pyc``): the config, each SDK's import, each backend's
build; seconds per step and run.

``--base COMMIT`` also runs a commit of this repository (unpacked with ``git archive``; the
same interpreter and packages) beside this tree. The load average (``os.getloadavg``) is
printed before and after.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "from orchestrator.cli import main; main()"

TARGETS = {  # seconds (issue 25)
    "--help": 0.3,
    "jobs": 0.3,
    "status": 0.3,
    "validate": 0.3,
    "backends": 1.0,
}
REFERENCE = "python -c pass"  # the interpreter alone, for scale

SETUP_STEPS = """
import json, time
steps = {}
def step(name, start):
    steps[name] = time.perf_counter() - start
start = time.perf_counter()
from orchestrator.config import load_config
cfg = load_config("configs/demo.yaml")
step("import the config models, validate configs/demo.yaml", start)
start = time.perf_counter(); import qiskit, qiskit_aer
step("import qiskit + qiskit_aer", start)
start = time.perf_counter(); import qiskit_ibm_runtime
step("import qiskit_ibm_runtime (the transpiler's stage plugins load it)", start)
start = time.perf_counter(); import brian2
step("import brian2 (with matplotlib's pylab, sympy, pytest)", start)
from orchestrator.run.assemble import build_program, open_spiking, select_quantum
start = time.perf_counter()
quantum = select_quantum(cfg.quantum).plugin.load()(cfg.quantum, build_program(cfg))
step("build the Aer backend (pass manager, transpile)", start)
start = time.perf_counter(); spiking = open_spiking(cfg)
step("build the Brian2 backend (network, code generation, boundary 0)", start)
spiking.close(); quantum.close()
print(json.dumps(steps))
"""


def setup_steps(runs: int) -> None:
    """The demo's setup step by step, ``runs`` fresh processes (after one that warms .pyc)."""
    import json

    with tempfile.TemporaryDirectory(prefix="qnf-setup-") as scratch:
        env = environment("pyc", ROOT, Path(scratch) / "home", Path(scratch) / "pycache")
        loads, rows = [], []
        for r in range(runs + 1):
            loads.append(os.getloadavg()[0])
            proc = subprocess.run(
                [sys.executable, "-c", SETUP_STEPS],
                cwd=ROOT,
                env=env,
                capture_output=True,
                text=True,
                check=True,
            )
            if r:
                rows.append(json.loads(proc.stdout.strip().splitlines()[-1]))
    print(f"load average (1 min) at each start: {' '.join(f'{x:.2f}' for x in loads)}")
    for name in rows[0]:
        print(f"{name:<70} " + " ".join(f"{row[name]:6.2f}" for row in rows))
    totals = [sum(row.values()) for row in rows]
    print(f"{'total':<70} " + " ".join(f"{t:6.2f}" for t in totals))


def argv_of(name: str, job_id: str) -> list[str]:
    return {
        "--help": ["--help"],
        "jobs": ["jobs"],
        "status": ["status", job_id],
        "validate": ["validate", "configs/demo.yaml"],
        "backends": ["backends"],
    }[name]


def queued_job(home: Path) -> str:
    """A queued job in ``home`` (submitted through the CLI of this tree, not timed)."""
    env = {**os.environ, "QNF_HOME": str(home)}
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, "submit", "configs/demo.yaml", "--no-worker"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return proc.stdout.strip().splitlines()[-1]


def environment(cache: str, tree: Path, home: Path, pycache: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE",)}
    env["QNF_HOME"] = str(home)
    env["PYTHONPATH"] = str(tree)
    env["COLUMNS"] = "100"
    if cache == "pyc":
        env["PYTHONPYCACHEPREFIX"] = str(pycache / tree.name)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPYCACHEPREFIX", None)
    return env


def timed(argv: list[str], tree: Path, env: dict[str, str]) -> float:
    command = [sys.executable, "-c", "pass"] if not argv else [sys.executable, "-c", ENTRY, *argv]
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"qnf {' '.join(argv)} in {tree} exited {proc.returncode}: {proc.stderr}")
    return seconds


def unpack(commit: str, into: Path) -> Path:
    tree = into / f"base-{commit}"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds (median)")
    parser.add_argument("--base", help="a commit to run beside this tree")
    parser.add_argument("--cache", choices=("pyc", "source", "both"), default="both")
    parser.add_argument("--setup", type=int, metavar="N", help="the demo's setup, N runs")
    args = parser.parse_args()
    if args.setup:
        setup_steps(args.setup)
        return

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="qnf-startup-") as scratch:
        scratch_path = Path(scratch)
        home, pycache = scratch_path / "home", scratch_path / "pycache"
        job_id = queued_job(home)
        trees = [("this", ROOT)]
        if args.base:
            trees.insert(0, (f"base {args.base}", unpack(args.base, scratch_path)))
        caches = ("pyc", "source") if args.cache == "both" else (args.cache,)
        names = [REFERENCE, *TARGETS]
        times: dict[tuple[str, str, str], list[float]] = {}
        for cache in caches:
            envs = {label: environment(cache, tree, home, pycache) for label, tree in trees}
            rounds = args.repeats + (1 if cache == "pyc" else 0)  # the first one warms .pyc
            for r in range(rounds):
                for name in names:
                    for label, tree in trees:
                        argv = [] if name == REFERENCE else argv_of(name, job_id)
                        seconds = timed(argv, tree, envs[label])
                        if cache == "pyc" and r == 0:
                            continue
                        times.setdefault((cache, name, label), []).append(seconds)
    load_after = os.getloadavg()

    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; load average before "
        f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, after "
        f"{load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; "
        f"median of {args.repeats} fresh processes, seconds"
    )
    labels = [label for label, _ in trees]
    head = f"{'cache':<7} {'command':<16} {'target':>6}"
    for label in labels:
        head += f" {label:>18} {'/target':>7}"
    if len(labels) == 2:
        head += f" {'this/base':>9}"
    print(head)
    for cache in caches:
        for name in names:
            target = TARGETS.get(name)
            line = f"{cache:<7} {name:<16} {target if target else '-':>6}"
            medians = []
            for label in labels:
                median = statistics.median(times[(cache, name, label)])
                medians.append(median)
                ratio = f"{median / target:.2f}" if target else "-"
                line += f" {median:>18.3f} {ratio:>7}"
            if len(labels) == 2:
                line += f" {medians[1] / medians[0]:>9.2f}"
            print(line)


if __name__ == "__main__":
    main()
