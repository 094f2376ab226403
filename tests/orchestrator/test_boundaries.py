"""The orchestrator declares, backends implement: no hardware SDK inside ``orchestrator/``."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.paths import ROOT

SDKS = ("qiskit", "qiskit_aer", "qiskit_ibm_runtime", "brian2", "lava", "ray")


def test_loading_the_loop_and_validating_a_config_imports_no_sdk(small_config) -> None:
    code = f"""
import json, sys
import orchestrator, orchestrator.run.loop, orchestrator.run.runner, orchestrator.cli
import orchestrator.record.report
from orchestrator.config import load_config
cfg = load_config({str(small_config)!r})
cfg.config_hash()
from orchestrator.run.assemble import build_network, build_program
build_program(cfg); build_network(cfg)
print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(proc.stdout))
    assert "orchestrator" in loaded and "pydantic" in loaded
    assert loaded.isdisjoint(SDKS), loaded & set(SDKS)


def test_no_orchestrator_module_names_an_sdk_import() -> None:
    """A static check beside the dynamic one: lazy imports inside functions count too."""
    import ast

    root = ROOT / "orchestrator"
    offenders = []
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if n.split(".")[0] in SDKS]
    assert offenders == []
