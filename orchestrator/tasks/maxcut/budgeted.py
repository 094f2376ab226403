"""Classical MaxCut arms stopped at a budget of units (issue 22; ``config/study.py``).

One unit = one evaluated candidate: a random assignment's cut, one single-flip proposal, one
hyperplane rounding's cut. Each arm returns the cuts of the candidates it reports (the p_hit
numerator counts those reaching the optimum) and the units it spent (<= the budget; equal to
it except where a whole read or descent step no longer fits, which is then not started).

random        ``units`` uniform assignments (numpy ``default_rng(seed)``).
local_search  multi-start steepest ascent: a uniform start (1 unit: its cut), then passes
              that evaluate the gain of flipping each of the n vertices (n units) and flip the
              best while it is positive; a start whose pass no longer fits ends there. Each
              start's final state is a candidate (a descent cut short included).
sa            dwave-samplers ``SimulatedAnnealingSampler``: reads of ``sweeps`` sweeps (n
              single-flip proposals each), reads = units // (sweeps n) (at least one read of
              units // n sweeps when one full read does not fit); each read's final state is
              a candidate, plus one shorter read with the sweeps left over (units - reads
              sweeps n) // n. Default beta range (dwave's, from the couplings).
gw            the SDP (cvxpy, not counted in units: its seconds are reported) and ``units``
              hyperplane roundings, each a candidate.
The gains of ``local_search`` use the sparse adjacency (no dense n x n matrix).
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import numpy as np

from orchestrator.tasks.maxcut.cut import cut_values
from orchestrator.tasks.maxcut.instances import MaxCutInstance

__all__ = ["ArmResult", "gw_roundings", "local_search", "random_sampling", "simulated_annealing"]


@dataclass(frozen=True)
class ArmResult:
    """cuts: the reported candidates' cuts, in order. units: spent. digest: SHA-256 of the
    candidates' bits (the arm's 'root' in a study table). seconds: wall time of the arm;
    unit_free_seconds: work outside the unit rule (GW's SDP)."""

    cuts: np.ndarray
    units: int
    digest: str
    seconds: float
    unit_free_seconds: float = 0.0


def _digest(bits: np.ndarray) -> str:
    return hashlib.sha256(np.ascontiguousarray(bits, dtype=np.uint8).tobytes()).hexdigest()


def random_sampling(instance: MaxCutInstance, units: int, seed: int) -> ArmResult:
    started = time.perf_counter()
    bits = np.random.default_rng(seed).integers(0, 2, size=(units, instance.n), dtype=np.uint8)
    cuts = cut_values(instance, bits)
    return ArmResult(cuts, units, _digest(bits), time.perf_counter() - started)


def _adjacency(instance: MaxCutInstance):  # scipy sparse, symmetric
    from scipy.sparse import coo_matrix

    e = np.array(instance.edges, dtype=np.float64).reshape(-1, 3)
    i, j, w = e[:, 0].astype(np.int64), e[:, 1].astype(np.int64), e[:, 2]
    n = instance.n
    return coo_matrix((np.r_[w, w], (np.r_[i, j], np.r_[j, i])), shape=(n, n)).tocsr()


def local_search(instance: MaxCutInstance, units: int, seed: int) -> ArmResult:
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    adj, n = _adjacency(instance), instance.n
    finals: list[np.ndarray] = []
    spent = 0
    while spent + 1 <= units:
        x = rng.integers(0, 2, size=n, dtype=np.uint8)
        spent += 1
        while spent + n <= units:
            s = 1.0 - 2.0 * x  # spins
            gain = s * (adj @ s)  # cut change of flipping each vertex: sum_u w (s_v s_u)
            spent += n
            v = int(np.argmax(gain))
            if gain[v] <= 1e-12:
                break
            x[v] ^= 1
        finals.append(x.copy())
    bits = np.array(finals, dtype=np.uint8).reshape(-1, n)
    cuts = cut_values(instance, bits) if len(bits) else np.zeros(0)
    return ArmResult(cuts, spent, _digest(bits), time.perf_counter() - started)


def simulated_annealing(instance: MaxCutInstance, units: int, seed: int, sweeps: int) -> ArmResult:
    from dwave.samplers import SimulatedAnnealingSampler

    n = instance.n
    reads = units // (sweeps * n)
    if reads == 0:
        reads, sweeps = 1, units // n
    if sweeps == 0:
        return ArmResult(np.zeros(0), 0, _digest(np.zeros((0, n))), 0.0)
    couplings = {(i, j): w for i, j, w in instance.edges}
    started = time.perf_counter()
    runs = [(reads, sweeps)]
    rest = (units - reads * sweeps * n) // n  # a last, shorter read with the sweeps left
    if rest > 0:
        runs.append((1, rest))
    blocks, spent = [], 0
    for k, (count, length) in enumerate(runs):
        result = SimulatedAnnealingSampler().sample_ising(
            dict.fromkeys(range(n), 0.0),
            couplings,
            num_reads=int(count),
            num_sweeps=int(length),
            seed=(int(seed) + k) % (2**31 - 1),  # dwave refuses seeds >= 2^31 in practice
            beta_schedule_type="geometric",
        )
        record = result.record
        columns = [result.variables.index(v) for v in range(n)]
        spins = np.repeat(record.sample[:, columns], record.num_occurrences, axis=0)
        blocks.append((spins < 0).astype(np.uint8))
        spent += count * length * n
    bits = np.concatenate(blocks)
    cuts = cut_values(instance, bits)
    return ArmResult(cuts, int(spent), _digest(bits), time.perf_counter() - started)


def gw_roundings(instance: MaxCutInstance, units: int, seed: int) -> ArmResult:
    from orchestrator.tasks.maxcut.goemans_williamson import hyperplane_roundings
    from orchestrator.tasks.maxcut.sdp import solve_sdp

    sdp = solve_sdp(instance)
    started = time.perf_counter()
    bits = hyperplane_roundings(sdp.gram, np.random.default_rng(seed), units)
    cuts = cut_values(instance, bits)
    # the Gram matrix may differ in its last bits between solver runs: the digest hashes the
    # cuts rounded to 9 digits, not the bits
    digest = hashlib.sha256(np.round(np.sort(cuts), 9).tobytes()).hexdigest()
    return ArmResult(cuts, units, digest, time.perf_counter() - started, sdp.wall_seconds)
