"""One fusion tick as named stages (design §1):

    measure    quantum backend: prepare, exp(-i H dt) Trotterized, measure every basis (one
               call); estimate the Bloch vectors, psi, H_coh (§6) and <H>
    forward    PCI forward (§3.3): I_k = I_0 + alpha Re psi_c(k) + beta Im psi_c(k)
    spike      spiking backend: the persistent network runs one tick with that drive
    backward   PCI backward (§3.3, §5): spike phasors F_c, phase comparison (§14), E_coh, and
               the proposed next preparation from psi_c + gamma F_c
    control    the rules of the control stage, in order (ACE §6, ..., stability §13/§14):
               each may change the next tick and adds its fields to the FusionEvent
    record     the ``TickRecord``; the session turns it into the FusionEvent and checkpoint

``FusionLoop`` owns the classical state the loop carries between ticks (the next tick's
preparation and coupling constants, the tick counter, the rules' own state); a quantum state
never survives between jobs, so each tick re-prepares the register from it. Writing the record
is the session's job; the loop only computes.

The §15 integration interfaces are methods of the loop, backed by ``orchestrator.control``:
``monitor_entropy()`` (``control.monitor``), ``phase_to_semantic()`` (``control.semantic``) and
``inject_meta_graph()`` (``control.meta_graph``). They read the recent ticks the loop continues
from (kept for them, not checkpointed) and change nothing the run does.
"""

from __future__ import annotations

import math
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any, final

import numpy as np

from orchestrator.config.root import RunConfig
from orchestrator.contract.quantum import QuantumBackend
from orchestrator.contract.spiking import SpikingBackend
from orchestrator.control.meta_graph import perturb_meta_graph
from orchestrator.control.monitor import EntropySnapshot
from orchestrator.control.rule import ControlRule, NextTick, Verdict
from orchestrator.control.semantic import Basis, PhaseHistory, PhaseSemantics, project_drifts
from orchestrator.physics import coherence, measurement, pci
from orchestrator.physics.budget import TickBudget, circuits_of, shots_of
from orchestrator.physics.pci import AceState, reference_omega_per_ms
from orchestrator.physics.readings import EntropyReading, QuantumReading, SpikeReading, TickReading
from orchestrator.physics.statevector import StatevectorEstimator
from orchestrator.physics.tick_io import QuantumRequest, SpikeWindow
from orchestrator.run.closing import close_backends
from orchestrator.run.preparation import initial_preparation
from orchestrator.run.seeds import Stream, derive_seed, quantum_seed_base
from orchestrator.run.tick_record import HISTORY, TickRecord, no_snapshot, snapshot_of

__all__ = ["FusionLoop"]


