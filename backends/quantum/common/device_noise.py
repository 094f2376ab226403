"""A device snapshot's noise, restricted to the qubits a run uses, and a simulator that mirrors it.

Why. ``NoiseModel.from_backend(fake_sherbrooke)`` holds ~780 local errors over 127 qubits, and
Aer converts the whole model on every ``run()``: a call costs ~1.5 s per circuit even when the
circuit touches 3 qubits, and the runtime's local testing mode also rebuilds the model for
every job (~7 s a tick for three 3-qubit circuits, measured). An error on a qubit that no
instruction touches never fires, so the model cut down to the touched qubits is the same noise
channel for these circuits: at the same seed it gives the same counts (tested), in ~0.15 s a
tick.

What is kept, for every gate and readout error of the snapshot's model whose qubits all lie in
the used set: the error itself (depolarizing + thermal relaxation per gate, readout assignment
per qubit), and the model's custom noise passes (relaxation during ``delay``). The snapshot's
model has no default (all-qubit) and no non-local errors; ``restricted_noise_model`` checks so.

``device_simulator`` is a plain ``AerSimulator(noise_model=cut)``. Circuits must already be
transpiled for the snapshot (ISA circuits: its basis gates, coupling map and layout), so the
simulator needs the noise and nothing else of the target; ``AerSimulator.from_backend`` would
carry the 127-qubit target along, and the runtime's local mode deep-copies the simulator for
every job (0.25 s against 0.16 s a 3-circuit job, same counts). The circuits are 127 qubits
wide; Aer truncates the idle ones.
"""

from __future__ import annotations

from collections.abc import Iterable

from qiskit import QuantumCircuit
from qiskit.providers import BackendV2
from qiskit_aer import AerSimulator
from qiskit_aer.noise import NoiseModel

__all__ = ["active_qubits", "device_simulator", "restricted_noise_model"]


def active_qubits(circuits: Iterable[QuantumCircuit]) -> frozenset[int]:
    """Physical qubits that any instruction other than a barrier acts on."""
    used: set[int] = set()
    for circuit in circuits:
        for instruction in circuit.data:
            if instruction.operation.name != "barrier":
                used.update(circuit.find_bit(q).index for q in instruction.qubits)
    return frozenset(used)


_MODELS: dict[tuple[str, str], NoiseModel] = {}


def _full_model(device: BackendV2) -> NoiseModel:
    """``NoiseModel.from_backend`` (~2 s for 127 qubits), once per snapshot and version."""
    key = (device.name, str(device.backend_version))
    if key not in _MODELS:
        _MODELS[key] = NoiseModel.from_backend(device)
    return _MODELS[key]


def restricted_noise_model(device: BackendV2, qubits: Iterable[int]) -> NoiseModel:
    """The snapshot's noise model with only the errors whose qubits all lie in ``qubits``.

    Reads the model's per-instruction tables (Aer offers no public accessor for them); a
    test compares counts with the full model at the same seed.
    """
    keep = frozenset(qubits)
    full = _full_model(device)
    if full._default_quantum_errors or full._default_readout_error is not None:
        raise ValueError(f"{device.name}: noise model has all-qubit errors; cannot restrict it")
    cut = NoiseModel(basis_gates=full.basis_gates)
    for name, per_qubits in full._local_quantum_errors.items():
        for on, error in per_qubits.items():
            if keep.issuperset(on):
                cut.add_quantum_error(error, name, on, warnings=False)
    for on, error in full._local_readout_errors.items():
        if keep.issuperset(on):
            cut.add_readout_error(error, on, warnings=False)
    cut._custom_noise_passes = list(full._custom_noise_passes)
    return cut


def device_simulator(
    device: BackendV2, qubits: Iterable[int], max_parallel_threads: int = 1
) -> AerSimulator:
    """An Aer simulator with the snapshot's noise on ``qubits`` only (for its ISA circuits)."""
    return AerSimulator(
        noise_model=restricted_noise_model(device, qubits),
        max_parallel_threads=max_parallel_threads,
    )
