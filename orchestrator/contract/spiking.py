"""The spiking backend interface: what the orchestrator asks of a spiking network (spec §3.2).

One required method:

    SpikingBackend.advance(drive_mv) -> SpikeWindow      one fusion tick of the network

The network (``NetworkSpec``: LIF parameters, the connectivity the orchestrator drew, the drive
mode, plasticity, and the state to start from) is built once, in the constructor; a tick only
hands the drive in and the spikes out. Splitting a run into ticks must not change the spikes.

What else a backend can do is declared as data by its config, before anything is built
(``SpikingBackendConfig.capabilities()`` -> ``SpikingCapabilities``): ``snapshot`` (its state
can be captured and restored exactly: checkpoints, resume, rollback), ``weights`` (it reports
the current recurrent weights), ``plasticity`` (it runs STDP). The methods behind a capability
(``snapshot``, ``weights_mv``) raise ``NotImplementedError`` on a backend that does not declare
it; the orchestrator never calls them there.

What a backend adds to its identity in the ledger: ``identity()`` returns the details only the
backend knows; the kind, package and version come from its registered plugin.

Conventions: neuron voltages and drives are in mV, times in ms, rest potential 0 mV.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from orchestrator.contract.backend_config import SpikingBackendConfig, SpikingCapabilities
from orchestrator.contract.network_config import StdpConfig
from orchestrator.physics.tick_io import SpikeWindow

__all__ = [
    "AnnealerSpec",
    "NetworkSpec",
    "NetworkState",
    "NeuronNoise",
    "SpikingBackend",
    "SpikingCapabilities",
]


@dataclass(frozen=True)
class NetworkState:
    """A spiking backend's complete dynamical state after ``tick`` ticks (a checkpoint's part).

    Restoring it (``NetworkSpec.start``) and continuing must give exactly, bit for bit, what the
    uninterrupted network would have given. ``arrays`` holds what the backend needs for that,
    under names it chooses, plus what every backend provides: ``voltages_mv`` (N,) and, when
    plasticity is on, ``weights_mv`` (S,), the recurrent weights in ``NetworkSpec.pre``/``post``
    order after STDP (static weights are the spec's own and are not repeated in every
    checkpoint). ``kind`` is the backend kind that captured it; another kind refuses it.
    """

    kind: str
    tick: int
    arrays: Mapping[str, np.ndarray]


@dataclass(frozen=True)
class NeuronNoise:
    """The noise current of every neuron (``spiking.noise``), resolved to numbers.

    tau_m dV/dt = -V + I + eta(t); kind ``white``: eta = sigma sqrt(2 tau_m) xi(t); kind
    ``ou``: an Ornstein-Uhlenbeck current of correlation time ``tau_ms`` scaled so that the free
    membrane potential keeps standard deviation ``sigma_mv``
    (``orchestrator.contract.noise_config``).
    seed: the noise stream's seed (``spiking.noise.seed`` or derived from ``run.seed``). What a
    backend draws per step from it, and in which order, is fixed by
    ``backends.neuromorphic.common.noise`` so that every backend draws the same numbers.
    """

    kind: Literal["white", "ou"]
    sigma_mv: float
    tau_ms: float | None
    seed: int


@dataclass(frozen=True)
class AnnealerSpec:
    """An Ising / QUBO annealer network: one stochastic binary neuron per variable (issue 21).

    The dynamics are ``orchestrator.physics.annealing``'s, the same on every backend: at
    integration step t (counted from the run's start) the neurons of colour class t mod
    ``n_colours`` update at once, neuron k firing (state x_k = 1) iff
    ``bias_mv[k] + drive[k] + sum_j W_kj x_j + T_s xi_{s,k} > 0`` with W the network's synapses
    (``NetworkSpec.pre``/``post``/``weight_mv``, both directions of every coupling), T_s the
    temperature of sweep s = t // n_colours and xi the logistic noise of (``seed``, s); the
    others keep their state. The LIF fields of ``NetworkSpec`` (tau_m, v_th, v_reset) do not
    apply; its ``refractory_ms`` is the on period n_colours * dt_ms.

    bias_mv: (N,) b_k, mV. colours: (N,) int64 in [0, n_colours), no synapse inside a class.
    schedule, t0_mv, t1_mv, sweeps: T_s = ``physics.annealing.temperatures(schedule, t0_mv,
        t1_mv, sweeps, s)`` (mV). seed: the noise stream (``physics.annealing.logistic_noise``)
        and the initial state (``initial_state``) at step 0.
    initial_x: (N,) uint8 in {0, 1}: the state x at step 0 instead of the seeded bits (a warm
        start, design §28); None (default): the seeded bits. The noise stream is the seed's
        either way, so two backends given the same seed and string take the same decisions.
        Ignored by a restored network (``NetworkSpec.start`` holds its own x).
    """

    bias_mv: np.ndarray
    colours: np.ndarray
    n_colours: int
    schedule: Literal["geometric", "linear"]
    t0_mv: float
    t1_mv: float
    sweeps: int
    seed: int
    initial_x: np.ndarray | None = None


@dataclass(frozen=True)
class NetworkSpec:
    """The spiking network of spec §3.2, resolved to numbers every backend builds alike.

    Connectivity is drawn by the orchestrator (``pre``, ``post``, ``weight_mv`` arrays of equal
    length), so every backend simulates the same network for the same seed.
    drive_mode: ``current`` (drive_mv is the constant R*I over the tick) or ``kick`` (drive_mv
        is added to V once at tick start, capped at ``kick_cap_mv``; never lifts V to v_th).
    ticks: how many ticks the run plans (a backend may size one continuous run by it;
        ``advance`` past it must still work).
    start: continue from this state (a resumed or rolled-back run) instead of rest; the
        network time then starts at ``start.tick * tick_ms``.
    noise: the neurons' noise current (None: deterministic neurons). A backend that cannot
        run it refuses it in ``SpikingBackendConfig.problems()``.
    v_init_mv: shape (N,), the membrane potentials a network at rest starts from instead of
        0 mV (ignored with ``start``: a checkpoint holds its own).
    annealer: the neurons are the stochastic binary neurons of an Ising annealer
        (``AnnealerSpec``) instead of LIF neurons; drive_mode is then ``current`` (the drive is
        a bias) and there is no STDP. None: LIF.
    """

    n_neurons: int
    tau_m_ms: float
    v_th_mv: float
    v_reset_mv: float
    refractory_ms: float
    dt_ms: float
    steps_per_tick: int
    ticks: int
    drive_mode: Literal["current", "kick"]
    kick_cap_mv: float
    pre: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    post: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    weight_mv: np.ndarray = field(default_factory=lambda: np.zeros(0))
    stdp: StdpConfig | None = None
    start: NetworkState | None = None
    noise: NeuronNoise | None = None
    v_init_mv: np.ndarray | None = None
    annealer: AnnealerSpec | None = None

    @property
    def tick_ms(self) -> float:
        return self.steps_per_tick * self.dt_ms


class SpikingBackend(ABC):
    """Runs a ``NetworkSpec`` tick after tick, as one persistent network. Subclasses are final.

    Splitting a run into ticks must not change the spikes: ``k`` calls of ``advance`` with the
    same drive give the spike trains of one uninterrupted run of ``k`` ticks. A constructor
    that cannot build the network raises ``ValueError`` with a one-line reason naming the
    ``spiking.`` field to change.
    """

    def __init__(self, config: SpikingBackendConfig, network: NetworkSpec) -> None:
        self.config = config
        self.network = network

    @property
    def capabilities(self) -> SpikingCapabilities:
        """What this backend, as configured, can do (its config's declaration)."""
        return self.config.capabilities()

    @abstractmethod
    def advance(self, drive_mv: np.ndarray) -> SpikeWindow:
        """Simulate one tick with drive ``drive_mv`` (shape (N,), mV; see ``NetworkSpec``).

        Raises ``ValueError`` for a drive of the wrong shape or with non-finite values.
        """

    def snapshot(self) -> NetworkState:
        """The state after the last ``advance`` (between ticks), for checkpoints.

        Capability ``snapshot``. Restoring it (``NetworkSpec.start``) and continuing must give
        bit for bit what the uninterrupted network gives.
        """
        raise NotImplementedError(f"spiking backend '{self.config.kind}' cannot snapshot")

    def snapshot_reusing(self, spare: NetworkState | None) -> NetworkState:
        """``snapshot()``, possibly written into the arrays of ``spare``: a state this backend
        returned before that nobody holds any more (the caller guarantees it; its arrays
        may be overwritten, and ``spare`` must not be used afterwards).

        Capability ``snapshot``. The same arrays, bit for bit, as ``snapshot()``; reusing saves
        a large network the allocation (and page faults) of a fresh copy per checkpoint.
        Default: ``snapshot()``.
        """
        return self.snapshot()

    def weights_mv(self) -> np.ndarray:
        """Current recurrent weights, mV, shape (S,), in ``network.pre``/``post`` order.

        Capability ``weights``.
        """
        raise NotImplementedError(f"spiking backend '{self.config.kind}' cannot report weights")

    def identity(self) -> dict[str, str]:
        """Details only this backend knows, for the ledger (strings); default none.

        The run records ``{kind, package, version}`` of the registered plugin plus these. A
        ``notice`` entry (something the user must know, e.g. that a fallback runs) is also
        printed when the run starts.
        """
        return {}

    def close(self) -> None:  # noqa: B027 - optional hook, nothing to release by default
        """Stop the simulation and release worker threads or processes. Idempotent."""
