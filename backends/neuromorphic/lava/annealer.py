"""The spiking Ising annealer on Lava (``spiking.annealer`` with ``kind: lava``; design §20).

``target: sim`` runs ``annealer_session.AnnealerSession`` on Lava's CPU simulator (floating
point): our ``AnnealerNeurons`` model and Lava's ``Sparse`` synapses, the same dynamics and the
same seeded noise as the Brian2 annealer. ``target: loihi2`` (with lava-loihi and
lava-optimization) hands each tick to lava-optimization's QUBO solver on the chip
(``loihi2_annealer.Loihi2Qubo``: its own stochastic neurons and schedule, one solve per tick,
the tick's best state as the read-out, no spikes read back, no snapshot), which this machine
cannot reach; the Brian2 fallback is selected before this class is built
(``LavaConfig.substitute``).

Per tick the window holds the updates that fired (at times 0 .. (steps - 1) dt, Brian2's
convention), the states x at the end (the assignment), the potentials u = b + d + W x and the
tick's neuron updates. Checkpoints (kind ``lava``): x, Sparse's one-step buffer and the last
drive (for the potentials reported).
"""

from __future__ import annotations

from typing import final

import numpy as np

from backends.neuromorphic.common.annealer import (
    DRIVE_KEY,
    STATE_KEY,
    annealer_of,
    coupling_matrix,
    initial_drive,
    initial_states,
    potentials_mv,
)
from backends.neuromorphic.lava.annealer_session import BUFFER_KEY, AnnealerSession
from backends.neuromorphic.lava.config import LavaConfig
from backends.neuromorphic.lava.loihi2_annealer import Loihi2Qubo
from orchestrator.contract.spiking import NetworkSpec, NetworkState, SpikingBackend
from orchestrator.physics.annealing import updates_between
from orchestrator.physics.tick_io import SpikeWindow

__all__ = ["LavaAnnealer"]


def _start_arrays(network: NetworkSpec) -> dict[str, np.ndarray] | None:
    state = network.start
    if state is None:
        return None
    if state.kind != "lava":
        raise ValueError(f"cannot restore a '{state.kind}' network state into lava")
    n = network.n_neurons
    keys = (STATE_KEY, BUFFER_KEY)
    arrays = {key: np.asarray(state.arrays.get(key, np.zeros(0))) for key in keys}
    x = arrays[STATE_KEY]
    if x.shape != (n,) or arrays[BUFFER_KEY].shape != (n,) or not np.all((x == 0) | (x == 1)):
        raise ValueError(
            f"the Lava annealer state does not fit: {STATE_KEY} (0/1) and {BUFFER_KEY} need "
            f"shape ({n},)"
        )
    return {key: np.array(value, dtype=np.float64) for key, value in arrays.items()}


@final
class LavaAnnealer(SpikingBackend):
    """The annealer network of ``NetworkSpec.annealer`` as Lava processes (module docstring)."""

    def __init__(self, config: LavaConfig, network: NetworkSpec) -> None:
        super().__init__(config, network)
        plan = config.plan()
        if plan.refusal is not None:
            raise ValueError(f"spiking.{plan.refusal}")
        if plan.engine == "brian2":
            raise ValueError("spiking.lava: the Brian2 fallback is selected, not built, here")
        problems = config.annealer_problems()
        if problems:
            raise ValueError("; ".join(f"spiking.{p}" for p in problems))
        self._spec = annealer_of(network)
        self._plan = plan
        self._coupling = coupling_matrix(network)
        self._drive = initial_drive(network)
        self._tick = 0 if network.start is None else network.start.tick
        self._closed = False
        self._chip: Loihi2Qubo | None = None
        self._session: AnnealerSession | None = None
        if plan.engine == "loihi2":
            if network.start is not None:
                raise ValueError("spiking: Lava on Loihi 2 cannot restore a network state")
            self._chip = Loihi2Qubo(network, initial_states(network, self._spec))
        else:
            self._session = AnnealerSession(
                network,
                self._spec,
                stop_timeout_s=config.lava.stop_timeout_s,
                start=_start_arrays(network),
            )

    @property
    def session(self) -> AnnealerSession:
        """The Lava process graph this backend runs (for checks and benchmarks)."""
        if self._session is None:
            raise RuntimeError("the annealer runs on Loihi 2 (lava-optimization), not a session")
        return self._session

    def advance(self, drive_mv: np.ndarray) -> SpikeWindow:
        net = self.network
        drive = np.asarray(drive_mv, dtype=float)
        if drive.shape != (net.n_neurons,) or not np.all(np.isfinite(drive)):
            raise ValueError(
                f"drive_mv must be {net.n_neurons} finite values (got shape {drive.shape})"
            )
        if self._closed:
            raise RuntimeError("Lava backend is closed")
        k, spt, spec = self._tick, net.steps_per_tick, self._spec
        if self._chip is not None:  # lava-optimization: its best state, no spikes read back
            x = self._chip.tick(k, drive).astype(np.float64)
            fired = np.zeros((spt, net.n_neurons), dtype=bool)
            updates = net.n_neurons * spt  # the chip's neurons update every step
        else:
            assert self._session is not None
            fired, x = self._session.tick(drive)
            updates = updates_between(spec.colours, spec.n_colours, k * spt, (k + 1) * spt)
        self._drive = drive.copy()
        self._tick = k + 1
        steps, neurons = np.nonzero(fired)
        return SpikeWindow(
            t0_ms=k * net.tick_ms,
            neurons=neurons.astype(np.int64),
            times_ms=steps * net.dt_ms,
            voltages_mv=self._potentials(x),
            states=x.astype(np.uint8),
            neuron_updates=updates,
        )

    def snapshot(self) -> NetworkState:
        """x and Sparse's one-step buffer after the last tick (copies)."""
        if self._closed:
            raise RuntimeError("Lava backend: no state to snapshot (closed)")
        if self._session is None:
            raise NotImplementedError(
                "spiking: the annealer on Loihi 2 does not snapshot (lava-optimization reads "
                "back only its best state)"
            )
        state = self._session.state()
        x = state[STATE_KEY].copy()
        return NetworkState(
            kind="lava",
            tick=self._tick,
            arrays={
                STATE_KEY: x,
                BUFFER_KEY: state[BUFFER_KEY].copy(),
                DRIVE_KEY: self._drive.copy(),
                "voltages_mv": self._potentials(x),
            },
        )

    def _potentials(self, x: np.ndarray) -> np.ndarray:
        return potentials_mv(self._coupling, self._spec.bias_mv + self._drive, x)

    def weights_mv(self) -> np.ndarray:
        """The couplings W (mV) in ``network.pre``/``post`` order: static, the problem's."""
        return np.asarray(self.network.weight_mv, dtype=np.float64).copy()

    def identity(self) -> dict[str, str]:
        return {
            "kind": "lava",
            "target": self.config.lava.target,  # type: ignore[attr-defined]
            "engine": self._plan.engine,
            "select_tag": "floating_pt" if self._chip is None else "lava-optimization",
            "network": "annealer",
            "colours": str(self._spec.n_colours),
        }

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._session is not None:
            self._session.close()
