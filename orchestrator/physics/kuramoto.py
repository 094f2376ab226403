"""Kuramoto oscillator array of the Phase Synchronization Network (spec §9), in O(N) per step.

Model (§9). N phase oscillators, phases phi_i (rad), natural frequencies omega_i (rad per unit
time), coupling K (rad per unit time):

    dphi_i/dt = omega_i + (K / N) sum_j sin(phi_j - phi_i),      i = 1..N.

Weighted form (what the loop uses for two substrates in one array). With weights w_j >= 0,
sum_j w_j = 1,

    dphi_i/dt = omega_i + K sum_j w_j sin(phi_j - phi_i);

w_j = 1/N is §9 exactly. The loop puts its n quantum-channel oscillators (phi_psi_k) and its C
spiking-channel oscillators (phi_S_k) into ONE array of N = n + C; ``population_weights`` gives
w_j = s_Q / n on the first block and s_S / C on the second (s_Q + s_S = 1), so each substrate
pulls with its share whatever its size. Shares n/N and C/N give back the plain model.

O(N) identity. With the order parameter Z = r e^{i Psi} = sum_j w_j e^{i phi_j},

    Im(Z e^{-i phi_i}) = sum_j w_j sin(phi_j - phi_i) = r sin(Psi - phi_i),

so dphi_i/dt = omega_i + K r sin(Psi - phi_i): one O(N) pass for Z, one for the N velocities.
This is an identity, not a mean-field approximation; the two differ by rounding only. In the
code, Z = C + i S with C = sum_j w_j cos phi_j, S = sum_j w_j sin phi_j, and
r sin(Psi - phi_i) = S cos phi_i - C sin phi_i: one cos and one sin per oscillator per stage.

The spec's sample code does, for i in order: delta_i = sum_j sin(phi_j - phi_i);
phi_i += (K/N) delta_i dt. The update sits inside the loop over i, so oscillator i sees
phi_1..phi_{i-1} already advanced and the rest not (a Gauss-Seidel sweep): the result depends
on how the array is ordered (relabelling oscillators changes the trajectory, which breaks the
model's permutation symmetry), it costs N^2 sines per step, it is first order (Euler), and it
drops omega_i. Here every evaluation of the velocities reads one state for all i (Jacobi form),
and a step is classical RK4 from the time-t state phi:

    k1 = v(phi), k2 = v(phi + dt/2 k1), k3 = v(phi + dt/2 k2), k4 = v(phi + dt k3),
    phi(t + dt) = phi + dt/6 (k1 + 2 k2 + 2 k3 + k4)      (local error O(dt^5), global O(dt^4)).

Wrapping. Steps return LIFTED phases (not reduced mod 2 pi): the step map is then smooth in
phi, omega and K, which the central-difference Jacobian of §13 needs (a wrap at 2 pi is a jump),
and the phase advance over a tick is readable directly. v is 2 pi-periodic in every phi_j, so a
caller may ``wrap`` between steps without changing the dynamics beyond rounding; a long-running
caller should, since a phase carries an absolute rounding error of about eps |phi|.

Lorentzian frequencies. g(omega) = (Delta / pi) / ((omega - omega_0)^2 + Delta^2). For N -> inf
(Kuramoto 1975; Ott and Antonsen 2008: dr/dt = -Delta r + (K/2) r (1 - r^2) on the OA manifold)
the steady state is incoherent (r = 0) for K <= K_c = 2 Delta and partially synchronized with
r = sqrt(1 - 2 Delta / K) above. ``lorentzian_frequencies`` draws omega_j from a numpy Generator;
``lorentzian_quantiles`` places them deterministically at the quantiles j / (N + 1) of the CDF
F(omega) = 1/2 + arctan((omega - omega_0) / Delta) / pi:
omega_j = omega_0 + Delta tan(pi (j - (N + 1)/2) / (N + 1)), j = 1..N.
"""

from __future__ import annotations

import math

import numpy as np

from orchestrator.physics import fixed_math, fixed_order

