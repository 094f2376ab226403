"""What the issue 15 study's arms spend, read from the budget accounting (issue 22).

    .venv/bin/python bench/issue15_budgets.py

Runs the quench fusion loop and learned QAOA (``bench/maxcut_study.py``'s ``fusion`` and
``qaoa`` arms) on regular3-n12-seed0 at 20 ticks x 64 shots and prints each summary.json's
``budget`` and final root.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

import copy  # noqa: E402
import json  # noqa: E402
import tempfile  # noqa: E402

import numpy as np  # noqa: E402

from orchestrator.config.root import validate_config  # noqa: E402
from orchestrator.run.runner import execute  # noqa: E402
from orchestrator.tasks.maxcut.configs import QAOA_LEARNING, config_of  # noqa: E402
from orchestrator.tasks.maxcut.instances import catalogue  # noqa: E402

inst = catalogue("regular3", 12, 1, 0)[0]
out = Path(tempfile.mkdtemp())
arms = {}
base = config_of(inst, 20, 64, inst.seed)
arms["fusion"] = base
q = copy.deepcopy(base)
q["pci"].update(gamma=0.0, initial_theta=float(np.pi / 2), initial_phi=0.0)
q["learning"] = {**copy.deepcopy(QAOA_LEARNING), "hold_preparation": True}
arms["qaoa"] = q
for name, data in arms.items():
    r = execute(validate_config(data), out / name, draw_report=False)
    print(inst.name, name, json.dumps(r.summary["budget"]), r.final_root)
