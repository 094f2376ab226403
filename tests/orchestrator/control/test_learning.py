"""The learning rule (control/learning.py) in the loop: depth-1 QAOA on a ring of 8 reaches
the analytic optimum (expected cut fraction 3/4, Farhi-Goldstone-Gutmann 2014) from random
starts, on statevector exactly and on shots within shot noise; the loss parts and gradients
recorded per epoch are the exact ones."""

from __future__ import annotations

import itertools
import math
from functools import reduce

import numpy as np
import pytest
import scipy.linalg

from orchestrator.config import load_config
from orchestrator.config.learning import LearningConfig
from orchestrator.config.root import RunConfig
from orchestrator.control.learning import theta_sha256
from orchestrator.control.learning_batch import energy_bases, energy_hamiltonian
from orchestrator.physics.measurement import measurement_bases
from orchestrator.run.assemble import OpenBackends, open_backends, quantum_factory
from orchestrator.run.loop import FusionLoop
from orchestrator.run.rules import control_rules
from tests.conftest import ASSETS

CONFIG = ASSETS.parent.parent / "configs" / "qaoa_ring8.yaml"
N = 8
_X = np.array([[0, 1], [1, 0]], dtype=complex)
# H_C = sum_i Z_i Z_{i+1} on the ring, diagonal: z-bits of each basis index
_BITS = (np.arange(2**N)[:, None] >> np.arange(N)) & 1
_SIGNS = 1 - 2 * _BITS
_COST = np.sum(_SIGNS * np.roll(_SIGNS, -1, axis=1), axis=1).astype(float)


def exact_cost(gamma: float, beta: float) -> tuple[float, float]:
    """(<H_C>, Var H_C) of exp(-i beta B') exp(-i gamma H_C) |+>^8, B' = -sum X (the config's
    driver terms), by scipy.linalg.expm (one 2x2 per qubit: the X terms commute)."""
    state = np.exp(-1j * gamma * _COST) / 2 ** (N / 2)  # expm of a diagonal H_C
    one = scipy.linalg.expm(-1j * beta * (-_X))
    state = reduce(np.kron, [one] * N) @ state
    p = np.abs(state) ** 2
    mean = float(p @ _COST)
    return mean, float(p @ _COST**2 - mean**2)


def cut_fraction(energy: float) -> float:
    return (1 - energy / N) / 2


def _with(cfg: RunConfig, **learning) -> RunConfig:
    assert cfg.learning is not None
    return cfg.model_copy(update={"learning": cfg.learning.model_copy(update=learning)})


def _train(cfg: RunConfig, backends: OpenBackends, start, epochs: int) -> list[dict]:
    config = _with(cfg, initial_angles=[tuple(start)])
    rules = control_rules(config, backends.quantum, quantum_factory(config))
    loop = FusionLoop(config, backends.quantum, backends.spiking, rules)
    return [loop.step().fields["learning"] for _ in range(epochs)]


def test_the_reference_optimum_is_three_quarters() -> None:
    """The test's own reference, on a grid: max cut fraction of depth-1 QAOA on the ring."""
    grid = np.linspace(0, math.pi / 2, 61)
    states = np.exp(-1j * np.outer(_COST, grid)) / 2 ** (N / 2)  # one column per gamma
    best = 0.0
    for beta in grid:
        one = scipy.linalg.expm(-1j * beta * (-_X))
        evolved = reduce(np.kron, [one] * N) @ states
        best = max(best, float(np.max(cut_fraction(_COST @ np.abs(evolved) ** 2))))
    assert best == pytest.approx(0.75, abs=2e-3)
    assert cut_fraction(exact_cost(math.pi / 8, math.pi / 8)[0]) == pytest.approx(0.75, abs=1e-12)


@pytest.fixture(scope="module")
def statevector_backends():
    cfg = load_config(CONFIG)
    backends = open_backends(cfg)
    yield cfg, backends
    backends.spiking.close()
    backends.quantum.close()


def _check_statevector_training(cfg, backends, start, epochs: int = 60) -> None:
    history = _train(cfg, backends, start, epochs)
    assert history[0]["loss"]["energy"] == pytest.approx(exact_cost(*start)[0], abs=1e-9)
    # the recorded energy of epoch e is the exact one at the angles epoch e-1 left
    for before, after in itertools.pairwise(history):
        expected = exact_cost(*before["theta"])[0]
        assert after["loss"]["energy"] == pytest.approx(expected, abs=1e-9)
        assert before["theta_sha256"] == theta_sha256(np.array(before["theta"]))
    energy, _ = exact_cost(*history[-1]["theta"])
    # stated tolerance: the expected cut fraction of the final angles within 2e-3 of 3/4
    assert cut_fraction(energy) == pytest.approx(0.75, abs=2e-3)
    assert [e["epoch"] for e in history] == list(range(epochs))


