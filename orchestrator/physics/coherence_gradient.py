"""Closed-form gradient of the coherence energy E_coh (spec §5; design §4, "Coherence flow").

What is differentiated. E_coh of one tick, as ``coherence.coherence_energy`` computes it
(qubit mapping: one channel per qubit, C = n):

    E = sum_c |psi_c - F_c|^2 + (lambda_c / m) sum_{c in P} (1 - cos(arg psi_c - arg F_c)),

P the channels where both phasors are non-zero (|.| > PHASE_EPS), m = |P| (no phase term when
P is empty). Its inputs are made functions of the tick's parameters by a deterministic model
of the tick, the ``CoherenceModel``:

  quantum  psi_q(theta, phi) = <v| sigma_q |v>,  v = U s(theta, phi),  sigma_q = |0><1| on qubit q
           (so psi_q = (<X_q> + i <Y_q>) / 2, the loop's amplitude), s = prod_k (cos(theta_k/2)|0>
           + e^{i phi_k} sin(theta_k/2)|1>) the product preparation (the backend's
           RZ(phi) RY(theta)|0> up to a global phase), U the tick's evolution (a callable; the
           default ``exact_evolution`` is exp(-i H time), which differs from a Trotterized
           backend by the Trotter error only);
  drive    I_c = clip(I_0 + alpha Re psi_c + beta Im psi_c, -I_clip, I_clip)   (mV, pci.drive);
  spikes   F_c = A(I_c) u_c: the SURROGATE. A(I) = nu(I) T / (2 N_cap) is the phasor magnitude of
           a regular spike train at the analytic LIF rate nu(I) (``LifSurrogate``), u_c a fixed
           complex phase factor per channel (|u_c| <= 1; by default e^{i arg F_c} of the
           measured phasor, 0 for a silent channel). The real F[S] is piecewise constant in the
           drive (spike counts are integers), so its derivative is 0 or undefined; the surrogate
           keeps the one dependence that survives averaging, the rate, and holds the spike phase
           where it was measured. It ignores recurrent input and the voltage the tick starts
           from (the f-I curve is that of an isolated neuron from reset).

LIF f-I curve (rest 0 mV, tau_m dV/dt = -V + I, threshold V_th, reset V_r < V_th, refractory
t_ref; I constant over the tick, ``drive_mode: current``):

    nu(I) = 1 / (t_ref + tau_m ln((I - V_r) / (I - V_th)))   for I > V_th, else 0   (per ms),
    nu'(I) = nu(I)^2 tau_m (V_th - V_r) / ((I - V_r)(I - V_th))                     (I > V_th).

nu < 1 / t_ref, so A < T / (2 N_cap t_ref) <= 1/2, the bound of the real phasor. nu' is
infinite at I = V_th+ (rate onset) and nu is not differentiable there; everywhere else the
model is smooth except where a channel enters or leaves P, where |psi_c| = 0 (arg undefined)
and where the drive clips (one-sided derivatives; the clipped side's is used). The gradient
returned is that of the smooth piece the point lies on.

Chain rule. Write z = x + i y and the complex gradient g_z = dE/dx + i dE/dy, so that for any
real parameter p, dE/dp = Re(conj(g_z) dz/dp). With D_c = psi_c - F_c and d_c the phase
difference (c in P):

    g_psi_c = 2 D_c + (lambda_c / m) sin(d_c) i psi_c / |psi_c|^2   (direct)
    g_F_c   = -2 D_c - (lambda_c / m) sin(d_c) i F_c / |F_c|^2
    dF_c/dp = A'(I_c) u_c dI_c/dp,  and Re(conj(i F_c/|F_c|^2) u_c) = 0 (the surrogate's phase
              is fixed), so only the distance term reaches the drive: let
    s_c     = Re(conj(g_F_c) u_c) A'(I_c) [I_c not clipped]    (dE/dI_c, per mV);
    dE/dalpha = sum_c s_c Re psi_c,   dE/dbeta = sum_c s_c Im psi_c,
    total g_psi_c = g_psi_c + s_c (alpha + i beta)           (psi also moves the drive).

The quantum part: with dv = U ds, dpsi_q/dp = <dv| sigma_q |v> + <v| sigma_q |dv>, where
ds/dtheta_k replaces factor k by (-sin(theta_k/2)/2, e^{i phi_k} cos(theta_k/2)/2) and
ds/dphi_k by (0, i e^{i phi_k} sin(theta_k/2)); one application of U to 2n + 1 columns gives
every dpsi_q/dtheta_k and dpsi_q/dphi_k exactly. Then dE/dtheta_k = sum_q Re(conj(g_psi_q)
dpsi_q/dtheta_k), the same for phi.

gamma. gamma does not enter this tick's E_coh: it sets the NEXT preparation, w = psi + gamma F
of the current tick, theta = arcsin(min(2|w|, 1)) (pi - theta where <Z> < 0), phi = arg w
(pci.preparation_angles). ``gamma_sensitivity`` gives

    d|w|/dgamma = Re(conj(w) F) / |w|,   dphi/dgamma = Im(conj(w) F) / |w|^2,
    dtheta/dgamma = +-2 d|w|/dgamma / sqrt(1 - 4 |w|^2)   (0 where 2|w| >= 1, clamped; minus
                                                            where <Z> < 0),

so dE_next/dgamma = sum_k dE/dtheta_k dtheta_k/dgamma + dE/dphi_k dphi_k/dgamma with E_next
evaluated at the preparation that gamma produced (``coherence_gradient(..., source=...)``).

Units: angles in rad, drive and alpha, beta in mV (per unit of Re/Im psi), times in ms, rates
per ms, E dimensionless; dE/dalpha and dE/dbeta per mV, dE/dgamma per unit gamma.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Protocol, final

import numpy as np
import scipy.sparse as sp

from orchestrator.physics import fixed_math
from orchestrator.physics.coherence import PHASE_EPS
from orchestrator.physics.evolution import Evolution, taylor_evolution
from orchestrator.physics.pci import window_capacity

__all__ = [
    "CoherenceGradient",
    "CoherenceModel",
    "GammaSource",
    "LifNeurons",
    "LifSurrogate",
    "coherence_gradient",
    "energy_and_phasor_gradients",
    "exact_evolution",
    "gamma_sensitivity",
    "model_energy",
    "phase_factors",
    "product_state_and_derivatives",
    "qubit_amplitudes_and_jacobian",
]

class LifNeurons(Protocol):
    """The LIF parameters a surrogate needs (ms, mV): what a spiking config section and a
    ``NetworkSpec`` both carry."""

    tau_m_ms: float
    v_th_mv: float
    v_reset_mv: float
    refractory_ms: float
    dt_ms: float


@final
@dataclass(frozen=True)
class LifSurrogate:
    """Analytic f-I curve of an isolated LIF neuron (rest 0 mV) and the phasor magnitude of the
    regular spike train it fires over one tick window (see the module docstring).

    tau_m_ms, v_th_mv, v_reset_mv (< v_th_mv), refractory_ms: the neuron. window_ms: the tick
    length T. n_cap: the phasor normalisation N_cap = T / max(t_ref, dt) of ``pci.spike_phasors``.
    """

    tau_m_ms: float
    v_th_mv: float
    v_reset_mv: float
    refractory_ms: float
    window_ms: float
    n_cap: float

    def __post_init__(self) -> None:
        if not (self.tau_m_ms > 0 and self.v_th_mv > self.v_reset_mv and self.n_cap > 0):
            raise ValueError("need tau_m_ms > 0, v_th_mv > v_reset_mv and n_cap > 0")

    @classmethod
    def of_neurons(cls, neurons: LifNeurons, window_ms: float) -> LifSurrogate:
        """The surrogate of ``neurons`` (a spiking config section or a ``NetworkSpec``) over a
        tick window of ``window_ms``."""
        return cls(
            tau_m_ms=neurons.tau_m_ms,
            v_th_mv=neurons.v_th_mv,
            v_reset_mv=neurons.v_reset_mv,
            refractory_ms=neurons.refractory_ms,
            window_ms=window_ms,
            n_cap=window_capacity(window_ms, neurons.refractory_ms, neurons.dt_ms),
        )

    def rate(self, drive_mv: np.ndarray) -> np.ndarray:
        """nu(I), spikes per ms, same shape as ``drive_mv`` (0 at or below threshold)."""
        i = np.asarray(drive_mv, dtype=float)
        above = i > self.v_th_mv
        safe = np.where(above, i, self.v_th_mv + 1.0)
        isi = self.tau_m_ms * fixed_math.log((safe - self.v_reset_mv) / (safe - self.v_th_mv))
        return np.where(above, 1.0 / (self.refractory_ms + isi), 0.0)

    def rate_derivative(self, drive_mv: np.ndarray) -> np.ndarray:
        """nu'(I), spikes per ms per mV (0 at or below threshold, where the onset is)."""
        i = np.asarray(drive_mv, dtype=float)
        above = i > self.v_th_mv
        safe = np.where(above, i, self.v_th_mv + 1.0)
        nu = self.rate(safe)
        gap = self.v_th_mv - self.v_reset_mv
        slope = nu**2 * self.tau_m_ms * gap / ((safe - self.v_reset_mv) * (safe - self.v_th_mv))
        return np.where(above, slope, 0.0)

    def amplitude(self, drive_mv: np.ndarray) -> np.ndarray:
        """A(I) = nu(I) T / (2 N_cap): |F| of a regular train with all spikes in phase."""
        return self.rate(drive_mv) * self.window_ms / (2.0 * self.n_cap)

    def amplitude_derivative(self, drive_mv: np.ndarray) -> np.ndarray:
        """A'(I), per mV."""
        return self.rate_derivative(drive_mv) * self.window_ms / (2.0 * self.n_cap)


