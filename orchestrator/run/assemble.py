"""From a validated config to working parts: seeds, the quantum program, the network, backends.

This is the composition root: the only place that turns config into backend objects, through
the registry, so ``orchestrator/`` never imports an SDK by name. ``open_backends`` builds both
backends, the memory engine and the control rules, which are handed what they use (``quantum_
factory`` for second quantum instances: J's estimator, learning's energy batches, the memory).

Seeds come from the streams of ``orchestrator.run.seeds`` (one table, design §6).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from orchestrator.config.root import RunConfig
from orchestrator.contract.backend_config import QuantumBackendConfig, SpikingBackendConfig
from orchestrator.contract.quantum import QuantumBackend, QuantumProgram
from orchestrator.contract.registry import BackendPlugin, plugins
from orchestrator.contract.spiking import (
    AnnealerSpec,
    NetworkSpec,
    NetworkState,
    NeuronNoise,
    SpikingBackend,
)
from orchestrator.control.rule import ControlRule
from orchestrator.physics.measurement import measurement_bases
from orchestrator.physics.parameter_shift import term_layout
from orchestrator.run.closing import close_backends
from orchestrator.run.memory import open_memory
from orchestrator.run.rules import control_rules
from orchestrator.run.seeds import Stream, derive_seed

if TYPE_CHECKING:
    from orchestrator.physics.ising import IsingProblem

__all__ = [
    "OpenBackends",
    "Selection",
    "annealer_seed",
    "annealer_spec",
    "build_annealer",
    "build_network",
    "build_program",
    "draw_connectivity",
    "draw_in_degree",
    "open_annealer",
    "open_backends",
    "open_spiking",
    "quantum_factory",
    "select_quantum",
    "select_spiking",
]


def build_program(config: RunConfig) -> QuantumProgram:
    h = config.build_hamiltonian()
    order = config.trotter.order
    preserve = config.trotter.preserve_order
    layers, layer_terms = 0, ()
    if config.learning is not None:  # the trainable evolution (physics/parameter_shift)
        layers, layer_terms = config.learning.layers, term_layout(h).terms
    return QuantumProgram(
        hamiltonian=h,
        time=config.trotter.dt,
        order=order,
        reps=config.trotter.reps,
        preserve_order=(order == 1) if preserve is None else preserve,
        bases=measurement_bases(h),
        preparation="amplitudes" if config.pci.mapping == "amplitude" else "product",
        want_statevector=config.quantum.capabilities().statevector,
        ticks=config.run.ticks,
        layers=layers,
        layer_terms=layer_terms,
    )


_CHUNK_VALUES = 1 << 22  # random numbers drawn per block (32 MiB of float64): bounded memory


def draw_connectivity(n: int, p: float, weight: float, seed: int) -> tuple[np.ndarray, ...]:
    """Random recurrent synapses: each ordered pair i != j with probability ``p`` from
    ``numpy.random.default_rng(seed)``; (pre int64, post int64, weight_mv float64), all of the
    same length, every weight ``weight`` mV, sorted by pre then post.

    The uniform numbers are those of ``rng.random((n, n))`` (row i: pre i) but drawn a block of
    rows at a time, so memory stays O(synapses) at any N and the synapses are the same as when
    the whole matrix was drawn at once (numpy's Generator yields the same stream in blocks).
    """
    rng = np.random.default_rng(seed)
    rows = max(1, _CHUNK_VALUES // max(n, 1))
    pres, posts = [], []
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        mask = rng.random((stop - start, n)) < p
        local = np.arange(stop - start)
        mask[local, start + local] = False  # no autapse
        pre, post = np.nonzero(mask)
        pres.append(pre.astype(np.int64) + start)
        posts.append(post.astype(np.int64))
    pre = np.concatenate(pres) if pres else np.zeros(0, dtype=np.int64)
    post = np.concatenate(posts) if posts else np.zeros(0, dtype=np.int64)
    return pre, post, np.full(pre.size, float(weight))


def draw_in_degree(n: int, k: int, weight: float, seed: int) -> tuple[np.ndarray, ...]:
    """Fixed in-degree synapses: every neuron j receives exactly ``k`` synapses from ``k``
    distinct neurons i != j, drawn from ``numpy.random.default_rng(seed)``; (pre int64,
    post int64, weight_mv float64), S = N k, sorted by post then pre.

    A block of posts at a time: ``k`` integers in [0, n - 1) per post, shifted past j (no
    autapse); a row holding a repeat is drawn again whole (in row order, so the result is a pure
    function of the seed) until every row is distinct. When k > (n - 1) / 2 repeats would be
    frequent, so each row is ``rng.choice(n - 1, k, replace=False)`` instead.
    """
    if not 0 <= k < max(n, 1):
        raise ValueError(f"in-degree k = {k} needs 0 <= k < N = {n}")
    rng = np.random.default_rng(seed)
    if k == 0 or n < 2:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), np.zeros(0)
    rows = max(1, _CHUNK_VALUES // k)
    blocks = []
    for start in range(0, n, rows):
        stop = min(start + rows, n)
        if 2 * k > n - 1:
            block = np.stack([rng.choice(n - 1, k, replace=False) for _ in range(start, stop)])
            block.sort(axis=1)
        else:
            block = np.sort(rng.integers(0, n - 1, size=(stop - start, k)), axis=1)
            while True:
                bad = np.flatnonzero((np.diff(block, axis=1) == 0).any(axis=1))
                if bad.size == 0:
                    break
                block[bad] = np.sort(rng.integers(0, n - 1, size=(bad.size, k)), axis=1)
        post = np.arange(start, stop, dtype=np.int64)[:, None]
        block = block.astype(np.int64)
        block += block >= post  # skip j itself: [0, n - 1) -> [0, n) minus {j}, still sorted
        blocks.append((block.ravel(), np.broadcast_to(post, block.shape).ravel()))
    pre = np.concatenate([b[0] for b in blocks])
    post = np.concatenate([b[1] for b in blocks])
    return pre, post, np.full(pre.size, float(weight))


def _with_graph_synapses(
    config: RunConfig, pre: np.ndarray, post: np.ndarray, weight: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The random synapses followed by the MaxCut graph's (``maxcut.edge_weight_mv``)."""
    from orchestrator.tasks.maxcut.wiring import graph_synapses, merged_edges

    assert config.maxcut is not None and config.maxcut.edge_weight_mv is not None
    h = config.hamiltonian
    assert h.kind == "ising"  # maxcut_problems refuses any other
    g_pre, g_post, g_w = graph_synapses(
        merged_edges(h.edges), config.build_hamiltonian().n_qubits, config.n_neurons(),
        config.maxcut.edge_weight_mv,
    )
    return (
        np.concatenate([pre, g_pre]),
        np.concatenate([post, g_post]),
        np.concatenate([weight, g_w]),
    )


def annealer_seed(config: RunConfig) -> int:
    """The annealer's noise seed: ``spiking.annealer.seed``, or derived from ``run.seed``."""
    section = config.spiking.annealer
    assert section is not None
    if section.seed is not None:
        return section.seed
    return derive_seed(config.run.seed, Stream.ANNEALER)


def annealer_spec(
    problem: IsingProblem,
    *,
    seed: int,
    ticks: int,
    steps_per_tick: int = 0,
    sweeps_per_tick: int = 0,
    dt_ms: float = 0.1,
    mv_per_unit: float = 1.0,
    t0_mv: float | None = None,
    t1_mv: float | None = None,
    schedule: Literal["geometric", "linear"] = "geometric",
    sweeps: int | None = None,
    kick_cap_mv: float = 15.0,
) -> NetworkSpec:
    """The annealer network of ``problem`` (design §20): ticks of ``steps_per_tick`` steps of
    ``dt_ms``, or of ``sweeps_per_tick`` whole sweeps (C steps each); the schedule spans
    ``sweeps`` sweeps (default: every whole sweep of the ``ticks`` ticks); temperatures None:
    the defaults of ``physics.annealing.default_temperatures``."""
    from orchestrator.tasks.ising.problem import annealer_network

    wired = annealer_network(problem, mv_per_unit, t0_mv, t1_mv)
    c = wired.n_colours
    if (steps_per_tick > 0) == (sweeps_per_tick > 0):
        raise ValueError("give steps_per_tick or sweeps_per_tick (> 0)")
    steps_per_tick = steps_per_tick or sweeps_per_tick * c
    if sweeps is None:
        sweeps = max(1, ticks * steps_per_tick // c)
    return NetworkSpec(
        n_neurons=problem.n,
        tau_m_ms=20.0,  # LIF constants: unused by annealer networks
        v_th_mv=20.0,
        v_reset_mv=0.0,
        refractory_ms=c * dt_ms,  # on for one update period (the PCI's N_cap)
        dt_ms=dt_ms,
        steps_per_tick=steps_per_tick,
        ticks=ticks,
        drive_mode="current",
        kick_cap_mv=kick_cap_mv,
        pre=wired.neurons.pre,
        post=wired.neurons.post,
        weight_mv=wired.neurons.weight_mv,
        annealer=AnnealerSpec(
            bias_mv=wired.neurons.bias_mv,
            colours=wired.colours,
            n_colours=c,
            schedule=schedule,
            t0_mv=wired.t0_mv,
            t1_mv=wired.t1_mv,
            sweeps=sweeps,
            seed=seed,
        ),
    )


def build_annealer(config: RunConfig) -> NetworkSpec:
    """The ``spiking.annealer`` network: one stochastic neuron per variable (design §20)."""
    from orchestrator.tasks.ising.problem import annealer_problem

    s = config.spiking
    section = s.annealer
    assert section is not None
    return annealer_spec(
        annealer_problem(section, config.build_hamiltonian()),
        seed=annealer_seed(config),
        ticks=config.run.ticks,
        steps_per_tick=s.steps_per_tick,
        dt_ms=s.dt_ms,
        mv_per_unit=section.mv_per_unit,
        t0_mv=section.t0_mv,
        t1_mv=section.t1_mv,
        schedule=section.schedule,
        kick_cap_mv=config.safety.voltage_cap * s.v_th_mv,
    )


def build_network(config: RunConfig) -> NetworkSpec:
    s = config.spiking
    if s.annealer is not None:
        return build_annealer(config)
    n = config.n_neurons()
    pre = post = np.zeros(0, dtype=np.int64)
    weight = np.zeros(0)
    if s.network is not None:  # a NIR graph: its synapses (design: NIR)
        from orchestrator.contract.nir_graph import read_nir

        graph = read_nir(s.network.nir, s.dt_ms, s.network.sha256)
        pre, post, weight = graph.pre, graph.post, graph.weight_mv
    elif s.recurrent is not None and (s.recurrent.k or s.recurrent.p):
        seed = s.recurrent.seed
        if seed is None:
            seed = derive_seed(config.run.seed, Stream.CONNECTIVITY)
        if s.recurrent.k is not None:
            pre, post, weight = draw_in_degree(n, s.recurrent.k, s.recurrent.weight_mv, seed)
        else:
            pre, post, weight = draw_connectivity(n, s.recurrent.p, s.recurrent.weight_mv, seed)
    if config.maxcut is not None and config.maxcut.edge_weight_mv is not None:
        pre, post, weight = _with_graph_synapses(config, pre, post, weight)
    noise = v_init = None
    if s.noise is not None:
        noise_seed = s.noise.seed
        if noise_seed is None:
            noise_seed = derive_seed(config.run.seed, Stream.NOISE)
        noise = NeuronNoise(s.noise.kind, s.noise.sigma_mv, s.noise.tau_ms, noise_seed)
    if s.v_init is not None:
        v_seed = s.v_init.seed
        if v_seed is None:
            v_seed = derive_seed(config.run.seed, Stream.V_INIT)
        v_init = np.random.default_rng(v_seed).uniform(s.v_init.low_mv, s.v_init.high_mv, n)
    return NetworkSpec(
        n_neurons=n,
        tau_m_ms=s.tau_m_ms,
        v_th_mv=s.v_th_mv,
        v_reset_mv=s.v_reset_mv,
        refractory_ms=s.refractory_ms,
        dt_ms=s.dt_ms,
        steps_per_tick=s.steps_per_tick,
        ticks=config.run.ticks,
        drive_mode=config.pci.drive,
        kick_cap_mv=config.safety.voltage_cap * s.v_th_mv,
        pre=pre,
        post=post,
        weight_mv=weight,
        stdp=s.stdp if s.stdp.enabled else None,
        noise=noise,
        v_init_mv=v_init,
    )


@dataclass(frozen=True)
class Selection:
    """Which registered backend runs a config section, with what config, recorded how."""

    plugin: BackendPlugin
    config: QuantumBackendConfig | SpikingBackendConfig
    overrides: Mapping[str, str]  # recorded over the running backend's identity

    def identity(self, backend: QuantumBackend | SpikingBackend) -> dict[str, str]:
        """The backend's identity for the ledger: plugin, backend details, overrides."""
        return {**self.plugin.identity(), **backend.identity(), **self.overrides}


def select_quantum(section: QuantumBackendConfig) -> Selection:
    """The registered quantum backend of a ``quantum`` config section."""
    return Selection(plugins("quantum")[section.kind], section, {})


def select_spiking(section: SpikingBackendConfig) -> Selection:
    """The spiking backend of a ``spiking`` section, or the one it substitutes (a fallback)."""
    substitute = section.substitute()
    if substitute is None:
        return Selection(plugins("spiking")[section.kind], section, {})
    return Selection(plugins("spiking")[substitute.kind], substitute.config, substitute.identity)


def open_spiking(config: RunConfig, start: NetworkState | None = None) -> SpikingBackend:
    """Build the spiking backend, at rest or continuing from ``start``."""
    selection = select_spiking(config.spiking)
    if config.spiking.annealer is not None:
        spiking_cls = selection.plugin.load_annealer()
    else:
        spiking_cls = selection.plugin.load()
    return spiking_cls(selection.config, replace(build_network(config), start=start))


def open_annealer(kind: str, net: NetworkSpec) -> SpikingBackend:
    """The registered spiking backend ``kind``, its default section, running the annealer
    network ``net`` with no run around it (a study's annealer arms, ``run/study.py``)."""
    selection = select_spiking(plugins("spiking")[kind].config.model_validate({"kind": kind}))
    return selection.plugin.load_annealer()(selection.config, net)


def quantum_factory(config: RunConfig) -> Callable[[QuantumProgram], QuantumBackend]:
    """Builds instances of the run's quantum backend, one per program: the loop's, and the
    second ones the rules and the memory use. The implementation is imported at each call."""
    plugin = select_quantum(config.quantum).plugin
    return lambda program: plugin.load()(config.quantum, program)


@dataclass(frozen=True)
class OpenBackends:
    """A run's backends, built: both, their identities as the ledger records them, and the
    control rules in order (the memory engine and the rules' own backends inside them)."""

    quantum: QuantumBackend
    spiking: SpikingBackend
    identities: dict[str, dict[str, str]]
    rules: list[ControlRule]

    def close(self) -> None:
        """Close both backends, then the rules (``orchestrator.run.closing.close_backends``)."""
        close_backends(self.spiking, self.quantum, *(rule.close for rule in self.rules))


def open_backends(config: RunConfig, start: NetworkState | None = None) -> OpenBackends:
    """Import, build and compile both backends, then the rules (the once-per-run step)."""
    open_quantum = quantum_factory(config)
    quantum = open_quantum(build_program(config))
    try:
        spiking = open_spiking(config, start)
    except BaseException:
        quantum.close()
        raise
    try:
        identities = {
            "quantum": select_quantum(config.quantum).identity(quantum),
            "spiking": select_spiking(config.spiking).identity(spiking),
        }
        memory = open_memory(config, open_quantum) if config.memory is not None else None
        rules = control_rules(config, quantum, open_quantum, memory)
    except BaseException:
        close_backends(spiking, quantum)
        raise
    return OpenBackends(quantum, spiking, identities, rules)
