"""Behaviour does not change by accident, nor with the machine: short runs reach the final roots
recorded for them, whatever BLAS kernel the machine's OpenBLAS picks and whatever SIMD loops its
numpy picks.

The roots in ``tests/assets/golden_roots.json`` must survive every refactor: the demo on Aer +
Brian2 with STDP, the demo on Lava, a run with rollbacks, an IBM device snapshot with readout
mitigation, the amplitude mapping on a statevector with kicks and sparse checkpoints, Brian2
under Lava's timing with multiplicative STDP, and the Lava -> Brian2 fallback (its identity is
in every event). A root covers every event, spike train and checkpoint of the run, bit for bit.

Three kinds of check (issue 26, design §6):

- this process runs each case in the environment the machine gives it (nothing is changed);
- child processes run every case again in environments that differ from this one ONLY in
  ``OPENBLAS_CORETYPE`` / ``OPENBLAS_L2_SIZE``: both set to Haswell / 512 (what some AMD EPYC
  machines set), both removed, and ``OPENBLAS_CORETYPE=Prescott`` (an SSE3 kernel any x86-64
  CPU runs, and one that differs from the kernel picked on AVX2 machines, where Haswell and
  "unset" load the same kernels and so test little there). Each must reach the recorded roots:
  no BLAS kernel may decide a bit of a run. The suite's own process never changes them;
- a child process whose numpy dispatches no AVX512 loop (``NPY_DISABLE_CPU_FEATURES``; only on
  a CPU that has them): the roots were recorded on an AVX2 CPU and must not depend on numpy's
  choice of loops either (``orchestrator.physics.fixed_math``, design §6);
- ``qnf reproduce`` of each child's run (made under Haswell / 512), re-run here, says
  "matches".
"""

from __future__ import annotations

import json
import os
import platform
import signal
import subprocess
import sys
from typing import Any

import pytest
from typer.testing import CliRunner

from orchestrator.cli import app
from tests.ledger_schema import assert_schema
from tests.orchestrator.run.golden import GOLDEN, avx512_loops, case_environment, run_case
from tests.paths import ROOT

VARIABLES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")
NUMPY_AVX2 = "numpy-without-avx512"
VARIANTS: dict[str, dict[str, str]] = {
    "haswell-l2-512": {"OPENBLAS_CORETYPE": "Haswell", "OPENBLAS_L2_SIZE": "512"},
    "unset": {},
    "prescott": {"OPENBLAS_CORETYPE": "Prescott"},
    NUMPY_AVX2: {},  # this process's environment, numpy's AVX512 loops switched off
}
REPRODUCED_FROM = "haswell-l2-512"


def _die_with_this_process() -> None:
    """In a child, before exec: the kernel kills it if the test process ends, however."""
    if sys.platform.startswith("linux"):
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG


def _cannot_run(variant: str) -> str | None:
    """Why this machine cannot load the variant's kernel (it would die of SIGILL), or None."""
    if variant == "unset":
        return None
    if variant == NUMPY_AVX2 and not avx512_loops():
        return "numpy dispatches no AVX512 loop on this CPU: this process runs the AVX2 case"
    if platform.machine().lower() not in ("x86_64", "amd64"):
        return f"OPENBLAS_CORETYPE={VARIANTS[variant]['OPENBLAS_CORETYPE']} names an x86-64 kernel"
    if variant == "haswell-l2-512":
        from numpy.core._multiarray_umath import __cpu_features__

        if not (__cpu_features__.get("AVX2") and __cpu_features__.get("FMA3")):
            return "the Haswell kernel needs AVX2 and FMA3, which this CPU lacks"
    return None


