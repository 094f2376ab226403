"""Coherence flow: gradient descent on E_coh each tick (spec §5: "gradient descent over E_coh
ensures synchronized quantum and neuromorphic oscillations"), as a rule of the control stage.

What is descended. The E_coh the NEXT tick will have, predicted by the deterministic model of
``orchestrator.physics.coherence_gradient`` with the network frozen: the next preparation is
evolved exactly (exp(-i H dt), the Trotterized backend's target), the drive follows the PCI
forward, and the spike phasors follow the LIF f-I surrogate with their phases held at this
tick's measured ones (u_c = F_c / |F_c|, 0 for a silent channel). The parameters (config
``coherence_flow.params``, any of):

    theta, phi   the next preparation's angles, shape (n,), rad
    alpha, beta  the next tick's drive couplings, mV
    gamma        the backward coupling: the next preparation is prep(psi + gamma F) of this
                 tick (``pci.preparation_angles``); a change of gamma moves the angles by
                 prep(psi + gamma' F) - prep(psi + gamma F) (on top of whatever the rules
                 before this one did to them)

start at the proposal the rules before this one left (the backward update, ACE, PSN), and take
``steps`` plain gradient steps  p <- p - eta dE/dp  (the listed parameters only; alpha and gamma
then clipped to ``ace.alpha_bounds`` / ``ace.gamma_bounds``). The predicted energies
E_0 (before) .. E_steps (after) are the tick's ``coherence_flow_energies``; for a small enough
eta they decrease monotonically (E is smooth where the model is, and a gradient step of size
eta < 2 / L decreases an L-smooth function).

The rule keeps no state between ticks (the model is built from the config, the phase factors
from the reading), so checkpoints are unchanged by it. Qubit mapping and ``pci.drive: current``
only (config cross-checks say so).
"""

from __future__ import annotations

from dataclasses import replace
from typing import final

import numpy as np

from orchestrator.config.phase import CoherenceFlowConfig
from orchestrator.config.sections import AceConfig, PciConfig
from orchestrator.control.rule import ControlRule, NextTick, RuleOutcome
from orchestrator.physics import coherence_gradient as cg
from orchestrator.physics.pci import AceState
from orchestrator.physics.readings import TickReading
from orchestrator.physics.tick_io import QuantumRequest

__all__ = ["CoherenceFlowRule", "descend"]


@final
class CoherenceFlowRule(ControlRule):
    """§5 descent in the control stage (module docstring).

    evolve: the model's U (``coherence_gradient.exact_evolution`` of the run's H and trotter.dt).
    lif: the spike surrogate of the run's neurons and tick window.
    """

    name = "coherence_flow"

    def __init__(
        self,
        config: CoherenceFlowConfig,
        ace: AceConfig,
        pci: PciConfig,
        n_qubits: int,
        evolve: cg.Evolution,
        lif: cg.LifSurrogate,
    ) -> None:
        self.config = config
        self.ace = ace
        self.pci = pci
        self.n = n_qubits
        self.evolve = evolve
        self.lif = lif

    def model(self, reading: TickReading) -> cg.CoherenceModel:
        """The tick's model: spike phases frozen at this tick's."""
        return cg.CoherenceModel(
            evolve=self.evolve,
            n_qubits=self.n,
            lif=self.lif,
            phase_factors=cg.phase_factors(reading.spikes.phasors),
            lambda_c=self.ace.lambda_c,
            drive_offset_mv=self.pci.drive_offset_mv,
            drive_clip_mv=self.pci.drive_clip_mv,
        )

    def apply(self, reading: TickReading, proposal: NextTick) -> RuleOutcome:
        source = cg.GammaSource(
            reading.quantum.psi,
            reading.spikes.phasors,
            reading.quantum.bloch[:, 2],
            proposal.coupling.gamma,
        )
        nxt, energies = descend(self.model(reading), proposal, source, self.config, self.ace)
        return RuleOutcome(nxt, {"coherence_flow_energies": energies})


def descend(
    model: cg.CoherenceModel,
    proposal: NextTick,
    source: cg.GammaSource,
    config: CoherenceFlowConfig,
    ace: AceConfig,
) -> tuple[NextTick, list[float]]:
    """``config.steps`` descent steps from ``proposal``; (the new next tick, [E_0..E_steps]).

    ``source``: this tick's psi, F, <Z> and the proposal's gamma (the gamma chain's base).
    """
    prep = proposal.preparation
    assert prep.theta is not None and prep.phi is not None  # qubit mapping (config-checked)
    theta, phi = np.array(prep.theta, dtype=float), np.array(prep.phi, dtype=float)
    alpha, beta, gamma = proposal.coupling.alpha, proposal.coupling.beta, source.gamma
    wanted, eta = set(config.params), config.eta
    energies: list[float] = []
    for _ in range(config.steps):
        src = replace(source, gamma=gamma)
        grad = cg.coherence_gradient(theta, phi, alpha, beta, model, src)
        energies.append(grad.energy)
        if "theta" in wanted:
            theta = theta - eta * grad.theta
        if "phi" in wanted:
            phi = phi - eta * grad.phi
        if "alpha" in wanted:
            alpha = float(np.clip(alpha - eta * grad.alpha, *ace.alpha_bounds))
        if "beta" in wanted:
            beta = beta - eta * grad.beta
        if "gamma" in wanted:
            assert grad.gamma is not None
            new_gamma = float(np.clip(gamma - eta * grad.gamma, *ace.gamma_bounds))
            now_theta, now_phi, _, _ = cg.gamma_sensitivity(replace(source, gamma=gamma))
            new_theta, new_phi, _, _ = cg.gamma_sensitivity(replace(source, gamma=new_gamma))
            theta, phi, gamma = theta + new_theta - now_theta, phi + new_phi - now_phi, new_gamma
    energies.append(cg.model_energy(theta, phi, alpha, beta, model))
    nxt = NextTick(
        QuantumRequest(theta=theta, phi=phi),
        AceState(alpha=alpha, beta=beta, gamma=gamma),
        proposal.reference_omega_per_ms,
    )
    return nxt, energies
