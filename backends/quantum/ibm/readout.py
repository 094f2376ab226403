"""Readout calibration: per-qubit flip rates measured on the device, for tensored mitigation.

Two circuits on the physical qubits P that measure anything in the tick's circuits: all of P
prepared in |0> and measured, and all of P flipped to |1> (X) and measured. From s shots each,

    e0_p = P(read 1 | prepared 0) = mean of qubit p's bits in the |0...0> circuit,
    e1_p = P(read 0 | prepared 1) = 1 - mean of qubit p's bits in the |1...1> circuit,

which is all that tensored mitigation of single-qubit marginals and Pauli products needs
(``orchestrator.physics.measurement``: c_q = (s_q - (e1 - e0)) / (1 - e0 - e1)). Preparing all
qubits at once also captures what one qubit's state does to its neighbours' readout on average
over the two patterns, not per pattern (that would take 2^|P| circuits). The X gate's own
error (~3e-4 on current devices) is counted as readout error; it is small next to readout errors
of 1-5 %.

The rates of basis b's circuit are taken at the physical qubit that measured logical qubit q
there (routing may differ between bases, so per basis).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit.providers import BackendV2

from backends.quantum.common import trotter

__all__ = ["calibration_circuits", "flip_rates", "rates_per_basis"]


def calibration_circuits(
    device: BackendV2, physical: Sequence[int]
) -> tuple[QuantumCircuit, QuantumCircuit]:
    """ISA circuits |0..0> and |1..1> on ``physical``, clbit j measuring ``physical[j]``."""
    m = len(physical)
    zeros = QuantumCircuit(QuantumRegister(m, "q"), ClassicalRegister(m, trotter.MEAS_NAME))
    zeros.name = "readout_0"
    zeros.measure(range(m), range(m))
    ones = QuantumCircuit(QuantumRegister(m, "q"), ClassicalRegister(m, trotter.MEAS_NAME))
    ones.name = "readout_1"
    ones.x(range(m))
    ones.measure(range(m), range(m))
    isa = trotter.transpile_for_device(
        [zeros, ones], device, optimization_level=0, initial_layout=physical
    )
    for circuit in isa:
        if trotter.measured_qubits(circuit, m) != tuple(physical):
            raise ValueError("calibration circuits were not laid out on the measured qubits")
    return isa[0], isa[1]


def flip_rates(zeros: np.ndarray, ones: np.ndarray) -> np.ndarray:
    """(m, 2) array of (P(1|0), P(0|1)) per calibrated qubit, from the two circuits' bits."""
    return np.stack([zeros.mean(axis=0), 1.0 - ones.mean(axis=0)], axis=1)


def rates_per_basis(
    rates: np.ndarray, physical: Sequence[int], measured: Sequence[Sequence[int]]
) -> tuple[np.ndarray, ...]:
    """One (n, 2) array per basis circuit: row q = the rates of the qubit behind clbit q."""
    index = {p: j for j, p in enumerate(physical)}
    return tuple(rates[[index[p] for p in qubits]] for qubits in measured)
