"""What a backend is configured by: the two config bases every backend's config builds on, and
the capabilities and substitution they declare (design §1: in ``contract/``, beside the
interfaces; the sections they hold are ``network_config``, ``noise_config`` and
``annealer_config``, all built on ``strict.StrictModel``).

All config models are pydantic v2 with ``extra="forbid"`` (a misspelt key is an error, never a
silent default), ``allow_inf_nan=False`` (``.nan`` in YAML is refused at the boundary) and frozen
instances (the validated config is trusted, not mutated, downstream).

Backend configs are discriminated on ``kind``. The orchestrator knows only the two abstract
bases below; the concrete models (``AerConfig``, ``Brian2Config``, third-party ones) come from
the entry points that ``orchestrator.contract.registry`` reads;
config modules never import an SDK.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import (
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from orchestrator.contract.annealer_config import AnnealerConfig
from orchestrator.contract.network_config import (
    MIN_TIME_MS,
    NetworkSource,
    RecurrentConfig,
    StdpConfig,
)
from orchestrator.contract.noise_config import NoiseConfig, VInitConfig
from orchestrator.contract.strict import StrictModel

__all__ = [
    "MAX_NEURONS",
    "MAX_STEPS_PER_TICK",
    "QuantumBackendConfig",
    "QuantumCapabilities",
    "SpikingBackendConfig",
    "SpikingCapabilities",
    "Substitution",
]


MAX_STEPS_PER_TICK = 100_000  # integration steps of one fusion tick (tick_ms / dt_ms)
MAX_NEURONS = 1_000_000  # the largest network a config may ask for, explicitly or through 2^n
SYNAPSE_BYTES = 128  # one synapse in Brian2 (indices, weight, delay, counts, queue), rounded up
SYNAPSE_STDP_BYTES = 64  # what STDP adds per synapse (two traces, last update, code temporaries)


@dataclass(frozen=True)
class QuantumCapabilities:
    """What a quantum backend, as configured, can do. Declared by its config, checked before run.

    statevector: returns the exact final amplitudes (needed by ``pci.mapping: amplitude``).
    max_qubits: the largest register it accepts (None: limited only by memory).
    hardware: runs on a real device (costs QPU time; budgets apply).
    noisy: results carry device noise.
    trainable: builds programs with free evolution angles (``QuantumProgram.layers`` > 0),
        which the learning rule (``learning``, §7) needs.
    seeded: a call's samples are reproduced by its seed (simulators that take one); False for
        devices and unseeded simulators, whose runs cannot be replayed bit for bit.
    """

    statevector: bool
    max_qubits: int | None
    hardware: bool = False
    noisy: bool = False
    trainable: bool = False
    seeded: bool = True


@dataclass(frozen=True)
class SpikingCapabilities:
    """What a spiking backend, as configured, can do. Declared by its config, checked before run.

    snapshot: ``snapshot()`` captures the network state and ``NetworkSpec.start`` restores it
        exactly (checkpoints, resume, rollback); without it a run keeps no checkpoints.
    weights: ``weights_mv()`` reports the current recurrent weights.
    plasticity: runs STDP on the recurrent synapses (``spiking.stdp``).
    hardware: runs on a neuromorphic chip.
    replay: with ``snapshot``, the state after ``advance`` is a pure function of the restored
        state and the drive, so a checkpoint may be stored as the drives since a whole one
        (``checkpoint.replay``, design §27). A software simulator on one machine; not a chip.
    """

    snapshot: bool = True
    weights: bool = True
    plasticity: bool = True
    hardware: bool = False
    replay: bool = False


@dataclass(frozen=True)
class Substitution:
    """Another registered spiking backend runs in a configured one's place (a fallback).

    Decided from the config alone when the backend is selected, never during a run. kind: the
    registered kind that runs; config: its validated config; identity: entries recorded over
    the running backend's identity in every event (e.g. ``kind``, ``engine``, why, and a
    ``notice`` printed when the run starts).
    """

    kind: str
    config: SpikingBackendConfig
    identity: Mapping[str, str]


class QuantumBackendConfig(StrictModel, ABC):
    """Fields every quantum backend understands. Subclasses add ``kind: Literal[...]`` and,
    under a key named after the kind, the options only that backend understands (``aer``).

    ``moved``: keys an earlier layout put at the top of this section -> where they live now,
    dotted within the section (``{"method": "aer.method"}``); a user's config that still uses
    one is refused naming the new place, a stored one is read with it moved
    (``orchestrator.config.moved``).
    """

    moved: ClassVar[Mapping[str, str]] = {}

    kind: str = Field(description="Which quantum backend runs the circuits (e.g. `aer`).")
    shots: int = Field(
        1024, gt=0, le=1_000_000, description="Measurement shots per circuit per tick."
    )
    seed: int | None = Field(
        None,
        ge=0,
        description="Base seed of the simulator's sampling; default: derived from `run.seed`.",
    )

    @abstractmethod
    def capabilities(self) -> QuantumCapabilities:
        """What this backend can do with these settings (pure data, no SDK import)."""

    def state_bytes(self, n_qubits: int) -> int:
        """Memory of the quantum state this backend holds for ``n_qubits`` (validation's
        estimate, ``orchestrator.config.footprint``). Default: a statevector backend holds
        16 2^n bytes three times over (the state, a copy, a work buffer); a shots backend 0."""
        return 3 * 16 * 2**n_qubits if self.capabilities().statevector else 0

    def check_run(self, n_qubits: int, n_circuits: int, ticks: int) -> list[str]:
        """Problems with running ``ticks`` ticks of ``n_circuits`` circuits on ``n_qubits``.

        Called by the config cross-checks, before any backend is imported or any job is
        submitted; one ``quantum.field: message`` line per problem. A backend that bills QPU
        time estimates the whole run here and refuses one over its limit (the budget guard);
        options sized by the register (a qubit layout) are checked here too. Default: none.
        """
        return []


# optional fields newer than the hashes: omitted when absent, so old configs hash as before
_OMITTED_WHEN_ABSENT = ("network", "annealer", "noise", "v_init")


class SpikingBackendConfig(StrictModel, ABC):
    """The network of spec §3.2, shared by every spiking backend.

    tau_m dV_i/dt = -(V_i - 0) + I_i(t) [+ eta_i(t)]  between spikes, V in mV with rest at 0 mV;
    V_i >= v_th -> spike, V_i = v_reset, held for ``refractory_ms``; a spike of j adds w_ij
    (mV) to V_i. ``I_i`` is the PCI drive in mV (a voltage-equivalent current R*I); ``eta_i``
    the noise current of ``noise`` (off by default, ``orchestrator.contract.noise_config``).

    Subclasses add ``kind: Literal[...]`` and, under a key named after the kind, the options
    only that backend understands, so that a config moves between backends by changing ``kind``.
    ``moved``: as ``QuantumBackendConfig.moved``.
    """

    moved: ClassVar[Mapping[str, str]] = {}

    kind: str = Field(description="Which spiking backend runs the network (e.g. `brian2`).")
    neurons: int | None = Field(
        None,
        gt=0,
        le=MAX_NEURONS,
        description="Network size N; default: what `pci.mapping` needs (n, or 2^n).",
    )
    tau_m_ms: float = Field(20.0, ge=MIN_TIME_MS, description="Membrane time constant, ms.")
    v_th_mv: float = Field(20.0, gt=0, description="Spike threshold above rest, mV.")
    v_reset_mv: float = Field(0.0, description="Reset potential after a spike, mV.")
    refractory_ms: float = Field(2.0, ge=0, description="Absolute refractory period, ms.")
    dt_ms: float = Field(0.1, ge=MIN_TIME_MS, le=10.0, description="Integration step, ms.")
    tick_ms: float = Field(10.0, gt=0, description="Network time simulated per fusion tick, ms.")
    recurrent: RecurrentConfig | None = Field(
        default_factory=RecurrentConfig,
        description="Recurrent synapses; null for an unconnected population.",
    )
    stdp: StdpConfig = Field(
        default_factory=StdpConfig, description="Plasticity of the recurrent synapses."
    )
    network: NetworkSource | None = Field(
        None,
        description=(
            "Take the network from a NIR graph ({nir: path.nir}): it decides neurons, tau_m_ms, "
            "v_th_mv, v_reset_mv and the synapses (recurrent: null); absent: these fields."
        ),
    )
    annealer: AnnealerConfig | None = Field(
        None,
        description=(
            "Make the network an Ising / QUBO annealer: one stochastic binary neuron per "
            "variable, couplings as synapses, fields as biases, a temperature schedule over "
            "the run (design §20); tau_m_ms, v_th_mv, v_reset_mv, refractory_ms and recurrent "
            "do not apply. Absent: the LIF network."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _annealer_has_no_random_synapses(cls, data: Any) -> Any:
        annealer = isinstance(data, Mapping) and data.get("annealer") is not None
        if annealer and "recurrent" not in data:  # its synapses are the problem's couplings
            return {**data, "recurrent": None}
        return data

    noise: NoiseConfig | None = Field(
        None,
        description=(
            "A noise current in every neuron ({kind: white|ou, sigma_mv, tau_ms}; design "
            "§19); absent: deterministic neurons. Lava: floating point only."
        ),
    )
    v_init: VInitConfig | None = Field(
        None,
        description=(
            "Random initial membrane potentials ({low_mv, high_mv}, uniform); absent: every "
            "neuron starts at rest (0 mV)."
        ),
    )

    @model_validator(mode="before")
    @classmethod
    def _network_from_nir(cls, data: Any) -> Any:
        if not isinstance(data, Mapping) or not isinstance(data.get("network"), Mapping):
            return data
        from orchestrator.contract.nir_file import NirFileError
        from orchestrator.contract.nir_graph import NirRefused, fill_from_nir

        try:
            return fill_from_nir(data, cls.model_fields["dt_ms"].default)
        except (OSError, KeyError, TypeError, NirFileError):
            return data  # the network field's own validation says what is wrong
        except NirRefused as exc:
            raise ValueError(f"network.nir: {exc}") from None

    OMITTED_AT: ClassVar[Mapping[str, Any]] = dict.fromkeys(_OMITTED_WHEN_ABSENT)  # None: absent

    @field_validator("tick_ms")
    @classmethod
    def _whole_steps(cls, tick_ms: float, info: ValidationInfo) -> float:
        dt = info.data.get("dt_ms")
        if dt is not None:
            steps = tick_ms / dt
            if abs(steps - round(steps)) > 1e-9 * max(1.0, steps):
                raise ValueError(f"must be a whole number of dt_ms = {dt} steps (got {tick_ms})")
            if not 1 <= round(steps) <= MAX_STEPS_PER_TICK:
                raise ValueError(
                    f"must be 1 to {MAX_STEPS_PER_TICK} steps of dt_ms = {dt} "
                    f"(got {steps:.6g} steps)"
                )
        return tick_ms

    @field_validator("v_reset_mv")
    @classmethod
    def _reset_below_threshold(cls, v_reset: float, info: ValidationInfo) -> float:
        v_th = info.data.get("v_th_mv")
        if v_th is not None and v_reset >= v_th:
            raise ValueError(f"must be below v_th_mv = {v_th} (got {v_reset})")
        return v_reset

    @field_validator("v_init")
    @classmethod
    def _v_init_below_threshold(
        cls, v_init: VInitConfig | None, info: ValidationInfo
    ) -> VInitConfig | None:
        v_th = info.data.get("v_th_mv")
        if v_init is not None and v_th is not None and v_init.high_mv > v_th:
            raise ValueError(
                f"high_mv must be at most v_th_mv = {v_th} (got {v_init.high_mv}): "
                "V < V_th at every step (spec §14)"
            )
        return v_init

    @property
    def steps_per_tick(self) -> int:
        """Integration steps in one tick."""
        return round(self.tick_ms / self.dt_ms)

    def capabilities(self) -> SpikingCapabilities:
        """What this backend can do with these settings (pure data, no SDK import).

        Default: everything a software simulator does (snapshot, weights, plasticity, replay);
        an annealer network has no plasticity (its synapses are its problem).
        """
        return SpikingCapabilities(plasticity=self.annealer is None, replay=True)

    def synapse_bytes(self, n_neurons: int, n_synapses: int) -> int:
        """Memory of ``n_synapses`` recurrent synapses among ``n_neurons`` in this backend,
        with the orchestrator's (pre, post, w) arrays (validation's estimate,
        ``orchestrator.config.footprint``). Default, measured on Brian2: 24 B of arrays plus
        SYNAPSE_BYTES in the simulator, SYNAPSE_STDP_BYTES more with STDP."""
        per = 24 + SYNAPSE_BYTES + (SYNAPSE_STDP_BYTES if self.stdp.enabled else 0)
        return per * n_synapses

    def substitute(self) -> Substitution | None:
        """Another backend that runs instead of this one here (a fallback), or None (default).

        Must not import an SDK: decided from the config and what is installed.
        """
        return None

    def problems(self) -> list[str]:
        """What this backend, as configured, cannot run here: one ``field: message`` line each.

        Fields are relative to the section (``v_reset_mv: ...``); validation prefixes
        ``spiking.``. Checked after field validation, with the installed-SDK checks; must not
        import an SDK. Default: nothing.
        """
        return []
