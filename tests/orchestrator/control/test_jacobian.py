"""J_fusion (§13): the central-difference estimate against the analytic block-diagonal J of
uncoupled qubits (evolved with scipy's expm), det and spectral radius against numpy, and the
verdict on runs built to contract and to diverge (Aer statevector)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.linalg as la

from orchestrator.config.phase import JacobianConfig
from orchestrator.config.root import load_config_text
from orchestrator.config.sections import StabilityConfig
from orchestrator.control import jacobian as jb
from orchestrator.control.stability import StabilityState, assess_fusion
from orchestrator.physics.hamiltonian import PauliHamiltonian
from orchestrator.record.ledger import read_blocks
from orchestrator.run.runner import execute

FIELDS = np.array([[0.7, 0.0, 0.2], [0.0, -0.5, 0.4], [0.3, 0.6, -0.8]])  # h_q, per qubit


def exact_evaluate(h: PauliHamiltonian, time: float):
    u = la.expm(-1j * time * h.to_sparse().toarray())

    def evaluate(requests):
        out = []
        for r in requests:
            state = np.ones(1, dtype=complex)
            for q in range(len(r.theta)):  # qubit 0 least significant
                one = [math.cos(r.theta[q] / 2), np.exp(1j * r.phi[q]) * math.sin(r.theta[q] / 2)]
                state = np.kron(np.array(one), state)
            out.append(u @ state)
        return out

    return evaluate


def uncoupled_hamiltonian() -> PauliHamiltonian:
    terms = [(p, (q,), FIELDS[q, k]) for q in range(3) for k, p in enumerate("XYZ")]
    return PauliHamiltonian.from_terms(3, terms)


def test_uncoupled_qubits_give_the_analytic_block_diagonal_jacobian():
    theta, phi, t = np.array([0.7, 2.1, 1.2]), np.array([0.4, -2.5, 3.0]), 0.35
    rng = np.random.default_rng(0)
    phasors = 0.2 * np.exp(1j * rng.uniform(-3, 3, 3))  # ignored: gamma = 0
    jac = jb.central_difference_jacobian(
        theta, phi, exact_evaluate(uncoupled_hamiltonian(), t), phasors, 0.0, 1e-5
    )
    expected = np.zeros((6, 6))
    for q in range(3):
        block = jb.uncoupled_block(theta[q], phi[q], FIELDS[q], t)
        idx = [q, 3 + q]
        expected[np.ix_(idx, idx)] = block
    np.testing.assert_allclose(jac, expected, atol=2e-8)
    summary = jb.summarise(jac)
    # det J_q = sin(theta) / sin(theta') (area on the sphere is conserved)
    after = jb.reduced_map(
        exact_evaluate(uncoupled_hamiltonian(), t)([_req(theta, phi)])[0], 3, phasors, 0.0
    )
    assert summary.det == pytest.approx(np.prod(np.sin(theta) / np.sin(after[:3])), rel=1e-6)
    assert summary.sign == 1
    blocks = [expected[np.ix_([q, 3 + q], [q, 3 + q])] for q in range(3)]
    rho_blocks = max(np.abs(np.linalg.eigvals(b)).max() for b in blocks)
    assert summary.spectral_radius == pytest.approx(np.abs(np.linalg.eigvals(jac)).max())
    assert summary.spectral_radius == pytest.approx(rho_blocks, rel=1e-6)


def _req(theta, phi):
    from orchestrator.physics.tick_io import QuantumRequest

    return QuantumRequest(theta=theta, phi=phi)


def test_summary_of_a_singular_and_a_reflecting_matrix():
    singular = jb.summarise(np.diag([2.0, 0.0]))
    assert singular.det == 0.0 and singular.sign == 0
    assert singular.fields()["jacobian_log_abs_det"] is None
    flip = jb.summarise(np.array([[0.0, 3.0], [1.0, 0.0]]))
    assert flip.sign == -1 and flip.det == pytest.approx(-3.0)
    assert flip.spectral_radius == pytest.approx(math.sqrt(3.0))


def test_verdict_names_every_failed_criterion_and_triggers_after_patience():
    cfg = StabilityConfig(patience=2)
    jac = JacobianConfig(max_slope=0.0, max_spectral_radius=1.0)
    state = StabilityState((0.5,), 0)
    state, first, failed = assess_fusion(state, 0.6, -0.1, 1.5, cfg, jac)
    assert failed == ("jacobian_determinant", "jacobian_spectral_radius", "entropy_slope")
    assert not first.verdict.stable and first.verdict.trigger is None
    state, second, failed = assess_fusion(state, 0.55, 0.2, 1.2, cfg, jac)
    assert failed == ("jacobian_spectral_radius", "entropy_slope")  # 0.5, 0.6, 0.55 rises
    assert second.verdict.trigger == "jacobian_spectral_radius"
    _, third, failed = assess_fusion(StabilityState((0.5,), 0), 0.4, 0.2, 0.9, cfg, jac)
    assert failed == () and third.verdict.stable


RUN = """
hamiltonian: {{kind: tfim, n_qubits: 3, j: {j}, h: {h}}}
quantum: {{kind: aer, aer: {{method: statevector}}}}
spiking: {{kind: brian2, neurons: 6, tick_ms: 5.0}}
pci: {{gamma: 0.0, initial_theta: 1.2, drive_offset_mv: 15.0}}
trotter: {{order: 2, reps: 2, dt: {dt}}}
stability: {{patience: 2, window: 4}}
jacobian: {{every: 1, max_slope: 1.0, max_spectral_radius: 1.0}}
run: {{ticks: 6, seed: 2}}
"""


def _run(tmp_path, **params):
    config = load_config_text(RUN.format(**params), "jacobian-test")
    result = execute(config, tmp_path / "run", draw_report=False)
    events = [e for _, e, _ in read_blocks(result.run_dir / "ledger.sqlite")]
    return result, events


def test_a_contracting_configuration_is_judged_stable(tmp_path):
    result, events = _run(tmp_path, j=0.1, h=1.0, dt=0.1)
    ticks = [e for e in events if e["kind"] == "tick"]
    assert result.summary["reverts"] == 0
    assert all(e["jacobian_det"] > 0 and e["jacobian_spectral_radius"] < 1 for e in ticks)
    assert all(e["stable"] and e["stability_failed"] == [] for e in ticks)


def test_a_diverging_configuration_is_judged_unstable_and_rolled_back(tmp_path):
    result, events = _run(tmp_path, j=2.0, h=0.3, dt=0.5)
    reverts = [e for e in events if e["kind"] == "revert"]
    assert reverts and result.summary["reverts"] == len(reverts)
    triggers = {e["stability_trigger"] for e in events if e["kind"] == "tick"} - {None}
    assert triggers and triggers <= {"jacobian_determinant", "jacobian_spectral_radius"}
    assert all(e["reason"] in triggers for e in reverts)
