"""Issue 25 item 1: how long the quick `qnf` commands take to answer, against their targets.

    .venv/bin/python bench/startup.py --repeats 7
    .venv/bin/python bench/startup.py --repeats 7 --base d9f3ab6     (before and after)
    .venv/bin/python bench/startup.py --setup 3 --cache pyc installed

Each command runs in a fresh process (``python -c "from orchestrator.cli import main; main()"``,
what the ``qnf`` console script runs), from process start to exit, wall-clock; the commands (and
the trees, with ``--base``) alternate round by round so that a shared machine's load falls on
all of them alike; the table gives the median of ``--repeats`` rounds and its ratio to the
target (<= 1 meets it), and the median CPU time (user + system, from ``getrusage`` of the
children): on a loaded machine wall time is mostly waiting for a core, while an idle machine's
wall time for a one-thread start is close to its CPU time. ``status`` asks about a queued job of
a scratch QNF_HOME; ``validate`` reads configs/demo.yaml.

Four settings of Python's bytecode cache, all measured unless ``--cache`` picks some (they
alternate round by round, as the commands and trees do):
``pyc``: every module's .pyc is cached (here under a scratch PYTHONPYCACHEPREFIX, warmed by one
untimed round): the floor.
``installed``: this machine's setting, PYTHONDONTWRITEBYTECODE=1, with the .pyc files an install
leaves: site-packages as the environment has it (compiled when ``.ci/uv`` syncs: docs/design.md
§25; the header says how much of it is), the project's modules compiled once (``compileall``,
as ``.ci/uv`` does at the same moments) in a scratch copy of the tree.
``installed-src``: the same, the project's modules from source (a scratch copy without .pyc).
``source``: PYTHONDONTWRITEBYTECODE=1 and an empty PYTHONPYCACHEPREFIX: every module compiled from
source on every start (what this machine did while uv installed without .pyc files).

``bench/uv_run.py`` measures what ``.ci/uv run`` costs per call with and without uv's
compile-bytecode setting.

``--setup N``: instead, the demo's setup (what `qnf run configs/demo.yaml` does before tick 0)
step by step in N fresh processes (``pyc``), warm (after one untimed process that writes the
.pyc files and fills a scratch ``QNF_CACHE``: the transpiled circuits, Brian2's exact
integration): the config, each backend's import (its SDKs), each backend's build; median wall
and CPU seconds per step (with ``--base``, both trees, alternating).

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
import json, sys, time
steps, cpus, mark = {}, {}, [0.0, 0.0]
def begin():
    mark[:] = [time.perf_counter(), time.process_time()]
def step(name):
    steps[name] = time.perf_counter() - mark[0]
    cpus[name] = time.process_time() - mark[1]  # every thread's (Brian2 builds in its own)
begin()
from orchestrator.config import load_config
cfg = load_config("configs/demo.yaml")
step("config: import the models, validate configs/demo.yaml")
from orchestrator.run.assemble import build_program, build_network, select_quantum, select_spiking
begin()
quantum_cls = select_quantum(cfg.quantum).plugin.load()
step("import the Aer backend (qiskit, qiskit_aer)")
begin()
selection = select_spiking(cfg.spiking)
spiking_cls = selection.plugin.load()
step("import the Brian2 backend (brian2, sympy...)")
begin()
quantum = quantum_cls(cfg.quantum, build_program(cfg))
step("build the Aer backend (transpile 3 circuits, or read them back)")
begin()
spiking = spiking_cls(selection.config, build_network(cfg))
step("build the Brian2 backend (network, code generation, boundary 0)")
runtime = "qiskit_ibm_runtime" in sys.modules
print(json.dumps({"steps": steps, "cpus": cpus, "runtime": runtime}))
spiking.close(); quantum.close()
"""


