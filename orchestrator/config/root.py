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
from typing import Any, Union

from pydantic import Field, PrivateAttr, ValidationError, create_model

from orchestrator.config.annealer import annealer_problems
from orchestrator.config.circuit_cost import circuit_problems
from orchestrator.config.digest import config_digest
from orchestrator.config.errors import ConfigError, format_validation_error
from orchestrator.config.footprint import footprint_problems
from orchestrator.config.hamiltonian import HamiltonianConfig
from orchestrator.config.learning import LearningConfig, learning_problems
from orchestrator.config.maxcut import MaxCutConfig, maxcut_problems
from orchestrator.config.memory import memory_problems
from orchestrator.config.moved import moved_problems, without_moved
from orchestrator.config.phase import (
    CoherenceFlowConfig,
    JacobianConfig,
    PsnConfig,
    phase_problems,
)
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
from orchestrator.contract.backend_config import (
    MAX_NEURONS,
    QuantumBackendConfig,
    SpikingBackendConfig,
)
from orchestrator.contract.bounds import number_problems
from orchestrator.contract.federation_config import FederationConfig
from orchestrator.contract.memory_config import MemoryConfig
from orchestrator.contract.registry import GROUPS, kinds, plugin, plugins
from orchestrator.contract.strict import StrictModel
from orchestrator.physics.bases import measurement_bases
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
        return config_digest(self.resolved())


@cache
def run_config_model() -> type[RunConfig]:
    """``RunConfig`` with ``quantum``/``spiking`` as discriminated unions of the plugins."""
    return _model_of(None, None)


@cache
def _model_of(quantum: str | None, spiking: str | None) -> type[RunConfig]:
    """``RunConfig`` with ``quantum``/``spiking`` of the named plugins' models only, each
    layer that names none (None) the discriminated union of all of them.

    Validation builds a config's schema on first use (``StrictModel``'s ``defer_build``): a
    model of the two backends a config names builds those two, not every plugin's
    (docs/design.md §25).
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
    return create_model("RunConfig", __base__=RunConfig, **fields)


def _cross_check(cfg: RunConfig) -> list[str]:
    """Problems that span sections; each line names the field to change."""
    problems: list[str] = []
    n = cfg.build_hamiltonian().n_qubits
    if n > cfg.safety.max_qubits:
        problems.append(
            f"hamiltonian: {n} qubits exceed safety.max_qubits = {cfg.safety.max_qubits}"
        )
    caps = cfg.quantum.capabilities()
    if caps.max_qubits is not None and n > caps.max_qubits:
        problems.append(
            f"quantum.kind: backend '{cfg.quantum.kind}' takes at most {caps.max_qubits} "
            f"qubits; the Hamiltonian has {n}"
        )
    if cfg.pci.mapping == "amplitude" and not caps.statevector:
        problems.append(
            f"pci.mapping: 'amplitude' needs exact amplitudes, but quantum backend "
            f"'{cfg.quantum.kind}' as configured returns shot counts only "
            "(use pci.mapping: qubit, or a statevector backend such as aer with "
            "aer: {method: statevector})"
        )
    neurons = cfg.spiking.neurons
    if neurons is None and cfg.pci.mapping == "amplitude" and 2**n > MAX_NEURONS:
        problems.append(
            f"pci.mapping: 'amplitude' needs 2^{n} neurons, more than the {MAX_NEURONS} a "
            "network may have (use pci.mapping: qubit)"
        )
    if neurons is not None:
        if cfg.pci.mapping == "amplitude" and neurons != 2**n:
            problems.append(
                f"spiking.neurons: the amplitude mapping needs 2^{n} = {2**n} neurons "
                f"(got {neurons}; leave it out to size it automatically)"
            )
        if cfg.pci.mapping == "qubit" and neurons < n:
            problems.append(
                f"spiking.neurons: the qubit mapping needs at least one neuron per qubit "
                f"(n = {n}, got {neurons})"
            )
    hz, dt_ms = cfg.pci.reference_hz, cfg.spiking.dt_ms
    if hz is not None and hz > 500.0 / dt_ms:
        problems.append(
            f"pci.reference_hz: {hz:g} Hz is above the Nyquist frequency of the spike grid, "
            f"1/(2 spiking.dt_ms) = {500.0 / dt_ms:g} Hz (spike phases would alias); use at "
            "most that, or a smaller dt_ms"
        )
    rec = cfg.spiking.recurrent
    if rec is not None and rec.k is not None and cfg.spiking.network is None:
        size = cfg.n_neurons()
        if rec.k >= size:
            problems.append(
                f"spiking.recurrent.k: an in-degree of {rec.k} needs more than {rec.k} neurons "
                f"(the network has {size}); lower k"
            )
    problems += cfg.quantum.check_run(
        n, len(measurement_bases(cfg.build_hamiltonian())), cfg.run.ticks
    )
    for layer in ("quantum", "spiking"):
        section = getattr(cfg, layer)
        named = plugin(layer, section.kind)
        gone = named.missing()
        if gone:
            problems.append(
                f"{layer}.kind: backend '{section.kind}' needs {', '.join(gone)}, which is not "
                f"installed: {named.install}"
            )
    problems += [f"spiking.{line}" for line in cfg.spiking.problems()]
    problems += annealer_problems(cfg)
    problems += memory_problems(cfg)
    problems += maxcut_problems(cfg)
    problems += phase_problems(cfg)
    problems += learning_problems(cfg)
    if not problems:  # sizes are trusted only once everything else is valid
        problems += circuit_problems(cfg)
        problems += footprint_problems(cfg)
    if cfg.federation is not None:
        problems += cfg.federation.problems(cfg.spiking.capabilities().snapshot, cfg.run.ticks)
    return problems


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
    # are the union member's (format_validation_error drops the tag either way)
    model = _model_of(named["quantum"], named["spiking"])
    try:
        cfg = model.model_validate(raw)
    except ValidationError as exc:
        lines = format_validation_error(exc, raw, model)
        hidden = tuple(line.split(".")[0] for line in unknown)
        lines = [line for line in lines if not line.startswith(tuple(h + "." for h in hidden))]
        raise ConfigError(moved + unknown + lines) from None
    if moved:  # the cross-checks would judge a config without the moved keys' values
        raise ConfigError(moved)
    problems = _cross_check(cfg)
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
