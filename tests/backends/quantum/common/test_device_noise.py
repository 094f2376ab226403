"""A snapshot's noise model cut to the used qubits is the same channel as the full model."""

from __future__ import annotations

import numpy as np
from qiskit import ClassicalRegister, QuantumCircuit, QuantumRegister
from qiskit_aer import AerSimulator

from backends.quantum.common import device_noise, trotter
from backends.quantum.common.fake_devices import load_fake


def test_cut_noise_model_gives_the_counts_of_the_full_model_at_the_same_seed() -> None:
    device = load_fake("fake_sherbrooke")
    circuit = QuantumCircuit(QuantumRegister(3, "q"), ClassicalRegister(3, "meas"))
    circuit.h(0)
    circuit.cx(0, 1)
    circuit.ry(0.7, 2)
    circuit.cx(1, 2)
    circuit.measure(range(3), range(3))
    (isa,) = trotter.transpile_for_device([circuit], device, initial_layout=[10, 11, 12])
    used = device_noise.active_qubits([isa])
    assert used == {10, 11, 12}
    cut = device_noise.device_simulator(device, used)
    assert set(cut.options.noise_model.noise_qubits) <= used
    full = AerSimulator.from_backend(device)
    noiseless = AerSimulator()
    counts = [
        sim.run(isa, shots=2000, seed_simulator=17).result().get_counts()
        for sim in (cut, full, noiseless)
    ]
    assert counts[0] == counts[1]
    assert counts[0] != counts[2]  # and it is noisy: outcomes the ideal circuit never gives
    ideal_support = {k for k, v in counts[2].items() if v > 0}
    assert sum(v for k, v in counts[0].items() if k not in ideal_support) > 0


def test_measured_qubits_follow_the_layout_and_clbits_stay_logical() -> None:
    device = load_fake("fake_sherbrooke")
    circuit = QuantumCircuit(QuantumRegister(3, "q"), ClassicalRegister(3, "meas"))
    circuit.x(0)
    circuit.measure(range(3), range(3))
    (isa,) = trotter.transpile_for_device([circuit], device, initial_layout=[20, 21, 22])
    assert trotter.measured_qubits(isa, 3) == (20, 21, 22)
    counts = AerSimulator().run(isa, shots=10, seed_simulator=1).result().get_counts()
    assert counts == {"001": 10}  # clbit 0 (rightmost) is logical qubit 0
    assert np.all(np.array(list(device_noise.active_qubits([isa]))) >= 20)
