"""Learning of the shared parameters Theta in training epochs (spec §7, §8; issue 12).

Theta (``learning.params``, order of ``orchestrator.config.learning.theta_names``): the group
angles a[l, g] of the trainable evolution (``orchestrator.physics.parameter_shift``; one
layer is QAOA's) and the PCI couplings alpha, beta, gamma. Plastic synaptic weights are not
part of Theta (design §16).

Loss, from named parts with weights lambda (``learning.loss``):

    L = lambda_Q <H_E> + lambda_N L_N + lambda_P E_coh

- <H_E>: the task energy (the cost terms of H, or all of H) of the epoch's unshifted circuit,
  measured in the gradient batch (exact on statevector, an estimate on shots);
- L_N: the neural loss (``orchestrator.physics.neural_surrogate``), mean over the epoch's ticks;
- E_coh: §5's coherence energy, mean over the epoch's ticks.

Fused gradient (§7):  grad = lambda_Q grad_quantum + lambda_N grad_neural + lambda_P grad_phase

- grad_quantum: d<H_E>/da by the per-term parameter-shift rule; every shifted circuit of the
  epoch (2 L K, plus the unshifted one) goes to the quantum backend in ONE ``execute`` call;
  zero for the couplings (the tick's energy does not depend on them).
- grad_neural: the surrogate's dL_N/dpsi (mean over the epoch's ticks) carried to the angles
  by the parameter-shift derivatives of psi_q = (<X_q> + i <Y_q>)/2 from the same batch,
  dL/da = Re(conj(g_psi) dpsi/da); dL_N/dalpha, dL_N/dbeta directly; 0 for gamma.
- grad_phase: the closed-form E_coh gradient of issue 11 (``orchestrator.physics.
  coherence_gradient``): per tick, g_psi and g_F of E_coh, the spike phasor's surrogate
  F_c = A(I_c) u_c (LIF rate at the channel's drive, measured phase held), so
  g_total = g_psi + s (alpha + i beta), s_c = Re(conj(g_F_c) u_c) A'(I_c); on to the angles
  through the same dpsi/da; dE/dalpha = sum s Re psi, dE/dbeta = sum s Im psi; 0 for gamma
  (its effect on the next preparation is not followed here).

Batches on shots measure only what the epoch needs (``orchestrator.control.learning_batch``).

The upstream gradients (dL/dpsi, dL/dalpha, dL/dbeta) and the loss parts are averaged over
the epoch's ticks; dpsi/da is taken at the last tick's preparation (the same at every tick
with ``hold_preparation``).

Each epoch (the tick t with (t + 1) % epoch_ticks == 0): fused gradient, optimiser step
(``orchestrator.control.optimizers``), then with ``learning.meta`` the §8 step
(``orchestrator.control.meta_evolution``); alpha and gamma are kept inside the ACE's bounds.
The tick's FusionEvent gets the field

    learning: {epoch, loss: {total, energy, neural, coherence},
               grad_norm: {quantum, neural, phase, fused}, theta_names, theta,
               theta_sha256, mutation_norm}

(``theta``: Theta after the update, a list in the order of ``theta_names``;
``theta_sha256``: SHA-256 of its little-endian float64 bytes). Every tick the rule hands the
next tick the current angles and, with ``hold_preparation``, the initial preparation. State
(checkpointed): the angles, the epoch number, the optimiser's arrays and the epoch's running
sums, so a run killed mid-epoch resumes to the same root.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, final

import numpy as np

from orchestrator.config.learning import COUPLINGS, theta_names
from orchestrator.config.root import RunConfig
from orchestrator.contract.quantum import QuantumBackend, RequestResult
from orchestrator.control.learning_batch import energy_hamiltonian
from orchestrator.control.meta_evolution import (
    cholesky_factor,
    meta_step,
    mutation,
    quantum_generator,
)
from orchestrator.control.optimizers import make_optimizer
from orchestrator.control.rule import ControlRule, NextTick, RuleOutcome
from orchestrator.physics import coherence_gradient as cg
from orchestrator.physics import fixed_order, measurement
from orchestrator.physics.budget import TickBudget, circuits_of, shots_of
from orchestrator.physics.neural_surrogate import LifModel, measured_rates_hz, neural_gradient
from orchestrator.physics.parameter_shift import (
    group_gradient,
    shift_derivative,
    shifted_angles,
    term_layout,
)
from orchestrator.physics.pci import AceState, ChannelMap
from orchestrator.physics.readings import TickReading
from orchestrator.physics.statevector import StatevectorEstimator
from orchestrator.physics.tick_io import QuantumRequest

__all__ = ["LearningRule", "theta_sha256"]


def theta_sha256(theta: np.ndarray) -> str:
    """SHA-256 of Theta's little-endian float64 bytes."""
    return hashlib.sha256(np.asarray(theta, dtype="<f8").tobytes()).hexdigest()


