"""Estimators from samples and from exact states, against independent answers."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.config.hamiltonian import PauliConfig
from orchestrator.physics import measurement
from orchestrator.physics.hamiltonian import PauliHamiltonian
from tests.orchestrator.physics.test_hamiltonian import X, Y, Z, _op
from tests.orchestrator.physics.test_statevector import dense


def _random_state(n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=2**n) + 1j * rng.normal(size=2**n)
    return psi / np.linalg.norm(psi)


def test_bloch_exact_matches_dense_expectations() -> None:
    n = 4
    psi = _random_state(n, 1)
    got = measurement.bloch_exact(psi, n)
    for q in range(n):
        for k, p in enumerate((X, Y, Z)):
            exact = np.vdot(psi, _op(n, {q: p}) @ psi).real
            assert abs(got[q, k] - exact) < 1e-12


def test_bases_cover_every_term_and_group_mixed_ones() -> None:
    cfg = PauliConfig(
        kind="pauli",
        n_qubits=3,
        terms=[
            {"paulis": "ZZ", "qubits": [0, 1], "coeff": 1},
            {"paulis": "XZ", "qubits": [0, 1], "coeff": 1},
            {"paulis": "XZ", "qubits": [0, 2], "coeff": 1},
            {"paulis": "YX", "qubits": [0, 2], "coeff": 1},
        ],
    )
    h = cfg.build()
    bases = measurement.measurement_bases(h)
    assert bases[:3] == ("ZZZ", "XXX", "YYY")
    assert len(bases) == 5  # XZZ covers both XZ terms; YZX for the YX term
    for term in h.terms:
        assert any(all(b[q] == p for p, q in zip(term.paulis, term.qubits)) for b in bases)


def _sample(
    psi: np.ndarray, n: int, basis: str, shots: int, rng: np.random.Generator
) -> np.ndarray:
    """Independent sampler: rotate each qubit into its basis with dense matrices, then sample."""
    hadamard = np.array([[1, 1], [1, -1]]) / np.sqrt(2)
    sdg = np.diag([1, -1j])
    rot = {
        q: (hadamard if b == "X" else hadamard @ sdg if b == "Y" else np.eye(2))
        for q, b in enumerate(basis)
    }
    phi = _op(n, rot) @ psi
    idx = rng.choice(2**n, size=shots, p=np.abs(phi) ** 2 / np.sum(np.abs(phi) ** 2))
    return ((idx[:, None] >> np.arange(n)) & 1).astype(np.uint8)


def test_sample_estimates_agree_with_exact_within_shot_noise() -> None:
    n, shots = 3, 20000
    h = PauliConfig(
        kind="pauli",
        n_qubits=n,
        terms=[
            {"paulis": "ZZ", "qubits": [0, 1], "coeff": 0.7},
            {"paulis": "XZ", "qubits": [0, 2], "coeff": -1.1},
            {"paulis": "Y", "qubits": [1], "coeff": 0.4},
            {"paulis": "XX", "qubits": [1, 2], "coeff": 0.9},
        ],
    ).build()
    psi = _random_state(n, 7)
    rng = np.random.default_rng(0)
    bases = measurement.measurement_bases(h)
    samples = [_sample(psi, n, b, shots, rng) for b in bases]
    bloch = measurement.bloch_from_samples(samples)
    exact_bloch = measurement.bloch_exact(psi, n)
    sigma = np.sqrt((1 - exact_bloch**2) / shots)
    assert np.all(np.abs(bloch - exact_bloch) <= 5 * sigma + 1e-9)
    energy = measurement.energy_from_samples(h, bases, samples)
    exact_e = np.vdot(psi, dense(h) @ psi).real
    bound = 5 * np.sqrt(sum(t.coeff**2 for t in h.terms) / shots)
    assert abs(energy - exact_e) <= bound


def test_z_probabilities_are_the_observed_frequencies_in_outcome_order() -> None:
    """Against a count of the shots' bit rows by hand (Counter), over outcomes whose index
    reads bit q as qubit q; outcomes never seen are left out."""
    rng = np.random.default_rng(4)
    n, shots = 4, 500
    outcomes = rng.choice([0b0000, 0b0101, 0b1100, 0b1111], size=shots, p=[0.1, 0.2, 0.3, 0.4])
    samples = ((outcomes[:, None] >> np.arange(n)) & 1).astype(np.uint8)
    counts = Counter(sum(int(b) << q for q, b in enumerate(row)) for row in samples)
    expected = [counts[k] / shots for k in sorted(counts)]
    np.testing.assert_allclose(measurement.z_probabilities_from_samples(samples), expected)


def _flip(samples: np.ndarray, rates: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Independent readout errors: a 0 reads 1 with rates[q, 0], a 1 reads 0 with rates[q, 1]."""
    p = np.where(samples == 0, rates[:, 0], rates[:, 1])
    return (samples ^ (rng.random(samples.shape) < p)).astype(np.uint8)


