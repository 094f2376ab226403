"""The config's path from ``qnf run`` to the backends: which modules it visits, in order.

Issue 20 measured "following the run's config from `qnf run` to the backends takes 93 stays in
44 files with 49 returns to a file already left" and asks that the path revisit no module more
than twice. This bench makes the figure reproducible:

    .ci/uv run --locked python bench/config_path.py [CONFIG] [--show]

It runs ``qnf run CONFIG --ticks 1`` in this process (the real CLI, real backends) under
``sys.setprofile`` and records every call of a function of ``orchestrator/`` or ``backends/``
that receives the run's config or one of its sections (a pydantic model of ``orchestrator.
config``, of the config modules of ``orchestrator.contract`` or of a backend's config module,
found among the frame's arguments), from the command's start until the loop's first
``FusionLoop.step``. The sequence of those calls' modules is cut into *stays* (consecutive
calls in one module); a *return* is a stay in a module already left. It prints stays,
modules, returns, and the modules stayed in more than three times (a first visit plus more
than two revisits), which the issue's check forbids, twice: over every module, and over the
config's consumers only (calls in ``orchestrator/config/``, the config modules of
``orchestrator/contract/`` and the backends' ``config.py`` are the config answering about
itself: its properties, its validation, its memory estimate). ``--show`` prints the path.

Calls inside pydantic's own machinery (validators of the config models themselves) are not
counted: they are the config being built, not the config being followed to the backends.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


class _Stop(Exception):
    """Raised at the first tick: the path to the backends is complete."""


# What a backend is configured by lives in orchestrator.contract since issue 20 (design §1):
# these modules of it are config models too.
CONTRACT_CONFIG = frozenset(
    f"orchestrator.contract.{m}"
    for m in ("backend_config", "strict", "bounds", "files", "network_config", "noise_config",
              "annealer_config", "memory_config", "federation_config", "nir_file", "nir_graph")
)  # fmt: skip


def _config_module(module: str) -> bool:
    return (
        module.startswith("orchestrator.config")
        or module in CONTRACT_CONFIG
        or (module.startswith("backends.") and module.endswith(".config"))
    )


def _is_config(value: object) -> bool:
    return _config_module(type(value).__module__)


def trace(config: str) -> list[str]:
    """The modules (dotted) of the calls that receive the config, in order."""
    from typer.main import get_command

    from orchestrator.cli import app
    from orchestrator.run.loop import FusionLoop

    path: list[str] = []
    prefixes = (str(ROOT / "orchestrator") + os.sep, str(ROOT / "backends") + os.sep)

    def profile(frame, event, arg):
        if event != "call":
            return
        code = frame.f_code
        if code is FusionLoop.step.__code__:
            raise _Stop
        if not code.co_filename.startswith(prefixes):
            return
        args = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        values = [frame.f_locals.get(name) for name in args]
        if any(_is_config(v) for v in values) and code.co_filename.startswith(prefixes):
            rel = Path(code.co_filename).relative_to(ROOT).with_suffix("")
            path.append(".".join(rel.parts))

    with tempfile.TemporaryDirectory() as tmp:
        command = get_command(app)
        argv = ["run", config, "--ticks", "1", "--out", str(Path(tmp) / "run"), "--no-report"]
        sys.setprofile(profile)
        try:
            command.main(argv, standalone_mode=False)
        except _Stop:
            pass
        finally:
            sys.setprofile(None)
    return path


def _own(module: str) -> bool:
    """A module of the config itself: its models' methods answer about the config."""
    return _config_module(module)


def stays(path: list[str]) -> list[str]:
    """Consecutive calls in one module merged into one stay."""
    out: list[str] = []
    for module in path:
        if not out or out[-1] != module:
            out.append(module)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("config", nargs="?", default="configs/demo.yaml")
    parser.add_argument("--show", action="store_true", help="print the path, one stay a line")
    args = parser.parse_args()
    path = trace(args.config)
    print(f"config: {args.config}")
    for label, calls in (
        ("every module", path),
        ("consumers (the config's own modules left out)", [m for m in path if not _own(m)]),
    ):
        visits = stays(calls)
        counts = Counter(visits)
        over = {m: n - 1 for m, n in counts.items() if n > 3}
        print(f"{label}: {len(visits)} stays in {len(counts)} modules, "
              f"{len(visits) - len(counts)} returns to a module already left; "
              f"revisited more than twice: {len(over)}"
              + ("" if not over else " (" + ", ".join(f"{m} {n}" for m, n in over.items()) + ")"))
        if args.show:
            print("  " + " -> ".join(visits))

if __name__ == "__main__":
    main()
