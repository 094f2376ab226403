"""What the annealer backends share (SDK-free): checks, the tick's numbers, the read-out.

The dynamics are ``orchestrator.physics.annealing``'s (``AnnealerSpec``). Each backend runs
them in its simulator; this module holds what both compute the same way on the host:

- ``annealer_of``: the spec, or ``ValueError`` naming the field when the network is not one a
  backend can run as an annealer (kick drive, STDP, a synapse inside a colour class);
- ``sweep_noise``: T_s xi_{s,k} for the n neurons of sweep s (mV), the term each update adds;
- ``coupling_matrix`` / ``potentials_mv``: u_k = b_k + d_k + sum_j W_kj x_j at a window's end
  (the window's ``voltages_mv``), from a CSR matrix (post, pre): O(S), no N x N array;
- ``initial_states``: x at the start (the spec's ``initial_x``, else its seeded bits), or a
  checkpoint's;
  ``initial_drive``: d of the last tick before the start (a checkpoint's; the reported
  potentials include it);
- ``STATE_KEY``, ``DRIVE_KEY``: the names of x (float64 0/1) and of the last tick's drive
  (mV) in a ``NetworkState``.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from orchestrator.contract.spiking import AnnealerSpec, NetworkSpec, NetworkState
from orchestrator.physics.annealing import (
    initial_bits,
    initial_state,
    logistic_noise,
    temperatures,
)

__all__ = [
    "DRIVE_KEY",
    "STATE_KEY",
    "annealer_of",
    "coupling_matrix",
    "initial_drive",
    "initial_states",
    "potentials_mv",
    "sweep_noise",
]

STATE_KEY = "annealer.x"
DRIVE_KEY = "annealer.drive_mv"


def annealer_of(network: NetworkSpec) -> AnnealerSpec:
    """The network's ``AnnealerSpec``; ``ValueError`` (one line) when it cannot run as one."""
    spec = network.annealer
    if spec is None:
        raise ValueError("spiking.annealer: this backend class runs annealer networks only")
    n = network.n_neurons
    colours = np.asarray(spec.colours)
    if spec.bias_mv.shape != (n,) or colours.shape != (n,):
        raise ValueError(f"spiking.annealer: bias and colours need shape ({n},)")
    if colours.size and (colours.min() < 0 or colours.max() >= spec.n_colours):
        raise ValueError(f"spiking.annealer: colours outside 0..{spec.n_colours - 1}")
    pre, post = np.asarray(network.pre), np.asarray(network.post)
    if np.any(colours[pre] == colours[post]):
        raise ValueError(
            "spiking.annealer: a synapse joins two neurons of one colour class (they would "
            "update at once and the chain would not sample the Boltzmann distribution)"
        )
    if spec.initial_x is not None:
        initial_bits(spec.initial_x, n)
    if network.drive_mode != "current":
        raise ValueError("pci.drive: the annealer takes the drive as a bias (drive: current)")
    if network.stdp is not None and network.stdp.enabled:
        raise ValueError("spiking.stdp.enabled: the annealer's synapses do not learn")
    return spec


def sweep_noise(spec: AnnealerSpec, sweep: int, n: int) -> np.ndarray:
    """T_s xi_{s,k} (mV), k < n: what each neuron adds to its potential in sweep ``sweep``."""
    t = float(temperatures(spec.schedule, spec.t0_mv, spec.t1_mv, spec.sweeps, sweep))
    return t * logistic_noise(spec.seed, sweep, n)


def coupling_matrix(network: NetworkSpec) -> sp.csr_matrix:
    """W as CSR (post, pre), mV; a pair given twice adds up."""
    n = network.n_neurons
    return sp.csr_matrix(
        (np.asarray(network.weight_mv, dtype=np.float64), (network.post, network.pre)),
        shape=(n, n),
    )


def potentials_mv(
    coupling: sp.csr_matrix, bias_drive_mv: np.ndarray, states: np.ndarray
) -> np.ndarray:
    """u = (b + d) + W x, mV: each neuron's potential at its next update (noise aside)."""
    return bias_drive_mv + coupling @ np.asarray(states, dtype=np.float64)


def initial_states(network: NetworkSpec, spec: AnnealerSpec) -> np.ndarray:
    """x (N,) float64 at the network's start: the checkpoint's, else the spec's ``initial_x``
    (a warm start), else the seeded initial bits."""
    start: NetworkState | None = network.start
    n = network.n_neurons
    if start is None:
        if spec.initial_x is not None:
            return initial_bits(spec.initial_x, n).astype(np.float64)
        return initial_state(spec.seed, n).astype(np.float64)
    x = np.asarray(start.arrays.get(STATE_KEY, np.zeros(0)), dtype=np.float64)
    if x.shape != (n,) or not np.all((x == 0) | (x == 1)):
        raise ValueError(
            f"the annealer state does not fit: {STATE_KEY} must be {n} values in {{0, 1}}"
        )
    return x


def initial_drive(network: NetworkSpec) -> np.ndarray:
    """The drive d (N,) mV of the tick before the start: 0 at rest, the checkpoint's on a
    restored network (``ValueError`` when it does not fit)."""
    n = network.n_neurons
    if network.start is None:
        return np.zeros(n)
    drive = np.asarray(network.start.arrays.get(DRIVE_KEY, np.zeros(0)), dtype=np.float64)
    if drive.shape != (n,):
        raise ValueError(f"the annealer state does not fit: {DRIVE_KEY} must be {n} values")
    return drive.copy()
