"""``backends.neuromorphic.brian2.sdk`` imports brian2 without pylab, pytest and matplotlib,
leaves all three importable afterwards, and Brian2 behaves as with them (issue 25 item 1)."""

from __future__ import annotations

import json
import subprocess
import sys

from tests.paths import ROOT

PROBE = """
import json, sys
from backends.neuromorphic.brian2.sdk import b2
left_out = sorted({m.split(".")[0] for m in sys.modules} & {"pylab", "pytest", "matplotlib"})
q = b2.Quantity([1.0, 2.0], dim=b2.mV.dim)
import matplotlib, pytest  # importable again, the real modules
print(json.dumps({
    "left_out": left_out,
    "ravel_keeps_units": b2.have_same_dimensions(q.ravel(), b2.mV),
    "matplotlib": matplotlib.__version__,
    "marks_gone": [n for n in ("pylab", "pytest", "matplotlib") if sys.modules.get(n, 1) is None],
}))
"""


def test_brian2_without_pylab_pytest_matplotlib_then_all_three_importable() -> None:
    proc = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["left_out"] == []
    assert out["ravel_keeps_units"]  # matplotlib's 1.3.1 workaround stays off, as with 3.x
    assert out["matplotlib"] and out["marks_gone"] == []