@final
@dataclass(frozen=True)
class CoherenceModel:
    """The deterministic surrogate of one tick that E_coh is differentiated through.

    evolve: U applied to the columns of a (2^n, m) complex array, returning the same shape
        (``exact_evolution`` builds exp(-i H time)).
    n_qubits: n (qubit mapping: channels = qubits).
    lif: the spike surrogate. phase_factors: u, shape (n,), complex, |u_c| <= 1 (``phase_factors``).
    lambda_c: weight of the phase term. drive_offset_mv, drive_clip_mv: the PCI forward's I_0 and
        clip (``pci.drive``).
    """

    evolve: Evolution
    n_qubits: int
    lif: LifSurrogate
    phase_factors: np.ndarray
    lambda_c: float
    drive_offset_mv: float
    drive_clip_mv: float

    def __post_init__(self) -> None:
        if np.shape(self.phase_factors) != (self.n_qubits,):
            raise ValueError(f"phase_factors must have shape ({self.n_qubits},)")


@final
@dataclass(frozen=True)
class GammaSource:
    """Where this tick's preparation came from: w = psi + gamma F of the previous tick.

    psi, f: shape (n,), complex (that tick's amplitudes and spike phasors). z: shape (n,), its
    <Z_q> (the sign picks theta or pi - theta). gamma: the coupling used.
    """

    psi: np.ndarray
    f: np.ndarray
    z: np.ndarray
    gamma: float


