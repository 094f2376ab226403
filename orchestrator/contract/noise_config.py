"""Noise in the neuron model and random initial potentials (``spiking.noise``, ``spiking.v_init``).

The LIF membrane of spec §3.2 with a noise current eta_i(t) (design §19 has the derivation):

    tau_m dV_i/dt = -V_i + I_i + eta_i(t)

    white:  eta_i = sigma sqrt(2 tau_m) xi_i(t),    <xi_i(t) xi_j(t')> = delta_ij delta(t - t')
    ou:     tau_n deta_i/dt = -eta_i + s sqrt(2 tau_n) xi_i(t),
            s = sigma sqrt((tau_m + tau_n) / tau_n)

``sigma_mv`` is, for both kinds, the standard deviation of the *free* membrane potential (no
threshold) around its mean I: white noise makes V an Ornstein-Uhlenbeck process of standard
deviation sigma; an OU current of correlation time tau_n is scaled (s above) so that V keeps
the same standard deviation sigma, and it tends to the white noise as tau_n -> 0.
In Brunel's (2000) notation, tau dV/dt = -V + mu + sigma_B sqrt(tau) xi, white noise is
sigma_B = sqrt(2) sigma (the Siegert formula takes sigma_B).

Both are off by default: a config without them hashes and runs as before the fields existed
(``SpikingBackendConfig`` omits them from the resolved config when absent). Imports no SDK.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from orchestrator.contract.network_config import MIN_TIME_MS
from orchestrator.contract.strict import StrictModel

__all__ = ["NoiseConfig", "VInitConfig"]


class NoiseConfig(StrictModel):
    """A noise current in every neuron (white or Ornstein-Uhlenbeck), seeded from ``run.seed``.

    Per step dt (exact updates; design §19): white, V <- I + (V - I) e + sigma sqrt(1 - e^2) z
    with e = exp(-dt/tau_m); ou, eta <- eta a + s sqrt(1 - a^2) z with a = exp(-dt/tau_ms),
    then V integrates I + eta held over the step. z: one standard normal per neuron and step.
    """

    kind: Literal["white", "ou"] = Field(
        description=(
            "white: Gaussian white noise; ou: an Ornstein-Uhlenbeck current of correlation time "
            "`tau_ms` (colored noise, white as tau_ms -> 0)."
        )
    )
    sigma_mv: float = Field(
        gt=0,
        le=1000.0,
        description=(
            "Standard deviation of the free membrane potential's fluctuations (no threshold), "
            "mV, for both kinds; Brunel's sigma is sqrt(2) times this."
        ),
    )
    tau_ms: float | None = Field(
        None,
        ge=MIN_TIME_MS,
        description="Correlation time of the OU current, ms (kind ou: required; white: absent).",
    )
    seed: int | None = Field(
        None,
        ge=0,
        description="Seed of the noise; default: derived from `run.seed` (its own stream).",
    )

    @model_validator(mode="after")
    def _tau_for_ou_only(self) -> NoiseConfig:
        if self.kind == "ou" and self.tau_ms is None:
            raise ValueError("kind ou needs tau_ms (the current's correlation time, ms)")
        if self.kind == "white" and self.tau_ms is not None:
            raise ValueError("kind white has no tau_ms (use kind: ou for a correlated current)")
        return self


class VInitConfig(StrictModel):
    """Random initial membrane potentials: V_i(0) uniform in [low_mv, high_mv), independently.

    Drawn by the orchestrator (one array, the same on every backend) from ``seed`` or a stream
    of ``run.seed``; a resumed or rolled-back run starts from its checkpoint instead.
    """

    low_mv: float = Field(description="Lowest initial potential, mV.")
    high_mv: float = Field(
        description="Upper end of the initial potentials, mV (below `v_th_mv`, spec §14)."
    )
    seed: int | None = Field(
        None,
        ge=0,
        description="Seed of the draw; default: derived from `run.seed` (its own stream).",
    )

    @model_validator(mode="after")
    def _ordered(self) -> VInitConfig:
        if not self.low_mv <= self.high_mv:
            raise ValueError(
                f"low_mv must not exceed high_mv (got {self.low_mv} > {self.high_mv})"
            )
        return self
