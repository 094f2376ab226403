"""Issue 25 item 1: where `qnf validate configs/demo.yaml` spends its time, import by import and
step by step (what bench/startup.py measures as one figure).

    .venv/bin/python bench/validate_steps.py --runs 9
    .venv/bin/python bench/validate_steps.py --runs 9 --base main     (imports before and after)

Three measurements of this tree, each in fresh processes (``PYTHONDONTWRITEBYTECODE=1``, the
.pyc files as ``.ci/uv`` leaves them: bench/startup.py's ``installed`` setting), alternating:

1. the console script's start with each module's own import time (CPU time of its module
   code, its imports' left out: a finder first on ``sys.meta_path`` wraps every loader's
   ``exec_module``), summed per group of modules below;
2. the steps after the imports, timed inside one process (CPU time, ``time.process_time``):
   reading the YAML, the entry-point scan and the two backends' plugins, building the config's
   model and validating, the cross-section checks and estimates;
3. the whole process (CPU time of the child) and ``python -c pass``.

The rest (the whole process less the interpreter, the imports and the steps) is what none of
them covers: finding the modules' files, printing, the exit; the cyclic garbage collector where
it runs (the base's start). Medians over the runs.

``--base COMMIT`` also measures 1 and 3 for a commit of this repository (unpacked with ``git
archive``, its modules compiled once, as bench/startup.py's ``installed`` setting), alternating
with this tree; its steps after the imports are not split (other functions): the rest holds them.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENTRY = "from orchestrator.cli import main; main()"
ARGV = ["validate", "configs/demo.yaml"]

# Optional sections the demo leaves out: their model classes are still made at import.
OPTIONAL = (
    "orchestrator.config.phase",
    "orchestrator.config.learning",
    "orchestrator.config.maxcut",
    "orchestrator.config.placebo",
    "orchestrator.config.memory",
    "orchestrator.contract.memory_config",
    "orchestrator.contract.federation_config",
)
GROUPS = (  # (label, predicate on the module name), first match wins
    ("pydantic, pydantic_core, annotated_types, typing_*", lambda m: m.split(".")[0] in {
        "pydantic", "pydantic_core", "annotated_types", "typing_extensions",
        "typing_inspection"}),
    ("typer, rich, shellingham", lambda m: m.split(".")[0] in {"typer", "rich", "shellingham"}),
    ("importlib.metadata, email, zipfile, csv", lambda m: m.split(".")[0] in {
        "email", "zipfile", "csv"} or m.startswith("importlib.metadata")),
    ("yaml (PyYAML and its libyaml parser)", lambda m: m.split(".")[0] == "yaml"),
    ("orchestrator.cli (cli.direct, cli.plain)", lambda m: m.startswith("orchestrator.cli")),
    ("the optional sections' modules (unused by the demo)", lambda m: m in OPTIONAL),
    ("the other config models (orchestrator, aer's and brian2's)",
     lambda m: m.split(".")[0] in {"orchestrator", "backends"}),
    ("the standard library (typing, re, pathlib, dataclasses, ...)", lambda m: True),
)  # fmt: skip

TIMED = """
import atexit, json, sys, time
own, stack = {{}}, [0.0]
class _Timed:
    def __init__(self, loader):
        self._loader = loader
    def __getattr__(self, name):
        return getattr(self._loader, name)
    def create_module(self, spec):
        return self._loader.create_module(spec)
    def exec_module(self, module):
        stack.append(0.0)
        start = time.process_time()
        try:
            self._loader.exec_module(module)
        finally:
            spent, inner = time.process_time() - start, stack.pop()
            own[module.__name__] = own.get(module.__name__, 0.0) + spent - inner
            stack[-1] += spent
class _Finder:
    def find_spec(self, name, path=None, target=None):
        for finder in sys.meta_path[1:]:
            spec = finder.find_spec(name, path, target) if hasattr(finder, "find_spec") else None
            if spec is not None:
                if spec.loader is not None and hasattr(spec.loader, "exec_module"):
                    spec.loader = _Timed(spec.loader)
                return spec
        return None
sys.meta_path.insert(0, _Finder())
atexit.register(lambda: open({path!r}, "w").write(json.dumps(own)))
"""

STEPS = """
import json, sys, time
from pathlib import Path
import orchestrator.cli.direct
import backends.quantum.aer.config, backends.neuromorphic.brian2.config  # counted as imports
import orchestrator.config.root as root
from orchestrator.config.circuit_cost import circuit_cost
from orchestrator.config.cross_checks import cross_check
from orchestrator.config.footprint import estimate
from orchestrator.config.moved import moved_problems
from orchestrator.config.yaml_input import parse_yaml, read_text
from orchestrator.contract.bounds import number_problems
from orchestrator.contract.entry_points import spare_pydantic_scan
steps, mark = {}, [time.process_time()]
def step(name):
    now = time.process_time()
    steps[name] = now - mark[0]
    mark[0] = now
