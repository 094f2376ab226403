"""Config of learning (spec §7, §8; issue 12): the ``learning`` section. Absent: no learning.

    learning:
      params: [angles, alpha]      # what Theta holds (see ``theta_names``)
      layers: 1                    # evolution layers with free angles (QAOA depth p)
      initial_angles: [[0.4, 0.3]] # per layer (cost, driver); default t / layers each
      epoch_ticks: 1
      optimizer: adam
      lr: 0.05
      loss: {energy: 1.0, neural: 0.0, phase: 0.0, target_rate_hz: 50.0}
      hold_preparation: true       # every tick starts from pci.initial_theta/phi (|+>^n)
      meta: {eta_q: 0.01, eta_n: 0.0, sigma: 0.1, noise: seeded}

Math and meaning: ``orchestrator.control.learning`` (the rule), ``physics.parameter_shift``,
``physics.neural_surrogate``, ``control.meta_evolution``; choices: docs/design.md §16.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Literal

from pydantic import Field, ValidationInfo, field_validator

from orchestrator.contract.strict import StrictModel

if TYPE_CHECKING:
    import numpy as np

    from orchestrator.config.root import RunConfig

__all__ = [
    "LearningConfig",
    "LossConfig",
    "MetaEvolutionConfig",
    "learning_problems",
    "theta_names",
]

COUPLINGS = ("alpha", "beta", "gamma")


class LossConfig(StrictModel):
    """L = lambda_Q <H_E> + lambda_N L_N + lambda_P E_coh, from named parts (§7)."""

    energy: float = Field(
        1.0, ge=0, description="lambda_Q: weight of the measured task energy <H_E>."
    )
    energy_terms: Literal["cost", "all"] = Field(
        "cost",
        description=(
            "H_E: `cost` = the terms of H made of Z letters only (the MaxCut/QUBO cost); "
            "`all` = every term of H."
        ),
    )
    neural: float = Field(
        0.0, ge=0, description="lambda_N: weight of the neural loss L_N (target rate)."
    )
    phase: float = Field(0.0, ge=0, description="lambda_P: weight of E_coh (§5).")
    target_rate_hz: float = Field(
        50.0, gt=0, description="r*: L_N = mean over neurons of ((r_k - r*) / r*)^2."
    )
    smooth_mv: float = Field(
        1.0, gt=0, description="Softening width of the LIF f-I surrogate's threshold, mV."
    )


class MetaEvolutionConfig(StrictModel):
    """§8: Theta <- Theta + eta_Q eps_Q - eta_N grad L_N after each epoch's optimiser step."""

    eta_q: float = Field(0.0, ge=0, description="eta_Q: step of the mutation eps_Q.")
    eta_n: float = Field(
        0.0, ge=0, description="eta_N: step of the stabilising selection along -grad L_N."
    )
    sigma: float | list[float] = Field(
        0.1,
        description=(
            "Sigma_Q = diag(sigma^2): one standard deviation, or one per entry of Theta "
            "(in `params` order). Ignored when `covariance` is given."
        ),
    )
    covariance: list[list[float]] | None = Field(
        None, description="Sigma_Q in full (symmetric positive definite, Theta x Theta)."
    )
    noise: Literal["seeded", "quantum"] = Field(
        "seeded",
        description=(
            "seeded: eps_Q from the run's seeded generator; quantum: from the measured bits "
            "of the epoch's unshifted circuit (needs shots; on a simulator those bits are "
            "pseudo-random too)."
        ),
    )

    @field_validator("sigma")
    @classmethod
    def _positive(cls, sigma: float | list[float]) -> float | list[float]:
        values = [sigma] if isinstance(sigma, float | int) else sigma
        if not values or min(values) < 0:
            raise ValueError("standard deviations must be >= 0 (and at least one given)")
        return sigma

    def covariance_matrix(self, size: int) -> np.ndarray:
        """Sigma_Q as a (size, size) array."""
        import numpy as np  # where an array is made, not at import (design §25)

        if self.covariance is not None:
            return np.array(self.covariance, dtype=float)
        sigma = np.broadcast_to(np.asarray(self.sigma, dtype=float), (size,))
        return np.diag(sigma**2)


