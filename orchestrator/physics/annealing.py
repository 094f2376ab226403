"""The spiking annealer's dynamics as numbers every backend uses alike (issue 21; design §20).

One stochastic binary neuron per variable (``physics.ising``: bias b_k, synapses W_kj, mV).
Time runs in integration steps t = 0, 1, 2, ... from the start of the run (dt_ms each):

- **Update order.** The neurons are split into C colour classes with no synapse inside a
  class (``colouring``: greedy, largest degree first). At step t the class c = t mod C
  updates, every neuron of it at once; the others hold their state. C consecutive steps are
  one **sweep** (every neuron updated once); step t is in sweep t // C. Neurons of one class
  do not see each other, so updating them together is the same as updating them one by one:
  each step is an exact heat-bath (Gibbs) update, and the chain's stationary law is the
  Boltzmann distribution (derivation: docs/design.md §20). Updating all neurons at once would
  not be (synchronous Glauber dynamics has another stationary law).
- **Update rule.** Neuron k of the active class fires, and its state becomes x_k = 1, iff

      u_k + T_s xi_{s,k} > 0,       u_k = b_k + d_k + sum_j W_kj x_j     (mV),

  with d_k the tick's drive (the PCI's bias, mV), T_s the temperature of sweep s (mV) and
  xi_{s,k} a standard logistic variable (``logistic_noise``), so P(fire) = sigma(u_k / T_s).
  Otherwise x_k = 0. The state holds until the neuron's next update, C steps later: a spike
  keeps the neuron "on" for C dt ms, the refractory (on) period of neural sampling.
- **Temperature schedule** (``temperatures``): T_s from T0 at sweep 0 to T1 at sweep S - 1,
  geometric (T0 (T1/T0)^(s/(S-1)), i.e. geometric in beta = 1/T too, as dwave-samplers'
  default) or linear in T; T1 from sweep S - 1 on.
- **Noise** (``logistic_noise``): the n logistic variables of sweep s come from Philox keyed
  by (seed, stream) at counter (0, 0, s, 0): a pure function of (seed, s), so splitting a run
  into ticks, resuming it, or running it on another backend draws the same numbers, and a
  checkpoint needs no random-generator state. The initial state x(0) is n fair bits from
  counter (0, 0, 0, 1), or a given string (``initial_bits``: a warm start, design §28); the
  noise is the seed's either way.

Work: an update reads the neuron's local field (its degree in synapses) and draws one random
number, as one single-flip proposal of simulated annealing does; a sweep is n updates, as an
SA sweep is n proposals (``updates_between``). That is the budget unit (design §20).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import numpy as np

from orchestrator.physics import fixed_math

if TYPE_CHECKING:
    from orchestrator.physics.ising import IsingProblem

__all__ = [
    "Schedule",
    "colouring",
    "default_temperatures",
    "initial_bits",
    "initial_state",
    "logistic_noise",
    "temperatures",
    "updates_between",
]

Schedule = Literal["geometric", "linear"]
_NOISE_STREAM = 0x5EED_A11E  # Philox key word 1: the annealer's noise (word 0 is the seed)
_UNIT = 2.0**-53


def colouring(n: int, pre: np.ndarray, post: np.ndarray) -> np.ndarray:
    """Colour classes (n,) int64 in [0, C) with no synapse (pre, post) inside a class.

    Greedy in order of decreasing degree (ties: lower index first), each vertex taking the
    smallest colour none of its coloured neighbours has: C <= max degree + 1. Deterministic;
    O(n log n + S) with S synapses, no n x n matrix.
    """
    a = np.asarray(pre, dtype=np.int64)
    b = np.asarray(post, dtype=np.int64)
    keep = a != b
    a, b = a[keep], b[keep]
    both_a, both_b = np.concatenate([a, b]), np.concatenate([b, a])
    order = np.argsort(both_a, kind="stable")
    neighbours = both_b[order]
    start = np.searchsorted(both_a[order], np.arange(n + 1))
    degree = np.diff(start)
    colour = np.full(n, -1, dtype=np.int64)
    for v in np.lexsort((np.arange(n), -degree)):
        taken = colour[neighbours[start[v] : start[v + 1]]]
        taken = np.unique(taken[taken >= 0])
        free = np.flatnonzero(taken != np.arange(taken.size))
        colour[v] = free[0] if free.size else taken.size
    return colour


def temperatures(
    schedule: Schedule, t0: float, t1: float, sweeps: int, sweep: np.ndarray | int
) -> np.ndarray:
    """T of each ``sweep`` (array or int), mV (or any unit T0 and T1 share); T1 past the end.

    ``sweeps``: S, the sweeps from T0 to T1 (S = 1: T1 throughout). Raises ``ValueError`` for
    T0, T1 <= 0 or S < 1.
    """
    if not (t0 > 0 and t1 > 0):
        raise ValueError(f"temperatures must be > 0, got T0 = {t0}, T1 = {t1}")
    if sweeps < 1:
        raise ValueError(f"a schedule spans at least one sweep, got {sweeps}")
    s = np.asarray(sweep, dtype=np.float64)
    frac = np.clip(s / (sweeps - 1), 0.0, 1.0) if sweeps > 1 else np.ones_like(s)
    if schedule == "geometric":
        return t0 * (t1 / t0) ** frac
    return t0 + (t1 - t0) * frac


def _philox(seed: int, counter: tuple[int, int, int, int]) -> np.random.Generator:
    key = np.array([int(seed) & 0xFFFF_FFFF_FFFF_FFFF, _NOISE_STREAM], dtype=np.uint64)
    return np.random.Generator(np.random.Philox(key=key, counter=np.array(counter, np.uint64)))


def logistic_noise(seed: int, sweep: int, n: int) -> np.ndarray:
    """xi_{s,k}, k < n: standard logistic variables of sweep ``sweep``, shape (n,) float64.

    xi = ln(U / (1 - U)) with U = (m + 1/2) 2^-53 from the top 53 bits m of one Philox
    output: U is never 0 or 1, so xi is finite (|xi| < 37.5).
    """
    raw = _philox(seed, (0, 0, int(sweep), 0)).bit_generator.random_raw(n)
    u = ((raw >> np.uint64(11)).astype(np.float64) + 0.5) * _UNIT
    return fixed_math.log(u) - fixed_math.log1p(-u)


def initial_state(seed: int, n: int) -> np.ndarray:
    """x(0): n fair bits (uint8) from the noise stream's counter (0, 0, 0, 1)."""
    raw = _philox(seed, (0, 0, 0, 1)).bit_generator.random_raw(n)
    return (raw >> np.uint64(63)).astype(np.uint8)


