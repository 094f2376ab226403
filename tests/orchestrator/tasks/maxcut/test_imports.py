"""networkx and cvxpy load only when a function that needs them runs."""

from __future__ import annotations

import json
import subprocess
import sys


def test_importing_every_maxcut_module_loads_neither_networkx_nor_cvxpy() -> None:
    code = """
import json, sys
import orchestrator
from orchestrator.tasks.maxcut import (cut, exact, goemans_williamson, instances, local_search,
                                       result, sdp)
from orchestrator.tasks.maxcut.instances import MaxCutInstance
inst = MaxCutInstance.from_edges("t", 3, [(0, 1, 1.0), (1, 2, 1.0)])
exact.brute_force(inst); cut.ising_hamiltonian(inst)
print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))
"""
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = set(json.loads(proc.stdout))
    assert "orchestrator" in loaded and "numpy" in loaded
    assert loaded.isdisjoint({"networkx", "cvxpy", "clarabel", "scs"}), loaded
