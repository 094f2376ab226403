"""Qiskit Aer backend: the program's circuits transpiled once, every basis in one call a tick.

Shots: the measured circuits of ``backends.quantum.common.trotter`` (one per basis), transpiled once
for the simulator, get the tick's angles bound (``assign_parameters``, no transpile) and run as
ONE batched ``AerSimulator.run(circuits, shots, seed_simulator=seed)`` over every request of the
call and every basis; each basis's
counts are expanded to per-shot bits grouped by outcome (bit q of an outcome is clbit q =
qubit q). Counts rather than per-shot memory: the estimators do not depend on shot order, and
parsing 1024 memory words a basis cost ~1.1 ms a tick at n=8 (measured in the loop).

Why not ``qiskit_aer.primitives.SamplerV2`` (which wraps the same ``run``): per tick, n qubits,
1024 shots, 3 bases, TFIM Suzuki-2 reps 4, 1 thread, shared 2-core machine, median of 100 ticks
interleaved, four runs (quietest run first, range after):

    n    SamplerV2 (pubs + values)   this path        raw run, bound, memory off (floor)
    8       19.0 ms (19-22)          14.6 ms (15-18)     13.5 ms (13-16)
    12      31.9 ms (31-39)          26.8 ms (27-33)     25.3 ms (24-30)

SamplerV2 costs 4-6 ms a call more than this path in every run (~25 % of its call at n=8,
~15 % at n=12; 29 % / 21 % above the floor): Aer's ``parameter_binds`` path (~1.2 ms more than
binding in Python), a thread per job, pub coercion and a per-shot Python loop packing memory
strings into BitArrays. This path is within ~1.3 ms (the memory words) of the floor, and is
still one call for all bases.

Statevector: preparation + Trotter circuit (the Trotter state, not exp(-i H t)) transpiled
once, ``save_statevector`` appended after transpiling (it is not a transpiler basis gate), run
with Aer's statevector method (3.5 ms a tick at n=8, 7 ms at n=12). ``aer.method: statevector``
returns only the amplitudes (no shots); ``want_statevector`` with ``automatic`` costs a second
call.

``amplitudes`` preparation: ``set_statevector(tick state)`` is put in front of the transpiled
circuits each tick (a copy of the instruction list, no transpile).

``aer.device: GPU``: every simulator is built with ``device="GPU"``; ``backends.quantum.aer.gpu``
checks first, before anything is transpiled, that Aer has a GPU device (and cupy one, where
the program returns amplitudes), and supplies the loop's estimator on the card.

``aer.noise_from: fake_xxx``: the circuits are transpiled once for the snapshot (ISA circuits, fixed
transpiler seed, clbits in logical order) and run on ``device_noise.device_simulator``, the
snapshot's target with its noise model cut to the qubits the circuits touch (same counts as
the full model, ~10x faster; see that module). Everything else is the path above.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import final

import numpy as np
import qiskit
from qiskit import QuantumCircuit
from qiskit.circuit import CircuitInstruction
from qiskit_aer import AerSimulator
from qiskit_aer.library import SaveStatevector, SetStatevector

from backends.quantum.aer import gpu
from backends.quantum.aer.config import AerConfig
from backends.quantum.common import device_noise, trotter
from backends.quantum.common.fake_devices import load_fake
from orchestrator.contract.quantum import (
    AmplitudeEstimator,
    QuantumBackend,
    QuantumProgram,
    QuantumResult,
    RequestResult,
)
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.physics.tick_io import QuantumRequest

__all__ = ["AerBackend"]


@final
class AerBackend(QuantumBackend):
    """Qiskit Aer simulator; see the module docstring."""

    def __init__(self, config: AerConfig, program: QuantumProgram) -> None:
        super().__init__(config, program)
        n = program.n_qubits
        limit = config.capabilities().max_qubits
        if limit is not None and n > limit:
            raise ValueError(f"aer: {n} qubits exceed the limit of {limit} ({config.aer.method})")
        if program.layers and program.preparation != "product":
            raise ValueError("aer: free evolution angles need the product preparation")
        options = config.aer
        threads = options.max_parallel_threads
        self._xp = None  # the GPU estimators' array namespace (cupy) when on the GPU
        if options.device == "GPU":  # before any transpile: a refusal costs nothing
            gpu.check_aer_gpu()
            if options.method == "statevector" or program.want_statevector:
                self._xp = gpu.cupy_module()
        on_gpu = {"device": "GPU"} if options.device == "GPU" else {}  # CPU: as before
        self._shots = config.shots
        self._bit_shifts = np.arange(n, dtype=np.int64)
        self._measured: tuple[QuantumCircuit, ...] = ()
        self._columns: tuple[np.ndarray, ...] = ()
        self._physical: tuple[int, ...] = ()
        if options.noise_from is not None and program.bases:
            device = load_fake(options.noise_from)
            self._measured = trotter.transpile_for_device(
                trotter.measured_circuits(program), device
            )
            used = device_noise.active_qubits(self._measured)
            self._simulator = device_noise.device_simulator(device, used, threads)
            if on_gpu:
                self._simulator.set_options(**on_gpu)
            self._physical = trotter.measured_qubits(self._measured[0], n)
            self._columns = tuple(trotter.parameter_columns(c, n) for c in self._measured)
        elif options.method != "statevector" and program.bases:
            self._simulator = AerSimulator(
                method=options.method, max_parallel_threads=threads, **on_gpu
            )
            self._measured = trotter.transpile_once(
                trotter.measured_circuits(program), self._simulator
            )
            self._columns = tuple(trotter.parameter_columns(c, n) for c in self._measured)
        self._sv_circuit: QuantumCircuit | None = None
        self._sv_columns = np.zeros(0, dtype=np.intp)
        if options.method == "statevector" or program.want_statevector:
            self._sv_simulator = AerSimulator(
                method="statevector", max_parallel_threads=threads, **on_gpu
            )
            (circuit,) = trotter.transpile_once(
                [trotter.state_circuit(program)], self._sv_simulator
            )
            circuit.append(SaveStatevector(n), circuit.qubits)
            self._sv_circuit = circuit
            self._sv_columns = trotter.parameter_columns(circuit, n)

    # ------------------------------------------------------------------ per tick

    def execute(self, requests: Sequence[QuantumRequest], seed: int) -> QuantumResult:
        values = [self._values(r) for r in requests]
        samples: list[tuple[np.ndarray, ...]] = [() for _ in requests]
        n_req = len(requests)
        bind = n_req > 1 and self.program.preparation == "product"
        if self._measured and bind:  # one template per basis, every request bound in C++
            result = self._simulator.run(
                list(self._measured),
                shots=self._shots,
                seed_simulator=seed,
                parameter_binds=self._binds(self._measured, self._columns, values),
            ).result()
            k = len(self._measured)
            samples = [
                tuple(self._bits(result.data(b * n_req + r)["counts"]) for b in range(k))
                for r in range(n_req)
            ]
        elif self._measured:
            circuits = [
                self._bound(c, cols, request, v)
                for request, v in zip(requests, values)
                for c, cols in zip(self._measured, self._columns)
            ]
            result = self._simulator.run(circuits, shots=self._shots, seed_simulator=seed).result()
            k = len(self._measured)
            samples = [
                tuple(self._bits(result.data(r * k + b)["counts"]) for b in range(k))
                for r in range(n_req)
            ]
        states: list[np.ndarray | None] = [None for _ in requests]
        if self._sv_circuit is not None:
            if bind:
                binds = self._binds([self._sv_circuit], [self._sv_columns], values)
                result = self._sv_simulator.run([self._sv_circuit], parameter_binds=binds).result()
            else:
                circuits = [
                    self._bound(self._sv_circuit, self._sv_columns, request, v)
                    for request, v in zip(requests, values)
                ]
                result = self._sv_simulator.run(circuits).result()
            states = [
                np.asarray(result.get_statevector(i), dtype=np.complex128) for i in range(n_req)
            ]
        return QuantumResult(
            results=tuple(RequestResult(s, v) for s, v in zip(samples, states, strict=True))
        )

    def _values(self, request: QuantumRequest) -> np.ndarray | None:
        """The ``prep`` angle vector of a product tick; None for an amplitudes tick."""
        n = self.program.n_qubits
        if self.program.preparation == "product":
            return trotter.request_values(
                request.theta, request.phi, request.evolution, self.program
            )
        if request.amplitudes is None or np.shape(request.amplitudes) != (2**n,):
            raise ValueError(f"amplitudes preparation needs a state of shape ({2**n},)")
        return None

    @staticmethod
    def _binds(
        templates: Sequence[QuantumCircuit],
        columns: Sequence[np.ndarray],
        values: Sequence[np.ndarray | None],
    ) -> list[dict]:
        """Aer's ``parameter_binds`` of a multi-request product batch: per template, each
        parameter's value in every request (result of template i, request r: i * R + r)."""
        table = np.array(values, dtype=float)  # (R, width)
        return [
            {p: table[:, col].tolist() for p, col in zip(circuit.parameters, cols)}
            for circuit, cols in zip(templates, columns)
        ]

    @staticmethod
    def _bound(
        circuit: QuantumCircuit,
        columns: np.ndarray,
        request: QuantumRequest,
        values: np.ndarray | None,
    ) -> QuantumCircuit:
        """The tick's copy of a transpiled template: angles bound, or the state set in front."""
        if values is not None:
            return circuit.assign_parameters(values[columns]) if columns.size else circuit
        out = circuit.copy()
        state = np.asarray(request.amplitudes, dtype=np.complex128)
        out.data.insert(0, CircuitInstruction(SetStatevector(state), out.qubits))
        return out

    def _bits(self, counts: dict[str, int]) -> np.ndarray:
        """Hex-keyed counts -> uint8 (shots, n), column q = bit q, shots grouped by outcome."""
        words = np.fromiter((int(w, 16) for w in counts), dtype=np.int64, count=len(counts))
        reps = np.fromiter(counts.values(), dtype=np.int64, count=len(counts))
        return ((np.repeat(words, reps)[:, None] >> self._bit_shifts) & 1).astype(np.uint8)

    def statevector_estimator(self, hamiltonian: PauliHamiltonian) -> AmplitudeEstimator | None:
        """On the GPU: the estimators on the card (``gpu.DeviceEstimator``); else None."""
        return None if self._xp is None else gpu.DeviceEstimator(hamiltonian, self._xp)

    def identity(self) -> dict[str, str]:
        config = self.config
        assert isinstance(config, AerConfig)
        # "version" (the plugin's) is qiskit-aer's; qiskit's synthesizes the Trotter circuits.
        options = config.aer
        identity = {"method": options.method, "qiskit": qiskit.__version__}
        if options.device == "GPU":  # absent on the CPU: the identities recorded before
            identity["device"] = "GPU"
            identity["build"] = gpu.aer_build()
        if options.noise_from is not None:
            identity["noise_from"] = options.noise_from
            identity["physical_qubits"] = ",".join(map(str, self._physical))
        return identity
