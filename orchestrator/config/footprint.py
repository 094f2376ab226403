"""How much memory and disk a validated config will need, and whether the machine has it (issue 10).

Validation estimates, before anything is built, the resident memory of a run and the bytes of
one checkpoint, and refuses a config whose estimate exceeds the memory available here (one
``field: message`` line saying what to change, exit 2), so that no size validation accepts
ends in ``MemoryError``. ``qnf validate`` prints the estimate for every config.

The estimate (bytes) is a sum of terms, each sized by the config alone:

    base        BASE_BYTES: the interpreter with numpy, qiskit, Aer and Brian2 imported
    quantum     QuantumBackendConfig.state_bytes(n): a simulator's state (statevector mode:
                16 2^n B times 3, the state, one copy and a work buffer; 0 on hardware)
    neurons     N x PER_NEURON_BYTES (state, drive, phasors, monitors, per-tick arrays)
    synapses    SpikingBackendConfig.synapse_bytes(N, S): the (pre, post, w) arrays the
                orchestrator draws and the backend's own copy (S from ``p`` or ``k``)
    checkpoint  the network state a checkpoint holds (N neuron arrays, two more with noise, and
                with STDP the synapse state), held up to checkpoint_copies(cfg) times at once:
                CHECKPOINT_COPIES in the run's process (the snapshot, its encoded bytes, the
                last stable point kept for rollback), WRITER_COPIES in the recorder's writer
                process (``orchestrator.record.writer``: the messages read ahead, the one being
                received, the one being packed) and, when checkpoints are stored as deltas
                (``checkpoint.full_every`` > 1, design §27), DELTA_COPIES more there (the
                previous checkpoint the next one is a delta of)

A federation on the ``local`` engine holds every node in this process: the terms other than
base count once per node (another engine hosts the nodes elsewhere: one node's worth here).

with S = k N (in-degree ``k``), p N (N - 1) (probability ``p``), or N^2 for a NIR graph (its
weight matrix is dense in the file). The constants were measured on this project's runs
(BENCHMARKS.md, "Issue 10: network scale"); they err on the high side.

Available memory: ``MemAvailable`` of /proc/meminfo, else ``os.sysconf`` (free pages); None
when neither answers (then nothing is refused).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from orchestrator.config.root import RunConfig

__all__ = [
    "BASE_BYTES",
    "BIG_CHECKPOINT",
    "CHECKPOINT_COPIES",
    "DELTA_COPIES",
    "PER_NEURON_BYTES",
    "WRITER_COPIES",
    "Footprint",
    "available_bytes",
    "checkpoint_copies",
    "estimate",
    "footprint_problems",
    "human",
]

BASE_BYTES = 600 * 2**20
PER_NEURON_BYTES = 1024
# Copies of one checkpoint held at once (see the module). Measured (issue 25, 10^5 neurons,
# k = 100, STDP, a checkpoint every tick, 12 ticks, peak PSS of the run and its writer summed):
# 6.0 copies beyond the rest of the estimate with deltas; the sum below (8 with deltas) errs
# high. WRITER_COPIES is record.writer's _AHEAD + 2 (a test keeps them equal).
CHECKPOINT_COPIES = 3
WRITER_COPIES = 4
DELTA_COPIES = 1
BIG_CHECKPOINT = 64 * 2**20  # ``qnf validate`` suggests spacing checkpoints from this size
NEURON_STATE_ARRAYS = 6  # float64 arrays per neuron in a network snapshot (at most)
STDP_SYNAPSE_ARRAYS = 5  # w, two traces, last update, the mV weights (float64 each)
NOISE_STATE_ARRAYS = 2  # with spiking.noise: the step's noise current, the OU current


@dataclass(frozen=True)
class Footprint:
    """The estimate of one config, in bytes, term by term (see the module)."""

    n_qubits: int
    n_neurons: int
    n_synapses: int
    quantum: int
    neurons: int
    synapses: int
    checkpoint: int  # one checkpoint's network state
    checkpoints_held: int  # checkpoint x checkpoint_copies(cfg), or 0 without checkpoints

    @property
    def total(self) -> int:
        return BASE_BYTES + self.quantum + self.neurons + self.synapses + self.checkpoints_held

    def line(self) -> str:
        """One line for ``qnf validate``."""
        return (
            f"memory estimate: {human(self.total)} (Python with the SDKs loaded "
            f"{human(BASE_BYTES)}, quantum state {human(self.quantum)}, "
            f"{self.n_neurons} neurons {human(self.neurons)}, {self.n_synapses} synapses "
            f"{human(self.synapses)}, checkpoints {human(self.checkpoints_held)}); "
            f"{human(self.checkpoint)} per checkpoint"
        )


def human(n_bytes: float) -> str:
    """1536 -> '1.5 KiB'."""
    value = float(n_bytes)
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(value) < 1024 or unit == "PiB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


def n_synapses(cfg: RunConfig, n_neurons: int) -> int:
    """Expected recurrent synapses of the config's network (see the module)."""
    s = cfg.spiking
    if s.network is not None:
        return n_neurons * n_neurons
    if s.annealer is not None:
        from orchestrator.config.annealer import annealer_synapses

        return annealer_synapses(cfg)
    if s.recurrent is None:
        return 0
    return round(s.recurrent.expected_synapses(n_neurons))


