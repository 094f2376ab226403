"""The loop's measure stage on a statevector backend, against an independent answer: the same
Trotter circuit simulated by qiskit's ``Statevector``, read with dense Pauli matrices."""

from __future__ import annotations

import numpy as np
import pytest
from qiskit.quantum_info import Statevector

from backends.quantum.common import trotter
from orchestrator.config import load_config
from orchestrator.run.assemble import build_program
from tests.loops import loop_ticks
from tests.orchestrator.physics.test_hamiltonian import X, Y, Z, _op
from tests.orchestrator.physics.test_statevector import dense


@pytest.mark.parametrize("mapping", ["qubit", "amplitude"])
def test_exact_estimates_of_the_first_tick_and_what_the_reading_keeps(
    small_config, mapping: str
) -> None:
    overrides = {"quantum.aer.method": "statevector", "pci.mapping": mapping, "spiking.neurons": 8}
    cfg = load_config(small_config, overrides)
    (record,) = loop_ticks(cfg)
    program = build_program(cfg)
    n = program.n_qubits
    circuit = trotter.state_circuit(program).decompose(reps=3)
    start = Statevector(np.ones(2**n) / np.sqrt(2**n))  # |+>^n: the initial preparation
    if mapping == "qubit":
        angles = trotter.prep_values(np.full(n, np.pi / 2), np.zeros(n), n)
        psi = Statevector(circuit.assign_parameters(angles)).data
    else:
        psi = start.evolve(circuit).data
    reading = record.quantum
    for q in range(n):
        for k, p in enumerate((X, Y, Z)):
            exact = np.vdot(psi, _op(n, {q: p}) @ psi).real
            assert reading.bloch[q, k] == pytest.approx(exact, abs=1e-10)
    h = cfg.build_hamiltonian()
    assert reading.fusion_energy == pytest.approx(np.vdot(psi, dense(h) @ psi).real, abs=1e-10)
    p = np.abs(psi) ** 2
    assert reading.entropy.plugin == pytest.approx(-(p * np.log(p)).sum(), abs=1e-10)
    assert reading.entropy.plugin == reading.entropy.miller_madow == reading.entropy.used
    if mapping == "qubit":
        assert reading.statevector is None  # not held through the next tick's quantum call
    else:
        assert abs(abs(np.vdot(psi, reading.statevector)) - 1) < 1e-10  # up to a global phase
