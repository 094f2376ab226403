"""The spiking annealer as a Lava process graph: built once, continued tick after tick.

Graph (Lava's CPU simulator, ``floating_pt``)::

    AnnealerNeurons --s_out--> Sparse (W, CSR) --a_out--> AnnealerNeurons.a_in
    AnnealerNeurons.a_buff_ref --RefPort--> Sparse.a_buff
    host --drive (a pipe)--> AnnealerNeurons --fired, (x, a_buff) (pipes)--> host

``lava.proc.sparse``'s ``Sparse`` holds the couplings as a scipy CSR matrix (O(S) memory, no
N x N array) and delivers sum_j W_kj x_j one step later. A network without couplings has no
Sparse process. The state between ticks is x and Sparse's one-step buffer (the input of the
next step); a network built with ``start`` begins from them (initial values at construction),
and at rest from the spec's seeded x(0) with a_buff = W x(0), what the first step needs.
"""

from __future__ import annotations

# Lava's first import goes through fork_start (the start method; see there): keep it first.
import backends.neuromorphic.lava.fork_start  # noqa: F401

# isort: split
from collections.abc import Mapping
from typing import final

import numpy as np
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.sparse.process import Sparse

from backends.neuromorphic.common.annealer import STATE_KEY, coupling_matrix, initial_states
from backends.neuromorphic.lava.processes.annealer_neurons import (
    AnnealerNeurons,
    PyAnnealerNeuronsFloat,
)
from backends.neuromorphic.lava.runtime import RuntimeSession
from orchestrator.contract.spiking import AnnealerSpec, NetworkSpec

__all__ = ["BUFFER_KEY", "AnnealerSession"]

BUFFER_KEY = "annealer.a_buff"  # Sparse's one-step buffer in a NetworkState


@final
class AnnealerSession(RuntimeSession):
    """The annealer of ``network`` (``spec``) on Lava's CPU simulator (module docstring).

    start: the state to begin from ({STATE_KEY: x, BUFFER_KEY: a_buff}, checked), or None.
    """

    def __init__(
        self,
        network: NetworkSpec,
        spec: AnnealerSpec,
        *,
        stop_timeout_s: float,
        start: Mapping[str, np.ndarray] | None = None,
    ) -> None:
        self._prepare(stop_timeout_s)
        self.network = network
        n, spt = network.n_neurons, network.steps_per_tick
        coupling = coupling_matrix(network)
        if start is None:
            x = initial_states(network, spec)
            a_buff = coupling @ x
        else:
            x, a_buff = np.asarray(start[STATE_KEY]), np.asarray(start[BUFFER_KEY])
        tick0 = 0 if network.start is None else network.start.tick
        self.neurons = AnnealerNeurons(
            shape=(n,),
            period=spt,
            step0=tick0 * spt,
            x=x,
            bias=spec.bias_mv,
            colours=spec.colours,
            n_colours=spec.n_colours,
            schedule=spec.schedule,
            t0_mv=spec.t0_mv,
            t1_mv=spec.t1_mv,
            sweeps=spec.sweeps,
            seed=spec.seed,
            coupled=coupling.nnz > 0,
        )
        self.sparse: Sparse | None = None
        if coupling.nnz:
            self.sparse = Sparse(weights=coupling)
            self.sparse.a_buff.init = np.array(a_buff, dtype=np.float64)
            self.neurons.s_out.connect(self.sparse.s_in)
            self.sparse.a_out.connect(self.neurons.a_in)
            self.neurons.a_buff_ref.connect_var(self.sparse.a_buff)
        self._last = {STATE_KEY: np.array(x, dtype=np.float64), BUFFER_KEY: np.array(a_buff)}
        models = {AnnealerNeurons: PyAnnealerNeuronsFloat}
        self._launch(
            self.neurons, Loihi2SimCfg(select_tag="floating_pt", exception_proc_model_map=models)
        )
        self._spike_port = self.neurons.spikes.external_pipe_csp_recv_port
        self._state_port = self.neurons.state.external_pipe_csp_recv_port

    def tick(self, drive: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One tick with ``drive`` (N,) mV: (fired (steps, N) bool, x (N,) float64 at the end)."""
        self._begin_tick()
        self.neurons.send(drive)
        self._run_steps(self.network.steps_per_tick)
        self._await(self._spike_port)
        fired = self._spike_port.recv().astype(bool)
        self._await(self._state_port)
        rows = self._state_port.recv()
        self._last = {STATE_KEY: rows[0].copy(), BUFFER_KEY: rows[1].copy()}
        self._end_tick()
        return fired, rows[0].copy()

    def state(self) -> dict[str, np.ndarray]:
        """x and Sparse's buffer after the last tick (not copies); only between ticks."""
        self._check_paused()
        return self._last
