"""J_fusion of the deterministic tick map and the §13 stability criterion built on it.

Spec §13: the fusion manifold is stable if det(J_fusion) > 0 and dH_coh/dt < 0, J_fusion the
Jacobian of the cross-domain coupling dynamics. Here J_fusion = d x_{t+1} / d x_t of the tick
map on the loop's REDUCED STATE x = (theta_1..theta_n, phi_1..phi_n) (rad), the per-qubit
preparation angles a tick starts from (qubit mapping; what the loop carries between ticks):

    Phi(x) = prep(psi(x) + gamma F, <Z>(x)),

  psi(x)   the per-qubit amplitudes (<X_q> + i <Y_q>) / 2 after the tick's evolution of the
           product preparation x, exact: statevector mode (a second instance of the run's
           quantum backend, so the map is the backend's own Trotterized circuit);
  F        this tick's measured spike phasors, HELD FIXED: the network is frozen. The spiking
           part of the map is left out (not taken from a restored snapshot and smoothed): J is
           the quantum side's sensitivity with the network's answer of this tick. This is a
           choice of the time box, stated here and in docs/design.md (§4);
  prep     ``pci.preparation_angles`` (theta = arcsin 2|w| or pi - that after the sign of
           <Z_q>, phi = arg w);
  gamma    the coupling the tick ran with.

The control rules after the backward update (ACE, PSN, coherence flow, federation) are not part
of Phi: J is the derivative of the PCI's own tick map.

Estimate: central differences, one batch of 4n requests x +- eps e_i (one backend call):

    J[:, i] = (Phi(x + eps e_i) - Phi(x - eps e_i)) / (2 eps),   the phi rows' differences
    wrapped into (-pi, pi] (phi_{t+1} = arg w jumps by 2 pi across the negative real axis).

Error O(eps^2) where Phi is smooth. Phi is not smooth where <Z_q> changes sign (theta jumps to
pi - theta), where 2|w_q| reaches 1 (theta is clamped at pi/2: a zero row, det J = 0) and at the
poles sin(theta_q) = 0, where phi_q does not move the state (a zero column, det J = 0): the chart
(theta, phi) is singular there, so a tick whose preparation sits on a pole fails det J > 0.

Reported per evaluated tick (FusionEvent): ``jacobian_det`` (None when not finite),
``jacobian_det_sign`` (-1, 0, 1), ``jacobian_log_abs_det`` (None when det = 0) and
``jacobian_spectral_radius`` = max |eigenvalue|.

Uncoupled qubits: the analytic answer the tests compare with. H = sum_q h_q . sigma_q (no
multi-qubit terms) and gamma = 0. Then each qubit evolves alone and Phi factorises:
(theta'_q, phi'_q) depends on (theta_q, phi_q) only, so J is block diagonal with 2 x 2 blocks
(ordered (theta, phi) by qubit; in x's order the entries sit at [q, q], [q, n+q], [n+q, q],
[n+q, n+q]). exp(-i t h . sigma) rotates the Bloch vector v = (sin th cos ph, sin th sin ph,
cos th) by the angle 2 t |h| about h / |h| (R, a proper rotation), and for a pure qubit with
gamma = 0 the preparation reads the rotated vector back exactly: 2|psi'| = sin th', the sign of
<Z> picks the branch, so th' = arccos(v'_z), ph' = atan2(v'_y, v'_x), v' = R v. With the
tangent frames e_th = dv/dth = (cos th cos ph, cos th sin ph, -sin th), e_ph = (-sin ph,
cos ph, 0) (dv/dph = sin th e_ph), and the gradients d th'/dv' = e_th', d ph'/dv' = e_ph' /
sin th' (v' on the unit sphere),

    J_q = [[ e_th' . R e_th,            sin th  e_th' . R e_ph          ],
           [ e_ph' . R e_th / sin th',  sin th  e_ph' . R e_ph / sin th' ]],

and since R carries the oriented orthonormal frame (e_th, e_ph) at v to one at v', the matrix
[e_a' . R e_b] is a plane rotation (determinant 1): det J_q = sin th / sin th' > 0 (area on the
sphere, sin th dth dph, is conserved). ``uncoupled_block`` computes J_q this way.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, final

import numpy as np

from orchestrator.config.phase import JacobianConfig
from orchestrator.physics import fixed_linalg, measurement, pci
from orchestrator.physics.coherence import wrap
from orchestrator.physics.readings import TickReading
from orchestrator.physics.tick_io import QuantumRequest

__all__ = [
    "Evaluate",
    "JacobianEstimator",
    "JacobianSummary",
    "central_difference_jacobian",
    "reduced_map",
    "summarise",
    "uncoupled_block",
]

Evaluate = Callable[[Sequence[QuantumRequest]], list[np.ndarray]]
"""Statevectors (2^n,) after the tick's evolution of each request, in order, in one call."""


@final
@dataclass(frozen=True)
class JacobianSummary:
    """What the event records of J (see the module docstring); ``matrix``: J, (2n, 2n)."""

    matrix: np.ndarray
    det: float
    sign: int
    log_abs_det: float
    spectral_radius: float

    def fields(self) -> dict[str, Any]:
        """The FusionEvent fields (JSON-able; non-finite values as None)."""
        return {
            "jacobian_det": self.det if math.isfinite(self.det) else None,
            "jacobian_det_sign": self.sign,
            "jacobian_log_abs_det": (self.log_abs_det if math.isfinite(self.log_abs_det) else None),
            "jacobian_spectral_radius": self.spectral_radius,
        }


