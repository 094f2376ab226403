"""The golden cases (tests/assets/golden_roots.json): run one, in this process or a child.

``python -m tests.orchestrator.run.golden OUT [CASE ...]`` runs the cases (all by default) one
after the other under OUT/<case> and prints one JSON line per case (its root, status, ticks,
reverts, and the BLAS kernels this process loaded): how the kernel cross-check runs them in
child processes with other OPENBLAS settings.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.paths import ASSETS, ROOT

GOLDEN: dict[str, dict[str, Any]] = json.loads((ASSETS / "golden_roots.json").read_text())["cases"]


@contextmanager
def case_environment(name: str) -> Iterator[None]:
    """What a case needs around it: Loihi 2 configured and absent, as recorded, for the
    fallback case (on a machine with the SDK installed it would otherwise run on the chip)."""
    if name != "lava_fallback_brian2":
        yield
        return
    from backends.neuromorphic.lava import config as lava_config

    saved = lava_config.loihi2_sdk
    lava_config.loihi2_sdk = lambda: None
    try:
        yield
    finally:
        lava_config.loihi2_sdk = saved


def run_case(name: str, run_dir: Path) -> Any:
    """Run golden case ``name`` into ``run_dir``; the ``RunResult``."""
    from orchestrator.config.root import load_config
    from orchestrator.run.runner import execute

    case = GOLDEN[name]
    with case_environment(name):
        config = load_config(ROOT / case["config"], case["overrides"])
        return execute(config, run_dir, draw_report=False)


def avx512_loops() -> list[str]:
    """The AVX512 extensions numpy dispatches to in this process (none with them switched off
    by ``NPY_DISABLE_CPU_FEATURES``, or on a CPU without them)."""
    from numpy.core._multiarray_umath import __cpu_dispatch__, __cpu_features__

    return sorted(k for k in __cpu_dispatch__ if k.startswith("AVX512") and __cpu_features__[k])


def main(argv: list[str]) -> int:
    from threadpoolctl import threadpool_info

    out, names = Path(argv[0]), argv[1:] or sorted(GOLDEN)
    for name in names:
        result = run_case(name, out / name)
        kernels = sorted(
            f"{Path(str(i.get('filepath'))).name}:{i.get('architecture')}"
            for i in threadpool_info()
            if i.get("internal_api") == "openblas"
        )
        row = {
            "case": name,
            "root": result.final_root,
            "status": result.status,
            "ticks": result.ticks,
            "reverts": result.summary["reverts"],
            "kernels": kernels,
            "numpy_avx512": avx512_loops(),
        }
        print(json.dumps(row), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
