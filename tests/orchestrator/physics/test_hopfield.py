"""Classical Hopfield network: couplings and recall against hand-worked cases and the energy."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from orchestrator.physics.hopfield import hebbian_couplings, hopfield_recall, spins


def test_couplings_of_one_pattern_are_its_outer_product_without_diagonal() -> None:
    s = np.array([1.0, -1.0, 1.0])
    np.testing.assert_array_equal(
        hebbian_couplings([[1, 0, 1]]), np.outer(s, s) - np.eye(3)
    )


def test_one_pattern_is_recalled_from_any_cue_within_a_third_of_its_bits() -> None:
    rng = np.random.default_rng(1)
    pattern = rng.integers(0, 2, 9).astype(np.uint8)
    j = hebbian_couplings(pattern[None, :])
    for flips in range(4):
        cue = pattern.copy()
        cue[rng.choice(9, flips, replace=False)] ^= 1
        np.testing.assert_array_equal(hopfield_recall(j, cue, rng), pattern)


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), p=st.integers(1, 4))
def test_recall_ends_at_a_fixed_point_no_higher_in_energy(seed, p) -> None:
    rng = np.random.default_rng(seed)
    j = hebbian_couplings(rng.integers(0, 2, (p, 8)))
    cue = rng.integers(0, 2, 8).astype(np.uint8)
    out = hopfield_recall(j, cue, rng)
    s = spins(out)
    energy = lambda x: -0.5 * x @ j @ x  # noqa: E731
    assert energy(s) <= energy(spins(cue)) + 1e-12
    h = j @ s
    assert np.all((h == 0) | (np.sign(h) == s))  # no unit wants to flip