def test_qaoa_ring8_statevector_reaches_three_quarters_from_a_random_start(
    statevector_backends,
) -> None:
    cfg, backends = statevector_backends
    start = np.random.default_rng(12).uniform(0.05, 1.5, 2)
    _check_statevector_training(cfg, backends, start)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(5))
def test_qaoa_ring8_statevector_from_more_random_starts(statevector_backends, seed) -> None:
    cfg, backends = statevector_backends
    start = np.random.default_rng(100 + seed).uniform(0.05, 1.5, 2)
    _check_statevector_training(cfg, backends, start)


def _check_shots_training(start, epochs: int, shots: int, tolerance: float) -> None:
    cfg = load_config(CONFIG, {"quantum.aer.method": "automatic", "quantum.shots": shots})
    backends = open_backends(cfg)
    try:
        history = _train(cfg, backends, start, epochs)
    finally:
        backends.spiking.close()
        backends.quantum.close()
    # within shot noise: the measured energies of the last 10 epochs against the exact ones
    # at the same angles, as one z-score (|z| <= 4: false alarm 6e-5 under the normal limit)
    z = []
    for before, after in zip(history[-11:], history[-10:]):
        mean, var = exact_cost(*before["theta"])
        z.append((after["loss"]["energy"] - mean) / math.sqrt(var / shots))
    assert abs(sum(z) / math.sqrt(len(z))) <= 4.0
    energy, _ = exact_cost(*history[-1]["theta"])
    assert cut_fraction(energy) == pytest.approx(0.75, abs=tolerance)


def test_qaoa_ring8_on_shots_reaches_three_quarters_within_shot_noise() -> None:
    """Small default case: a start near the optimum, 15 epochs of 512 shots."""
    _check_shots_training((0.3, 0.5), epochs=15, shots=512, tolerance=5e-3)


@pytest.mark.slow
@pytest.mark.parametrize("seed", range(3))
def test_qaoa_ring8_on_shots_from_random_starts(seed) -> None:
    start = np.random.default_rng(200 + seed).uniform(0.05, 1.5, 2)
    _check_shots_training(start, epochs=60, shots=1024, tolerance=3e-3)


def test_learning_section_absent_changes_nothing() -> None:
    cfg = load_config(ASSETS / "small.yaml")
    assert cfg.learning is None and "learning" not in cfg.resolved()
    assert LearningConfig(params=["angles"]).start_angles(0.3).tolist() == [[0.3, 0.3]]


def test_energy_bases_are_the_bases_the_energy_is_read_from() -> None:
    cfg = load_config(CONFIG)
    h = cfg.build_hamiltonian()
    bases = measurement_bases(h)
    assert bases[:3] == ("Z" * N, "X" * N, "Y" * N)
    assert energy_bases(energy_hamiltonian(h, "cost"), bases) == ("Z" * N,)
    assert energy_bases(energy_hamiltonian(h, "all"), bases) == ("Z" * N, "X" * N)


def test_on_shots_an_energy_only_epoch_runs_on_its_own_z_basis_instance() -> None:
    """lambda_N = lambda_P = 0: the batch measures Z^n only (1 circuit a preparation, not 3);
    with a neural loss the batch goes to the run's own backend (Z, X, Y)."""
    cfg = load_config(CONFIG, {"quantum.aer.method": "automatic", "quantum.shots": 64})
    neural = _with(cfg, loss=cfg.learning.loss.model_copy(update={"neural": 0.5}))
    backends = open_backends(cfg)
    try:
        for config, bases, owned in ((cfg, ("Z" * N,), True), (neural, None, False)):
            rules = control_rules(config, backends.quantum, quantum_factory(config))
            rule = next(r for r in rules if r.name == "learning")
            try:
                assert rule.owns_backend is owned
                assert rule.quantum.program.bases == (bases or backends.quantum.program.bases)
            finally:
                rule.close()
        history = _train(cfg, backends, (0.3, 0.5), 2)
    finally:
        backends.spiking.close()
        backends.quantum.close()
    norms = history[-1]["grad_norm"]
    assert norms["neural"] is None and norms["phase"] is None  # not measured
    assert norms["quantum"] > 0 and norms["fused"] == norms["quantum"]


def test_on_statevector_an_energy_only_epoch_still_reports_every_part(
    statevector_backends,
) -> None:
    """Exact amplitudes give dpsi/da for free: the neural and phase norms are measured."""
    cfg, backends = statevector_backends
    norms = _train(cfg, backends, (0.3, 0.5), 1)[-1]["grad_norm"]
    assert all(isinstance(norms[k], float) for k in ("quantum", "neural", "phase", "fused"))