@final
@dataclass(frozen=True)
class CoherenceGradient:
    """E_coh and its partial derivatives at one point.

    energy: E_coh (dimensionless). theta, phi: shape (n,), dE/dtheta_k, dE/dphi_k per rad.
    alpha, beta: dE/dalpha, dE/dbeta per mV. gamma: dE/dgamma through the preparation (None
    when no ``GammaSource`` was given). psi, f: the model's amplitudes and phasors there, (n,).
    """

    energy: float
    theta: np.ndarray
    phi: np.ndarray
    alpha: float
    beta: float
    gamma: float | None
    psi: np.ndarray
    f: np.ndarray


def exact_evolution(hamiltonian: sp.spmatrix, time: float) -> Evolution:
    """U = exp(-i H time) applied to column blocks (sparse H, 2^n x 2^n, qubit 0 least
    significant; ``PauliHamiltonian.to_sparse()``): ``orchestrator.physics.evolution``'s
    truncated Taylor series, whose roundings no BLAS kernel decides (issue 26; before it, U was
    ``scipy.linalg.expm`` applied as a product up to 10 qubits, ``expm_multiply`` above). No
    2^n x 2^n dense matrix is held."""
    return taylor_evolution(hamiltonian, time)


def phase_factors(f: np.ndarray) -> np.ndarray:
    """u_c = F_c / |F_c| of measured phasors, shape (C,); 0 where |F_c| <= PHASE_EPS (silent)."""
    f = np.asarray(f, dtype=complex)
    mag = np.abs(f)
    return np.where(mag > PHASE_EPS, f / np.where(mag > PHASE_EPS, mag, 1.0), 0.0)