@final
class LearningRule(ControlRule):
    """§7/§8 learning; see the module docstring."""

    name = "learning"

    def __init__(
        self,
        config: RunConfig,
        quantum: QuantumBackend,
        batch_seed: Callable[[int], int],
        mutation_seed: Callable[[int], int],
        owns_backend: bool = False,
    ) -> None:
        """quantum: the backend the gradient batches go to (the run's, or with
        ``owns_backend`` an instance of the rule's own, closed by ``close``)."""
        learning = config.learning
        assert learning is not None
        self.config = learning
        self.run_config = config
        self.quantum = quantum
        self.owns_backend = owns_backend
        self._spent = TickBudget()
        self.batch_seed = batch_seed
        self.mutation_seed = mutation_seed
        h = config.build_hamiltonian()
        self.n = h.n_qubits
        self.layout = term_layout(h)
        self.energy_h = energy_hamiltonian(h, learning.loss.energy_terms)
        self.exact = (  # no 2^n x 2^n operator (issue 10)
            StatevectorEstimator(self.energy_h)
            if config.quantum.capabilities().statevector
            else None
        )
        # dpsi/da is measured when the batch's amplitudes are exact or its program reads the
        # uniform Z, X, Y bases (an own energy-only instance does not)
        uniform = tuple(p * self.n for p in "ZXY")
        self.bloch = self.exact is not None or quantum.program.bases[:3] == uniform
        self.channels = ChannelMap("qubit", self.n, config.n_neurons())
        s = config.spiking
        self.lif = LifModel(
            s.tau_m_ms,
            s.v_th_mv,
            s.v_reset_mv,
            s.refractory_ms,
            learning.loss.smooth_mv,
            config.pci.drive_clip_mv,
        )
        self.phasor_lif = cg.LifSurrogate.of_neurons(s, s.tick_ms)
        self.names = theta_names(learning)
        self.start = learning.start_angles(config.trotter.dt)
        self.hold = (
            QuantumRequest(
                theta=np.full(self.n, config.pci.initial_theta),
                phi=np.full(self.n, config.pci.initial_phi),
            )
            if learning.hold_preparation
            else None
        )
        meta = learning.meta
        self.factor = (
            None if meta is None else cholesky_factor(meta.covariance_matrix(len(self.names)))
        )
        self._reset()

    def _reset(self) -> None:
        self.angles = self.start.copy()
        self.epoch = 0
        self.optimizer = make_optimizer(self.config, len(self.names))
        self._clear_sums()

    def _clear_sums(self) -> None:
        c = self.channels.n_channels
        # ticks, E_coh, L_N, dL_N/dalpha, dL_N/dbeta, dE/dalpha, dE/dbeta
        self.sums = np.zeros(7)
        self.g_neural = np.zeros(c, dtype=complex)  # sum of dL_N/dpsi
        self.g_phase = np.zeros(c, dtype=complex)  # sum of dE_coh/dpsi

    # ------------------------------------------------------------------ the rule

    def evolution(self) -> np.ndarray:
        """The per-term angles x[l, k] of the current group angles."""
        return self.layout.term_angles(self.angles)

    def apply(self, reading: TickReading, proposal: NextTick) -> RuleOutcome:
        self._spent = TickBudget()
        coupling = reading.coupling if reading.coupling is not None else proposal.coupling
        self._accumulate(reading, coupling)
        fields: dict[str, Any] = {}
        next_coupling = proposal.coupling
        if (reading.tick + 1) % self.config.epoch_ticks == 0:
            next_coupling, fields = self._epoch(reading, proposal.coupling)
        prep = self.hold if self.hold is not None else proposal.preparation
        request = QuantumRequest(theta=prep.theta, phi=prep.phi, evolution=self.evolution())
        return RuleOutcome(NextTick(request, next_coupling), fields)

    def spent(self) -> TickBudget:
        """The parameter-shift batch of an epoch tick (nothing on other ticks)."""
        return self._spent

    def _accumulate(self, reading: TickReading, coupling: AceState) -> None:
        spikes, psi = reading.spikes, reading.quantum.psi
        net = self.run_config.spiking
        rates = measured_rates_hz(spikes.window, self.channels.n_neurons, net.tick_ms)
        neural = neural_gradient(
            rates,
            spikes.drive_mv,
            psi,
            self.channels,
            coupling.alpha,
            coupling.beta,
            self.config.loss.target_rate_hz,
            self.lif,
        )
        energy, g_psi, g_f = cg.energy_and_phasor_gradients(
            psi, spikes.phasors, self.run_config.ace.lambda_c
        )
        pci = self.run_config.pci
        raw = pci.drive_offset_mv + coupling.alpha * psi.real + coupling.beta * psi.imag
        free = np.abs(raw) < pci.drive_clip_mv
        u = cg.phase_factors(spikes.phasors)
        s = np.where(free, (np.conj(g_f) * u).real * self.phasor_lif.amplitude_derivative(raw), 0.0)
        self.sums += [
            1.0,
            energy,
            neural.loss,
            neural.d_alpha,
            neural.d_beta,
            float(np.sum(s * psi.real)),
            float(np.sum(s * psi.imag)),
        ]
        self.g_neural += neural.d_psi
        self.g_phase += g_psi + s * complex(coupling.alpha, coupling.beta)

    def _measure(self, result: RequestResult) -> tuple[float, np.ndarray]:
        """(<H_E>, Bloch vectors (zeros when not measured)) of one request of the batch."""
        sv = result.statevector
        if sv is not None and self.exact is not None:
            estimates = self.exact.estimate(np.asarray(sv))
            return estimates.energy, estimates.bloch
        bases = self.quantum.program.bases
        energy = measurement.energy_from_samples(
            self.energy_h, bases, result.samples, result.readout
        )
        if not self.bloch:
            return energy, np.zeros((self.n, 3))
        return energy, measurement.bloch_from_samples(result.samples, result.readout)

    def _epoch(self, reading: TickReading, coupling: AceState) -> tuple[AceState, dict[str, Any]]:
        prep = reading.quantum.request
        if prep is None or prep.theta is None:
            raise ValueError("learning: the tick's reading carries no product preparation")
        x = self.evolution()
        n_layers, n_terms = x.shape
        requests = [
            QuantumRequest(theta=prep.theta, phi=prep.phi, evolution=e) for e in shifted_angles(x)
        ]
        result = self.quantum.execute(requests, self.batch_seed(self.epoch))
        samples = [r.samples for r in result.results]
        bases = self.quantum.program.bases
        self._spent = TickBudget(shots_of(bases, samples), circuits_of(bases, samples))
        measured = [self._measure(r) for r in result.results]
        energies = np.array([m[0] for m in measured])
        blochs = np.stack([m[1] for m in measured])
        d_energy = group_gradient(shift_derivative(energies, n_layers, n_terms), self.layout)
        d_bloch = group_gradient(shift_derivative(blochs, n_layers, n_terms), self.layout)
        d_psi = (d_bloch[..., 0] + 1j * d_bloch[..., 1]) / 2  # (L, 2, n)

        ticks = self.sums[0]
        mean = self.sums / ticks
        g_neural, g_phase = self.g_neural / ticks, self.g_phase / ticks
        parts = {
            "quantum": self._vector(d_energy, 0.0, 0.0),
            "neural": self._vector((np.conj(g_neural) * d_psi).real.sum(axis=-1), mean[3], mean[4]),
            "phase": self._vector((np.conj(g_phase) * d_psi).real.sum(axis=-1), mean[5], mean[6]),
        }
        loss = self.config.loss
        fused = loss.energy * parts["quantum"] + loss.neural * parts["neural"]
        fused = fused + loss.phase * parts["phase"]
        theta = self._vector(self.angles, coupling.alpha, coupling.beta, coupling.gamma)
        new = self.optimizer.step(theta, fused)
        mutation_norm = 0.0
        meta = self.config.meta
        if meta is not None and self.factor is not None:
            rng = (
                quantum_generator(result.results[0].samples, self.epoch)
                if meta.noise == "quantum"
                else np.random.default_rng(self.mutation_seed(self.epoch))
            )
            eps = mutation(self.factor, rng)
            mutation_norm = fixed_order.norm(meta.eta_q * eps)
            new = meta_step(new, eps, parts["neural"], meta.eta_q, meta.eta_n)
        next_coupling = self._write_back(new, coupling)
        theta_after = self._vector(
            self.angles, next_coupling.alpha, next_coupling.beta, next_coupling.gamma
        )
        fields = {
            "learning": {
                "epoch": self.epoch,
                "loss": {
                    "total": loss.energy * energies[0]
                    + loss.neural * mean[2]
                    + loss.phase * mean[1],
                    "energy": float(energies[0]),
                    "neural": float(mean[2]),
                    "coherence": float(mean[1]),
                },
                "grad_norm": {
                    **{
                        k: fixed_order.norm(v) if self.bloch or k == "quantum" else None
                        for k, v in parts.items()
                    },
                    "fused": fixed_order.norm(fused),
                },
                "theta_names": list(self.names),
                "theta": [float(v) for v in theta_after],
                "theta_sha256": theta_sha256(theta_after),
                "mutation_norm": mutation_norm,
            }
        }
        self.epoch += 1
        self._clear_sums()
        return next_coupling, fields

    # ------------------------------------------------------------------ Theta as a vector

    def _vector(
        self, angles: np.ndarray, alpha: float, beta: float, gamma: float = 0.0
    ) -> np.ndarray:
        """Theta's entries (``theta_names`` order) from angle-shaped values and couplings."""
        values: list[float] = []
        if "angles" in self.config.params:
            values += [float(v) for v in np.asarray(angles, dtype=float).ravel()]
        by_name = {"alpha": alpha, "beta": beta, "gamma": gamma}
        return np.array(values + [float(by_name[c]) for c in COUPLINGS if c in self.names])

    def _write_back(self, theta: np.ndarray, coupling: AceState) -> AceState:
        """Set the angles and return the couplings from an updated Theta (bounds applied)."""
        i = 0
        if "angles" in self.config.params:
            self.angles = np.asarray(theta[: self.angles.size], dtype=float).reshape(
                self.angles.shape
            )
            i = self.angles.size
        values = dict(zip(self.names[i:], map(float, theta[i:])))
        ace = self.run_config.ace
        if "alpha" in values:
            values["alpha"] = float(np.clip(values["alpha"], *ace.alpha_bounds))
        if "gamma" in values:
            values["gamma"] = float(np.clip(values["gamma"], *ace.gamma_bounds))
        return replace(coupling, **values)

    # ------------------------------------------------------------------ state

    def close(self) -> None:
        if self.owns_backend:
            self.quantum.close()

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        arrays = {
            "angles": self.angles.copy(),
            "sums": self.sums.copy(),
            "g_neural": self.g_neural.copy(),
            "g_phase": self.g_phase.copy(),
        }
        arrays.update({f"opt.{k}": v for k, v in self.optimizer.state().items()})
        return {"epoch": self.epoch}, arrays

    def restore(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        self._reset()
        if "angles" not in arrays:
            return
        self.epoch = int(meta["epoch"])
        self.angles = np.array(arrays["angles"], dtype=float)
        self.sums = np.array(arrays["sums"], dtype=float)
        self.g_neural = np.array(arrays["g_neural"], dtype=complex)
        self.g_phase = np.array(arrays["g_phase"], dtype=complex)
        self.optimizer.restore({k[4:]: v for k, v in arrays.items() if k.startswith("opt.")})