def setup_steps(runs: int, base: str | None, caches: list[str]) -> None:
    """The demo's setup step by step in ``runs`` fresh processes per tree and bytecode setting,
    after one untimed process each that writes the .pyc files (``pyc``) and fills that tree's
    transpile cache (so the timed ones are warm, "a second run"); they alternate."""
    import json

    with tempfile.TemporaryDirectory(prefix="qnf-setup-") as scratch:
        scratch_path = Path(scratch)
        sources = [("this", ROOT)]
        if base:
            sources.insert(0, (f"base {base}", unpack(base, scratch_path)))
        trees, envs = [], {}
        for cache in caches:
            for name, tree in sources:
                label = name if len(caches) == 1 else f"{name}, {cache}"
                if cache.startswith("installed"):
                    into = scratch_path / cache / name.replace(" ", "-")
                    tree = installed_copy(tree, into, compiled=cache == "installed")
                env = environment(cache, tree, scratch_path / "home", scratch_path / "pycache")
                env["QNF_CACHE"] = str(scratch_path / "cache" / name.replace(" ", "-"))
                trees.append((label, tree))
                envs[label] = env
        loads: list[float] = []
        rows: dict[str, list[dict[str, float]]] = {label: [] for label, _ in trees}
        cpu_rows: dict[str, list[dict[str, float]]] = {label: [] for label, _ in trees}
        runtime: dict[str, bool] = {}
        for r in range(runs + 1):
            for label, tree in trees:
                loads.append(os.getloadavg()[0])
                proc = subprocess.run(
                    [sys.executable, "-c", SETUP_STEPS],
                    cwd=tree,
                    env=envs[label],
                    capture_output=True,
                    text=True,
                    check=True,
                )
                data = json.loads(proc.stdout.strip().splitlines()[-1])
                if r:
                    rows[label].append(data["steps"])
                    cpu_rows[label].append(data["cpus"])
                    runtime[label] = data["runtime"]
    print(f"load average (1 min) at each start: {' '.join(f'{x:.2f}' for x in loads)}")
    print(
        f"median of {runs} warm runs per tree, seconds: wall (each run's in brackets), then "
        "CPU (the process's, every thread)"
    )
    for label, _ in trees:
        print(f"-- {label} (qiskit_ibm_runtime imported: {runtime[label]})")
        for name in [*rows[label][0], "total (target 2 s)"]:
            if name.startswith("total"):
                values = [sum(row.values()) for row in rows[label]]
                cpu = statistics.median(sum(row.values()) for row in cpu_rows[label])
            else:
                values = [row[name] for row in rows[label]]
                cpu = statistics.median(row[name] for row in cpu_rows[label])
            each = " ".join(f"{v:.2f}" for v in values)
            print(f"{name:<66} {statistics.median(values):6.2f}  ({each})  cpu {cpu:5.2f}")


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
    env.pop("PYTHONPYCACHEPREFIX", None)
    env["QNF_HOME"] = str(home)
    env["PYTHONPATH"] = str(tree)
    env["COLUMNS"] = "100"
    if cache == "pyc":
        env["PYTHONPYCACHEPREFIX"] = str(pycache / tree.name)
    else:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    if cache == "source":  # Python looks for .pyc files there only, and finds none
        env["PYTHONPYCACHEPREFIX"] = str(pycache / "empty")
    return env


PROJECT = ("orchestrator", "backends", "qnfusion", "configs")  # what the commands read


def installed_copy(tree: Path, into: Path, compiled: bool) -> Path:
    """A copy of the project's packages (and configs) of ``tree`` without its .pyc files;
    with ``compiled``, compiled once as ``.ci/uv`` compiles the project at a sync."""
    import shutil

    copy = into / tree.name
    for name in PROJECT:
        shutil.copytree(tree / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    if compiled:
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "orchestrator", "backends", "qnfusion"],
            cwd=copy,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
            check=True,
            capture_output=True,
        )
    return copy


def site_compiled() -> tuple[int, int]:
    """(.py files of site-packages with a current-looking .pyc beside them, .py files)."""
    import importlib.util
    import sysconfig

    found = total = 0
    for path in Path(sysconfig.get_paths()["purelib"]).rglob("*.py"):
        total += 1
        found += os.path.exists(importlib.util.cache_from_source(str(path)))
    return found, total


