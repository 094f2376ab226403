"""The warm-start arms of a study (issue 22, experiment B; design §28).

``annealer_seeded``: s seed strings (s = ``seed_units``, one unit and one candidate each) from
depth-1 QAOA shots (|+>^n, grid-optimal angles), uniform random strings or GW hyperplane
roundings; the spiking annealer then starts from the best of them (``AnnealerSpec.initial_x``)
and runs ticks of ``sweeps`` sweeps (n updates a sweep + 1 reading a tick) with the units
left, its geometric schedule begun ``schedule_from`` of the way from the default T0 to T1.
The three sources use the same annealer seed (the same noise): a paired contrast of them
differs in the start only.

``qaoa``: depth-1 QAOA shots from |+>^n (every unit a shot), or ``warm_units`` of the annealer
alone (from its seeded bits, the same schedule rule) and then the rest in shots from the state
tilted toward its best reading (``physics.warm_qaoa``, eps = ``epsilon``), with the warm mixer;
``layer: false``: the shots from the tilted preparation itself (the control: the warm string
with each bit flipped independently with probability eps, no quantum layer).

Not units (classical work that yields no candidate; its seconds are in timings.csv, as GW's
SDP): the angle search on the exact expected cut, GW's SDP. The shots are sampled from the
exact depth-1 state vector (a noiseless device; n <= ``physics.warm_qaoa.MAX_QUBITS``).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, replace

import numpy as np

from orchestrator.config.study import StudyArm
from orchestrator.tasks.maxcut.instances import MaxCutInstance

__all__ = ["PHASES", "PHASE_COLUMNS", "Annealed", "WarmResult", "anneal", "phases_rows", "warm_arm"]

PHASES = "phases.csv"
PHASE_COLUMNS = (
    "n", "graph", "arm", "warm_candidates", "warm_hits", "warm_best_ratio", "then_candidates",
    "then_hits", "then_best_ratio",
)


@dataclass(frozen=True)
class Annealed:
    """bits: (ticks, n) the readings; units: neuron updates + readings spent."""

    bits: np.ndarray
    units: int


@dataclass(frozen=True)
class WarmResult:
    """cuts: every candidate's cut, in order (the first ``warm`` are the warm-start phase's:
    the seed strings, or the warm annealer's readings). units: spent. root: the arm's
    digest. free_seconds: work outside the units (angle search, GW's SDP)."""

    cuts: np.ndarray
    units: int
    root: str
    free_seconds: float
    warm: int


def anneal(inst: MaxCutInstance, units: int, arm: StudyArm, seed: int,
           initial_x: np.ndarray | None = None) -> Annealed:
    """The spiking annealer alone on ``inst`` for as many whole ticks as ``units`` holds (the
    backend from the composition root, ``run/assemble.open_annealer``); ``run/study.py``'s
    ``annealer_alone`` arm is this from the default schedule (``schedule_from`` 0)."""
    from orchestrator.physics.annealing import default_temperatures
    from orchestrator.physics.ising import IsingProblem
    from orchestrator.run.assemble import annealer_spec, open_annealer

    ticks = units // (inst.n * arm.sweeps + 1)
    if ticks == 0:
        return Annealed(np.zeros((0, inst.n), dtype=np.uint8), 0)
    e = np.array(inst.edges, dtype=np.float64).reshape(-1, 3)
    problem = IsingProblem.of(inst.n, e[:, 0].astype(np.int64), e[:, 1].astype(np.int64), e[:, 2])
    t0, t1 = default_temperatures(problem, 1.0)
    t0 = t0 * (t1 / t0) ** arm.schedule_from
    net = annealer_spec(problem, seed=seed, ticks=ticks, sweeps_per_tick=arm.sweeps,
                        t0_mv=t0, t1_mv=t1)
    if initial_x is not None:  # a warm start (design §28); the backend checks it
        assert net.annealer is not None
        net = replace(net, annealer=replace(net.annealer, initial_x=initial_x))
    backend = open_annealer(arm.backend, net)
    try:
        windows = [backend.advance(np.zeros(inst.n)) for _ in range(ticks)]
    finally:
        backend.close()
    bits = np.array([w.states[: inst.n] for w in windows], dtype=np.uint8)
    return Annealed(bits, sum(int(w.neuron_updates or 0) + 1 for w in windows))


def _qaoa_shots(inst: MaxCutInstance, shots: int, theta: np.ndarray,
                rng: np.random.Generator, layer: bool = True) -> tuple[np.ndarray, float]:
    """``shots`` depth-1 shots from the tilt ``theta`` at its grid-optimal angles (``layer``
    false: from the preparation itself, gamma = beta = 0); the seconds of the angle search
    (not units)."""
    from orchestrator.physics.warm_qaoa import Angles, optimal_angles, sample_bits, statevector

    started = time.perf_counter()
    angles = optimal_angles(inst.edges, inst.n, theta) if layer else Angles(0.0, 0.0, 0.0)
    search = time.perf_counter() - started
    if shots <= 0:
        return np.zeros((0, inst.n), dtype=np.uint8), search
    psi = statevector(inst.edges, inst.n, theta, angles.gamma, angles.beta)
    return sample_bits(psi, inst.n, shots, rng), search


def _seeds(arm: StudyArm, inst: MaxCutInstance, seed: int) -> tuple[np.ndarray, float]:
    """The seed strings of an ``annealer_seeded`` arm and the seconds outside the units."""
    from orchestrator.run.seeds import WarmStream, derive_seed

    k, rng = arm.seed_units, np.random.default_rng(derive_seed(seed, WarmStream.SEED_STRINGS))
    if arm.seed_from == "random":
        return rng.integers(0, 2, size=(k, inst.n), dtype=np.uint8), 0.0
    if arm.seed_from == "qaoa":
        return _qaoa_shots(inst, k, np.full(inst.n, np.pi / 2), rng)
    from orchestrator.tasks.maxcut.goemans_williamson import hyperplane_roundings
    from orchestrator.tasks.maxcut.sdp import solve_sdp

    sdp = solve_sdp(inst)
    return hyperplane_roundings(sdp.gram, rng, k), sdp.wall_seconds


def warm_arm(arm: StudyArm, inst: MaxCutInstance, budget: int, seed: int) -> WarmResult:
    """A warm-start arm on ``inst`` at ``budget`` units (module docstring)."""
    from orchestrator.physics.warm_qaoa import tilt_angles, warm_values
    from orchestrator.run.seeds import WarmStream, derive_seed
    from orchestrator.tasks.maxcut.cut import cut_values

    free = 0.0
    if arm.kind == "annealer_seeded":
        seeds, free = _seeds(arm, inst, seed)
        seed_cuts = cut_values(inst, seeds)
        start = seeds[int(np.argmax(seed_cuts))]
        run = anneal(inst, budget - len(seeds), arm, seed, initial_x=start)
        bits = np.concatenate([seeds, run.bits])
        units, warm = len(seeds) + run.units, len(seeds)
    elif arm.warm_from == "plus":
        rng = np.random.default_rng(derive_seed(seed, WarmStream.SHOTS))
        bits, free = _qaoa_shots(inst, budget, np.full(inst.n, np.pi / 2), rng, arm.layer)
        units, warm = len(bits), 0
    else:
        run = anneal(inst, arm.warm_units, arm, seed)
        best = run.bits[int(np.argmax(cut_values(inst, run.bits)))]
        theta = tilt_angles(warm_values(best.astype(np.float64), arm.epsilon))
        rng = np.random.default_rng(derive_seed(seed, WarmStream.SHOTS))
        shots, free = _qaoa_shots(inst, budget - run.units, theta, rng, arm.layer)
        bits = np.concatenate([run.bits, shots])
        units, warm = run.units + len(shots), len(run.bits)
    cuts = cut_values(inst, bits)
    if arm.kind == "annealer_seeded" and arm.seed_from == "gw":
        # the SDP's last bits may move between solver runs (as the gw arm): hash the cuts
        root = hashlib.sha256(np.round(np.sort(cuts), 9).tobytes()).hexdigest()
    else:
        root = hashlib.sha256(np.ascontiguousarray(bits, dtype=np.uint8).tobytes()).hexdigest()
    return WarmResult(cuts, int(units), root, free, warm)


def phases_rows(rows: list) -> list[dict[str, object]]:
    """Per warm-start row (``ArmRow.warm_phase`` set): the hits and best ratio of the warm
    phase's candidates and of the rest, against the row's optimum (its tie rule)."""
    out: list[dict[str, object]] = []
    for r in rows:
        if r.warm_phase is None or r.cuts is None:
            continue
        parts = (r.cuts[: r.warm_phase], r.cuts[r.warm_phase:])
        line: dict[str, object] = {"n": r.n, "graph": r.graph, "arm": r.arm}
        for name, part in zip(("warm", "then"), parts, strict=True):
            hits = int(np.count_nonzero(part >= r.optimum - 1e-9 * r.scale))
            best = float(part.max()) / r.optimum if len(part) and r.optimum else float("nan")
            line |= {f"{name}_candidates": len(part), f"{name}_hits": hits,
                     f"{name}_best_ratio": f"{best:.6f}"}
        out.append(line)
    return out