def initial_bits(initial_x: object, n: int) -> np.ndarray:
    """A given start x(0) (a warm start, design §28) as (n,) uint8; ``ValueError`` (one line
    naming ``spiking.annealer.initial_x``) unless it is n values, each 0 or 1 (bools too)."""
    x = np.asarray(initial_x)
    if x.shape != (n,):
        raise ValueError(
            f"spiking.annealer.initial_x: needs {n} values (one per variable), got shape "
            f"{x.shape}"
        )
    if x.dtype != bool and (
        not np.issubdtype(x.dtype, np.number) or not np.all((x == 0) | (x == 1))
    ):
        raise ValueError("spiking.annealer.initial_x: every value must be 0 or 1")
    return x.astype(np.uint8)


def updates_between(colours: np.ndarray, n_colours: int, first: int, stop: int) -> int:
    """Neuron updates in steps [first, stop): the sizes of the classes t mod C, summed."""
    sizes = np.bincount(np.asarray(colours, dtype=np.int64), minlength=n_colours)
    cycles_first, phase_first = divmod(int(first), n_colours)
    cycles_stop, phase_stop = divmod(int(stop), n_colours)
    total = sizes.sum()
    return int(
        cycles_stop * total + sizes[:phase_stop].sum()
        - cycles_first * total - sizes[:phase_first].sum()
    )


def default_temperatures(problem: IsingProblem, mv_per_unit: float) -> tuple[float, float]:
    """(T0, T1) in mV: dwave-samplers' default beta range for the problem, times kappa.

    An update of x_k changes E by dE_k = 2 |f_k|, f_k = h_k + sum_j J_kj s_j the spin's field;
    the neuron sees u_k = kappa dE_k. Hot: T0 = 2 kappa max_k (|h_k| + sum_j |J_kj|) / ln 2,
    so the largest gap any spin can face is crossed with probability 1/2 (Metropolis) at the
    start. Cold: T1 = 2 kappa m / ln(N_m / 0.01), m the smallest nonzero |h| or |J| at any spin
    and N_m the number of spins where it occurs, so that on the last sweep a minimum is left
    with probability about 0.01 (dwave's ``_default_ising_beta_range``, with
    ``scale_T_with_N``). A problem with no nonzero number: (1, 1) mV times kappa.
    """
    kappa = float(mv_per_unit)
    n = problem.n
    reach = np.abs(problem.field).astype(np.float64)
    np.add.at(reach, problem.i, np.abs(problem.coupling))
    np.add.at(reach, problem.j, np.abs(problem.coupling))
    smallest = np.where(problem.field != 0, np.abs(problem.field), np.inf)
    np.minimum.at(smallest, problem.i, np.abs(problem.coupling))
    np.minimum.at(smallest, problem.j, np.abs(problem.coupling))
    finite = smallest[np.isfinite(smallest)]
    if n == 0 or finite.size == 0:
        return kappa, kappa
    m = float(finite.min())
    count = int(np.sum(finite == m))
    hot = 2.0 * kappa * float(reach.max()) / fixed_math.log(2.0)
    cold = 2.0 * kappa * m / fixed_math.log(count / 0.01)
    return hot, cold
