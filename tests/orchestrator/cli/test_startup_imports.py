"""What the quick commands import (issue 25 item 1): `qnf --help`, `jobs`, `status` and
`validate` load no quantum or neuromorphic SDK and no scipy, so they answer at once.

Each command runs in a fresh interpreter, through the console script's own entry point
(``orchestrator.cli.main``), and reports the top-level modules loaded when it is done. No
wall-clock limit: the speed itself is measured by ``bench/startup.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.paths import ROOT

# The hardware SDKs of every backend, and scipy (the config models used to pull it in).
HEAVY = (
    "qiskit",
    "qiskit_aer",
    "qiskit_ibm_runtime",
    "brian2",
    "lava",
    "ray",
    "nest",
    "pyNN",
    "scipy",
)

PROBE = """
import json, sys
{prelude}
sys.argv = ["qnf", *json.loads(sys.argv[1])]
from orchestrator.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
with open({report!r}, "w") as f:
    json.dump({{"code": code, "modules": sorted({{m.split(".")[0] for m in sys.modules}})}}, f)
"""


def loaded_by(
    argv: list[str], home: Path, prelude: str = "", full: bool = False, **env_vars: str
) -> tuple[int, set[str]]:
    """(exit code, top-level modules loaded) of ``qnf ARGV`` run in a fresh interpreter (with
    ``full``, every module's whole name)."""
    report = home / "modules.json"
    code = PROBE.format(prelude=prelude, report=str(report))
    if full:
        code = code.replace('m.split(".")[0] for m', "m for m")
    env = {**os.environ, "QNF_HOME": str(home), **env_vars}
    subprocess.run(
        [sys.executable, "-c", code, json.dumps(argv)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    data = json.loads(report.read_text())
    return int(data["code"] or 0), set(data["modules"])


def _queued_job(home: Path) -> str:
    from orchestrator.jobs.store import JobStore

    store = JobStore(home)
    try:
        text = (ROOT / "configs" / "demo.yaml").read_text()
        return store.submit("configs/demo.yaml", text, home / "run", 5, "aer+brian2").id
    finally:
        store.close()


COMMANDS = {
    "--help": lambda home: ["--help"],
    "jobs": lambda home: ["jobs"],
    "status": lambda home: ["status", _queued_job(home)],
    "validate": lambda home: ["validate", "configs/demo.yaml"],
}


@pytest.mark.parametrize("name", COMMANDS)
def test_quick_commands_import_no_sdk_and_no_scipy(name, tmp_path) -> None:
    code, modules = loaded_by(COMMANDS[name](tmp_path), tmp_path)
    assert code == 0
    assert "orchestrator" in modules
    assert ("typer" in modules) is (name != "validate")  # `validate PATH`: cli.direct
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))


# What typer would import for these three and lean_typer spares them (pydantic for parameter
# coercion; rich.markdown's markdown-it and pygments, rich.traceback's attrs for help).
NOT_ON_THE_QUICKEST = ("pydantic", "markdown_it", "pygments", "attr", "numpy", "yaml")


@pytest.mark.parametrize("name", ["--help", "jobs", "status"])
def test_help_jobs_status_import_no_pydantic_and_no_markdown(name, tmp_path) -> None:
    code, modules = loaded_by(COMMANDS[name](tmp_path), tmp_path)
    assert code == 0
    assert modules.isdisjoint(NOT_ON_THE_QUICKEST), sorted(modules & set(NOT_ON_THE_QUICKEST))


def test_validate_imports_no_numpy_and_only_the_named_backends(tmp_path) -> None:
    """`qnf validate` of the demo (aer + brian2) loads no numpy and no other backend's config
    module (the plugins it does not name stay unloaded; docs/design.md §25)."""
    probe = PROBE.replace(
        "sorted({{m.split(\".\")[0] for m in sys.modules}})", "sorted(sys.modules)"
    )
    assert probe != PROBE
    report = tmp_path / "modules.json"
    env = {**os.environ, "QNF_HOME": str(tmp_path)}
    subprocess.run(
        [sys.executable, "-c", probe.format(prelude="", report=str(report)),
         json.dumps(["validate", "configs/demo.yaml"])],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    data = json.loads(report.read_text())
    modules = set(data["modules"])
    assert data["code"] in (0, None)
    assert not {m for m in modules if m.split(".")[0] == "numpy"}
    configs = {m for m in modules if m.startswith("backends.") and m.endswith(".config")}
    assert configs == {"backends.quantum.aer.config", "backends.neuromorphic.brian2.config"}


def test_importing_the_cli_app_loads_no_numpy_or_config_models(tmp_path) -> None:
    """Registering the commands costs only typer and rich: the commands import the rest."""
    code = (
        "import json, sys; from orchestrator.cli import app; "
        "print(json.dumps(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    modules = set(json.loads(proc.stdout))
    assert modules.isdisjoint({*HEAVY, "numpy", "pydantic", "yaml", "matplotlib"}), modules


def test_the_probe_sees_a_heavy_import_added_on_the_path(tmp_path) -> None:
    """The check can fail: the same command with scipy imported on its way is caught."""
    code, modules = loaded_by(["validate", "configs/demo.yaml"], tmp_path, "import scipy.sparse")
    assert code == 0
    assert sorted(modules & set(HEAVY)) == ["scipy"]


# What a quick command imports only where it draws or opens them (design §25, fourth round):
# rich's live views and bars (`qnf watch`, runs, sweeps), its tables (`qnf jobs`, typer's help),
# the job store, and the command modules of other commands (`lazy_commands`). `qnf validate
# PATH` (fifth round) runs without typer and rich (`cli.direct`), without the typer app and its
# command modules, without the config hash's rfc8785 or the hints' difflib, and without
# importlib.metadata and its email package (contract/entry_points.py).
NOT_UNLESS_USED = {
    "--help": {"rich.progress", "rich.live", "orchestrator.jobs.store"},
    "jobs": {"rich.progress", "rich.live"},
    "status": {"rich.progress", "rich.live", "rich.table"},
    "validate": {
        "rich.progress",
        "rich.live",
        "rich.table",
        "orchestrator.cli.job_views",
        "orchestrator.jobs.store",
        "typer",
        "rich",
        "rich.console",
        "orchestrator.cli.app",
        "orchestrator.cli.commands",
        "orchestrator.cli.lean_typer",
        "orchestrator.run.interrupt",
        "rfc8785",
        "difflib",
        "importlib.metadata",
        "email",
    },
}


@pytest.mark.parametrize("name", NOT_UNLESS_USED)
def test_quick_commands_import_no_progress_live_table_or_job_store_they_do_not_use(
    name, tmp_path
) -> None:
    code, modules = loaded_by(COMMANDS[name](tmp_path), tmp_path, full=True)
    assert code == 0
    assert ("orchestrator.cli.direct" if name == "validate" else "orchestrator.cli.app") in modules
    assert modules.isdisjoint(NOT_UNLESS_USED[name]), sorted(modules & NOT_UNLESS_USED[name])


def test_validate_imports_the_command_module_of_validate_only(tmp_path) -> None:
    code, modules = loaded_by(COMMANDS["validate"](tmp_path), tmp_path, full=True)
    assert code == 0
    cli = {m for m in modules if m.startswith("orchestrator.cli")}
    assert cli == {"orchestrator.cli", "orchestrator.cli.direct", "orchestrator.cli.plain"}


def test_a_start_that_is_not_validate_path_imports_the_typer_app(tmp_path) -> None:
    """`qnf validate` with anything but one plain PATH goes through typer as before."""
    code, modules = loaded_by(["validate", "./configs/demo.yaml"], tmp_path, full=True)
    assert code == 0
    assert {"typer", "orchestrator.cli.app", "orchestrator.cli.commands"} <= modules


def test_the_probe_sees_the_job_views_and_a_bar_imported_on_the_path(tmp_path) -> None:
    """The two checks above can fail: the same command with them imported is caught."""
    prelude = "import rich.progress, orchestrator.cli.job_views"
    code, modules = loaded_by(COMMANDS["validate"](tmp_path), tmp_path, prelude, full=True)
    assert code == 0
    assert {"rich.progress", "orchestrator.cli.job_views", "typer"} <= modules


# Counts the calls of importlib.metadata.entry_points (pydantic's plugin loader binds the name
# when it is imported, after this) into a file at exit.
COUNT_SCANS = """
import atexit, importlib.metadata as _m
_calls = []
_scan = _m.entry_points
_m.entry_points = lambda *a, **k: (_calls.append(1), _scan(*a, **k))[1]
atexit.register(lambda: open({path!r}, "w").write(str(len(_calls))))
"""


def test_validate_scans_the_entry_points_without_importlib_metadata(tmp_path) -> None:
    """The registry reads entry_points.txt itself, and tells pydantic that no pydantic plugin is
    installed (contract/entry_points.py): no `importlib.metadata.entry_points()` scan at all."""
    count = tmp_path / "scans.txt"
    prelude = COUNT_SCANS.format(path=str(count))
    code, _ = loaded_by(COMMANDS["validate"](tmp_path), tmp_path, prelude)
    assert code == 0
    assert count.read_text() == "0"
    # the check can fail: a scan on the way is counted
    prelude += "_m.entry_points(group='qnfusion.quantum')\n"
    loaded_by(COMMANDS["validate"](tmp_path), tmp_path, prelude)
    assert count.read_text() == "1"


@pytest.mark.parametrize("account_file", [None, "{}"])
def test_backends_without_an_ibm_account_imports_no_sdk(account_file, tmp_path) -> None:
    """`qnf backends` learns that there is no IBM account without importing qiskit (the
    runtime's account file is absent or empty, QISKIT_IBM_TOKEN unset)."""
    home = tmp_path / "user"
    if account_file is not None:
        (home / ".qiskit").mkdir(parents=True)
        (home / ".qiskit" / "qiskit-ibm.json").write_text(account_file)
    code, modules = loaded_by(["backends", "--json"], tmp_path, HOME=str(home), QISKIT_IBM_TOKEN="")
    assert code == 0
    assert modules.isdisjoint(HEAVY), sorted(modules & set(HEAVY))
