"""The numeric environment of this process, recorded in the genesis block's meta (issue 26).

Not part of any root (meta is chained apart: design §5): it says why two runs of one config
and seed may end with different roots (design §6). Recorded:

- ``cpu``: model name, vendor, family/model/stepping and the flags the kernel reports
  (``/proc/cpuinfo``; ``platform.processor()`` elsewhere), and the number of logical CPUs;
- ``numpy``: version, the SIMD extensions numpy was built for (``baseline``) and those it
  found on this CPU (``found``): numpy picks its loops from them at import, e.g. AVX512_SKX
  versions of sin, cos, exp, log, arctan2, power (design §6 lists which differ);
- ``blas``: every BLAS/OpenMP library loaded in this process as threadpoolctl reports it
  (library file, implementation, version, the kernel OpenBLAS picked (``architecture``),
  threads): numpy's, scipy's and Aer's each carry their own OpenBLAS;
- ``scipy``, ``libc``, and the variables that steer them when set (``OPENBLAS_CORETYPE``,
  ``OPENBLAS_L2_SIZE``, ``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``,
  ``NPY_DISABLE_CPU_FEATURES``).

Called after the backends are built, so their libraries are loaded. Every value is a string,
an integer or a list of strings (canonical JSON).
"""

from __future__ import annotations

import os
import platform
from pathlib import Path
from typing import Any

__all__ = ["STEERING_VARIABLES", "numeric_environment"]

STEERING_VARIABLES = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NPY_DISABLE_CPU_FEATURES",
)
_CPU_KEYS = {
    "model name": "model",
    "vendor_id": "vendor",
    "cpu family": "family",
    "model": "model_number",
    "stepping": "stepping",
    "flags": "flags",
}


def _cpu() -> dict[str, Any]:
    out: dict[str, Any] = {"logical_cpus": os.cpu_count() or 0}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        out["model"] = platform.processor() or platform.machine()
        return out
    for line in text.split("\n\n", 1)[0].splitlines():  # the first processor's block
        key, _, value = line.partition(":")
        name = _CPU_KEYS.get(key.strip())
        if name is not None:
            out[name] = sorted(value.split()) if name == "flags" else value.strip()
    return out


def _numpy() -> dict[str, Any]:
    import numpy as np

    out: dict[str, Any] = {"version": np.__version__}
    try:
        from numpy.core._multiarray_umath import __cpu_baseline__, __cpu_features__
    except ImportError:  # numpy moved these; the version still says which build ran
        return out
    out["simd_baseline"] = sorted(__cpu_baseline__)
    out["simd_found"] = sorted(k for k, v in __cpu_features__.items() if v)
    return out


def _blas() -> list[dict[str, Any]]:
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return []
    rows = []
    for info in threadpool_info():
        rows.append(
            {
                "library": Path(str(info.get("filepath", ""))).name,
                "api": str(info.get("internal_api", "")),
                "version": str(info.get("version") or ""),
                "kernel": str(info.get("architecture") or ""),
                "threads": int(info.get("num_threads") or 0),
                "threading": str(info.get("threading_layer") or ""),
            }
        )
    return sorted(rows, key=lambda r: (r["api"], r["library"]))


def numeric_environment() -> dict[str, Any]:
    """What decides the last bits of this process's floating point (see the module)."""
    try:
        import scipy

        scipy_version = scipy.__version__
    except ImportError:
        scipy_version = ""
    libc, libc_version = platform.libc_ver()
    return {
        "cpu": _cpu(),
        "numpy": _numpy(),
        "blas": _blas(),
        "scipy": scipy_version,
        "libc": f"{libc} {libc_version}".strip(),
        "machine": platform.machine(),
        "variables": {k: os.environ[k] for k in STEERING_VARIABLES if k in os.environ},
    }
