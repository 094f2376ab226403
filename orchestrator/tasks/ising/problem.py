"""The problem a ``spiking.annealer`` section anneals, and the annealer network wired from it.

``annealer_problem``: the QUBO of ``spiking.annealer.qubo`` translated to Ising
(``physics.ising.ising_from_qubo``), or the run Hamiltonian's Z and ZZ terms
(``physics.ising.ising_of_hamiltonian``). ``annealer_network``: one neuron per variable, the
biases and both-way synapses of ``physics.ising.neural_parameters``, the colour classes of
``physics.annealing.colouring`` and the temperatures (the section's, or the defaults of
``physics.annealing.default_temperatures``). O(n + E); no n x n matrix.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import final

import numpy as np

from orchestrator.contract.annealer_config import AnnealerConfig
from orchestrator.physics.annealing import colouring, default_temperatures
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.ising import (
    IsingProblem,
    NeuralParameters,
    ising_from_qubo,
    ising_of_hamiltonian,
    neural_parameters,
)

__all__ = ["AnnealerNetwork", "annealer_network", "annealer_problem"]


def annealer_problem(section: AnnealerConfig, hamiltonian: PauliHamiltonian) -> IsingProblem:
    """The Ising problem the section anneals (its QUBO, or H's Z and ZZ terms)."""
    if section.qubo is not None:
        return ising_from_qubo(*section.qubo.entries())
    return ising_of_hamiltonian(hamiltonian)


@final
@dataclass(frozen=True)
class AnnealerNetwork:
    """The annealer's neurons: parameters (mV), colour classes, temperatures (mV)."""

    neurons: NeuralParameters
    colours: np.ndarray
    n_colours: int
    t0_mv: float
    t1_mv: float


def annealer_network(
    problem: IsingProblem,
    mv_per_unit: float = 1.0,
    t0_mv: float | None = None,
    t1_mv: float | None = None,
) -> AnnealerNetwork:
    """Wire ``problem`` with kappa = ``mv_per_unit``; temperatures given, or the defaults
    (``physics.annealing.default_temperatures``); the colouring is greedy."""
    neurons = neural_parameters(problem, mv_per_unit)
    colours = colouring(problem.n, neurons.pre, neurons.post)
    hot, cold = default_temperatures(problem, mv_per_unit)
    return AnnealerNetwork(
        neurons=neurons,
        colours=colours,
        n_colours=int(colours.max(initial=0)) + 1,
        t0_mv=hot if t0_mv is None else t0_mv,
        t1_mv=cold if t1_mv is None else t1_mv,
    )
