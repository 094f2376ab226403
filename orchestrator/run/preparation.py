"""The first tick's preparation (spec §3.3): every qubit at the config's initial angles."""

from __future__ import annotations

import math

import numpy as np

from orchestrator.config.root import RunConfig
from orchestrator.physics.parameter_shift import term_layout
from orchestrator.physics.tick_io import QuantumRequest

__all__ = ["initial_preparation"]


def initial_preparation(config: RunConfig, n: int) -> QuantumRequest:
    """Every qubit at (``pci.initial_theta``, ``pci.initial_phi``), as angles or amplitudes;
    with ``learning``, the trainable evolution's starting angles too."""
    theta0, phi0 = config.pci.initial_theta, config.pci.initial_phi
    if config.pci.mapping == "qubit":
        evolution = None
        if config.learning is not None:  # the trainable evolution's starting angles
            layout = term_layout(config.build_hamiltonian())
            evolution = layout.term_angles(config.learning.start_angles(config.trotter.dt))
        return QuantumRequest(theta=np.full(n, theta0), phi=np.full(n, phi0), evolution=evolution)
    one = np.array([math.cos(theta0 / 2), np.exp(1j * phi0) * math.sin(theta0 / 2)])
    state = np.ones(1, dtype=complex)
    for _ in range(n):
        state = np.kron(one, state)
    return QuantumRequest(amplitudes=state)