def product_state_and_derivatives(theta: np.ndarray, phi: np.ndarray) -> np.ndarray:
    """Columns [s, ds/dtheta_0..n-1, ds/dphi_0..n-1] of the product preparation, shape
    (2^n, 2n + 1), complex (qubit 0 least significant)."""
    theta, phi = np.asarray(theta, dtype=float), np.asarray(phi, dtype=float)
    n = theta.size
    c, s = np.cos(theta / 2), np.sin(theta / 2)
    e = np.exp(1j * phi)
    factors = np.stack([c, e * s], axis=1).astype(complex)  # (n, 2)
    d_theta = np.stack([-s / 2, e * c / 2], axis=1)
    d_phi = np.stack([np.zeros(n), 1j * e * s], axis=1)
    table = np.repeat(factors[None], 2 * n + 1, axis=0)  # (2n + 1, n, 2): column, qubit
    idx = np.arange(n)
    table[1 + idx, idx] = d_theta
    table[1 + n + idx, idx] = d_phi
    state = np.ones((2 * n + 1, 1), dtype=complex)
    for q in range(n):  # qubit q becomes the most significant so far
        state = (table[:, q, :, None] * state[:, None, :]).reshape(2 * n + 1, -1)
    return state.T


def _sigma_expectations(left: np.ndarray, right: np.ndarray, n: int) -> np.ndarray:
    """<left| sigma_q |right> for every q, shape (n,) (or (n, m) for column blocks)."""
    out = []
    for q in range(n):
        shaped_l = left.reshape((-1, 2, 1 << q, *left.shape[1:]))
        shaped_r = right.reshape((-1, 2, 1 << q, *right.shape[1:]))
        # sigma_q = |0><1|: (sigma r)_i = r_{i + 2^q} on bit q = 0
        out.append(np.sum(np.conj(shaped_l[:, 0]) * shaped_r[:, 1], axis=(0, 1)))
    return np.array(out)


