"""Issue 25 item 1: where `qnf validate configs/demo.yaml` spends its time, import by import and
step by step (what bench/startup.py measures as one figure).

    .venv/bin/python bench/validate_steps.py --runs 9

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
them covers: finding the modules' files, printing, the exit. Medians over the runs.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9, help="fresh processes per measurement")
    args = parser.parse_args()
    imports: list[dict[str, float]] = []
    steps: list[dict[str, float]] = []
    whole: list[float] = []
    bare: list[float] = []
    loads = [os.getloadavg()[0]]
    report = Path(tempfile.mkdtemp(prefix="qnf-steps-")) / "imports.json"
    for _ in range(args.runs):
        timed = TIMED.format(path=str(report)) + ENTRY
        subprocess.run(
            [sys.executable, "-c", timed, *ARGV],
            cwd=ROOT, env=_env(), capture_output=True, text=True, check=True,
        )  # fmt: skip
        imports.append(_import_groups(json.loads(report.read_text())))
        _, proc = _cpu_of([sys.executable, "-c", STEPS])
        steps.append(json.loads(proc.stdout.strip().splitlines()[-1]))
        cpu, proc = _cpu_of([sys.executable, "-c", ENTRY, *ARGV])
        assert proc.returncode == 0, proc.stderr
        whole.append(cpu)
        bare.append(_cpu_of([sys.executable, "-c", "pass"])[0])
        loads.append(os.getloadavg()[0])

    def median_ms(rows: list[dict[str, float]], key: str) -> float:
        return 1e3 * statistics.median(row[key] for row in rows)

    print(f"load average (1 min) during the runs: {min(loads):.2f}-{max(loads):.2f}")
    print(f"medians of {args.runs} fresh processes, ms")
    total_imports = sum(median_ms(imports, label) for label, _ in GROUPS)
    total_steps = sum(median_ms(steps, name) for name in steps[0])
    interpreter = 1e3 * statistics.median(bare)
    process = 1e3 * statistics.median(whole)
    print(f"{'the whole process (CPU)':<64} {process:7.1f}")
    print(f"{'  python -c pass (CPU)':<64} {interpreter:7.1f}")
    print(f"{'  imports (module code, CPU)':<64} {total_imports:7.1f}")
    for label, _ in GROUPS:
        print(f"{'    ' + label:<64} {median_ms(imports, label):7.1f}")
    print(f"{'  steps after the imports (CPU)':<64} {total_steps:7.1f}")
    for name in steps[0]:
        print(f"{'    ' + name:<64} {median_ms(steps, name):7.1f}")
    rest = process - interpreter - total_imports - total_steps
    print(f"{'  the rest (finding the modules, printing, exit)':<64} {rest:7.1f}")


if __name__ == "__main__":
    main()
