"""configs/demo.yaml shows what the README says it shows (issue 24): every section, the
optional ones as comments that validate when uncommented, and `kind: aer` -> `kind: ibm` is a
change of that word plus the device."""

from __future__ import annotations

import re

import pytest
import yaml

from orchestrator.config import load_config
from orchestrator.config.errors import ConfigError
from orchestrator.config.root import load_config_text
from tests.paths import CONFIGS, ROOT

DEMO = CONFIGS / "demo.yaml"


def _optional_sections() -> dict:
    text = DEMO.read_text().split("# Optional sections", 1)[1].split("\n", 1)[1]
    lines = [
        line[2:] for line in text.splitlines()
        if line.startswith("# ") and not line.startswith("# federation:")
    ]  # fmt: skip
    return yaml.safe_load("\n".join(lines))


def test_the_demo_shows_every_section_the_readme_lists() -> None:
    readme = (ROOT / "README.md").read_text()
    listed = re.search(r"A config is YAML with sections (.*?)\);", readme, flags=re.S).group(1)
    sections = re.findall(r"`(\w+)`", listed)
    assert {"hamiltonian", "quantum", "run", "maxcut", "federation"} <= set(sections)
    demo = DEMO.read_text()
    for section in sections:
        assert re.search(rf"^(# )?{section}:", demo, flags=re.M), section


@pytest.mark.parametrize("section", sorted(_optional_sections()))
def test_each_commented_section_validates_when_uncommented(section) -> None:
    data = yaml.safe_load(DEMO.read_text())
    data[section] = _optional_sections()[section]
    load_config_text(yaml.safe_dump(data), f"demo + {section}")


def test_aers_commented_options_validate_under_its_own_key() -> None:
    """The demo's commented `aer:` line, uncommented, is Aer's statevector mode; its old
    top-level place says where the key moved (design §23)."""
    text = DEMO.read_text()
    (line,) = [x for x in text.splitlines() if x.startswith("  # aer: {")]
    cfg = load_config_text(text.replace(line, line.replace("# ", "", 1)), "demo + aer")
    assert cfg.quantum.aer.method == "statevector" and cfg.quantum.capabilities().statevector
    old = text.replace("shots: 1024 ", "shots: 1024\n  method: statevector ", 1)
    with pytest.raises(ConfigError) as info:
        load_config_text(old, "demo, old layout")
    assert info.value.problems == ["quantum.method: moved to quantum.aer.method"]


def test_moving_the_demo_to_ibm_is_the_kind_and_the_device() -> None:
    text = DEMO.read_text()
    assert text.count("kind: aer") == 1
    ibm = text.replace("kind: aer", "kind: ibm\n  device: fake_sherbrooke")
    cfg = load_config_text(ibm, "demo on ibm")
    assert cfg.quantum.kind == "ibm" and cfg.quantum.shots == load_config(DEMO).quantum.shots
    with pytest.raises(ConfigError, match=r"quantum\.device"):
        load_config_text(text.replace("kind: aer", "kind: ibm"), "demo on ibm, no device")