def test_readout_correction_removes_the_bias_of_independent_readout_errors() -> None:
    """Noisy readout biases every estimate; the tensored correction is unbiased again."""
    n, shots = 3, 40000
    h = PauliConfig(
        kind="pauli",
        n_qubits=n,
        terms=[
            {"paulis": "ZZ", "qubits": [0, 1], "coeff": 0.7},
            {"paulis": "XZ", "qubits": [0, 2], "coeff": -1.1},
            {"paulis": "YYY", "qubits": [0, 1, 2], "coeff": 0.5},
        ],
    ).build()
    psi = _random_state(n, 3)
    rng = np.random.default_rng(5)
    bases = measurement.measurement_bases(h)
    rates = np.array([[0.02, 0.08], [0.05, 0.05], [0.10, 0.03]])
    readout = [rates] * len(bases)
    noisy = [_flip(_sample(psi, n, b, shots, rng), rates, rng) for b in bases]
    exact_bloch = measurement.bloch_exact(psi, n)
    exact_e = np.vdot(psi, dense(h) @ psi).real
    raw = measurement.bloch_from_samples(noisy)
    fixed = measurement.bloch_from_samples(noisy, readout)
    sigma = 1 / (0.87 * np.sqrt(shots))  # widened by 1/a_q, a_q >= 0.87
    assert np.all(np.abs(fixed - exact_bloch) <= 5 * sigma)
    assert np.abs(raw - exact_bloch).max() > 10 * sigma  # the bias it removed was real
    e_raw = measurement.energy_from_samples(h, bases, noisy)
    e_fixed = measurement.energy_from_samples(h, bases, noisy, readout)
    bound = 5 * np.sqrt(sum(t.coeff**2 for t in h.terms) / shots) / 0.87**3
    assert abs(e_fixed - exact_e) <= bound < abs(e_raw - exact_e)


def test_corrected_bloch_vectors_stay_physical() -> None:
    # |0> read perfectly, but rates claim 10% errors: the correction overshoots past |r| = 1
    samples = np.zeros((100, 1), dtype=np.uint8)
    rates = [np.array([[0.1, 0.1]])] * 3
    fixed = measurement.bloch_from_samples([samples, samples, samples], rates)
    assert np.isclose(np.linalg.norm(fixed[0]), 1.0)
    with pytest.raises(ValueError, match="P\\(1\\|0\\)"):
        measurement.readout_signs(samples, np.array([[0.6, 0.5]]))


def test_raw_shot_bloch_vectors_are_projected_onto_the_unit_ball() -> None:
    """All-zero bits in Z, X and Y: each component is +1, the raw vector has length sqrt(3);
    the nearest state along it is (1, 1, 1)/sqrt(3). A vector inside the ball is left alone."""
    shots = 64
    zeros = np.zeros((shots, 2), dtype=np.uint8)
    inside = np.zeros((shots, 2), dtype=np.uint8)
    inside[: shots // 2, 1] = 1  # qubit 1: <Z> = 0
    z = np.concatenate([zeros[:, :1], inside[:, 1:]], axis=1)
    x = np.concatenate([zeros[:, :1], inside[:, 1:]], axis=1)
    y = np.concatenate([zeros[:, :1], inside[:, 1:]], axis=1)
    bloch = measurement.bloch_from_samples([z, x, y])
    np.testing.assert_allclose(bloch[0], np.ones(3) / np.sqrt(3), atol=1e-15)
    np.testing.assert_array_equal(bloch[1], [0.0, 0.0, 0.0])


def test_psi_from_any_shot_estimate_is_at_most_one_half() -> None:
    from orchestrator.physics.pci import amplitudes_from_bloch

    rng = np.random.default_rng(5)
    for _ in range(50):
        samples = [rng.integers(0, 2, size=(8, 4), dtype=np.uint8) for _ in range(3)]
        samples[1][:, 0] = 0  # a qubit with <X> = 1 exactly and random <Y>, <Z>
        psi = amplitudes_from_bloch(measurement.bloch_from_samples(samples))
        assert np.all(np.abs(psi) <= 0.5 + 1e-15)


@pytest.mark.parametrize("n", [40, 64])
def test_z_probabilities_of_a_wide_register_never_enumerate_its_outcomes(n: int) -> None:
    # 2^40 or 2^64 outcomes: a histogram over all of them could not be allocated
    rng = np.random.default_rng(n)
    rows = rng.integers(0, 2, size=(3, n), dtype=np.uint8)
    samples = rows[rng.choice(3, size=300, p=[0.5, 0.3, 0.2])]
    counts = Counter(map(bytes, samples))
    expected = sorted(c / 300 for c in counts.values())
    assert sorted(measurement.z_probabilities_from_samples(samples)) == pytest.approx(expected)


def _bases_reference(h: PauliHamiltonian) -> tuple[str, ...]:
    """The greedy grouping written plainly (a dict per group): what the array version keeps."""
    n = h.n_qubits
    bases = ["Z" * n, "X" * n, "Y" * n]
    groups: list[dict[int, str]] = []
    for term in h.terms:
        read = (all(b[q] == p for p, q in zip(term.paulis, term.qubits)) for b in bases)
        if not term.paulis or any(read):
            continue
        for group in groups:
            if all(group.get(q, p) == p for p, q in zip(term.paulis, term.qubits)):
                group.update(zip(term.qubits, term.paulis))
                break
        else:
            groups.append(dict(zip(term.qubits, term.paulis)))
    return tuple(bases + ["".join(g.get(q, "Z") for q in range(n)) for g in groups])


@st.composite
def _random_hamiltonians(draw: st.DrawFn) -> PauliHamiltonian:
    n = draw(st.integers(1, 9))
    terms = []
    for _ in range(draw(st.integers(0, 40))):
        qubits = draw(st.lists(st.integers(0, n - 1), min_size=0, max_size=n, unique=True))
        letters = draw(st.text("XYZ", min_size=len(qubits), max_size=len(qubits)))
        terms.append((letters, qubits, 1.0))
    return PauliHamiltonian.from_terms(n, terms)


@settings(max_examples=200, deadline=None)
@given(_random_hamiltonians())
def test_measurement_bases_keep_the_greedy_grouping(h: PauliHamiltonian) -> None:
    """Issue 27: the grouping is computed on an array now; same bases, same order."""
    assert measurement.measurement_bases(h) == _bases_reference(h)
