"""``python -m orchestrator.testing.conformance KIND`` on the example plugins, registered through
a distribution's entry points in a child process (as an installed third-party package is)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path
from typing import Literal

import pytest
from pydantic import Field

from tests.examples.numpy_lif.backend import NumpyLifBackend
from tests.examples.numpy_lif.config import (
    NUMPY_LIF_PLUGIN,
    NumpyLifConfig,
    register_for_subprocesses,
)
from tests.paths import ROOT


class BrokenConfig(NumpyLifConfig):
    kind: Literal["numpy_lif_broken"] = Field(description="A broken copy of numpy_lif.")


class StillOpenLif(NumpyLifBackend):  # type: ignore[misc]
    """Deliberately broken: it keeps advancing after close (the contract: RuntimeError)."""

    def close(self) -> None:
        pass


BROKEN_PLUGIN = replace(
    NUMPY_LIF_PLUGIN,
    kind="numpy_lif_broken",
    config=BrokenConfig,
    implementation="tests.examples.test_conformance_command:StillOpenLif",
)


def conformance(site: Path, kind: str) -> subprocess.CompletedProcess[str]:
    return child(site, "orchestrator.testing.conformance", kind)


def child(site: Path, module: str, *args: str) -> subprocess.CompletedProcess[str]:
    """``python -m module args`` with the plugins of ``site`` registered."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    return register_for_subprocesses(tmp_path_factory.mktemp("site"))


@pytest.mark.parametrize(
    ("kind", "layer", "checks"), [("numpy_lif", "spiking", 11), ("numpy_sv", "quantum", 10)]
)
def test_the_example_backends_conform(site: Path, kind: str, layer: str, checks: int) -> None:
    done = conformance(site, kind)
    assert done.returncode == 0, done.stdout + done.stderr
    assert len(done.stdout.splitlines()) == 1  # no FAIL line: the summary alone
    assert done.stdout.startswith(f"{layer} backend '{kind}' conforms: {checks} checks passed")


def test_a_broken_backend_fails_with_one_line_per_failed_check(tmp_path: Path) -> None:
    site = register_for_subprocesses(
        tmp_path,
        {
            "qnfusion.spiking": "numpy_lif_broken = "
            "tests.examples.test_conformance_command:BROKEN_PLUGIN"
        },
    )
    done = conformance(site, "numpy_lif_broken")
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith(
        "FAIL test_a_closed_backend_refuses_to_advance[numpy_lif_broken-default] (call): "
    )
    assert lines[1].startswith("spiking backend 'numpy_lif_broken' does not conform: 10 checks")
    assert len(lines) == 2


def test_an_unknown_kind_is_refused_in_one_line(site: Path) -> None:
    done = conformance(site, "no_such_backend")
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("kind: unknown backend 'no_such_backend'; registered here: ")
    assert "numpy_lif" in done.stderr and "numpy_sv" in done.stderr


RUN = """\
hamiltonian: {kind: tfim, n_qubits: 3, j: 1.0, h: 0.8}
quantum: {kind: numpy_sv, shots: 256}
spiking: {kind: numpy_lif, neurons: 12, tick_ms: 5.0}
pci: {drive_offset_mv: 15.0}
run: {ticks: 4, seed: 3}
"""


def test_a_run_on_the_two_example_plugins_completes_and_verifies(
    site: Path, tmp_path: Path
) -> None:
    """Registered like an installed package, the examples run `qnf run` end to end."""
    config, out = tmp_path / "run.yaml", tmp_path / "out"
    config.write_text(RUN)
    done = child(site, "orchestrator.cli", "run", str(config), "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "status:        completed" in done.stdout
    verified = child(site, "orchestrator.cli", "ledger", "verify", str(out))
    assert verified.returncode == 0 and verified.stdout.startswith("ok: 5 blocks verify")
    config.write_text(RUN.replace("tick_ms: 5.0}", "tick_ms: 5.0, stdp: {enabled: true}}"))
    refused = child(site, "orchestrator.cli", "validate", str(config))
    assert refused.returncode == 2  # what the example cannot run is refused by its config
    want = "spiking.stdp.enabled: the numpy_lif example runs static synapses only\n"
    assert refused.stderr == want
