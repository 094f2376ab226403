"""The Phase Synchronization Network (spec §9) as a rule of the control stage.

Oscillators. One per quantum channel phase phi_psi_c = arg psi_c and one per spiking channel
phase phi_S_c = arg F_c, c = 1..C (qubit mapping C = n, amplitude mapping C = 2^n): an array of
N = 2C, quantum block first. Weights w (``kuramoto.population_weights``): s_Q / C on the
quantum block, (1 - s_Q) / C on the spiking block (``psn.quantum_share`` = s_Q), so each
substrate pulls with its share whatever the channel count. The dynamics (§9, weighted form):

    dphi_i/dt = omega_i + K sum_j w_j sin(phi_j - phi_i),   K = ``psn.coupling`` (rad/ms),

computed in O(N) through the order parameter r e^{i Psi} = sum_j w_j e^{i phi_j}
(``orchestrator.physics.kuramoto``; the spec's in-place O(N^2) loop is not used).

One tick (length T ms, ``psn.steps_per_tick`` RK4 steps of T / steps from ONE time-t state):
  1. anchor: each oscillator whose substrate measured its phase this tick (|psi_c| > 0; a
     channel that spiked) is set to it, lifted to the branch nearest its carried phase; the
     others (silent channels, a vanished psi) continue from the PSN's own carried phase. At the
     first tick an oscillator without a measurement starts at 0.
  2. natural frequencies (rad/ms): ``frequencies: config``: 2 pi quantum_hz / 1000 and
     2 pi spiking_hz / 1000 (default: one cycle per tick, 2 pi / T). ``measured``: a quantum
     oscillator takes wrap(phi_psi_c(t) - phi_psi_c(t-1)) / T when both ticks measured it, a
     spiking oscillator 2 pi x its channel's firing rate this tick (spikes per neuron per ms);
     otherwise the frequency it had (the configured one at first).
  3. integrate over the tick; r and Psi at the tick's end are the tick's ``psn_r`` and
     ``psn_phase`` (also ``psn_r_start``: r of the anchored state).
  4. carry the end phases (wrapped to [0, 2 pi): the lift is re-made at the next anchor).

Feedback (``psn.feedback``), off by default:
  - ``preparation: oscillator | mean_field``: the next preparation's azimuths move towards the
    quantum oscillators' end phases (or Psi) by ``strength`` of the wrapped gap:
    phi_next <- wrap(phi_next + strength * wrap(target - phi_next)) (the federation rule's
    ``pulled``). Amplitude mapping: basis state c's amplitude is turned the same way (moduli
    kept).
  - ``reference_frequency``: the next tick's spike-phasor reference frequency becomes the PSN's
    mean frequency Omega = sum_j w_j omega_j (rad/ms; exact: the coupling terms cancel in the
    weighted mean of the velocities), when Omega > 0; else the run's own.

State (checkpointed under ``psn``): the carried phases (N,), the natural frequencies (N,), the
last measured quantum phases and their mask (C,), and whether the PSN has started, so resume
and rollback continue it exactly.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, final

import numpy as np

from orchestrator.config.phase import PsnConfig
from orchestrator.control.federation import phase_vector, pulled, with_phases
from orchestrator.control.rule import ControlRule, NextTick, RuleOutcome
from orchestrator.physics import fixed_math, fixed_order, kuramoto
from orchestrator.physics.coherence import PHASE_EPS, wrap
from orchestrator.physics.pci import ChannelMap
from orchestrator.physics.readings import TickReading

__all__ = ["PsnRule"]


@final
class PsnRule(ControlRule):
    """§9 in the control stage. ``channels``: the PCI's channel map; ``tick_ms``: T."""

    name = "psn"

    def __init__(self, config: PsnConfig, channels: ChannelMap, tick_ms: float) -> None:
        self.config = config
        self.channels = channels
        self.tick_ms = float(tick_ms)
        c = channels.n_channels
        self.c = c
        share = config.quantum_share
        self.weights = kuramoto.population_weights((c, c), (share, 1.0 - share))
        default = 2.0 * math.pi / self.tick_ms

        def per_ms(hz: float | None) -> float:
            return default if hz is None else 2.0 * math.pi * hz / 1000.0

        self.configured = np.concatenate(
            [np.full(c, per_ms(config.quantum_hz)), np.full(c, per_ms(config.spiking_hz))]
        )
        self._neurons_per_channel = np.bincount(channels.channel_of_neuron(), minlength=c)
        self.started = False
        self.phases = np.zeros(2 * c)
        self.omega = self.configured.copy()
        self.last_quantum = np.zeros(c)
        self.last_valid = np.zeros(c, dtype=bool)

    # ------------------------------------------------------------------ the tick

    def apply(self, reading: TickReading, proposal: NextTick) -> RuleOutcome:
        psi, f = reading.quantum.psi, reading.spikes.phasors
        q_valid, s_valid = np.abs(psi) > PHASE_EPS, np.abs(f) > PHASE_EPS
        q_obs, s_obs = fixed_math.angle(psi), fixed_math.angle(f)
        observed = np.concatenate([q_obs, s_obs])
        valid = np.concatenate([q_valid, s_valid])
        start = np.where(valid, self.phases + wrap(observed - self.phases), self.phases)
        if self.config.frequencies == "measured":
            self._measure(reading, q_obs, q_valid)
        steps = self.config.steps_per_tick
        end, r, psi_mean = kuramoto.integrate_with_order(
            start, self.omega, self.config.coupling, self.tick_ms / steps, steps, self.weights
        )
        self.phases = kuramoto.wrap(end)
        self.last_quantum = np.where(q_valid, q_obs, 0.0)
        self.last_valid = q_valid
        self.started = True
        fields = {
            "psn_r": float(r[-1]),
            "psn_phase": float(psi_mean[-1]),
            "psn_r_start": float(r[0]),
        }
        return RuleOutcome(self._feedback(proposal, end, float(psi_mean[-1]), fields), fields)

    def _measure(self, reading: TickReading, q_obs: np.ndarray, q_valid: np.ndarray) -> None:
        c = self.c
        both = q_valid & self.last_valid & self.started
        advance = wrap(q_obs - self.last_quantum) / self.tick_ms
        self.omega[:c] = np.where(both, advance, self.omega[:c])
        neurons = np.asarray(reading.spikes.window.neurons, dtype=np.int64)
        per_channel = np.bincount(self.channels.channel_of_neuron()[neurons], minlength=c)
        rate = per_channel / (self._neurons_per_channel * self.tick_ms)
        self.omega[c:] = 2.0 * math.pi * rate

    def _feedback(
        self, proposal: NextTick, end: np.ndarray, mean_phase: float, fields: dict[str, Any]
    ) -> NextTick:
        fb = self.config.feedback
        if fb.reference_frequency:
            omega = fixed_order.dot(self.weights, self.omega)  # not @: BLAS (issue 26)
            fields["psn_reference_omega_per_ms"] = omega
            if omega > 0:
                proposal = replace(proposal, reference_omega_per_ms=omega)
        if fb.preparation == "off" or fb.strength == 0:
            return proposal
        target = end[: self.c] if fb.preparation == "oscillator" else np.full(self.c, mean_phase)
        prep = proposal.preparation
        phases = pulled(phase_vector(prep), target, fb.strength)
        return replace(proposal, preparation=with_phases(prep, phases))

    # ------------------------------------------------------------------ state

    def state(self) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
        return {"started": self.started}, {
            "phases": self.phases,
            "omega": self.omega,
            "last_quantum": self.last_quantum,
            "last_valid": self.last_valid.astype(np.float64),
        }

    def restore(self, meta: Mapping[str, Any], arrays: Mapping[str, np.ndarray]) -> None:
        self.started = bool(meta["started"])
        self.phases = np.array(arrays["phases"], dtype=float)
        self.omega = np.array(arrays["omega"], dtype=float)
        self.last_quantum = np.array(arrays["last_quantum"], dtype=float)
        self.last_valid = np.asarray(arrays["last_valid"]) > 0.5
