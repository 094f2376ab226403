"""One fusion tick, top to bottom (design §1):

    1 quantum backend : prep(theta, phi) -> exp(-i H dt) Trotterized -> measure (one batched call)
    2 PCI forward     : measurements -> psi_c -> drive I_k = I_0 + alpha Re psi + beta Im psi
    3 spiking backend : the persistent network runs one tick with that drive
    4 PCI backward    : spike trains -> F_c -> psi_c + gamma F_c -> next tick's preparation
    5 ACE / safety    : H_coh (§6), E_coh (§5), phase differences and resonance check (§14),
                        the §6 recalibration of alpha and gamma for the next tick

``FusionLoop`` owns the classical state the loop carries between ticks (preparation angles or
amplitudes, coupling constants, tick counter); a quantum state never survives between jobs, so
each tick re-prepares the register from it. Writing the record (ledger, CSV) is the runner's
job; the loop only computes.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, final

import numpy as np

from orchestrator import coherence, measurement, pci, stability
from orchestrator.assemble import derive_seed, quantum_seed_base, reference_omega_per_ms
from orchestrator.backend_api import QuantumBackend, QuantumRequest, SpikeWindow, SpikingBackend
from orchestrator.coherence import AceState, PhaseReport
from orchestrator.config.root import RunConfig
from orchestrator.stability import StabilityState, Verdict

__all__ = ["FusionLoop", "TickRecord"]


@dataclass(frozen=True)
class TickRecord:
    """Everything one tick measured and decided.

    bloch: (n, 3) Bloch vectors after the evolution.
    psi, phasors: per-channel amplitudes and spike phasors, shape (C,).
    entropy: the H_coh the ACE rule used (``ace.estimator``); entropy_plugin, entropy_mm: both
        estimates; all in nats. entropy_normalised: entropy / (n ln 2).
    coupling: the constants used this tick; next_coupling: after the §6 rule.
    stability: the §13/§14 rule's verdict on this tick (stable mark, rollback trigger).
    theta, phi or amplitudes: the next tick's preparation.
    readout, attempts, usage_seconds: as the quantum backend returned them (``QuantumResult``).
    """

    tick: int
    timestamp_us: int
    bloch: np.ndarray
    psi: np.ndarray
    phasors: np.ndarray
    entropy: float
    entropy_plugin: float
    entropy_mm: float
    entropy_normalised: float
    coherence_energy: float
    fusion_energy: float
    phases: PhaseReport
    window: SpikeWindow
    coupling: AceState
    next_coupling: AceState
    ace_triggered: bool
    stability: Verdict
    theta: np.ndarray | None
    phi: np.ndarray | None
    amplitudes: np.ndarray | None
    job_ids: tuple[str, ...]
    quantum_seconds: float
    spiking_seconds: float
    readout: tuple[np.ndarray, ...] | None = None
    attempts: tuple[Mapping[str, Any], ...] = ()
    usage_seconds: float | None = None

    @property
    def spike_count(self) -> int:
        return int(self.window.neurons.size)


@final
class FusionLoop:
    """The closed loop over two open backends. Call ``step()`` once per tick."""

    def __init__(self, config: RunConfig, quantum: QuantumBackend, spiking: SpikingBackend):
        self.config = config
        self.config_hash = config.config_hash()
        self.quantum = quantum
        self.spiking = spiking
        self.hamiltonian = config.build_hamiltonian()
        self.n = self.hamiltonian.n_qubits
        self.program = quantum.program
        self.channels = pci.ChannelMap(config.pci.mapping, self.n, spiking.network.n_neurons)
        self.coupling = AceState(config.pci.alpha, config.pci.beta, config.pci.gamma)
        self.tick = 0
        self.last: TickRecord | None = None
        self.stability_state = StabilityState()
        self.reverts = 0
        self._seed_base = quantum_seed_base(config)
        self._omega = reference_omega_per_ms(config)
        self._h_matrix = (
            self.hamiltonian.to_sparse() if config.quantum.capabilities().statevector else None
        )
        theta0, phi0 = config.pci.initial_theta, config.pci.initial_phi
        self.theta: np.ndarray | None = None
        self.phi: np.ndarray | None = None
        self.amplitudes: np.ndarray | None = None
        if config.pci.mapping == "qubit":
            self.theta = np.full(self.n, theta0)
            self.phi = np.full(self.n, phi0)
        else:
            one = np.array([math.cos(theta0 / 2), np.exp(1j * phi0) * math.sin(theta0 / 2)])
            state = np.ones(1, dtype=complex)
            for _ in range(self.n):
                state = np.kron(one, state)
            self.amplitudes = state

    def _request(self) -> QuantumRequest:
        seed = derive_seed(self._seed_base, self.tick)
        if self.amplitudes is not None:
            return QuantumRequest(seed=seed, amplitudes=self.amplitudes)
        return QuantumRequest(seed=seed, theta=self.theta, phi=self.phi)

    def step(self) -> TickRecord:
        """Run one tick and advance the loop's state to the next."""
        cfg = self.config
        t0 = time.perf_counter()
        result = self.quantum.execute(self._request())
        t1 = time.perf_counter()
        sv = result.statevector
        if sv is not None:
            bloch = measurement.bloch_exact(sv, self.n)
            probs = measurement.z_probabilities_exact(sv)
            shots = None
            energy = measurement.energy_exact(self._h_matrix, sv)
        else:
            bloch = measurement.bloch_from_samples(result.samples, result.readout)
            probs = measurement.z_probabilities_from_samples(result.samples[0])
            shots = cfg.quantum.shots
            energy = measurement.energy_from_samples(
                self.hamiltonian, self.program.bases, result.samples, result.readout
            )
        psi = pci.amplitudes_from_bloch(bloch) if self.amplitudes is None else sv

        drive = pci.drive(
            psi, self.channels, self.coupling, cfg.pci.drive_offset_mv, cfg.pci.drive_clip_mv
        )
        t2 = time.perf_counter()
        window = self.spiking.advance(drive)
        t3 = time.perf_counter()

        net = self.spiking.network
        f_neuron = pci.spike_phasors(
            window, net.n_neurons, self._omega, net.tick_ms, net.refractory_ms, net.dt_ms
        )
        f = self.channels.channel_mean(f_neuron)
        plug, mm = coherence.entropy(probs, shots)
        used = mm if cfg.ace.estimator == "miller_madow" else plug
        normalised = used / (self.n * math.log(2))
        phases = coherence.phase_report(psi, f, cfg.safety.resonance_bound)
        e_coh = coherence.coherence_energy(psi, f, cfg.ace.lambda_c)

        updated = psi + self.coupling.gamma * f
        if self.amplitudes is None:
            self.theta, self.phi = pci.preparation_angles(updated, bloch[:, 2])
        else:
            self.amplitudes = pci.renormalise(updated, fallback=sv)
        next_coupling, fired = coherence.recalibrate(self.coupling, normalised, cfg.ace)
        self.stability_state, verdict = stability.assess(
            self.stability_state, normalised, cfg.stability
        )

        record = TickRecord(
            tick=self.tick,
            timestamp_us=round((self.tick + 1) * net.tick_ms * 1000),
            bloch=bloch,
            psi=psi,
            phasors=f,
            entropy=used,
            entropy_plugin=plug,
            entropy_mm=mm,
            entropy_normalised=normalised,
            coherence_energy=e_coh,
            fusion_energy=energy,
            phases=phases,
            window=window,
            coupling=self.coupling,
            next_coupling=next_coupling,
            ace_triggered=fired,
            stability=verdict,
            theta=self.theta,
            phi=self.phi,
            amplitudes=self.amplitudes,
            job_ids=result.job_ids,
            quantum_seconds=t1 - t0,
            spiking_seconds=t3 - t2,
            readout=result.readout,
            attempts=result.attempts,
            usage_seconds=result.usage_seconds,
        )
        self.coupling = next_coupling
        self.tick += 1
        self.last = record
        return record

    # ------------------------------------------------------------------ state

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The loop's classical state between ticks: (JSON-able scalars, named arrays)."""
        meta = {
            "tick": self.tick,
            "coupling": vars(self.coupling),
            "stability": {
                "history": list(self.stability_state.history),
                "streak": self.stability_state.streak,
            },
            "reverts": self.reverts,
        }
        if self.amplitudes is not None:
            return meta, {"loop.amplitudes": self.amplitudes}
        return meta, {"loop.theta": self.theta, "loop.phi": self.phi}

    def restore(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        """Continue from a ``state()`` (its spiking backend is set separately)."""
        self.tick = int(meta["tick"])
        self.coupling = AceState(**meta["coupling"])
        self.stability_state = StabilityState(
            tuple(meta["stability"]["history"]), int(meta["stability"]["streak"])
        )
        self.reverts = int(meta["reverts"])
        if self.amplitudes is not None:
            self.amplitudes = np.asarray(arrays["loop.amplitudes"], dtype=complex)
        else:
            self.theta = np.asarray(arrays["loop.theta"], dtype=float)
            self.phi = np.asarray(arrays["loop.phi"], dtype=float)

    def decouple(self, factor: float) -> None:
        """Weaken the backward coupling after a rollback: gamma *= factor (bounded by ACE)."""
        lo, hi = self.config.ace.gamma_bounds
        gamma = float(np.clip(self.coupling.gamma * factor, lo, hi))
        self.coupling = AceState(self.coupling.alpha, self.coupling.beta, gamma)

    def monitor_entropy(self) -> dict[str, float]:
        """§15 Reflexive Feedback Layer: coherence metrics of the last tick (empty before one)."""
        record = self.last
        if record is None:
            return {}
        return {
            "coherence_entropy": record.entropy,
            "coherence_entropy_normalised": record.entropy_normalised,
            "coherence_energy": record.coherence_energy,
            "resonance_violations": float(record.phases.violations),
        }

    def close(self) -> None:
        """Close both backends (spiking first: it may hold a simulation thread)."""
        try:
            self.spiking.close()
        finally:
            self.quantum.close()