raw = parse_yaml(read_text(Path("configs/demo.yaml")), "configs/demo.yaml").data
number_problems(raw)
step("read and parse the YAML, number bounds")
moved_problems(raw)
step("entry-point scan, aer's and brian2's plugins checked")
sections = frozenset(k for k in root.OPTIONAL if raw.get(k) is not None)
model = root._model_of("aer", "brian2", "ising", sections)
spare_pydantic_scan()
step("the config's model (create_model), pydantic's plugin loader")
cfg = model.model_validate(raw)
step("its core schema and validator, built; validation")
cross_check(cfg)
estimate(cfg).line()
circuit_cost(cfg).line()
step("cross-section checks, memory and circuit estimates")
print(json.dumps(steps))
"""


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def _cpu_of(command: list[str]) -> tuple[float, subprocess.CompletedProcess[str]]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(command, cwd=ROOT, env=_env(), capture_output=True, text=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return cpu, proc


def _import_groups(own: dict[str, float]) -> dict[str, float]:
    sums = dict.fromkeys((label for label, _ in GROUPS), 0.0)
    for module, seconds in own.items():
        label = next(label for label, match in GROUPS if match(module))
        sums[label] += seconds
    return sums


def _unpack(commit: str, into: Path) -> Path:
    tree = into / f"base-{commit}"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    subprocess.run(
        [sys.executable, "-m", "compileall", "-q", "orchestrator", "backends", "qnfusion"],
        cwd=tree, capture_output=True, check=True,
    )  # fmt: skip
    return tree


def _imports_of(tree: Path, report: Path) -> dict[str, float]:
    env = {**_env(), "PYTHONPATH": str(tree)}
    timed = TIMED.format(path=str(report)) + ENTRY
    subprocess.run(
        [sys.executable, "-c", timed, *ARGV], cwd=tree, env=env, capture_output=True, check=True
    )
    return _import_groups(json.loads(report.read_text()))


def _whole(tree: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    env = {**_env(), "PYTHONPATH": str(tree)}
    proc = subprocess.run(
        [sys.executable, "-c", ENTRY, *ARGV], cwd=tree, env=env, capture_output=True
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    assert proc.returncode == 0, proc.stderr
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per measurement")
    parser.add_argument("--base", help="a commit to measure beside this tree (imports, whole)")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="qnf-steps-"))
    trees = {"this": ROOT}
    if args.base:
        trees = {f"base {args.base}": _unpack(args.base, scratch), "this": ROOT}
    imports: dict[str, list[dict[str, float]]] = {label: [] for label in trees}
    whole: dict[str, list[float]] = {label: [] for label in trees}
    steps: list[dict[str, float]] = []
    bare: list[float] = []
    loads = [os.getloadavg()[0]]
    for _ in range(args.runs):
        for label, tree in trees.items():
            imports[label].append(_imports_of(tree, scratch / "imports.json"))
            whole[label].append(_whole(tree))
        _, proc = _cpu_of([sys.executable, "-c", STEPS])
        steps.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        bare.append(_cpu_of([sys.executable, "-c", "pass"])[0])
        loads.append(os.getloadavg()[0])

    def median_ms(rows: list[dict[str, float]], key: str) -> float:
        return 1e3 * statistics.median(row[key] for row in rows)

    print(f"load average (1 min) during the runs: {min(loads):.2f}-{max(loads):.2f}")
    print(f"medians of {args.runs} fresh processes, ms; columns: {', '.join(trees)}")
    interpreter = 1e3 * statistics.median(bare)
    total_steps = sum(median_ms(steps, name) for name in steps[0])
    totals = {label: sum(median_ms(imports[label], g) for g, _ in GROUPS) for label in trees}
    processes = {label: 1e3 * statistics.median(whole[label]) for label in trees}

    def row(name: str, values: list[float | None]) -> None:
        cells = "".join(f" {v:9.1f}" if v is not None else f" {'-':>9}" for v in values)
        print(f"{name:<64}{cells}")

    row("the whole process (CPU)", [processes[label] for label in trees])
    row("  python -c pass (CPU)", [interpreter for _ in trees])
    row("  imports (module code, CPU)", [totals[label] for label in trees])
    for group, _ in GROUPS:
        row("    " + group, [median_ms(imports[label], group) for label in trees])
    row("  steps after the imports (CPU)", [None] * (len(trees) - 1) + [total_steps])
    for name in steps[0]:
        row("    " + name, [None] * (len(trees) - 1) + [median_ms(steps, name)])
    rests = []
    for label in trees:
        rest = processes[label] - interpreter - totals[label]
        rests.append(rest - total_steps if label == "this" else rest)
    row("  the rest (finding the modules, printing, exit; base: steps)", rests)


if __name__ == "__main__":
    main()
