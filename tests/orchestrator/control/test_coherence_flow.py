"""Coherence flow (§5): with the network frozen (the surrogate) and a small eta the predicted
E_coh falls at every step; one step moves each parameter by -eta times a central difference of
the model's energy (an independent derivative)."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.config.phase import CoherenceFlowConfig
from orchestrator.config.sections import AceConfig, PciConfig
from orchestrator.control.coherence_flow import CoherenceFlowRule
from orchestrator.control.rule import NextTick
from orchestrator.physics import coherence_gradient as cg
from orchestrator.physics import pci
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.tick_io import QuantumRequest
from tests.orchestrator.control.test_psn import reading

N = 3
LIF = cg.LifSurrogate(20.0, 20.0, 0.0, 2.0, 5.0, 2.5)
PCI = PciConfig(alpha=30.0, beta=-20.0, gamma=0.5, drive_offset_mv=26.0)
H = PauliHamiltonian.from_terms(
    N, [("ZZ", (0, 1), 0.6), ("ZZ", (1, 2), 0.6), ("X", (0,), 0.8), ("X", (1,), 0.9)]
)
PSI = np.array([0.3 * np.exp(0.4j), 0.2 * np.exp(-2.0j), 0.35 * np.exp(2.6j)])
F = np.array([0.1 * np.exp(1.0j), 0.05 * np.exp(-0.5j), 0.2 * np.exp(-2.0j)])
Z = np.array([0.5, -0.7, 0.1])


def setup(params, eta, steps):
    cfg = CoherenceFlowConfig(eta=eta, steps=steps, params=params)
    rule = CoherenceFlowRule(cfg, AceConfig(), PCI, N, cg.exact_evolution(H.to_sparse(), 0.3), LIF)
    tick = reading(0, PSI, F, [0, 1, 2])
    tick = type(tick)(tick.tick, _with_z(tick.quantum), tick.spikes)
    theta, phi = pci.preparation_angles(PSI + 0.5 * F, Z)
    proposal = NextTick(QuantumRequest(theta=theta, phi=phi), pci.AceState(30.0, -20.0, 0.5))
    return rule, tick, proposal


def _with_z(quantum):
    bloch = np.zeros((N, 3))
    bloch[:, 2] = Z
    return type(quantum)(**{**vars(quantum), "bloch": bloch})


def test_predicted_e_coh_decreases_monotonically_with_a_small_eta():
    rule, tick, proposal = setup(("theta", "phi", "alpha", "beta", "gamma"), 2e-3, 40)
    outcome = rule.apply(tick, proposal)
    energies = np.array(outcome.fields["coherence_flow_energies"])
    assert energies.size == 41
    assert np.all(np.diff(energies) < 0)
    assert energies[-1] < energies[0] - 1e-3
    nxt = outcome.next
    model = rule.model(tick)
    assert energies[0] == pytest.approx(cg.model_energy(*_angles(proposal), 30.0, -20.0, model))
    assert energies[-1] == pytest.approx(
        cg.model_energy(*_angles(nxt), nxt.coupling.alpha, nxt.coupling.beta, model)
    )


def _angles(nxt):
    return nxt.preparation.theta, nxt.preparation.phi


@pytest.mark.parametrize("param", ["alpha", "beta", "gamma", "phi"])
def test_one_step_moves_by_minus_eta_times_a_central_difference(param):
    eta, h = 1e-2, 1e-6
    rule, tick, proposal = setup((param,), eta, 1)
    model = rule.model(tick)
    nxt = rule.apply(tick, proposal).next

    def energy(x):
        theta, phi = _angles(proposal)
        alpha, beta = 30.0, -20.0
        if param == "alpha":
            alpha = x
        elif param == "beta":
            beta = x
        elif param == "gamma":
            theta, phi = pci.preparation_angles(PSI + x * F, Z)
        else:
            phi = phi + np.array([x, 0, 0])
        return cg.model_energy(theta, phi, alpha, beta, model)

    x0 = {"alpha": 30.0, "beta": -20.0, "gamma": 0.5, "phi": 0.0}[param]
    slope = (energy(x0 + h) - energy(x0 - h)) / (2 * h)
    moved = {
        "alpha": nxt.coupling.alpha,
        "beta": nxt.coupling.beta,
        "gamma": nxt.coupling.gamma,
        "phi": nxt.preparation.phi[0] - proposal.preparation.phi[0],
    }[param]
    assert moved - x0 == pytest.approx(-eta * slope, rel=1e-5, abs=1e-10)
    assert abs(slope) > 1e-6  # the parameter does move E