@pytest.fixture(scope="module")
def kernel_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    """Every golden case in one child process per variant, the children at once: per variant,
    {case: the child's JSON row, plus its run directory}, or {"error": why} for a child that
    failed."""
    base = tmp_path_factory.mktemp("kernels")
    children = {}
    for variant, values in VARIANTS.items():
        if _cannot_run(variant) is not None:
            continue
        if variant == NUMPY_AVX2:
            env = dict(os.environ, NPY_DISABLE_CPU_FEATURES=" ".join(avx512_loops()))
        else:
            env = {k: v for k, v in os.environ.items() if k not in VARIABLES}
            env.update(values)
        children[variant] = subprocess.Popen(
            [sys.executable, "-m", "tests.orchestrator.run.golden", str(base / variant)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            preexec_fn=_die_with_this_process,
        )
    out: dict[str, dict[str, Any]] = {}
    for variant, child in children.items():
        stdout, stderr = child.communicate()
        rows = {}
        for line in stdout.splitlines():
            if line.startswith("{"):
                row = json.loads(line)
                rows[row["case"]] = dict(row, run_dir=base / variant / row["case"])
        if child.returncode != 0:
            rows["error"] = f"exit {child.returncode}: {stderr.strip().splitlines()[-5:]}"
        out[variant] = rows
    return out


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_the_run_reaches_its_recorded_root(name: str, tmp_path) -> None:
    case = GOLDEN[name]
    result = run_case(name, tmp_path / "run")
    assert (result.status, result.ticks) == ("completed", case["ticks"])
    assert result.summary["reverts"] == case["reverts"]
    assert result.final_root == case["final_root"]
    kinds = assert_schema(tmp_path / "run" / "ledger.sqlite")  # record/ledger_events.SCHEMA
    assert (kinds["genesis"], kinds["revert"]) == (1, case["reverts"])


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_the_root_does_not_depend_on_the_blas_kernel(name: str, variant: str, kernel_runs) -> None:
    reason = _cannot_run(variant)
    if reason is not None:
        pytest.skip(reason)
    rows = kernel_runs[variant]
    row = rows.get(name)
    assert row is not None, f"{variant}: the child did not run {name}: {rows.get('error')}"
    case = GOLDEN[name]
    assert (row["status"], row["ticks"], row["reverts"]) == (
        "completed",
        case["ticks"],
        case["reverts"],
    )
    assert row["root"] == case["final_root"], f"{variant} (kernels {row['kernels']})"


def test_the_variants_load_other_kernels(kernel_runs) -> None:
    """The cross-check means something: the children loaded the kernels asked for (numpy's
    OpenBLAS at least; an older OpenBLAS may name the same SSE3 kernel otherwise, e.g.
    scipy's 0.3.28 says Katmai for Prescott)."""
    for variant, rows in kernel_runs.items():
        kernels = {k for row in rows.values() if isinstance(row, dict) for k in row["kernels"]}
        wanted = VARIANTS[variant].get("OPENBLAS_CORETYPE")
        if wanted is not None:
            assert any(k.endswith(f":{wanted}") for k in kernels), (variant, kernels)
        cases = [row for row in rows.values() if isinstance(row, dict)]
        if variant == NUMPY_AVX2:  # and the numpy child did run without AVX512, unlike this one
            assert avx512_loops() and cases and all(not r["numpy_avx512"] for r in cases)


@pytest.mark.parametrize("name", sorted(GOLDEN))
def test_qnf_reproduce_says_matches_for_a_run_made_under_another_kernel(
    name: str, kernel_runs, tmp_path
) -> None:
    if _cannot_run(REPRODUCED_FROM) is not None:
        pytest.skip(_cannot_run(REPRODUCED_FROM))
    row = kernel_runs[REPRODUCED_FROM].get(name)
    assert row is not None, kernel_runs[REPRODUCED_FROM].get("error")
    with case_environment(name):
        result = CliRunner().invoke(
            app, ["reproduce", str(row["run_dir"]), "--out", str(tmp_path / "rerun"), "--json"]
        )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["matches"] and report["first_difference"] is None
    assert report["roots"] == [GOLDEN[name]["final_root"]] * 2
    # the genesis metas say the two processes differed in the OpenBLAS variables (unless this
    # process runs with Haswell / 512 itself); the roots did not care
    here = tuple(os.environ.get(k) for k in VARIABLES)
    if here != ("Haswell", "512"):
        assert any(line.startswith("variables.OPENBLAS") for line in report["numeric_environment"])