def qubit_amplitudes_and_jacobian(
    theta: np.ndarray, phi: np.ndarray, evolve: Evolution
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(psi, dpsi/dtheta, dpsi/dphi): psi shape (n,), complex; the Jacobians shape (n, n),
    entry [q, k] = dpsi_q / dtheta_k (resp. phi_k), per rad. ``evolve`` as in ``CoherenceModel``."""
    n = np.asarray(theta).size
    v = evolve(product_state_and_derivatives(theta, phi))
    base = v[:, 0]
    psi = _sigma_expectations(base, base, n)
    dv = v[:, 1:]
    bb = np.repeat(base[:, None], 2 * n, axis=1)
    d = _sigma_expectations(dv, bb, n) + _sigma_expectations(bb, dv, n)  # (n, 2n)
    return psi, d[:, :n], d[:, n:]


def energy_and_phasor_gradients(
    psi: np.ndarray, f: np.ndarray, lambda_c: float
) -> tuple[float, np.ndarray, np.ndarray]:
    """(E_coh, g_psi, g_F) with g_z = dE/dRe z + i dE/dIm z, shapes (C,), complex; psi and F
    are independent here (see the module docstring). E equals ``coherence_energy``."""
    psi, f = np.asarray(psi, dtype=complex), np.asarray(f, dtype=complex)
    diff = psi - f
    energy = float(np.sum(np.abs(diff) ** 2))
    g_psi, g_f = 2.0 * diff, -2.0 * diff
    both = (np.abs(psi) > PHASE_EPS) & (np.abs(f) > PHASE_EPS)
    m = int(both.sum())
    if m:
        d = fixed_math.angle(psi[both]) - fixed_math.angle(f[both])
        energy += lambda_c * float(np.mean(1.0 - np.cos(d)))
        w = (lambda_c / m) * np.sin(d)
        g_psi[both] += w * 1j * psi[both] / np.abs(psi[both]) ** 2
        g_f[both] -= w * 1j * f[both] / np.abs(f[both]) ** 2
    return energy, g_psi, g_f


def _drive(psi: np.ndarray, alpha: float, beta: float, model: CoherenceModel):
    raw = model.drive_offset_mv + alpha * psi.real + beta * psi.imag
    clip = model.drive_clip_mv
    return np.clip(raw, -clip, clip), (raw > -clip) & (raw < clip)


def model_energy(
    theta: np.ndarray, phi: np.ndarray, alpha: float, beta: float, model: CoherenceModel
) -> float:
    """E_coh of the model at (theta, phi, alpha, beta) (no derivatives; for checks)."""
    v = model.evolve(product_state_and_derivatives(theta, phi)[:, :1])[:, 0]
    psi = _sigma_expectations(v, v, model.n_qubits)
    drive, _ = _drive(psi, alpha, beta, model)
    f = model.lif.amplitude(drive) * model.phase_factors
    return energy_and_phasor_gradients(psi, f, model.lambda_c)[0]


def gamma_sensitivity(source: GammaSource) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """(theta, phi, dtheta/dgamma, dphi/dgamma), each shape (n,): the preparation that
    w = psi + gamma F gives (``pci.preparation_angles``) and its derivatives (0 where |w| = 0
    or 2|w| >= 1)."""
    w = np.asarray(source.psi, dtype=complex) + source.gamma * np.asarray(source.f, dtype=complex)
    f = np.asarray(source.f, dtype=complex)
    mag = np.abs(w)
    theta = fixed_math.arcsin(np.minimum(2.0 * mag, 1.0))
    flip = np.asarray(source.z) < 0
    theta = np.where(flip, np.pi - theta, theta)
    phi = np.where(mag > 0, fixed_math.angle(w), 0.0)
    live = mag > PHASE_EPS
    safe = np.where(live, mag, 1.0)
    d_mag = np.where(live, (np.conj(w) * f).real / safe, 0.0)
    d_phi = np.where(live, (np.conj(w) * f).imag / safe**2, 0.0)
    inside = 2.0 * mag < 1.0
    d_theta = np.where(inside, 2.0 * d_mag / np.sqrt(np.where(inside, 1 - 4 * mag**2, 1.0)), 0.0)
    d_theta = np.where(flip, -d_theta, d_theta)
    return theta, phi, d_theta, d_phi


def coherence_gradient(
    theta: np.ndarray,
    phi: np.ndarray,
    alpha: float,
    beta: float,
    model: CoherenceModel,
    source: GammaSource | None = None,
) -> CoherenceGradient:
    """E_coh and its gradient with respect to theta, phi (shape (n,), rad), alpha, beta (mV),
    and gamma when ``source`` is given (then theta, phi should be what it produced, see
    ``gamma_sensitivity``; the chain rule is taken at the theta, phi passed)."""
    theta, phi = np.asarray(theta, dtype=float), np.asarray(phi, dtype=float)
    if theta.shape != (model.n_qubits,) or phi.shape != (model.n_qubits,):
        raise ValueError(f"theta and phi must have shape ({model.n_qubits},)")
    psi, d_th, d_ph = qubit_amplitudes_and_jacobian(theta, phi, model.evolve)
    drive, free = _drive(psi, alpha, beta, model)
    u = model.phase_factors
    f = model.lif.amplitude(drive) * u
    energy, g_psi, g_f = energy_and_phasor_gradients(psi, f, model.lambda_c)
    s = np.where(free, (np.conj(g_f) * u).real * model.lif.amplitude_derivative(drive), 0.0)
    g_total = g_psi + s * complex(alpha, beta)
    grad_theta = (np.conj(g_total)[:, None] * d_th).real.sum(axis=0)
    grad_phi = (np.conj(g_total)[:, None] * d_ph).real.sum(axis=0)
    grad_gamma = None
    if source is not None:
        _, _, dt_dg, dp_dg = gamma_sensitivity(source)
        grad_gamma = float(math.fsum(grad_theta * dt_dg) + math.fsum(grad_phi * dp_dg))
    return CoherenceGradient(
        energy=energy,
        theta=grad_theta,
        phi=grad_phi,
        alpha=float(np.sum(s * psi.real)),
        beta=float(np.sum(s * psi.imag)),
        gamma=grad_gamma,
        psi=psi,
        f=f,
    )