__all__ = [
    "integrate",
    "integrate_with_order",
    "lorentzian_frequencies",
    "lorentzian_quantiles",
    "order_parameter",
    "population_weights",
    "rk4_step",
    "velocity",
    "wrap",
]

_WEIGHT_SUM_TOL = 1e-9


def order_parameter(phases: np.ndarray, weights: np.ndarray | None = None) -> tuple[float, float]:
    """(r, Psi) with r e^{i Psi} = sum_j w_j e^{i phi_j} (w_j = 1/N when ``weights`` is None).

    ``phases``: shape (N,), rad, N >= 1. ``weights``: shape (N,), >= 0, summing to 1.
    Returns r in [0, 1] and Psi in (-pi, pi] (Psi = 0 when r = 0). Raises ValueError on bad
    shapes or weights.
    """
    phi, w = _check_phases(phases), _check_weights(weights, phases)
    c, s = _mean_field(np.cos(phi), np.sin(phi), w)
    return math.hypot(c, s), math.atan2(s, c)


def velocity(
    phases: np.ndarray,
    omega: np.ndarray | float,
    coupling: float,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """dphi/dt, shape (N,): omega_i + K sum_j w_j sin(phi_j - phi_i), computed in O(N).

    ``phases``: shape (N,), rad. ``omega``: shape (N,) or a scalar, rad per unit time.
    ``coupling``: K, rad per unit time. ``weights``: as in ``order_parameter``.
    """
    phi = _check_phases(phases)
    return _velocity(phi, _check_omega(omega, phi), float(coupling), _check_weights(weights, phi))


def rk4_step(
    phases: np.ndarray,
    omega: np.ndarray | float,
    coupling: float,
    dt: float,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Phases after one classical RK4 step of length ``dt`` (lifted, not wrapped); a new array.

    Arguments as in ``velocity``; ``dt`` in the unit of time of omega and K (> 0 or 0).
    """
    phi = _check_phases(phases)
    om, w = _check_omega(omega, phi), _check_weights(weights, phi)
    return _rk4(phi, om, float(coupling), _check_dt(dt), w)[0]


def integrate(
    phases: np.ndarray,
    omega: np.ndarray | float,
    coupling: float,
    dt: float,
    steps: int,
    weights: np.ndarray | None = None,
) -> np.ndarray:
    """Phases after ``steps`` RK4 steps of ``dt`` (lifted, not wrapped); a new array."""
    return integrate_with_order(phases, omega, coupling, dt, steps, weights)[0]


def integrate_with_order(
    phases: np.ndarray,
    omega: np.ndarray | float,
    coupling: float,
    dt: float,
    steps: int,
    weights: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(final phases, r, Psi) over ``steps`` RK4 steps of ``dt``.

    r and Psi have shape (steps + 1,): their values at t_0 + k dt, k = 0..steps, read off the
    first RK4 stage of each step (no extra cost; memory O(N + steps), never N x steps).
    """
    phi = _check_phases(phases)
    om, w = _check_omega(omega, phi), _check_weights(weights, phi)
    k, h = float(coupling), _check_dt(dt)
    if not isinstance(steps, (int, np.integer)) or steps < 0:
        raise ValueError(f"steps must be a non-negative integer, got {steps!r}")
    zs = np.empty(steps + 1, dtype=complex)
    for n in range(steps):
        phi, zs[n] = _rk4(phi, om, k, h, w)
    c, s = _mean_field(np.cos(phi), np.sin(phi), w)
    zs[steps] = complex(c, s)
    return phi, np.abs(zs), fixed_math.angle(zs)


def wrap(phases: np.ndarray) -> np.ndarray:
    """Phases reduced to [0, 2 pi)."""
    out = np.mod(np.asarray(phases, dtype=float), 2.0 * np.pi)
    # mod of a tiny negative number rounds to exactly 2 pi
    out[out >= 2.0 * np.pi] = 0.0
    return out


def population_weights(sizes: tuple[int, ...], shares: tuple[float, ...]) -> np.ndarray:
    """Weights, shape (sum(sizes),): block b holds sizes[b] oscillators of weight
    shares[b] / sizes[b]. ``shares`` are >= 0 and sum to 1; every size >= 1."""
    if len(sizes) != len(shares) or not sizes:
        raise ValueError("sizes and shares must be non-empty and of equal length")
    if any(n < 1 for n in sizes) or any(not s >= 0 for s in shares):
        raise ValueError(f"sizes must be >= 1 and shares >= 0, got {sizes}, {shares}")
    if abs(math.fsum(shares) - 1.0) > _WEIGHT_SUM_TOL:
        raise ValueError(f"shares must sum to 1, got {math.fsum(shares)}")
    return np.concatenate([np.full(n, s / n) for n, s in zip(sizes, shares)])


def lorentzian_frequencies(
    rng: np.random.Generator, n: int, delta: float, omega0: float = 0.0
) -> np.ndarray:
    """n draws from the Lorentzian (Cauchy) of centre omega0 and half-width delta > 0."""
    if delta <= 0:
        raise ValueError(f"delta must be > 0, got {delta}")
    return omega0 + delta * rng.standard_cauchy(n)


def lorentzian_quantiles(n: int, delta: float, omega0: float = 0.0) -> np.ndarray:
    """The n quantiles j / (n + 1), j = 1..n, of the Lorentzian: a deterministic, symmetric
    sample, omega0 + delta tan(pi (j - (n + 1)/2) / (n + 1)), ascending."""
    if delta <= 0 or n < 1:
        raise ValueError(f"need delta > 0 and n >= 1, got {delta}, {n}")
    j = np.arange(1, n + 1)
    return omega0 + delta * fixed_math.tan(np.pi * (j - (n + 1) / 2.0) / (n + 1))


def _mean_field(cos: np.ndarray, sin: np.ndarray, w: np.ndarray | None) -> tuple[float, float]:
    if w is None:
        return float(cos.mean()), float(sin.mean())
    return fixed_order.dot(w, cos), fixed_order.dot(w, sin)  # not w @ cos: BLAS (issue 26)


def _velocity(phi: np.ndarray, omega, k: float, w: np.ndarray | None) -> np.ndarray:
    cos, sin = np.cos(phi), np.sin(phi)
    c, s = _mean_field(cos, sin, w)
    return omega + k * (s * cos - c * sin)


def _rk4(phi, omega, k: float, dt: float, w) -> tuple[np.ndarray, complex]:
    """One RK4 step; also Z at the step's start (its first stage computes it anyway)."""
    cos, sin = np.cos(phi), np.sin(phi)
    c, s = _mean_field(cos, sin, w)
    k1 = omega + k * (s * cos - c * sin)
    k2 = _velocity(phi + 0.5 * dt * k1, omega, k, w)
    k3 = _velocity(phi + 0.5 * dt * k2, omega, k, w)
    k4 = _velocity(phi + dt * k3, omega, k, w)
    return phi + (dt / 6.0) * (k1 + 2.0 * (k2 + k3) + k4), complex(c, s)


def _check_phases(phases) -> np.ndarray:
    phi = np.asarray(phases, dtype=float)
    if phi.ndim != 1 or phi.size == 0:
        raise ValueError(f"phases must have shape (N,) with N >= 1, got {phi.shape}")
    return phi


def _check_omega(omega, phi: np.ndarray):
    om = np.asarray(omega, dtype=float)
    if om.ndim == 0:
        return float(om)
    if om.shape != phi.shape:
        raise ValueError(f"omega must be a scalar or of shape {phi.shape}, got {om.shape}")
    return om


def _check_weights(weights, phases) -> np.ndarray | None:
    if weights is None:
        return None
    w = np.asarray(weights, dtype=float)
    if w.shape != np.shape(phases):
        raise ValueError(f"weights must have shape {np.shape(phases)}, got {w.shape}")
    if not np.all(w >= 0) or abs(math.fsum(w) - 1.0) > _WEIGHT_SUM_TOL:
        raise ValueError("weights must be >= 0 and sum to 1")
    return w


def _check_dt(dt) -> float:
    h = float(dt)
    if not h >= 0 or not math.isfinite(h):
        raise ValueError(f"dt must be finite and >= 0, got {dt!r}")
    return h
