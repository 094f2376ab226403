"""qnfusion: closed-loop hybrid runs of a quantum processor and a spiking network, from Python.

    import qnfusion

    cfg = qnfusion.load_config("configs/demo.yaml", overrides={"run.ticks": 20})
    run = qnfusion.run(cfg, out="runs/nb-demo")
    run.result                      # what it found (best cut, final loss, ...)
    run.metrics["fusion_energy"]    # numpy arrays, one entry per tick (ticks from 0)
    run.events("coupling.alpha", ticks="0:5")
    qnfusion.verify("runs/nb-demo").ok
    job = qnfusion.submit("configs/demo.yaml"); job.wait().result

The whole API, documented with a worked example: docs/api.md. This package is a thin name
over ``orchestrator.api`` (why it exists beside ``orchestrator/``: docs/design.md §23).
The names below are the stable API; everything else is internal.
"""

from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as _version

from orchestrator.api import (
    ConfigError,
    Job,
    JobTimeout,
    Run,
    RunConfig,
    Verification,
    job,
    load_config,
    open_run,
    reproduce,
    run,
    submit,
    verify,
)

try:
    __version__ = _version("qnfusion")
except PackageNotFoundError:  # a source tree that was never installed
    __version__ = "0+unknown"

__all__ = [
    "ConfigError",
    "Job",
    "JobTimeout",
    "Run",
    "RunConfig",
    "Verification",
    "__version__",
    "job",
    "load_config",
    "open_run",
    "reproduce",
    "run",
    "submit",
    "verify",
]
