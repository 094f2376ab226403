"""The whole run config: sections, backend unions from the registry, loading and cross-checks.

``load_config(path)`` is the single boundary where loose input (a YAML file plus CLI
overrides) becomes a validated, frozen ``RunConfig``; everything downstream trusts it. All
problems are collected and raised together as one ``ConfigError`` (one line each), before any
backend is imported or any file is written.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, Union, get_args

from pydantic import Field, PrivateAttr, ValidationError, create_model

from orchestrator.config.cross_checks import cross_check
from orchestrator.config.errors import ConfigError, format_validation_error
from orchestrator.config.hamiltonian import HamiltonianConfig
from orchestrator.config.learning import LearningConfig
from orchestrator.config.maxcut import MaxCutConfig
from orchestrator.config.moved import moved_problems, without_moved
from orchestrator.config.phase import CoherenceFlowConfig, JacobianConfig, PsnConfig
from orchestrator.config.placebo import PlaceboConfig
from orchestrator.config.sections import (
    AceConfig,
    CheckpointConfig,
    PciConfig,
    RunSection,
    SafetyConfig,
    StabilityConfig,
    TrotterConfig,
)
from orchestrator.config.yaml_input import parse_yaml, read_text
from orchestrator.contract.backend_config import QuantumBackendConfig, SpikingBackendConfig
from orchestrator.contract.bounds import number_problems
from orchestrator.contract.entry_points import spare_pydantic_scan
from orchestrator.contract.federation_config import FederationConfig
from orchestrator.contract.memory_config import MemoryConfig
from orchestrator.contract.registry import GROUPS, kinds, plugin, plugins
from orchestrator.contract.strict import StrictModel
from orchestrator.physics.hamiltonian import PauliHamiltonian

__all__ = ["RunConfig", "load_config", "load_config_text", "run_config_model", "validate_config"]


class RunConfig(StrictModel):
    """A validated run. ``quantum`` and ``spiking`` are the registered backends' models."""

    hamiltonian: HamiltonianConfig = Field(description="The task Hamiltonian H (spec §3.1).")
    quantum: QuantumBackendConfig = Field(description="Quantum backend, chosen by `kind`.")
    spiking: SpikingBackendConfig = Field(description="Spiking backend, chosen by `kind`.")
    pci: PciConfig = Field(default_factory=PciConfig, description="Phase Coupling Interface.")
    trotter: TrotterConfig = Field(
        default_factory=TrotterConfig, description="Trotterization of exp(-i H dt)."
    )
    ace: AceConfig = Field(default_factory=AceConfig, description="Adaptive Coherence Engine.")
    safety: SafetyConfig = Field(default_factory=SafetyConfig, description="Limits of §14.")
    stability: StabilityConfig = Field(
        default_factory=StabilityConfig, description="Stability rule and rollback (§13, §14)."
    )
    checkpoint: CheckpointConfig = Field(
        default_factory=CheckpointConfig, description="Checkpoints for resume and rollback."
    )
    run: RunSection = Field(default_factory=RunSection, description="Ticks, seed, output.")
    memory: MemoryConfig | None = Field(
        None, description="Quantum-neuromorphic memory (§10); absent: none."
    )
    federation: FederationConfig | None = Field(None, description="Federated nodes (§12).")
    psn: PsnConfig | None = Field(
        None, description="Phase Synchronization Network (§9); absent: none."
    )
    coherence_flow: CoherenceFlowConfig | None = Field(
        None, description="Gradient descent on E_coh each tick (§5); absent: none."
    )
    jacobian: JacobianConfig | None = Field(
        None, description="J_fusion and the det J > 0 half of the §13 verdict; absent: none."
    )
    learning: LearningConfig | None = Field(
        None, description="Learning of shared parameters (§7, §8); absent: none."
    )
    maxcut: MaxCutConfig | None = Field(
        None,
        description="MaxCut on the Ising graph: per-tick cut decoder, graph wiring; absent: none.",
    )
    placebo: PlaceboConfig | None = Field(
        None,
        description=(
            "A placebo of the spike feedback (issue 22): the spike phasors permuted across "
            "channels each tick before the backward update; absent: the real feedback."
        ),
    )

    def build_hamiltonian(self) -> PauliHamiltonian:
        """H as plain data (built once per ``hamiltonian`` section: both are frozen)."""
        return self.hamiltonian.operator

    def n_neurons(self) -> int:
        """Network size: ``spiking.neurons`` or what the PCI mapping needs."""
        if self.spiking.neurons is not None:
            return self.spiking.neurons
        if self.spiking.annealer is not None:
            from orchestrator.config.annealer import annealer_variables

            return annealer_variables(self)
        n = self.build_hamiltonian().n_qubits
        return 2**n if self.pci.mapping == "amplitude" else n

    # the stored data this config was read from, when it was written in an earlier layout
    # (orchestrator.config.stored): the run keeps the config and hash it was recorded under
    _stored: dict[str, Any] | None = PrivateAttr(None)

    def resolved(self) -> dict[str, Any]:
        """The config as plain JSON-able data, defaults filled in (what ``config.yaml`` holds).

        An optional section left out (None) is not written, so adding one moves no config hash.
        A config read from a run directory written in an earlier layout
        (``orchestrator.config.stored``) gives the data stored there, as stored.
        """
        if self._stored is not None:
            return copy.deepcopy(self._stored)
        data = self.model_dump(mode="json")
        return {key: value for key, value in data.items() if value is not None}

    def config_hash(self) -> str:
        """SHA-256 of the canonical JSON of everything that shapes the result (not run.out):
        ``orchestrator.config.digest.config_digest`` of ``resolved()``."""
        from orchestrator.config.digest import config_digest  # rfc8785: not for validation

        return config_digest(self.resolved())


