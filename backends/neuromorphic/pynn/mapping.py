"""The §3.2 network in PyNN's standard vocabulary: ``IF_curr_delta`` cells, delta synapses.

PyNN's units are mV, ms, nA, nF (uS for conductances, unused here). Our LIF is written with a
voltage-equivalent drive (R*I in mV, rest 0 mV); PyNN's IF_curr_delta is

    cm dV/dt = (v_rest - V) cm / tau_m + i_offset,   V >= v_thresh -> spike, V = v_reset,
    held for tau_refrac; a synaptic event of weight w (mV) adds w to V

so with R = tau_m / cm (ms / nF = MOhm) our drive d (mV) is the current i_offset = d / R =
d * cm / tau_m (nA). The translation (NEST's column is PyNN's own table in ``pyNN.nest``)::

    ours              PyNN IF_curr_delta         NEST iaf_psc_delta
    rest 0 mV         v_rest = 0 mV              E_L = 0 mV
    tau_m_ms          tau_m (ms)                 tau_m (ms)
    v_th_mv           v_thresh (mV)              V_th (mV)
    v_reset_mv        v_reset (mV)               V_reset (mV)
    refractory_ms     tau_refrac = (R - 1) dt    t_ref (ms)         R = timestep(t_ref, dt)
    (R_m = 20 MOhm)   cm = 1 nF                  C_m = 1000 pF
    drive d (mV)      i_offset = d cm / tau_m    I_e = 1000 i_offset (pA)
    V at start 0 mV   v (initial value)          V_m
    weight w (mV)     weight (mV), receptor      weight (mV)
                      excitatory if w >= 0,
                      inhibitory if w < 0
    one-step delay    delay = dt (= min_delay)   delay = resolution
    dt_ms             timestep                   resolution

Refractoriness on the dt grid. NEST holds V for ``t_ref / dt`` steps after the step of a spike;
our network (Brian2's ``timestep(t - lastspike, dt) >= timestep(t_ref, dt)``, and Lava mapped to
it in ``backends.neuromorphic.common.lif``) integrates again R = timestep(t_ref, dt) steps after
it, i.e. holds R - 1. So tau_refrac = (R - 1) dt: with it NEST and Brian2 give the same spike
trains (tests/backends/neuromorphic/pynn/test_nest_vs_brian2.py). NEST's reading is the exact
one of a continuous refractory period (a spike stamped at the end of its step, then t_ref); our
grid holds V one step less, which is why rates on both sit slightly above the analytic
f = 1 / (t_ref + tau_m ln(RI / (RI - v_th))) (within 3 % at dt = 0.1 ms, the conformance
suite's check).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from backends.neuromorphic.common.lif import refractory_steps
from orchestrator.contract.spiking import NetworkSpec

__all__ = ["CM_NF", "CellMapping", "cell_mapping", "projections"]

CM_NF = 1.0
"""Membrane capacitance (nF, PyNN's default): R_m = tau_m / cm, so i_offset = d cm / tau_m."""


@dataclass(frozen=True)
class CellMapping:
    """PyNN ``IF_curr_delta`` parameters of a network and the drive's scale.

    parameters: the standard parameter names and values (mV, ms, nF, nA).
    na_per_mv: i_offset (nA) per mV of drive, cm / tau_m.
    hold_steps: steps V is held after the step of a spike (R - 1, see the module docstring).
    """

    parameters: dict[str, float]
    na_per_mv: float
    hold_steps: int

    def i_offset_na(self, drive_mv: np.ndarray) -> np.ndarray:
        """The PyNN offset current of a drive (mV, voltage-equivalent) in nA."""
        return np.asarray(drive_mv, dtype=float) * self.na_per_mv


def cell_mapping(net: NetworkSpec) -> CellMapping:
    """The IF_curr_delta cell of ``net`` (drive 0: the tick sets ``i_offset``)."""
    hold = max(refractory_steps(net.refractory_ms, net.dt_ms) - 1, 0)
    parameters = {
        "v_rest": 0.0,
        "cm": CM_NF,
        "tau_m": net.tau_m_ms,
        "tau_refrac": hold * net.dt_ms,
        "i_offset": 0.0,
        "v_reset": net.v_reset_mv,
        "v_thresh": net.v_th_mv,
    }
    return CellMapping(parameters, CM_NF / net.tau_m_ms, hold)


def projections(net: NetworkSpec) -> list[tuple[str, np.ndarray]]:
    """The recurrent synapses split by PyNN receptor type: (``excitatory``, indices of w >= 0),
    (``inhibitory``, indices of w < 0); PyNN wants one sign per projection. Empty parts are left
    out; indices refer to ``net.pre``/``post``/``weight_mv``."""
    w = np.asarray(net.weight_mv, dtype=float)
    parts = [("excitatory", np.flatnonzero(w >= 0)), ("inhibitory", np.flatnonzero(w < 0))]
    return [(receptor, index) for receptor, index in parts if index.size]
