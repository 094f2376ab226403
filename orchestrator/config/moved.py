"""Keys a backend moved within its section: refused in a user's config, moved in a stored one.

A backend's config model declares ``moved`` (``QuantumBackendConfig.moved``,
``SpikingBackendConfig.moved``): keys an earlier layout held at the top of its section, each
with its place now, dotted within the section. Issue 24 moved Aer's own options, so
``AerConfig.moved`` is ``{"method": "aer.method", "max_parallel_threads":
"aer.max_parallel_threads", "noise_from": "aer.noise_from"}`` (docs/design.md §23).

Two readers, two rules:

- a user's config (a file, CLI overrides, a dict given to the API, a job submitted): a moved
  key is a problem, one line ``quantum.method: moved to quantum.aer.method``
  (``moved_problems``); nothing is guessed or rewritten for the user;
- a stored config (a run directory's config.yaml, its genesis block, the config a federation
  hands its nodes): ``migrate`` puts each moved key in its new place before validation
  (``orchestrator.config.stored``), so a run written before the move still resumes,
  reproduces and opens.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from orchestrator.contract.registry import kinds, plugin

__all__ = ["migrate", "moved_problems", "without_moved"]

LAYERS = ("quantum", "spiking")


def _moved_of(raw: Mapping[str, Any], layer: str) -> Mapping[str, str]:
    """The ``moved`` table of the backend ``raw[layer]`` names ({} if none or unknown)."""
    section = raw.get(layer)
    kind = section.get("kind") if isinstance(section, Mapping) else None
    if not isinstance(kind, str) or kind not in kinds(layer):  # reported elsewhere
        return {}
    return plugin(layer, kind).config.moved


def moved_problems(raw: Mapping[str, Any]) -> list[str]:
    """One ``layer.key: moved to layer.new.place`` line per moved key ``raw`` still uses."""
    problems = []
    for layer in LAYERS:
        section = raw.get(layer)
        for old, new in _moved_of(raw, layer).items():
            if isinstance(section, Mapping) and old in section:
                problems.append(f"{layer}.{old}: moved to {layer}.{new}")
    return problems


def without_moved(raw: Mapping[str, Any]) -> dict[str, Any]:
    """``raw`` without the moved keys it uses (validated for its other problems)."""
    out = dict(raw)
    for layer in LAYERS:
        moved = _moved_of(raw, layer)
        if moved:
            out[layer] = {k: v for k, v in raw[layer].items() if k not in moved}
    return out


def migrate(raw: Mapping[str, Any]) -> dict[str, Any]:
    """A deep copy of a stored config with every moved key in its new place.

    A key whose new place is already taken stays where it is (validation then names it: a
    stored config never holds both, one version wrote it). ``raw`` is not changed.
    """
    out = copy.deepcopy(dict(raw))
    for layer in LAYERS:
        moved = _moved_of(out, layer)
        section = out.get(layer)
        for old, new in moved.items():
            if not isinstance(section, dict) or old not in section:
                continue
            *parents, leaf = new.split(".")
            node: Any = section
            for key in parents:
                node = node.setdefault(key, {})
                if not isinstance(node, dict):
                    break
            else:
                if leaf not in node:
                    node[leaf] = section.pop(old)
    return out
