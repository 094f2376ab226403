"""The two records that cross a backend every tick: what the quantum side is asked to prepare
(``QuantumRequest``) and what the spiking side returns (``SpikeWindow``).

Plain records of one tick's numbers (design §1: they live in ``physics/``, which reads them;
the interfaces of ``contract/quantum.py`` and ``contract/spiking.py`` carry them). Units:
radians, mV, ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["QuantumRequest", "SpikeWindow"]


@dataclass(frozen=True)
class QuantumRequest:
    """One preparation of the compiled ``QuantumProgram`` (a PUB of Qiskit's primitives).

    theta, phi: shape (n,), radians; used when ``preparation == "product"``.
    amplitudes: shape (2^n,), complex, unit norm; used when ``preparation == "amplitudes"``.
    evolution: shape (layers, len(layer_terms)), radians: the free angles of a program with
        ``layers`` > 0 (see ``QuantumProgram``); None otherwise.
    A backend raises ``ValueError`` for a request that does not fit its program.
    """

    theta: np.ndarray | None = None
    phi: np.ndarray | None = None
    amplitudes: np.ndarray | None = None
    evolution: np.ndarray | None = None


@dataclass(frozen=True)
class SpikeWindow:
    """The spikes of one tick window [t0_ms, t0_ms + tick_ms).

    neurons, times_ms: equal-length arrays, one entry per spike, times relative to t0_ms and
        on the dt grid, sorted by time.
    voltages_mv: shape (N,), membrane potentials at the end of the window (an annealer: the
        potential u_k each neuron would see at its next update, bias and drive included).
    states: an annealer's binary states x (N,) uint8 at the end of the window: the variable
        assignment the tick read out (``AnnealerSpec``); None for LIF neurons.
    neuron_updates: an annealer's neuron updates in this window (each one stochastic decision
        of one variable, the unit a single-flip proposal of simulated annealing is counted
        in); None for LIF neurons.
    """

    t0_ms: float
    neurons: np.ndarray
    times_ms: np.ndarray
    voltages_mv: np.ndarray
    states: np.ndarray | None = None
    neuron_updates: int | None = None