def timed(argv: list[str], tree: Path, env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds: the child's user + system) of one fresh process."""
    import resource

    command = [sys.executable, "-c", "pass"] if not argv else [sys.executable, "-c", ENTRY, *argv]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    if proc.returncode != 0:
        raise SystemExit(f"qnf {' '.join(argv)} in {tree} exited {proc.returncode}: {proc.stderr}")
    return seconds, cpu


def unpack(commit: str, into: Path) -> Path:
    tree = into / f"base-{commit}"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


CACHES = ("pyc", "installed", "installed-src", "source")


def picked(names: list[str]) -> list[str]:
    """The settings ``--cache`` names (``both``: pyc and source; ``all``: every one)."""
    both = ("pyc", "source")
    return [c for c in CACHES if "all" in names or c in names or ("both" in names and c in both)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed rounds (median)")
    parser.add_argument("--base", help="a commit to run beside this tree")
    parser.add_argument(
        "--cache", choices=(*CACHES, "both", "all"), default=["all"], nargs="+",
        help="bytecode settings to measure (both: pyc and source; all: the four)",
    )  # fmt: skip
    parser.add_argument("--setup", type=int, metavar="N", help="the demo's setup, N runs")
    args = parser.parse_args()
    if args.setup:
        chosen = args.cache if args.cache != ["all"] else ["pyc"]  # pyc unless asked
        setup_steps(args.setup, args.base, picked(chosen))
        return
    caches = picked(args.cache)

    load_before = os.getloadavg()
    found, total = site_compiled()
    with tempfile.TemporaryDirectory(prefix="qnf-startup-") as scratch:
        scratch_path = Path(scratch)
        home, pycache = scratch_path / "home", scratch_path / "pycache"
        job_id = queued_job(home)
        trees = [("this", ROOT)]
        if args.base:
            trees.insert(0, (f"base {args.base}", unpack(args.base, scratch_path)))
        runs_in: dict[tuple[str, str], Path] = {}  # (cache, tree label) -> the tree it runs
        envs: dict[tuple[str, str], dict[str, str]] = {}
        for cache in caches:
            for label, tree in trees:
                if cache.startswith("installed"):
                    into = scratch_path / cache / label.replace(" ", "-")
                    tree = installed_copy(tree, into, compiled=cache == "installed")
                runs_in[(cache, label)] = tree
                envs[(cache, label)] = environment(cache, tree, home, pycache)
        names = [REFERENCE, *TARGETS]
        times: dict[tuple[str, str, str], list[float]] = {}
        cpus: dict[tuple[str, str, str], list[float]] = {}
        for r in range(args.repeats + 1):  # round 0 warms pyc's cache; untimed for all
            for name in names:
                for cache in caches:
                    for label, _ in trees:
                        argv = [] if name == REFERENCE else argv_of(name, job_id)
                        tree = runs_in[(cache, label)]
                        seconds, cpu = timed(argv, tree, envs[(cache, label)])
                        if r:
                            times.setdefault((cache, name, label), []).append(seconds)
                            cpus.setdefault((cache, name, label), []).append(cpu)
    load_after = os.getloadavg()

    print(
        f"python {sys.version.split()[0]}, {os.cpu_count()} CPUs; load average before "
        f"{load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}, after "
        f"{load_after[0]:.2f} {load_after[1]:.2f} {load_after[2]:.2f}; site-packages: "
        f"{found} of {total} .py files have a .pyc; "
        f"median of {args.repeats} fresh processes, seconds (wall; cpu: the process's user + "
        "system time, what an idle machine's wall time would be near)"
    )
    labels = [label for label, _ in trees]
    head = f"{'cache':<13} {'command':<16} {'target':>6}"
    for label in labels:
        head += f" {label:>18} {'/target':>7} {'cpu':>6}"
    if len(labels) == 2:
        head += f" {'this/base':>9}"
    print(head)
    for cache in caches:
        for name in names:
            target = TARGETS.get(name)
            line = f"{cache:<13} {name:<16} {target if target else '-':>6}"
            medians = []
            for label in labels:
                median = statistics.median(times[(cache, name, label)])
                medians.append(median)
                ratio = f"{median / target:.2f}" if target else "-"
                cpu = statistics.median(cpus[(cache, name, label)])
                line += f" {median:>18.3f} {ratio:>7} {cpu:>6.3f}"
            if len(labels) == 2:
                line += f" {medians[1] / medians[0]:>9.2f}"
            print(line)


if __name__ == "__main__":
    main()