class LearningConfig(StrictModel):
    """Shared parameters Theta trained by fused gradients (§7) and meta-evolution (§8)."""

    params: list[Literal["angles", "alpha", "beta", "gamma"]] = Field(
        min_length=1,
        description=(
            "What Theta holds: `angles` (per layer, the cost and driver group angles of the "
            "evolution), and the PCI couplings `alpha`, `beta`, `gamma`."
        ),
    )
    layers: int = Field(
        1, ge=1, le=64, description="Evolution layers with free angles (QAOA's depth p)."
    )
    initial_angles: list[tuple[float, float]] | None = Field(
        None,
        description=(
            "Per layer, the (cost, driver) group angles to start from; default trotter.dt / "
            "layers each (the Lie-Trotter evolution of the run's H)."
        ),
    )
    epoch_ticks: int = Field(
        1, ge=1, le=10_000, description="Ticks per training epoch (one update per epoch)."
    )
    optimizer: Literal["sgd", "adam"] = Field("adam", description="The optimiser of Theta.")
    lr: float = Field(0.05, ge=0, description="Learning rate of the optimiser.")
    adam_betas: tuple[float, float] = Field(
        (0.9, 0.999), description="Adam's decay rates (beta1, beta2), each in [0, 1)."
    )
    adam_eps: float = Field(1e-8, gt=0, description="Adam's epsilon.")
    loss: LossConfig = Field(default_factory=LossConfig, description="The loss and its weights.")
    hold_preparation: bool = Field(
        False,
        description=(
            "Start every tick from pci.initial_theta/initial_phi (pi/2, 0: |+>^n) instead of "
            "the backward update's preparation."
        ),
    )
    meta: MetaEvolutionConfig | None = Field(
        None, description="Meta-evolution (§8) after each epoch; absent: none."
    )

    @field_validator("params")
    @classmethod
    def _unique(cls, params: list[str]) -> list[str]:
        if len(set(params)) != len(params):
            raise ValueError(f"a parameter is listed twice in {params}")
        return params

    @field_validator("adam_betas")
    @classmethod
    def _betas(cls, betas: tuple[float, float]) -> tuple[float, float]:
        if not all(0 <= b < 1 for b in betas):
            raise ValueError("each must be in [0, 1)")
        return betas

    @field_validator("initial_angles")
    @classmethod
    def _angles_per_layer(
        cls, angles: list[tuple[float, float]] | None, info: ValidationInfo
    ) -> list[tuple[float, float]] | None:
        layers = info.data.get("layers")
        if angles is not None and layers is not None and len(angles) != layers:
            raise ValueError(f"{len(angles)} (cost, driver) pairs for {layers} layers")
        return angles

    def start_angles(self, dt: float) -> np.ndarray:
        """The group angles a[l, g] to start from, shape (layers, 2)."""
        import numpy as np

        if self.initial_angles is not None:
            return np.array(self.initial_angles, dtype=float)
        return np.full((self.layers, 2), dt / self.layers)


def theta_names(config: LearningConfig) -> list[str]:
    """The entries of Theta in order: ``angle[l].cost``, ``angle[l].driver`` per layer (with
    ``angles``), then ``alpha``, ``beta``, ``gamma`` as listed."""
    names: list[str] = []
    if "angles" in config.params:
        names += [f"angle[{i}].{g}" for i in range(config.layers) for g in ("cost", "driver")]
    return names + [c for c in COUPLINGS if c in config.params]


def learning_problems(cfg: RunConfig) -> list[str]:
    """Cross-section problems of a ``learning`` section (none when it is absent)."""
    learning = cfg.learning
    if learning is None:
        return []
    problems: list[str] = []
    caps = cfg.quantum.capabilities()
    if not caps.trainable:
        problems.append(
            f"learning: quantum backend '{cfg.quantum.kind}' cannot run free evolution angles "
            "(use quantum.kind: aer)"
        )
    if cfg.pci.mapping != "qubit":
        problems.append("learning: needs pci.mapping: qubit (the product preparation)")
    if not any(t.paulis for t in cfg.build_hamiltonian().terms):
        problems.append("learning: the Hamiltonian has no Pauli terms to give angles to")
    meta = learning.meta
    if meta is not None:
        size = len(theta_names(learning))
        if meta.noise == "quantum" and caps.statevector:
            problems.append(
                "learning.meta.noise: quantum needs measured bits, but the quantum backend as "
                "configured returns amplitudes only (use quantum.aer.method: automatic, or "
                "noise: seeded)"
            )
        if isinstance(meta.sigma, list) and meta.covariance is None and len(meta.sigma) != size:
            problems.append(
                f"learning.meta.sigma: {len(meta.sigma)} values for the {size} entries of Theta"
            )
        if meta.covariance is not None:
            problems += _covariance_problems(meta.covariance, size)
    return problems


def _covariance_problems(covariance: list[list[float]], size: int) -> list[str]:
    import numpy as np

    from orchestrator.physics import fixed_linalg

    try:
        matrix = np.array(covariance, dtype=float) if covariance else np.zeros((0, 0))
    except ValueError:  # ragged rows
        matrix = np.zeros((0, 0))
    if matrix.shape != (size, size):
        return [f"learning.meta.covariance: must be {size} x {size} (the entries of Theta)"]
    if not np.allclose(matrix, matrix.T, rtol=0, atol=1e-12 * max(1.0, np.abs(matrix).max())):
        return ["learning.meta.covariance: must be symmetric"]
    if not math.isfinite(matrix.sum()):
        return ["learning.meta.covariance: must be positive definite"]
    try:  # the factorisation the run uses (control.meta_evolution), so both agree exactly
        fixed_linalg.cholesky(matrix)
    except ValueError:
        return ["learning.meta.covariance: must be positive definite"]
    return []
