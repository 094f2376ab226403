"""Any Qiskit provider: the program's circuits transpiled once for its target, one job a tick.

Construction (once): build the provider's BackendV2 (and SamplerV2) from the import paths of
``quantum.qiskit`` (``provider.open_provider``), then transpile the measured circuits of the
program for the backend's target (``trotter.transpile_for_device``: preset pass manager at
``optimization_level``, fixed transpiler seed, the classical register in logical order, so bit q
of a result is logical qubit q wherever the layout put it).

A call binds every request's angles into the transpiled templates (``assign_parameters``, no
transpiling) and submits ONE job with every request in every basis:

- ``BackendV2.run(circuits, shots=shots[, seed_option=seed])``; per-shot bits from the result's
  memory where the backend keeps it, else from its counts (grouped by outcome);
- or, with ``quantum.qiskit.sampler``, ``SamplerV2.run([(template, values), ...], shots)``: the
  templates go unbound with a row of parameter values each (one PUB per request and basis);
  bits from each PUB's ``meas`` BitArray.

What is refused: exact amplitudes (``want_statevector``, ``preparation: amplitudes``: a provider
samples; use kind: aer), and more qubits than the backend has. A provider error while a job
runs is a ``QuantumBackendFailure`` (not permanent: the run stops at the tick boundary and can
be resumed); no retries and no QPU-time budget here (the provider bills; set limits there).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, final

import numpy as np
import qiskit
from qiskit import QuantumCircuit

from backends.quantum.common import trotter
from backends.quantum.qiskit.config import QiskitConfig
from backends.quantum.qiskit.provider import open_provider
from orchestrator.contract.quantum import (
    QuantumBackend,
    QuantumBackendFailure,
    QuantumProgram,
    QuantumResult,
    RequestResult,
)
from orchestrator.physics.tick_io import QuantumRequest

__all__ = ["QiskitBackend"]


def _bits_from_words(words: Sequence[str], n: int) -> np.ndarray:
    """Per-shot outcomes -> uint8 (shots, n), column q = clbit q.

    Binary words with clbit 0 rightmost (Qiskit's order), leading zeros optional (Braket's
    provider drops them: '1' is 001), or hexadecimal '0x...' words.
    """
    base = 16 if words and words[0].startswith("0x") else 2
    ints = np.fromiter((int(w.replace(" ", ""), base) for w in words), np.int64, len(words))
    return ((ints[:, None] >> np.arange(n, dtype=np.int64)) & 1).astype(np.uint8)


@final
class QiskitBackend(QuantumBackend):
    """Any Qiskit BackendV2 / SamplerV2; see the module docstring."""

    def __init__(self, config: QiskitConfig, program: QuantumProgram) -> None:
        super().__init__(config, program)
        if program.preparation != "product" or program.want_statevector:
            raise ValueError(
                "qiskit: a provider samples shots; exact amplitudes (pci.mapping: amplitude) "
                "need kind: aer with aer: {method: statevector}"
            )
        options = config.qiskit
        self._provider = open_provider(options)
        device = self._provider.backend
        n = program.n_qubits
        if device.num_qubits is not None and n > device.num_qubits:
            raise ValueError(
                f"qiskit: {n} qubits exceed the {device.num_qubits} of {device.name}"
            )
        self._measured = trotter.transpile_for_device(
            trotter.measured_circuits(program), device, options.optimization_level
        )
        self._columns = tuple(trotter.parameter_columns(c, n) for c in self._measured)
        self._physical = trotter.measured_qubits(self._measured[0], n)

    @property
    def _options(self) -> Any:
        config = self.config
        assert isinstance(config, QiskitConfig)
        return config.qiskit

    def execute(self, requests: Sequence[QuantumRequest], seed: int) -> QuantumResult:
        program = self.program
        values = [
            trotter.request_values(r.theta, r.phi, r.evolution, program) for r in requests
        ]
        k = len(self._measured)
        try:
            if self._provider.sampler is not None:
                samples, job_id = self._run_sampler(values)
            else:
                samples, job_id = self._run_backend(values, seed)
        except Exception as exc:
            message = str(exc).splitlines()[0] if str(exc) else ""
            raise QuantumBackendFailure(
                f"qiskit: {self._provider.backend.name} failed: {type(exc).__name__}: {message}",
                permanent=False,
            ) from exc
        results = tuple(
            RequestResult(samples=tuple(samples[r * k + b] for b in range(k)))
            for r in range(len(requests))
        )
        return QuantumResult(results=results, job_ids=(job_id,) if job_id else ())

    def _run_backend(self, values: list[np.ndarray], seed: int) -> tuple[list[np.ndarray], str]:
        circuits: list[QuantumCircuit] = [
            c.assign_parameters(v[cols]) if cols.size else c
            for v in values
            for c, cols in zip(self._measured, self._columns)
        ]
        options = self._options
        device = self._provider.backend
        extra: dict[str, Any] = {} if options.seed_option is None else {options.seed_option: seed}
        if "memory" in device.options:  # per-shot bits where the backend can keep them
            extra["memory"] = True
        job = device.run(circuits, shots=self.config.shots, **extra)
        result = job.result()
        n = self.program.n_qubits
        samples = []
        for i in range(len(circuits)):
            try:
                words = result.get_memory(i)
            except Exception:  # a backend that keeps no per-shot memory: its counts
                counts = result.get_counts(i)
                words = [w for w, c in counts.items() for _ in range(c)]
            samples.append(_bits_from_words(words, n))
        return samples, str(job.job_id())

    def _run_sampler(self, values: list[np.ndarray]) -> tuple[list[np.ndarray], str]:
        sampler = self._provider.sampler
        assert sampler is not None
        pubs = [
            (c, v[cols]) if cols.size else (c,)
            for v in values
            for c, cols in zip(self._measured, self._columns)
        ]
        job = sampler.run(pubs, shots=self.config.shots)
        result = job.result()
        n = self.program.n_qubits
        samples = [
            getattr(pub.data, trotter.MEAS_NAME).to_bool_array(order="little")[:, :n].astype(
                np.uint8
            )
            for pub in result
        ]
        return samples, str(job.job_id())

    def identity(self) -> dict[str, str]:
        device = self._provider.backend
        identity = {
            "backend": self._options.backend,
            "device": str(device.name),
            "physical_qubits": ",".join(map(str, self._physical)),
            "optimization_level": str(self._options.optimization_level),
            "qiskit": qiskit.__version__,
        }
        if self._provider.sampler is not None:
            identity["sampler"] = str(self._options.sampler)
        if device.backend_version is not None:
            identity["device_version"] = str(device.backend_version)
        return identity