@final
class FusionLoop:
    """The closed loop over two open backends and the control stage's ``rules`` (in order;
    the composition root builds them: ``run/assemble.open_backends``). Call ``step()`` once
    per tick."""

    def __init__(
        self,
        config: RunConfig,
        quantum: QuantumBackend,
        spiking: SpikingBackend,
        rules: Sequence[ControlRule],
    ) -> None:
        self.config = config
        self.config_hash = config.config_hash()
        self.quantum = quantum
        self.spiking = spiking
        self.hamiltonian = config.build_hamiltonian()
        self.n = self.hamiltonian.n_qubits
        self.program = quantum.program
        self.channels = pci.ChannelMap(config.pci.mapping, self.n, spiking.network.n_neurons)
        self.rules = list(rules)
        self.tick = 0
        self.reverts = 0
        self.last: TickRecord | None = None
        self.next = NextTick(
            initial_preparation(config, self.n),
            AceState(config.pci.alpha, config.pci.beta, config.pci.gamma),
        )
        self._seed_base = quantum_seed_base(config)
        self._omega = reference_omega_per_ms(config.pci.reference_hz, config.spiking.tick_ms)
        self._exact = quantum.statevector_estimator(self.hamiltonian) or (
            StatevectorEstimator(self.hamiltonian)
            if config.quantum.capabilities().statevector
            else None
        )
        # the MaxCut decoder reads the most probable basis states of a statevector run
        self._decodes_cuts = config.maxcut is not None and config.maxcut.decode
        self._snapshots: deque[EntropySnapshot] = deque(maxlen=HISTORY)
        self._phases = PhaseHistory(HISTORY)
        self._meta_draws = (0, 0)  # (tick, inject_meta_graph calls at that tick)

    @property
    def coupling(self) -> AceState:
        """The coupling constants the next tick uses."""
        return self.next.coupling

    # ------------------------------------------------------------------ the stages

    def step(self) -> TickRecord:
        """Run one tick and advance the loop's state to the next."""
        coupling, preparation = self.next.coupling, self.next.preparation
        omega = self.next.reference_omega_per_ms
        quantum = self.measure(preparation)
        drive = self.forward(quantum.psi, coupling)
        window, seconds = self.spike(drive)
        spikes = self.backward(quantum, drive, window, seconds, omega)
        permutation = self.placebo_permutation()
        pushed = spikes.phasors if permutation is None else spikes.phasors[permutation]
        proposal = NextTick(self.propose(quantum, pushed, coupling.gamma), coupling)
        reading = TickReading(self.tick, quantum, spikes, preparation, coupling)
        self.next, fields, verdict = self.control(reading, proposal)
        budget = self.spent(quantum, window)
        record = TickRecord(
            tick=self.tick,
            timestamp_us=round((self.tick + 1) * self.spiking.network.tick_ms * 1000),
            quantum=quantum,
            spikes=spikes,
            coupling=coupling,
            next=self.next,
            fields=fields,
            verdict=verdict,
            budget=budget,
            placebo=None if permutation is None else tuple(int(i) for i in permutation),
        )
        self.tick += 1
        self._remember(record)
        return record

    def measure(self, preparation: QuantumRequest) -> QuantumReading:
        """Stage 1: one quantum call at this tick's seed, turned into estimates."""
        seed = derive_seed(self._seed_base, self.tick)
        start = time.perf_counter()
        result = self.quantum.execute([preparation], seed)
        seconds = time.perf_counter() - start
        (measured,) = result.results
        sv = measured.statevector
        if sv is not None:
            if self._exact is None:  # a backend returned amplitudes the config did not declare
                self._exact = StatevectorEstimator(self.hamiltonian)
            exact = self._exact.estimate(sv)
            bloch, energy = exact.bloch, exact.energy
            entropy = self.exact_entropy(exact.entropy)
        else:
            bloch = measurement.bloch_from_samples(measured.samples, measured.readout)
            probs = measurement.z_probabilities_from_samples(measured.samples[0])
            entropy = self.entropy(probs, self.config.quantum.shots)
            energy = measurement.energy_from_samples(
                self.hamiltonian, self.program.bases, measured.samples, measured.readout
            )
        amplitude = self.config.pci.mapping == "amplitude"
        # amplitude mapping: in the gauge of pci.fix_gauge (no dependence on the simulator's
        # global phase)
        psi = pci.fix_gauge(sv) if amplitude else pci.amplitudes_from_bloch(bloch)
        return QuantumReading(
            bloch=bloch,
            psi=psi,
            # kept only where the next preparation or the MaxCut decoder needs it: at n = 28
            # it is 4 GiB, and the loop's last record must not hold it through the next
            # tick's quantum call
            statevector=sv if amplitude or self._decodes_cuts else None,
            entropy=entropy,
            fusion_energy=energy,
            readout=measured.readout,
            job_ids=result.job_ids,
            attempts=result.attempts,
            usage_seconds=result.usage_seconds,
            seconds=seconds,
            request=preparation,
            z_samples=None if sv is not None else measured.samples[0],
            shots=shots_of(self.program.bases, [measured.samples]),
            circuits=circuits_of(self.program.bases, [measured.samples]),
        )

    def spent(self, quantum: QuantumReading, window: SpikeWindow) -> TickBudget:
        """The tick's budget: its own circuits and shots, one spike reading, an annealer's
        neuron updates, and what every rule's ``spent()`` reports."""
        budget = TickBudget(
            dict(quantum.shots),
            quantum.circuits,
            spike_readings=1,
            neuron_updates=int(window.neuron_updates or 0),
        )
        for rule in self.rules:
            extra = rule.spent()
            if extra is not None:
                budget.add(extra)
        return budget

    def entropy(self, probabilities: np.ndarray, shots: int | None) -> EntropyReading:
        """H_coh (§6) of the Z distribution, both estimates, and the one the ACE uses."""
        plugin, mm = coherence.entropy(probabilities, shots)
        used = mm if self.config.ace.estimator == "miller_madow" else plugin
        return EntropyReading(plugin, mm, used, used / (self.n * math.log(2)))

    def exact_entropy(self, plugin: float) -> EntropyReading:
        """H_coh of an exact distribution: no shots, so both estimates are the plug-in value."""
        return EntropyReading(plugin, plugin, plugin, plugin / (self.n * math.log(2)))

    def forward(self, psi: np.ndarray, coupling: AceState) -> np.ndarray:
        """Stage 2: the per-neuron drive, mV."""
        cfg = self.config.pci
        return pci.drive(
            psi,
            self.channels,
            coupling.alpha,
            coupling.beta,
            cfg.drive_offset_mv,
            cfg.drive_clip_mv,
        )

    def spike(self, drive: np.ndarray) -> tuple[Any, float]:
        """Stage 3: one tick of the persistent network; (its window, wall seconds)."""
        start = time.perf_counter()
        window = self.spiking.advance(drive)
        return window, time.perf_counter() - start

    def backward(
        self,
        quantum: QuantumReading,
        drive: np.ndarray,
        window: Any,
        seconds: float,
        omega_per_ms: float | None = None,
    ) -> SpikeReading:
        """Stage 4: spike phasors per channel, compared with the quantum phases (§5, §14).

        ``omega_per_ms``: the phasor's reference frequency this tick (None: the run's own)."""
        net = self.spiking.network
        omega = self._omega if omega_per_ms is None else omega_per_ms
        per_neuron = pci.spike_phasors(
            window, net.n_neurons, omega, net.tick_ms, net.refractory_ms, net.dt_ms
        )
        phasors = self.channels.channel_mean(per_neuron)
        safety, ace = self.config.safety, self.config.ace
        return SpikeReading(
            drive_mv=drive,
            window=window,
            phasors=phasors,
            phases=coherence.phase_report(quantum.psi, phasors, safety.resonance_bound),
            coherence_energy=coherence.coherence_energy(quantum.psi, phasors, ace.lambda_c),
            seconds=seconds,
        )

    def placebo_permutation(self) -> np.ndarray | None:
        """This tick's placebo permutation of the channels (``config/placebo.py``), or None."""
        if self.config.placebo is None:
            return None
        rng = np.random.default_rng(derive_seed(self.config.run.seed, Stream.PLACEBO, self.tick))
        return rng.permutation(self.channels.n_channels)

    def propose(self, quantum: QuantumReading, phasors: np.ndarray, gamma: float) -> QuantumRequest:
        """The backward update psi + gamma F, realised as the next preparation (§3.3)."""
        updated = quantum.psi + gamma * phasors
        if self.config.pci.mapping == "qubit":
            theta, phi = pci.preparation_angles(updated, quantum.bloch[:, 2])
            return QuantumRequest(theta=theta, phi=phi)
        return QuantumRequest(amplitudes=pci.renormalise(updated, fallback=quantum.psi))

    def control(
        self, reading: TickReading, proposal: NextTick
    ) -> tuple[NextTick, dict[str, Any], Verdict]:
        """Stage 5: every rule in order; (the next tick, their event fields, the verdict)."""
        fields: dict[str, Any] = {}
        verdict = Verdict(stable=True, trigger=None)
        for rule in self.rules:
            outcome = rule.apply(reading, proposal)
            proposal = outcome.next
            clash = fields.keys() & outcome.fields.keys()
            if clash:
                raise ValueError(f"control rule '{rule.name}' repeats event fields {sorted(clash)}")
            fields.update(outcome.fields)
            if outcome.verdict is not None:
                verdict = outcome.verdict
        return proposal, fields, verdict

    # ------------------------------------------------------------------ state

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        """The loop's classical state between ticks: (JSON-able scalars, named arrays)."""
        meta: dict[str, Any] = {
            "tick": self.tick,
            "coupling": vars(self.next.coupling),
            "reverts": self.reverts,
        }
        if self.next.reference_omega_per_ms is not None:  # only with PSN feedback (§9)
            meta["reference_omega_per_ms"] = self.next.reference_omega_per_ms
        prep = self.next.preparation
        if prep.amplitudes is not None:
            arrays = {"loop.amplitudes": prep.amplitudes}
        else:
            arrays = {"loop.theta": prep.theta, "loop.phi": prep.phi}
            if prep.evolution is not None:
                arrays["loop.evolution"] = prep.evolution
        for rule in self.rules:
            rule_meta, rule_arrays = rule.state()
            if rule_meta or rule_arrays:
                meta[rule.name] = rule_meta
                arrays.update({f"loop.{rule.name}.{k}": v for k, v in rule_arrays.items()})
        return meta, arrays

    def restore(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        """Continue from a ``state()`` (its spiking backend is set separately)."""
        self.tick = int(meta["tick"])
        self.reverts = int(meta["reverts"])
        if self.config.pci.mapping == "qubit":
            evolution = arrays.get("loop.evolution")
            prep = QuantumRequest(
                theta=np.asarray(arrays["loop.theta"], dtype=float),
                phi=np.asarray(arrays["loop.phi"], dtype=float),
                evolution=None if evolution is None else np.asarray(evolution, dtype=float),
            )
        else:
            prep = QuantumRequest(amplitudes=np.asarray(arrays["loop.amplitudes"], dtype=complex))
        omega = meta.get("reference_omega_per_ms")
        self.next = NextTick(
            prep, AceState(**meta["coupling"]), None if omega is None else float(omega)
        )
        for rule in self.rules:
            prefix = f"loop.{rule.name}."
            rule.restore(
                meta.get(rule.name, {}),
                {k[len(prefix) :]: v for k, v in arrays.items() if k.startswith(prefix)},
            )
        self._phases.rewind(self.tick)  # the §15 history continues from the restored tick
        while self._snapshots and self._snapshots[-1].tick >= self.tick:
            self._snapshots.pop()

    def decouple(self, factor: float) -> None:
        """Weaken the backward coupling after a rollback: gamma *= factor (bounded by ACE)."""
        lo, hi = self.config.ace.gamma_bounds
        coupling = self.next.coupling
        gamma = float(np.clip(coupling.gamma * factor, lo, hi))
        self.next = replace(self.next, coupling=replace(coupling, gamma=gamma))

    # ------------------------------------------------------------------ §15 interfaces

    def _remember(self, record: TickRecord) -> None:
        self.last = record
        self._snapshots.append(snapshot_of(record))
        self._phases.push(record.tick, record.quantum.psi)

    def monitor_entropy(self) -> EntropySnapshot:
        """§15 Reflexive Feedback Layer: the metrics of the tick the loop continues from.

        See ``orchestrator.control.monitor``: H_coh and its slope, E_coh, PSN r and det J when
        rules compute them, the stability verdict, resonance violations; the empty snapshot
        before the first tick (after a resume, after a rollback to the run's start).
        """
        return self._snapshots[-1] if self._snapshots else no_snapshot()

    def phase_to_semantic(self, basis: Basis = None, window: int | None = None) -> PhaseSemantics:
        """§15 Semantic Plasticity Layer: the quantum phase drifts of the last ``window`` ticks
        (default ``stability.window``), projected on ``basis`` (K x C array, or a mapping of
        component names to C-vectors; identity if None). See ``orchestrator.control.semantic``.

        >>> semantics = loop.phase_to_semantic({"sync": [1.0] * loop.channels.n_channels})
        >>> semantics.projection[:, 0]   # summed drift per tick, rad
        """
        w = self.config.stability.window if window is None else window
        if w < 1:
            raise ValueError("window must be at least one tick")
        prefix = "q" if self.config.pci.mapping == "qubit" else "b"
        channels = tuple(f"{prefix}{c}" for c in range(self.channels.n_channels))
        ticks, drift = self._phases.drifts(w)
        return project_drifts(ticks, drift.reshape(len(ticks), len(channels)), channels, basis)

    def inject_meta_graph(self, graph: Any, eta: float = 1.0, sigma: float = 0.05) -> Any:
        """§15 Meta-Causality Layer: ``graph`` (networkx or dict of parameter nodes, validated)
        returned with §8's perturbation theta + eta eps, eps ~ N(0, Sigma), on its node values
        (``orchestrator.control.meta_graph``). The k-th call (from 0) while the loop is at tick
        t draws z from ``default_rng(derive_seed(run.seed, Stream.META, t, k))``: reproducible
        from the config, fresh at every call. Not recorded in the ledger (nothing in the run
        changes).

        >>> loop.inject_meta_graph({"nodes": {"alpha": {"value": 40.0, "sigma": 2.0}}})
        """
        tick, calls = self._meta_draws
        calls = calls if tick == self.tick else 0
        self._meta_draws = (self.tick, calls + 1)
        seed = derive_seed(self.config.run.seed, Stream.META, self.tick, calls)
        rng = np.random.default_rng(seed)
        return perturb_meta_graph(graph, rng, eta=eta, sigma=sigma)

    def close(self) -> None:
        """Close both backends (spiking first: it may hold a simulation thread), then what the
        rules hold."""
        close_backends(self.spiking, self.quantum, *(rule.close for rule in self.rules))
