"""Issue 25 item 1: what ``.ci/uv run --locked`` costs per call, with uv's compile-bytecode
setting and without it (``.ci/uv`` as it is: uv compiles only where the environment may have
changed; docs/design.md §25, fourth round).

    .venv/bin/python bench/uv_run.py --rounds 5

Two arms, alternating call by call after one untimed round (it writes ``.ci/uv``'s stamp and
any .pyc): ``.ci/uv`` (no UV_COMPILE_BYTECODE) and ``UV_COMPILE_BYTECODE=1`` (what
``[tool.uv] compile-bytecode = true`` does), each running ``true``, ``qnf validate
configs/demo.yaml``, and ``.ci/uv sync --locked`` of the environment as it is (both arms
compile there). Wall seconds (median, and each call's) and CPU (uv and all its children, from
``getrusage``), the load average after each round, and how much of site-packages has .pyc files.
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
sys.path.insert(0, str(ROOT / "bench"))

from startup import site_compiled  # noqa: E402  (bench/ is on sys.path, above)


def uv_cost(rounds: int) -> None:
    """What ``.ci/uv run --locked`` costs per call: ``.ci/uv`` as it is against uv's
    compile-bytecode setting, alternating, after one untimed round (the stamp, the .pyc)."""
    import resource

    arms = {".ci/uv": {}, "UV_COMPILE_BYTECODE=1": {"UV_COMPILE_BYTECODE": "1"}}
    commands = {
        "run --locked true": ["run", "--locked", "true"],
        "run --locked qnf validate": ["run", "--locked", "qnf", "validate", "configs/demo.yaml"],
        "sync --locked": ["sync", "--locked"],
    }
    loads = [os.getloadavg()[0]]
    walls: dict[tuple[str, str], list[float]] = {}
    cpus: dict[tuple[str, str], list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="qnf-uv-") as home:
        for r in range(rounds + 1):
            for command, argv in commands.items():
                for arm, extra in arms.items():
                    env = {**os.environ, "QNF_HOME": home, "COLUMNS": "100", **extra}
                    for name in ("UV_COMPILE_BYTECODE", "PYTHONPYCACHEPREFIX", "PYTHONPATH"):
                        if name not in extra:
                            env.pop(name, None)
                    before = resource.getrusage(resource.RUSAGE_CHILDREN)
                    start = time.perf_counter()
                    subprocess.run(
                        ["bash", str(ROOT / ".ci" / "uv"), *argv],
                        cwd=ROOT,
                        env=env,
                        check=True,
                        capture_output=True,
                    )
                    wall = time.perf_counter() - start
                    after = resource.getrusage(resource.RUSAGE_CHILDREN)
                    if r:
                        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
                        walls.setdefault((command, arm), []).append(wall)
                        cpus.setdefault((command, arm), []).append(cpu)
            loads.append(os.getloadavg()[0])
    found, total = site_compiled()
    print(
        f"load average (1 min) after each round: {' '.join(f'{x:.2f}' for x in loads)}; "
        f"site-packages: {found} of {total} .py files have a .pyc; PYTHONDONTWRITEBYTECODE="
        f"{os.environ.get('PYTHONDONTWRITEBYTECODE', '')}; median of {rounds} calls, seconds: "
        "wall (each call's in brackets), cpu (uv and its children)"
    )
    for command in commands:
        for arm in arms:
            values = walls[(command, arm)]
            each = " ".join(f"{v:.2f}" for v in values)
            cpu = statistics.median(cpus[(command, arm)])
            print(
                f".ci/uv {command:<28} {arm:<22} {statistics.median(values):6.2f}  ({each})  "
                f"cpu {cpu:5.2f}"
            )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=5, help="timed rounds (median)")
    uv_cost(parser.parse_args().rounds)