@cache
def run_config_model() -> type[RunConfig]:
    """``RunConfig`` with ``quantum``/``spiking`` as discriminated unions of the plugins."""
    return _model_of(None, None)


# The optional sections (default None): a config's own model types those it leaves out (or sets
# to null) as None, so its validation builds none of their models (docs/design.md §25).
OPTIONAL = (
    "memory",
    "federation",
    "psn",
    "coherence_flow",
    "jacobian",
    "learning",
    "maxcut",
    "placebo",
)


def _hamiltonians() -> dict[str, type]:
    """The members of ``HamiltonianConfig`` by their ``kind`` tag."""
    union = get_args(HamiltonianConfig)[0]
    return {get_args(m.model_fields["kind"].annotation)[0]: m for m in get_args(union)}


@cache
def _model_of(
    quantum: str | None,
    spiking: str | None,
    hamiltonian: str | None = None,
    sections: frozenset[str] | None = None,
) -> type[RunConfig]:
    """``RunConfig`` with ``quantum``/``spiking`` of the named plugins' models only, each
    layer that names none (None) the discriminated union of all of them; ``hamiltonian`` the
    model of the named kind (None: the union); the optional sections not in ``sections`` typed
    None (``sections`` None: all as declared).

    Validation builds a config's schema on first use (``StrictModel``'s ``defer_build``): a
    model of the kinds and sections a config names builds those, not every plugin's and
    section's (docs/design.md §25).
    """
    fields: dict[str, Any] = {}
    for layer, kind in (("quantum", quantum), ("spiking", spiking)):
        found = plugins(layer) if kind is None else {kind: plugin(layer, kind)}
        if not found:
            raise RuntimeError(
                f"no {layer} backend is registered (entry-point group {GROUPS[layer]}); "
                "is qnfusion installed? run `uv sync`"
            )
        members = tuple(p.config for p in found.values())
        description = RunConfig.model_fields[layer].description
        if len(members) == 1:
            fields[layer] = (members[0], Field(description=description))
        else:  # the discriminator must sit on the field itself, or pydantic ignores it
            union = Union[members]  # noqa: UP007
            fields[layer] = (union, Field(discriminator="kind", description=description))
    if hamiltonian is not None:  # a lone member validates as the union does with its tag
        description = RunConfig.model_fields["hamiltonian"].description
        fields["hamiltonian"] = (_hamiltonians()[hamiltonian], Field(description=description))
    for name in OPTIONAL if sections is not None else ():
        if name not in sections:
            description = RunConfig.model_fields[name].description
            fields[name] = (None, Field(None, description=description))
    return create_model("RunConfig", __base__=RunConfig, **fields)


