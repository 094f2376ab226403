"""Config sections owned by the orchestrator: PCI, Trotterization, ACE, safety and the run."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, field_validator

from orchestrator.contract.strict import StrictModel

MAX_CIRCUIT_GATES = 250_000  # safety.max_circuit_gates' default (circuit_cost: the choice)

__all__ = [
    "MAX_CIRCUIT_GATES",
    "AceConfig",
    "CheckpointConfig",
    "PciConfig",
    "RunSection",
    "SafetyConfig",
    "StabilityConfig",
    "TrotterConfig",
]


class PciConfig(StrictModel):
    """Phase Coupling Interface (spec §3.3, design §2): how amplitudes become drives and back.

    Forward:  I_k = drive_offset_mv + alpha Re(psi_k) + beta Im(psi_k), clipped to
              [-drive_clip_mv, drive_clip_mv].
    Backward: psi_k <- psi_k + gamma F[S]_k, realised as the next tick's state preparation.
    """

    mapping: Literal["qubit", "amplitude"] = Field(
        "qubit",
        description=(
            "qubit: neuron k <-> qubit k mod n through the Bloch vector (scales to hardware); "
            "amplitude: neuron i <-> basis state i (N = 2^n; needs a statevector backend)."
        ),
    )
    alpha: float = Field(40.0, description="mV of drive per unit of Re(psi_k).")
    beta: float = Field(40.0, description="mV of drive per unit of Im(psi_k).")
    gamma: float = Field(
        0.5, ge=0, description="Weight of the spike phasor F[S]_k in the backward update."
    )
    drive: Literal["current", "kick"] = Field(
        "current",
        description=(
            "current: I_k is a constant input over the tick; kick: I_k is added to V_k once at "
            "tick start, never past the safety voltage cap."
        ),
    )
    drive_offset_mv: float = Field(
        0.0, description="Constant drive added to every neuron, mV (a bias current R*I_0)."
    )
    drive_clip_mv: float = Field(
        100.0, gt=0, description="|I_k| is clipped to this many mV (spec §14 input bound)."
    )
    reference_hz: float | None = Field(
        None,
        gt=0,
        description="Frequency of the spike phasor F[S]_k, Hz; default: one cycle per tick.",
    )
    initial_theta: float = Field(
        math.pi / 2,
        ge=0,
        le=math.pi,
        description="Polar angle of every qubit's first preparation (pi/2: the |+> equator).",
    )
    initial_phi: float = Field(0.0, description="Azimuth of every qubit's first preparation.")


class TrotterConfig(StrictModel):
    """Product-formula approximation of exp(-i H dt) run on the quantum backend every tick."""

    order: int = Field(
        2, ge=1, le=8, description="1: Lie-Trotter; 2, 4, 6, 8: Suzuki-Trotter of that order."
    )
    reps: int = Field(2, ge=1, le=1000, description="Trotter steps per tick.")
    dt: float = Field(0.25, gt=0, description="Evolution time per tick, in units of 1/|H|.")
    preserve_order: bool | None = Field(
        None,
        description=(
            "Keep the term order in each step; default: true for Lie-Trotter, false for "
            "Suzuki (measured shallower and slightly more accurate)."
        ),
    )

    @field_validator("order")
    @classmethod
    def _one_or_even(cls, order: int) -> int:
        if order > 1 and order % 2:
            raise ValueError(f"must be 1 or even (got {order})")
        return order


class AceConfig(StrictModel):
    """Adaptive Coherence Engine (spec §5, §6).

    If the normalised coherence entropy H_coh / (n log 2) exceeds ``max_entropy``:
    gamma *= gamma_factor, alpha *= alpha_factor, each kept inside its bounds.
    """

    max_entropy: float = Field(
        0.9, gt=0, le=1, description="Threshold on H_coh normalised to [0, 1] by n log 2."
    )
    estimator: Literal["miller_madow", "plugin"] = Field(
        "miller_madow",
        description="Entropy estimate the rule uses (plug-in is biased low at few shots).",
    )
    measure: Literal["population", "von_neumann"] = Field(
        "population",
        description=(
            "What the rule compares with max_entropy. population: the spec's H_coh/(n ln 2), "
            "the Shannon entropy of the Z-basis populations (maximal for the coherent |+>^n "
            "start, so the rule fires on a maximally coherent state); von_neumann: the mean "
            "single-qubit von Neumann entropy from the Bloch lengths, h((1+|r|)/2)/ln 2 "
            "(0 for product states, rising as the qubits decohere or entangle)."
        ),
    )
    alpha_factor: float = Field(1.1, gt=0, description="Factor applied to alpha on a trigger.")
    gamma_factor: float = Field(0.9, gt=0, description="Factor applied to gamma on a trigger.")
    alpha_bounds: tuple[float, float] = Field(
        (-1000.0, 1000.0), description="[min, max] alpha may reach, mV."
    )
    gamma_bounds: tuple[float, float] = Field(
        (0.0, 10.0), description="[min, max] gamma may reach."
    )
    lambda_c: float = Field(1.0, ge=0, description="Weight of the phase term in E_coh (§5).")

    OMITTED_AT: ClassVar[Mapping[str, Any]] = {"measure": "population"}

    @field_validator("alpha_bounds", "gamma_bounds")
    @classmethod
    def _ordered(cls, bounds: tuple[float, float]) -> tuple[float, float]:
        if bounds[0] > bounds[1]:
            raise ValueError(f"min {bounds[0]} is above max {bounds[1]}")
        return bounds


class SafetyConfig(StrictModel):
    """Limits of spec §14, checked before any backend is touched and during the run."""

    max_qubits: int = Field(
        16, gt=0, le=64, description="N_max: largest register a run may use (n <= N_max)."
    )
    voltage_cap: float = Field(
        0.99,
        gt=0,
        le=1,
        description="A coupling kick may lift V to at most this fraction of v_th (V < V_th).",
    )
    resonance_bound: float = Field(
        math.pi / 4,
        gt=0,
        le=math.pi,
        description="|wrap(phi_psi - phi_S)| at or above this (rad) counts as a violation.",
    )
    max_circuit_gates: int = Field(
        MAX_CIRCUIT_GATES,
        gt=0,
        description=(
            "Largest number of gates the run's circuits may have in all (circuits x gates of "
            "one, counted from the config before anything is built: "
            "`orchestrator.config.circuit_cost`); building runs at about 200 to 7,000 gates a "
            "second here, slowest for many two-qubit terms on the same qubits (BENCHMARKS.md)."
        ),
    )

    OMITTED_AT: ClassVar[Mapping[str, Any]] = {"max_circuit_gates": MAX_CIRCUIT_GATES}


class RunSection(StrictModel):
    """How long, with which seed, and where the run writes."""

    ticks: int = Field(50, gt=0, le=10_000_000, description="Fusion ticks to run.")
    seed: int = Field(
        0, ge=0, description="Master seed; every stream of randomness derives from it."
    )
    out: Path | None = Field(
        None,
        description="Run directory (must not exist yet); default: runs/<config name>-<time>.",
    )


class StabilityConfig(StrictModel):
    """Stability rule and rollback (spec §13, §14).

    x_t = H_coh(t) / (n ln 2). A tick is *stable* when the least-squares slope of x over the
    last ``window`` ticks is below ``max_slope`` and x did not jump by more than
    ``spike_threshold`` since the previous tick (the run's initial state is stable by
    definition). A rollback fires on a decoherence spike (such a jump), or when ``patience``
    ticks in a row were not stable: the loop returns to the last stable block's checkpoint,
    multiplies gamma by ``decouple_factor`` (the PCI feedback is weakened, so the same path is
    not taken again) and appends a ``revert`` event. After ``max_reverts`` rollbacks the rule
    only marks ticks.
    """

    enabled: bool = Field(True, description="Roll back on instability (else only mark ticks).")
    window: int = Field(8, ge=2, le=10_000, description="Ticks in the H_coh slope estimate.")
    max_slope: float = Field(
        0.005,
        ge=0,
        description=(
            "Stable iff the slope of normalised H_coh per tick is below this (spec: dH/dt < 0; "
            "a small tolerance keeps shot noise from counting as instability)."
        ),
    )
    spike_threshold: float = Field(
        0.25, gt=0, le=1, description="A one-tick rise of normalised H_coh above this is a spike."
    )
    patience: int = Field(
        12, ge=1, description="Consecutive unstable ticks that trigger a rollback."
    )
    max_reverts: int = Field(3, ge=0, description="Rollbacks allowed in one run.")
    decouple_factor: float = Field(
        0.5, ge=0, le=1, description="gamma is multiplied by this at each rollback."
    )


FULL_EVERY = 10  # checkpoint.full_every by default


class CheckpointConfig(StrictModel):
    """Checkpoints: the state every later tick depends on, written atomically."""

    every: int = Field(
        1,
        ge=1,
        description=(
            "Checkpoint after every this many ticks; a resume replays (and verifies) the ticks "
            "after the last one. Rollback targets are checkpointed ticks."
        ),
    )
    keep: int = Field(
        3,
        ge=1,
        description="Checkpoint files kept besides the initial and the last stable one.",
    )
    full_every: int = Field(
        FULL_EVERY,
        ge=1,
        le=256,
        description=(
            "Store every this many checkpoints whole; those between are stored as what changed "
            "since the previous checkpoint file (a delta; reading one reads its chain back to "
            "the whole one, and every file a kept checkpoint needs is kept). 1: every file "
            "whole. How a checkpoint is stored, not what it is: its SHA-256 is the same."
        ),
    )
    compress: bool = Field(
        True,
        description=(
            "Compress checkpoint files with zlib (level 1, only the parts that shrink). With "
            "full_every 1 and compress false, files are the checkpoint's bytes as they are."
        ),
    )
    replay: bool = Field(
        False,
        description=(
            "Store the checkpoints between whole ones (every full_every) as replay records: "
            "the drives the spiking network was given since the whole one instead of its "
            "state, which reading replays through the spiking backend alone and checks "
            "against the recorded SHA-256. Small files for large plastic networks; reading "
            "costs up to full_every - 1 checkpoints' ticks of the spiking backend. Only for a "
            "backend that declares it can be replayed (Brian2, Lava's CPU simulator); any "
            "other keeps deltas."
        ),
    )

    OMITTED_AT: ClassVar[Mapping[str, Any]] = {
        "full_every": FULL_EVERY,
        "compress": True,
        "replay": False,
    }