def summarise(matrix: np.ndarray) -> JacobianSummary:
    """det (via slogdet, so a large J neither overflows nor underflows silently), its sign,
    log |det| and the spectral radius max |eigvals| of a square ``matrix``.

    Computed by ``orchestrator.physics.fixed_linalg`` in plain floats, not LAPACK: these
    numbers go into the FusionEvent, and LAPACK's roundings depend on the BLAS kernel of the
    machine (issue 26)."""
    sign, logdet = fixed_linalg.slogdet(matrix)
    det = (
        float(sign * math.exp(logdet))
        if math.isfinite(logdet) and logdet < 700
        else (0.0 if sign == 0 else float(sign) * math.inf)
    )
    rho = fixed_linalg.spectral_radius(matrix)
    return JacobianSummary(matrix, det, int(sign), float(logdet), rho)


def reduced_map(statevector: np.ndarray, n: int, phasors: np.ndarray, gamma: float) -> np.ndarray:
    """Phi's value (theta', phi'), shape (2n,), from one evolved ``statevector`` (2^n,)."""
    bloch = measurement.bloch_exact(statevector, n)
    psi = pci.amplitudes_from_bloch(bloch)
    theta, phi = pci.preparation_angles(psi + gamma * phasors, bloch[:, 2])
    return np.concatenate([theta, phi])


def central_difference_jacobian(
    theta: np.ndarray,
    phi: np.ndarray,
    evaluate: Evaluate,
    phasors: np.ndarray,
    gamma: float,
    eps: float,
) -> np.ndarray:
    """J of Phi at x = (theta, phi) (each (n,), rad), shape (2n, 2n), by central differences
    of step ``eps`` (rad) over ONE ``evaluate`` call of 4n requests; phi rows wrapped."""
    x = np.concatenate([np.asarray(theta, float), np.asarray(phi, float)])
    n = x.size // 2
    requests = []
    for i in range(2 * n):
        for sign in (1.0, -1.0):
            y = x.copy()
            y[i] += sign * eps
            requests.append(QuantumRequest(theta=y[:n], phi=y[n:]))
    states = evaluate(requests)
    outputs = [reduced_map(sv, n, phasors, gamma) for sv in states]
    jac = np.empty((2 * n, 2 * n))
    for i in range(2 * n):
        diff = outputs[2 * i] - outputs[2 * i + 1]
        diff[n:] = wrap(diff[n:])
        jac[:, i] = diff / (2.0 * eps)
    return jac


def uncoupled_block(theta: float, phi: float, field: np.ndarray, time: float) -> np.ndarray:
    """The analytic 2 x 2 block J_q of one qubit under H_q = field . sigma for ``time``, gamma 0
    (module docstring); rows (theta', phi'), columns (theta, phi)."""
    h = np.asarray(field, dtype=float)
    norm = float(np.linalg.norm(h))
    rot = _rotation(h / norm, 2.0 * time * norm) if norm > 0 else np.eye(3)
    v = _bloch(theta, phi)
    w = rot @ v
    th2, ph2 = math.acos(max(-1.0, min(1.0, w[2]))), math.atan2(w[1], w[0])
    e_th, e_ph = _frame(theta, phi)
    f_th, f_ph = _frame(th2, ph2)
    s, s2 = math.sin(theta), math.sin(th2)
    return np.array(
        [
            [f_th @ rot @ e_th, s * (f_th @ rot @ e_ph)],
            [(f_ph @ rot @ e_th) / s2, s * (f_ph @ rot @ e_ph) / s2],
        ]
    )


def _bloch(theta: float, phi: float) -> np.ndarray:
    return np.array(
        [math.sin(theta) * math.cos(phi), math.sin(theta) * math.sin(phi), math.cos(theta)]
    )


def _frame(theta: float, phi: float) -> tuple[np.ndarray, np.ndarray]:
    e_th = np.array(
        [math.cos(theta) * math.cos(phi), math.cos(theta) * math.sin(phi), -math.sin(theta)]
    )
    return e_th, np.array([-math.sin(phi), math.cos(phi), 0.0])


def _rotation(axis: np.ndarray, angle: float) -> np.ndarray:
    """Rodrigues: the proper rotation by ``angle`` about the unit ``axis`` (right-handed)."""
    k = np.array([[0, -axis[2], axis[1]], [axis[2], 0, -axis[0]], [-axis[1], axis[0], 0]])
    return np.eye(3) + math.sin(angle) * k + (1 - math.cos(angle)) * (k @ k)


@final
class JacobianEstimator:
    """J every ``config.every`` ticks from a statevector ``evaluate`` (module docstring).

    close: releases what ``evaluate`` holds (its backend), called once by ``close()``.
    """

    def __init__(
        self, config: JacobianConfig, evaluate: Evaluate, close: Callable[[], None]
    ) -> None:
        self.config = config
        self.evaluate = evaluate
        self._close = close

    def due(self, tick: int) -> bool:
        """Whether J is computed at ``tick``."""
        return tick % self.config.every == 0

    def estimate(self, reading: TickReading) -> JacobianSummary:
        """J at the tick's own preparation, with its gamma and its spike phasors."""
        prep, coupling = reading.preparation, reading.coupling
        if prep is None or prep.theta is None or prep.phi is None or coupling is None:
            raise ValueError("the Jacobian needs the tick's angle preparation and coupling")
        jac = central_difference_jacobian(
            prep.theta,
            prep.phi,
            self.evaluate,
            reading.spikes.phasors,
            coupling.gamma,
            self.config.epsilon,
        )
        return summarise(jac)

    def close(self) -> None:
        self._close()
