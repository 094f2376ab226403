"""The Lava config: a one-word swap from Brian2, and refusals that say what to change."""

from __future__ import annotations

import json
import subprocess
import sys
from typing import Any

import pytest
import yaml

from backends.neuromorphic.brian2.config import Brian2Config
from backends.neuromorphic.lava import config as lava_config
from backends.neuromorphic.lava.config import LavaConfig
from backends.neuromorphic.lava.loihi2_probe import loihi2_sdk, loihi2_status
from orchestrator.config import ConfigError, validate_config
from tests.paths import ROOT


@pytest.fixture
def demo() -> dict[str, Any]:
    return yaml.safe_load((ROOT / "configs" / "demo.yaml").read_text())


@pytest.fixture
def no_loihi(monkeypatch: pytest.MonkeyPatch) -> None:
    """lava-loihi absent, as on this machine: the test means the same on a Loihi host."""
    monkeypatch.setattr(lava_config, "loihi2_sdk", lambda: None)


def problems(raw: dict[str, Any]) -> list[str]:
    try:
        validate_config(raw)
    except ConfigError as exc:
        return exc.problems
    return []


def test_defaults() -> None:
    cfg = LavaConfig.model_validate({"kind": "lava"})
    assert cfg.lava.target == "sim" and cfg.lava.tag() == "floating_pt"
    assert cfg.lava.fallback == "none" and cfg.plan().engine == "lava-sim"
    loihi = LavaConfig.model_validate({"kind": "lava", "lava": {"target": "loihi2"}})
    assert loihi.lava.tag() == "fixed_pt"  # the chip computes in fixed point


def test_the_demo_moves_to_lava_by_changing_kind_only(demo: dict[str, Any]) -> None:
    assert "brian2" in demo["spiking"]  # it carries Brian2's own sub-key ...
    demo["spiking"]["kind"] = "lava"
    cfg = validate_config(demo)  # ... and still validates on Lava
    assert cfg.spiking.kind == "lava" and cfg.spiking.plan().engine == "lava-sim"
    brian2 = validate_config({**demo, "spiking": {**demo["spiking"], "kind": "brian2"}})
    shared = set(Brian2Config.model_fields) - {"kind", "brian2"}
    assert cfg.spiking.as_brian2() == brian2.spiking
    assert {k: getattr(cfg.spiking, k) for k in shared} == {
        k: getattr(brian2.spiking, k) for k in shared
    }


def test_loihi2_without_lava_loihi_is_refused_saying_what_to_get(demo, no_loihi) -> None:
    demo["spiking"].update(kind="lava", lava={"target": "loihi2"})
    (line,) = problems(demo)
    assert line.startswith("spiking.lava.target: target loihi2 needs lava-loihi")
    assert "neuromorphic-community" in line  # where to get it
    assert "fallback: brian2" in line and "target: sim" in line  # what else to do


def test_loihi2_with_fallback_validates_as_brian2(demo, no_loihi) -> None:
    demo["spiking"].update(kind="lava", lava={"target": "loihi2", "fallback": "brian2"})
    demo["spiking"]["v_reset_mv"] = 5.0  # Lava could not run this; Brian2 will
    cfg = validate_config(demo)
    plan = cfg.spiking.plan()
    assert plan.engine == "brian2" and "lava-loihi is not installed" in (plan.reason or "")


@pytest.mark.parametrize(
    ("spiking", "expected"),
    [
        ({"v_reset_mv": -5.0}, "spiking.v_reset_mv: Lava's LIF resets to 0 mV"),
        (
            {"lava": {"select_tag": "fixed_pt"}},
            "spiking.refractory_ms: Lava 0.10 has no fixed-point model of LIFRefractory",
        ),
        (
            {"refractory_ms": 0, "lava": {"select_tag": "fixed_pt"}, "stdp": {"enabled": True}},
            "spiking.stdp.enabled: Lava's fixed-point learning engine",
        ),
        (
            {"refractory_ms": 0, "v_th_mv": 150.0, "lava": {"select_tag": "fixed_pt"}},
            "spiking.v_th_mv: 150.0 mV does not fit the 17-bit threshold",
        ),
        (
            {"stdp": {"enabled": True, "w_max_mv": 0.5}, "recurrent": {"weight_mv": 0.8}},
            "spiking.recurrent.weight_mv: with STDP on Lava the initial weights must lie in",
        ),
    ],
)
def test_what_lava_cannot_run_is_refused_naming_the_field(
    demo: dict[str, Any], spiking: dict[str, Any], expected: str
) -> None:
    demo["spiking"] = {**demo["spiking"], "kind": "lava", "stdp": {"enabled": False}, **spiking}
    found = problems(demo)
    assert any(line.startswith(expected) for line in found), found


def test_a_chip_takes_no_floating_point_mock_loihi(demo, monkeypatch) -> None:
    monkeypatch.setattr(lava_config, "loihi2_sdk", lambda: "/opt/lava-loihi (mock)")
    demo["spiking"].update(
        kind="lava", refractory_ms=0, stdp={"enabled": False},
        lava={"target": "loihi2", "select_tag": "floating_pt"},
    )  # fmt: skip
    assert problems(demo) == [
        "spiking.lava.select_tag: Loihi 2 computes in fixed point; floating_pt is a simulator "
        "tag (lava.target: sim)"
    ]


def test_lava_loihi_is_found_as_files_without_importing_mock_loihi(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(sys, "path", [str(tmp_path)])  # what this test puts there, only
    assert loihi2_sdk() is None
    assert loihi2_status().startswith("Loihi 2: not reachable (lava-loihi is not installed)")
    fake = tmp_path / "lava" / "utils"
    fake.mkdir(parents=True)
    (fake / "loihi2_profiler.py").write_text("raise SystemExit('must not be imported')\n")
    assert loihi2_sdk() == str(fake / "loihi2_profiler")
    monkeypatch.setenv("NXSDKHOST", "10.0.0.7")
    assert "Ethernet host 10.0.0.7" in loihi2_status()


def test_the_probe_imports_no_sdk() -> None:
    code = (
        "import json, sys\n"
        "from orchestrator.contract.registry import plugins\n"
        "line = plugins('spiking')['lava'].hardware()\n"
        "print(json.dumps([line, sorted({m.split('.')[0] for m in sys.modules})]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    line, modules = json.loads(out.stdout)
    assert line.startswith("Loihi 2: ")
    assert {"lava", "brian2", "qiskit"}.isdisjoint(modules)
