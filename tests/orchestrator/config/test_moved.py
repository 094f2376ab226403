"""Aer's options moved under ``quantum.aer`` (issue 24): a user's config that still puts them
at the top of ``quantum`` gets one line per key naming its new place (exit 2, no traceback,
nothing written); a stored config is read with them moved, keeping its stored hash
(docs/design.md §23)."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest
import yaml

from orchestrator.config.digest import config_digest
from orchestrator.config.errors import ConfigError
from orchestrator.config.moved import migrate, moved_problems
from orchestrator.config.root import validate_config
from orchestrator.config.stored import validate_stored
from tests.paths import ASSETS, ROOT

OLD_CONFIG = ASSETS / "aer_layout_v1" / "config.yaml"
MOVED_LINES = [
    "quantum.method: moved to quantum.aer.method",
    "quantum.max_parallel_threads: moved to quantum.aer.max_parallel_threads",
]


def _small(**quantum) -> dict:
    raw = yaml.safe_load((ASSETS / "small.yaml").read_text())
    raw["quantum"].update(quantum)
    return raw


def test_aers_options_have_the_defaults_they_had_at_the_top_of_quantum() -> None:
    aer = validate_config(_small()).quantum
    assert (aer.aer.method, aer.aer.max_parallel_threads, aer.aer.noise_from) == (
        "automatic", 1, None,
    )


def test_a_moved_key_is_one_line_naming_its_new_place() -> None:
    with pytest.raises(ConfigError) as info:
        validate_config(_small(method="statevector", noise_from="fake_manila"))
    assert info.value.problems == [
        "quantum.method: moved to quantum.aer.method",
        "quantum.noise_from: moved to quantum.aer.noise_from",
    ]


def test_other_problems_are_reported_with_the_moved_keys() -> None:
    with pytest.raises(ConfigError) as info:
        validate_config(_small(method="statevector", shots=0))
    assert info.value.problems == [
        "quantum.method: moved to quantum.aer.method",
        "quantum.shots: must be > 0",
    ]


def test_an_override_at_the_old_place_is_refused_too() -> None:
    from orchestrator.config.root import load_config

    with pytest.raises(ConfigError) as info:
        load_config(ASSETS / "small.yaml", {"quantum.method": "statevector"})
    assert info.value.problems == ["quantum.method: moved to quantum.aer.method"]
    cfg = load_config(ASSETS / "small.yaml", {"quantum.aer.method": "statevector"})
    assert cfg.quantum.capabilities().statevector


@pytest.mark.parametrize("command", ["run", "validate"])
def test_the_cli_says_where_the_keys_moved_and_exits_2(command, tmp_path) -> None:
    out = tmp_path / "r"
    extra = ["--out", str(out), "--no-report"] if command == "run" else []
    proc = subprocess.run(
        [sys.executable, "-m", "orchestrator.cli", command, str(OLD_CONFIG), *extra],
        capture_output=True, text=True, cwd=ROOT, check=False,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stderr.strip().splitlines() == MOVED_LINES
    assert "Traceback" not in proc.stdout + proc.stderr
    assert not out.exists()


def _old_layout(resolved: dict) -> dict:
    """A resolved config as a run written before issue 24 stored it (Aer's keys on top)."""
    stored = copy.deepcopy(resolved)
    stored["quantum"].update(stored["quantum"].pop("aer"))
    return stored


def test_a_stored_config_is_read_with_the_keys_moved_and_keeps_its_hash() -> None:
    new = validate_config(_small(aer={"method": "statevector", "max_parallel_threads": 2}))
    stored = _old_layout(new.resolved())
    assert moved_problems(stored) == [
        "quantum.method: moved to quantum.aer.method",
        "quantum.max_parallel_threads: moved to quantum.aer.max_parallel_threads",
        "quantum.noise_from: moved to quantum.aer.noise_from",
    ]
    assert migrate(stored) == new.resolved() and "aer" not in stored["quantum"]  # not changed
    old = validate_stored(stored)
    assert old.quantum == new.quantum  # the backend reads the same options
    assert old.resolved() == stored  # the run keeps what it stored ...
    assert old.config_hash() == config_digest(stored) != new.config_hash()  # ... and its hash


def test_a_stored_config_in_todays_layout_reads_as_a_users() -> None:
    new = validate_config(_small(aer={"method": "statevector"}))
    again = validate_stored(new.resolved())
    assert again == new and again.config_hash() == new.config_hash()


def test_a_stored_config_still_gets_every_other_check() -> None:
    stored = _old_layout(validate_config(_small()).resolved())
    stored["quantum"]["shots"] = 0
    with pytest.raises(ConfigError) as info:
        validate_stored(stored)
    assert info.value.problems == ["quantum.shots: must be > 0"]
    both = validate_config(_small()).resolved()  # old and new place: no version wrote that
    both["quantum"]["method"] = "statevector"
    with pytest.raises(ConfigError) as info:
        validate_stored(both)
    assert info.value.problems == ["quantum.method: moved to quantum.aer.method"]


def test_backends_without_moved_keys_refuse_aers_as_unknown() -> None:
    raw = _small(kind="ibm", device="fake_sherbrooke", method="automatic")
    with pytest.raises(ConfigError) as info:
        validate_stored(raw)  # nothing moves for ibm: the key is unknown there
    assert info.value.problems == ["quantum.method: unknown key"]
