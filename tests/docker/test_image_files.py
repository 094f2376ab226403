"""docker/: what can be checked without a container engine (none runs on this machine).

The compose file parses and wires the head and workers together; the Dockerfile builds from
Python 3.10 with the locked environment and the ray extra, and copies only what exists. That
its steps run is checked by ``bash docker/build-steps.sh`` (minutes: not part of the suite).
"""

from __future__ import annotations

import fnmatch
import re
import subprocess

import yaml

from orchestrator.config import load_config
from tests.paths import CONFIGS, ROOT

DOCKER = ROOT / "docker"


def test_compose_file_parses_and_wires_a_head_and_workers():
    compose = yaml.safe_load((DOCKER / "compose.yaml").read_text())
    services = compose["services"]
    assert set(services) == {"ray-head", "ray-worker"}
    head, worker = services["ray-head"], services["ray-worker"]
    for service in (head, worker):
        assert service["image"] == "qnfusion" and service["entrypoint"] == ["ray"]
        assert service["command"][:1] == ["start"] and "--block" in service["command"]
        for volume in service["volumes"]:
            source = volume.split(":")[0]
            assert (DOCKER / source).resolve().parent == ROOT  # ../runs, ../configs
    assert "--head" in head["command"] and "--port=6379" in head["command"]
    assert "--address=ray-head:6379" in worker["command"]
    assert worker["depends_on"] == ["ray-head"] and worker["deploy"]["replicas"] >= 1


def test_dockerfile_uses_python_310_the_lock_and_the_ray_extra():
    text = (DOCKER / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.10", text, re.M)
    syncs = re.findall(r"uv sync ([^\n]*)", text)
    assert syncs and all("--locked" in s and "--extra ray" in s for s in syncs)
    for line in re.findall(r"^COPY (.*)$", text, re.M):
        *sources, _ = line.split()
        assert all((ROOT / s).exists() for s in sources), line
    copied = {line.split()[0] for line in re.findall(r"^COPY (.*)$", text, re.M)}
    packages = re.search(r"^packages = \[(.*)\]$", (ROOT / "pyproject.toml").read_text(), re.M)
    for package in re.findall(r'"(\w+)"', packages.group(1)):
        assert package in copied, f"the wheel's package {package} is not copied into the image"


def test_the_federated_demo_configs_validate():
    for name in ("federated.yaml", "federated_ray.yaml"):
        cfg = load_config(CONFIGS / name)
        assert cfg.federation is not None and len(cfg.federation.nodes) == 4
        for node in cfg.federation.nodes:
            assert (ROOT / node.key_file).is_file()


def _ignored(path: str, patterns: list[str]) -> bool:
    """Whether .dockerignore's ``patterns`` keep ``path`` (or a folder above it) out of the
    build context (`**/` any depth; no `!` exceptions)."""
    parts = path.split("/")
    candidates = ["/".join(parts[:k]) for k in range(1, len(parts) + 1)]
    for pattern in patterns:
        for candidate in candidates:
            if fnmatch.fnmatchcase(candidate, pattern):
                return True
            if pattern.startswith("**/") and any(
                fnmatch.fnmatchcase("/".join(candidate.split("/")[k:]), pattern[3:])
                for k in range(len(candidate.split("/")))
            ):
                return True
    return False


def test_the_image_carries_no_private_key():
    """Issue 27: the demo keys of configs/keys are public; the image must not hold them."""
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.strip().startswith("#")
    ]
    assert not any(p.startswith("!") for p in patterns)  # build-steps.sh does not do those
    text = (DOCKER / "Dockerfile").read_text()
    sources = [s for line in re.findall(r"^COPY (.*)$", text, re.M) for s in line.split()[:-1]]
    tracked = subprocess.run(
        ["git", "ls-files", *sources], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    keys = [f for f in tracked if f.startswith("configs/keys/")]
    assert keys  # the demo keys are tracked, and COPY configs would take them
    copied = [f for f in tracked if not _ignored(f, patterns)]
    assert not [f for f in copied if f.startswith("configs/keys/") or f.endswith(".key")]
    assert "configs/federated.yaml" in copied and "orchestrator/cli/app.py" in copied
    steps = (DOCKER / "build-steps.sh").read_text()
    assert ".dockerignore" in steps  # the engine-free build honours it too
