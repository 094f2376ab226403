"""``spiking.noise`` and ``spiking.v_init``: absent, a config hashes as before; present, they
resolve to seeded streams of their own; what a backend cannot run is refused in one line."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml

from backends.neuromorphic.lava import config as lava_config
from orchestrator.config import ConfigError, validate_config
from orchestrator.run.assemble import build_network
from orchestrator.run.seeds import Stream, derive_seed
from tests.paths import ASSETS


def raw(**spiking: Any) -> dict[str, Any]:
    data = yaml.safe_load((ASSETS / "small.yaml").read_text())
    data["spiking"] = {**data["spiking"], **spiking}
    return data


def test_absent_fields_leave_the_resolved_config_and_its_hash_as_before() -> None:
    plain = validate_config(raw())
    explicit = validate_config(raw(noise=None, v_init=None))
    assert "noise" not in plain.model_dump()["spiking"]
    assert "v_init" not in plain.model_dump()["spiking"]
    assert explicit.config_hash() == plain.config_hash()
    assert build_network(plain).noise is None and build_network(plain).v_init_mv is None
    noisy = validate_config(raw(noise={"kind": "white", "sigma_mv": 1.0}))
    assert noisy.config_hash() != plain.config_hash()
    assert validate_config(noisy.model_dump()).config_hash() == noisy.config_hash()


def test_noise_and_initial_potentials_have_streams_of_their_own() -> None:
    cfg = validate_config(
        raw(noise={"kind": "ou", "sigma_mv": 2.0, "tau_ms": 4.0}, v_init={"low_mv": -2.0,
            "high_mv": 15.0})
    )
    net = build_network(cfg)
    assert net.noise is not None and net.v_init_mv is not None
    assert (net.noise.kind, net.noise.sigma_mv, net.noise.tau_ms) == ("ou", 2.0, 4.0)
    assert net.noise.seed == derive_seed(cfg.run.seed, Stream.NOISE)
    want = np.random.default_rng(derive_seed(cfg.run.seed, Stream.V_INIT)).uniform(-2, 15, 6)
    np.testing.assert_array_equal(net.v_init_mv, want)
    seeded = validate_config(
        raw(noise={"kind": "white", "sigma_mv": 2.0, "seed": 5},
            v_init={"low_mv": 0.0, "high_mv": 1.0, "seed": 6})
    )
    net = build_network(seeded)
    assert net.noise is not None and net.noise.seed == 5
    np.testing.assert_array_equal(net.v_init_mv, np.random.default_rng(6).uniform(0, 1, 6))
    # the connectivity stream is untouched by the new ones
    np.testing.assert_array_equal(net.pre, build_network(validate_config(raw())).pre)


@pytest.mark.parametrize(
    ("spiking", "line"),
    [
        ({"noise": {"kind": "white", "sigma_mv": 2.0, "tau_ms": 1.0}}, "spiking.noise: kind white"),
        ({"noise": {"kind": "ou", "sigma_mv": 0.0, "tau_ms": 1.0}}, "spiking.noise.sigma_mv:"),
        ({"noise": {"kind": "pink", "sigma_mv": 1.0}}, "spiking.noise.kind:"),
        ({"v_init": {"low_mv": 5.0, "high_mv": 1.0}}, "spiking.v_init: low_mv must not exceed"),
        ({"v_init": {"low_mv": 0.0, "high_mv": 21.0}}, "spiking.v_init: high_mv must be at most"),
    ],
)
def test_bad_noise_settings_are_refused_in_one_line(spiking: dict[str, Any], line: str) -> None:
    with pytest.raises(ConfigError) as err:
        validate_config(raw(**spiking))
    assert any(problem.startswith(line) for problem in err.value.problems), err.value.problems


def test_lava_runs_noise_in_floating_point_and_refuses_it_on_fixed_point_and_loihi2(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    noise = {"kind": "white", "sigma_mv": 2.0}
    assert validate_config(raw(kind="lava", noise=noise)).spiking.noise is not None
    for lava in ({"select_tag": "fixed_pt"}, {"target": "loihi2"}):
        monkeypatch.setattr(lava_config, "loihi2_sdk", lambda: "lava-loihi (mock)")
        with pytest.raises(ConfigError) as err:
            validate_config(raw(kind="lava", refractory_ms=0.0, noise=noise, lava=lava))
        noisy = [p for p in err.value.problems if p.startswith("spiking.noise:")]
        assert len(noisy) == 1 and "floating_pt" in noisy[0], err.value.problems
    monkeypatch.setattr(lava_config, "loihi2_sdk", lambda: None)  # absent: Brian2 runs it
    fallback = validate_config(
        raw(kind="lava", noise=noise, lava={"target": "loihi2", "fallback": "brian2"})
    )
    assert fallback.spiking.substitute().config.noise == fallback.spiking.noise

