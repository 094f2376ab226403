"""Federated configs for tests: keys made on the spot, the small config as every node."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from orchestrator.federation.signing import generate_private_key, private_key_hex, public_key_hex
from tests.paths import ASSETS


def write_federation(
    directory: Path, nodes: int, ticks: int, **federation: Any
) -> tuple[Path, dict[str, Any]]:
    """(config path, raw config): ``nodes`` nodes n0, n1, ... of tests/assets/small.yaml."""
    directory.mkdir(parents=True, exist_ok=True)
    raw = yaml.safe_load((ASSETS / "small.yaml").read_text())
    raw["run"]["ticks"] = ticks
    entries = []
    for i in range(nodes):
        key = generate_private_key()
        path = directory / f"n{i}.key"
        path.write_text(private_key_hex(key))
        entries.append({"id": f"n{i}", "public_key": public_key_hex(key), "key_file": str(path)})
    raw["federation"] = {"nodes": entries, **federation}
    config = directory / "federated.yaml"
    config.write_text(yaml.safe_dump(raw, sort_keys=False))
    return config, raw