def validate_config(raw: Any) -> RunConfig:
    """Validate already-parsed config data; raise ``ConfigError`` listing every problem."""
    if not isinstance(raw, Mapping):
        raise ConfigError(
            ["config: must be a mapping of sections (hamiltonian, quantum, spiking, ...)"]
        )
    numbers = number_problems(raw)
    if numbers:  # before pydantic, which would pass 2^60 on to the ledger's JSON
        raise ConfigError(numbers)
    moved = moved_problems(raw)  # a key the backend moved: its new place, then the rest
    if moved:
        raw = without_moved(raw)
    unknown: list[str] = []
    named: dict[str, str | None] = {}
    for layer in ("quantum", "spiking"):
        section = raw.get(layer)
        kind = section.get("kind") if isinstance(section, Mapping) else None
        named[layer] = kind if isinstance(kind, str) and kind in kinds(layer) else None
        if kind is not None and (not isinstance(kind, str) or kind not in kinds(layer)):
            known = ", ".join(kinds(layer))
            unknown.append(
                f"{layer}.kind: unknown backend {kind!r}; registered here: {known} "
                f"(a third-party backend registers in entry-point group {GROUPS[layer]})"
            )
    # a layer that names a registered kind is validated as that kind's model alone: the errors
    # are the union member's (format_validation_error drops the tag either way); so is a
    # hamiltonian of a known kind; a section left out or null is None (docs/design.md §25)
    section = raw.get("hamiltonian")
    tag = section.get("kind") if isinstance(section, Mapping) else None
    hamiltonian = tag if isinstance(tag, str) and tag in _hamiltonians() else None
    sections = frozenset(name for name in OPTIONAL if raw.get(name) is not None)
    model = _model_of(named["quantum"], named["spiking"], hamiltonian, sections)
    spare_pydantic_scan()
    try:
        cfg = model.model_validate(raw)
    except ValidationError as exc:
        lines = format_validation_error(exc, raw, model)
        hidden = tuple(line.split(".")[0] for line in unknown)
        lines = [line for line in lines if not line.startswith(tuple(h + "." for h in hidden))]
        raise ConfigError(moved + unknown + lines) from None
    if moved:  # the cross-checks would judge a config without the moved keys' values
        raise ConfigError(moved)
    problems = cross_check(cfg)
    if problems:
        raise ConfigError(problems)
    return cfg


def _apply_overrides(raw: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """Set each dotted key in ``raw``; returns the overrides that have no mapping to go in
    (``run: 5`` and ``run.ticks``), which validation of ``raw`` then reports."""
    unplaced: dict[str, Any] = {}
    for dotted, value in overrides.items():
        *parents, leaf = dotted.split(".")
        node = raw
        for key in parents:
            child = node.get(key)
            if child is None:
                child = node[key] = {}
            if not isinstance(child, dict):
                unplaced[dotted] = value
                break
            node = child
        else:
            node[leaf] = value
    return unplaced


def _override_problems(overrides: Mapping[str, Any]) -> list[str]:
    """The problems of ``overrides`` checked on their own (in an otherwise empty config), for
    those that could not be placed in the file's config."""
    alone: dict[str, Any] = {}
    _apply_overrides(alone, overrides)
    try:
        validate_config(alone)
    except ConfigError as exc:
        keys = tuple(overrides)
        return [
            p for p in exc.problems
            if p.split(":")[0] in keys or p.split(":")[0].startswith(tuple(k + "." for k in keys))
        ]  # fmt: skip
    return []


def load_config(path: str | Path, overrides: Mapping[str, Any] | None = None) -> RunConfig:
    """Read a YAML config, apply ``overrides`` (dotted keys, e.g. ``run.ticks``), validate.

    Bounded work whatever the file holds: size, nesting and alias expansion are limited before
    the document is built (``orchestrator.config.yaml_input``).
    """
    path = Path(path)
    return load_config_text(read_text(path), str(path), overrides)


def load_config_text(
    text: str, source: str, overrides: Mapping[str, Any] | None = None
) -> RunConfig:
    """``load_config`` of a YAML text (``source`` names it in messages)."""
    raw = parse_yaml(text, source).data
    if raw is None:
        raw = {}
    unplaced: Mapping[str, Any] = {}
    if overrides:
        unplaced = _apply_overrides(raw, overrides) if isinstance(raw, dict) else overrides
    if not unplaced:
        return validate_config(raw)
    problems: list[str] = []  # every problem of the file, then those of the overrides
    try:
        validate_config(raw)
    except ConfigError as exc:
        problems += exc.problems
    else:  # a non-mapping where an override goes, that validation accepted: say so
        problems += [f"{key}: cannot be set here (a parent is not a mapping)" for key in unplaced]
    problems += [p for p in _override_problems(unplaced) if p not in problems]
    raise ConfigError(problems)