def checkpoint_copies(cfg: RunConfig) -> int:
    """How many copies of one checkpoint a run holds at once at most (see the module)."""
    deltas = cfg.checkpoint.full_every > 1
    return CHECKPOINT_COPIES + WRITER_COPIES + (DELTA_COPIES if deltas else 0)


def estimate(cfg: RunConfig) -> Footprint:
    """The footprint of a validated config (field validation done; no SDK imported)."""
    n_qubits = cfg.build_hamiltonian().n_qubits
    n = cfg.n_neurons()
    syn = n_synapses(cfg, n)
    plastic = cfg.spiking.stdp.enabled and syn > 0
    arrays = NEURON_STATE_ARRAYS + (NOISE_STATE_ARRAYS if cfg.spiking.noise is not None else 0)
    ckpt = arrays * 8 * n + (STDP_SYNAPSE_ARRAYS * 8 * syn if plastic else 0)
    keeps = cfg.spiking.capabilities().snapshot
    fed = cfg.federation
    nodes = len(fed.nodes) if fed is not None and fed.engine == "local" else 1
    return Footprint(
        n_qubits=n_qubits,
        n_neurons=n,
        n_synapses=syn,
        quantum=nodes * cfg.quantum.state_bytes(n_qubits),
        neurons=nodes * PER_NEURON_BYTES * n,
        synapses=nodes * cfg.spiking.synapse_bytes(n, syn),
        checkpoint=ckpt,
        checkpoints_held=nodes * checkpoint_copies(cfg) * ckpt if keeps else 0,
    )


def available_bytes() -> int | None:
    """Memory available to a new process here (``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES")) * int(os.sysconf("SC_PAGE_SIZE"))
    except (OSError, ValueError, AttributeError):
        return None


def footprint_problems(cfg: RunConfig, available: int | None = None) -> list[str]:
    """One line when the estimate exceeds the memory available (``available_bytes()`` unless
    given), naming the largest term and what to change; else none."""
    fp = estimate(cfg)
    room = available_bytes() if available is None else available
    if room is None or fp.total <= room:
        return []
    terms = {
        "quantum": fp.quantum,
        "neurons": fp.neurons,
        "synapses": fp.synapses,
        "checkpoints": fp.checkpoints_held,
    }
    largest = max(terms, key=lambda key: terms[key])
    if largest == "checkpoints" and fp.total - fp.checkpoints_held > room:
        # no checkpoint copies would still not fit: name what would (the synapses, mostly)
        del terms["checkpoints"]
        largest = max(terms, key=lambda key: terms[key])
    advice = {
        "quantum": (
            "hamiltonian",
            f"a {fp.n_qubits}-qubit state takes {human(fp.quantum)}: use fewer qubits, or shots "
            "(quantum.aer.method: automatic) instead of a statevector",
        ),
        "neurons": ("spiking.neurons", f"{fp.n_neurons} neurons: use fewer"),
        "synapses": (
            "spiking.recurrent",
            f"{fp.n_synapses} synapses take {human(fp.synapses)}: use a smaller p or in-degree "
            "k, or fewer neurons",
        ),
        "checkpoints": (
            "spiking.stdp.enabled",
            f"each checkpoint holds {human(fp.checkpoint)} of plastic synapse state, kept "
            f"{checkpoint_copies(cfg)} times at once: turn STDP off or use fewer synapses",
        ),
    }
    field, hint = advice[largest]
    return [
        f"{field}: this run needs about {human(fp.total)} of memory, more than the "
        f"{human(room)} available here; {hint}"
    ]
