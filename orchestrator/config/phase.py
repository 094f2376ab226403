"""The phase-dynamics sections (issue 11): ``psn`` (§9), ``coherence_flow`` (§5), ``jacobian``
(§13). Each is absent by default, and an absent section leaves the run exactly as it was (the
resolved config drops it, so no config hash and no ledger root moves).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from pydantic import Field, field_validator

from orchestrator.contract.strict import StrictModel

if TYPE_CHECKING:
    from orchestrator.config.root import RunConfig

__all__ = [
    "COHERENCE_FLOW_PARAMS",
    "CoherenceFlowConfig",
    "JacobianConfig",
    "PsnConfig",
    "PsnFeedbackConfig",
    "phase_problems",
]

COHERENCE_FLOW_PARAMS = ("theta", "phi", "alpha", "beta", "gamma")


class PsnFeedbackConfig(StrictModel):
    """How the PSN acts back on the loop (both off by default: the PSN then only records)."""

    preparation: Literal["off", "oscillator", "mean_field"] = Field(
        "off",
        description=(
            "Phase the next preparation's azimuths are pulled towards: off; oscillator (each "
            "quantum channel's own PSN oscillator at the end of the tick); mean_field (the "
            "order parameter's phase Psi)."
        ),
    )
    strength: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Fraction of the wrapped phase gap closed per tick (1: set to the target).",
    )
    reference_frequency: bool = Field(
        False,
        description=(
            "Use the PSN's mean frequency sum_j w_j omega_j (rad/ms, when > 0) as the next "
            "tick's spike-phasor reference frequency instead of pci.reference_hz."
        ),
    )


class PsnConfig(StrictModel):
    """Phase Synchronization Network (§9): a Kuramoto array of one oscillator per quantum
    channel phase and one per spiking channel phase, stepped with RK4 over each tick."""

    coupling: float = Field(
        0.5, ge=0, description="K of dphi_i/dt = omega_i + K sum_j w_j sin(phi_j - phi_i), rad/ms."
    )
    frequencies: Literal["config", "measured"] = Field(
        "config",
        description=(
            "config: natural frequencies from quantum_hz / spiking_hz; measured: each quantum "
            "oscillator's per-tick phase advance and each spiking oscillator's 2 pi x firing "
            "rate (the configured values until a measurement exists)."
        ),
    )
    quantum_hz: float | None = Field(
        None,
        description="Natural frequency of the quantum oscillators, Hz; default one cycle per tick.",
    )
    spiking_hz: float | None = Field(
        None,
        description="Natural frequency of the spiking oscillators, Hz; default one cycle per tick.",
    )
    quantum_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="Weight of the quantum block in the mean field (the spiking block: the rest).",
    )
    steps_per_tick: int = Field(8, ge=1, le=10_000, description="RK4 steps per tick.")
    feedback: PsnFeedbackConfig = Field(
        default_factory=PsnFeedbackConfig, description="What the PSN changes in the loop."
    )


class CoherenceFlowConfig(StrictModel):
    """Gradient descent on E_coh (§5) each tick, through the model of
    ``orchestrator.physics.coherence_gradient`` (qubit mapping)."""

    eta: float = Field(0.01, gt=0, description="Step size of each descent step.")
    steps: int = Field(1, ge=1, le=1000, description="Descent steps per tick.")
    params: tuple[str, ...] = Field(
        ("phi",),
        min_length=1,
        description="Parameters descended, any of theta, phi, alpha, beta, gamma.",
    )

    @field_validator("params")
    @classmethod
    def _known(cls, params: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [p for p in params if p not in COHERENCE_FLOW_PARAMS]
        if unknown:
            raise ValueError(f"unknown {unknown}; choose from {list(COHERENCE_FLOW_PARAMS)}")
        if len(set(params)) != len(params):
            raise ValueError("a parameter is listed twice")
        return params


class JacobianConfig(StrictModel):
    """J_fusion of the deterministic tick map (§13) by central differences (statevector mode
    only; with shots J is not computed). On a tick with J, it is stable iff det J > 0 and
    dH_coh/dt < max_slope (and, when set, spectral radius <= max_spectral_radius), with no
    decoherence spike; ticks without J keep the stability section's slope rule."""

    every: int = Field(1, ge=1, description="Compute J every this many ticks.")
    epsilon: float = Field(1e-4, gt=0, le=0.1, description="Central-difference step, rad.")
    max_slope: float = Field(
        0.0,
        description="Tolerance tol of dH_coh/dt < tol (normalised entropy per tick).",
    )
    max_spectral_radius: float | None = Field(
        None,
        gt=0,
        description=(
            "Also require max |eigenvalue of J| <= this (a divergence check the spec does not "
            "name); default: not checked."
        ),
    )


def phase_problems(cfg: RunConfig) -> list[str]:
    """Cross-section problems of the phase sections, one ``field: message`` line each."""
    problems: list[str] = []
    if cfg.coherence_flow is not None:
        if cfg.pci.mapping != "qubit":
            problems.append(
                "coherence_flow: needs pci.mapping: qubit (the gradient is taken with respect "
                "to the per-qubit preparation angles)"
            )
        if cfg.pci.drive != "current":
            problems.append(
                "coherence_flow: needs pci.drive: current (the spike surrogate is the LIF f-I "
                "curve of a constant drive)"
            )
    if cfg.jacobian is not None and cfg.pci.mapping != "qubit":
        problems.append(
            "jacobian: needs pci.mapping: qubit (the reduced state is the preparation angles)"
        )
    return problems
