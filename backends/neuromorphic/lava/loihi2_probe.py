"""The SDK-free Loihi 2 probe: is lava-loihi installed, and is a Loihi 2 host configured?

Imports no SDK, not even ``lava``: lava-loihi's modules are looked up as files. ``LavaConfig.plan``
(``config.py``) asks ``loihi2_sdk`` which engine runs ``target: loihi2``; ``qnf backends``
prints ``loihi2_status`` (the plugin's ``probe``). Nothing is contacted.
"""

from __future__ import annotations

import importlib.machinery
import importlib.metadata
import os
import shutil
import sys
from pathlib import Path

from backends.neuromorphic.lava.loihi2_annealer import lava_optimization_sdk

__all__ = ["LOIHI2_HOWTO", "loihi2_sdk", "loihi2_status"]

LOIHI2_HOWTO = (
    "lava-loihi, Intel's Loihi extension of Lava, and a Loihi 2 system it can reach (SLURM or "
    "an Ethernet host); lava-loihi is not on PyPI: Intel gives it to members of the Intel "
    "Neuromorphic Research Community, "
    "https://www.intel.com/content/www/us/en/research/neuromorphic-community.html"
)

# Modules lava-loihi adds to the `lava` namespace (what lava.utils.loihi / lava.utils.system
# test); looked up as files, without importing anything.
_LOIHI2_MODULES = (
    ("lava", "utils", "loihi2_profiler"),
    ("lava", "magma", "compiler", "subcompilers", "nc", "ncproc_compiler"),
)


def loihi2_sdk() -> str | None:
    """Where lava-loihi is installed, or None. Imports nothing (not even ``lava``)."""
    try:
        return f"lava-loihi {importlib.metadata.version('lava-loihi')}"
    except importlib.metadata.PackageNotFoundError:
        pass
    for entry in sys.path:
        for *package, module in _LOIHI2_MODULES:
            where = Path(entry or ".", *package)
            if where.is_dir() and importlib.machinery.PathFinder.find_spec(module, [str(where)]):
                return str(where / module)
    return None


def loihi2_status() -> str:
    """One line for ``qnf backends``: is Loihi 2 usable from here? (SDK-free, no network.)"""
    sdk = loihi2_sdk()
    if sdk is None:
        return "Loihi 2: not reachable (lava-loihi is not installed); target: sim runs"
    if os.environ.get("NXSDKHOST"):
        host = f"Ethernet host {os.environ['NXSDKHOST']}"
    elif shutil.which("sinfo") and "NOSLURM" not in os.environ:
        host = "SLURM (sinfo found)"
    else:
        host = "no host configured (set NXSDKHOST, or use SLURM)"
    solver = lava_optimization_sdk()
    annealer = (
        f"annealer: {solver}" if solver else "annealer: needs lava-optimization (not installed)"
    )
    return f"Loihi 2: {sdk} installed; {host}; {annealer}; not contacted until a run"
