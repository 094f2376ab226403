"""Connectivity drawn as (pre, post, w) arrays, never as an N x N matrix (issue 10)."""

from __future__ import annotations

import numpy as np
import pytest

from orchestrator.config import load_config
from orchestrator.run import assemble
from orchestrator.run.assemble import build_network, draw_connectivity, draw_in_degree
from tests.paths import CONFIGS


def _dense_draw(n: int, p: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The draw as it was first written: the whole N x N matrix of uniforms at once."""
    mask = np.random.default_rng(seed).random((n, n)) < p
    np.fill_diagonal(mask, False)
    return np.nonzero(mask)


@pytest.mark.parametrize("block", [1 << 22, 64, 5])
@pytest.mark.parametrize(("n", "p"), [(1, 0.5), (13, 0.3), (257, 0.05)])
def test_blockwise_p_draw_is_the_whole_matrix_draw(n, p, block, monkeypatch) -> None:
    monkeypatch.setattr(assemble, "_CHUNK_VALUES", block)
    pre, post, w = draw_connectivity(n, p, 0.7, seed=3)
    want_pre, want_post = _dense_draw(n, p, 3)
    np.testing.assert_array_equal(pre, want_pre)
    np.testing.assert_array_equal(post, want_post)
    assert pre.dtype == post.dtype == np.int64 and np.all(w == 0.7)


@pytest.mark.parametrize(("n", "k"), [(2, 1), (11, 4), (11, 10), (300, 20), (1500, 100)])
def test_in_degree_gives_k_distinct_other_sources_to_every_neuron(n, k) -> None:
    pre, post, w = draw_in_degree(n, k, 0.5, seed=9)
    assert pre.size == post.size == w.size == n * k
    np.testing.assert_array_equal(np.bincount(post, minlength=n), np.full(n, k))
    assert not np.any(pre == post)
    assert pre.min() >= 0 and pre.max() < n
    assert np.unique(pre * n + post).size == n * k  # no repeated pair
    again = draw_in_degree(n, k, 0.5, seed=9)
    np.testing.assert_array_equal(again[0], pre)


def test_in_degree_sources_are_spread_uniformly() -> None:
    """Out-degrees of a uniform draw: mean k, variance about k (1 - k/(n-1))."""
    n, k = 2000, 50
    pre, _, _ = draw_in_degree(n, k, 1.0, seed=1)
    out = np.bincount(pre, minlength=n)
    assert out.mean() == k
    assert abs(out.var() / (k * (1 - k / (n - 1))) - 1) < 0.15


def test_in_degree_refuses_k_at_or_above_n() -> None:
    with pytest.raises(ValueError, match="needs 0 <= k < N"):
        draw_in_degree(5, 5, 1.0, seed=0)


def test_a_k_config_builds_its_network_and_hashes_apart_from_p() -> None:
    base = {"spiking.neurons": 200, "run.ticks": 2}
    k_cfg = load_config(CONFIGS / "demo.yaml", {**base, "spiking.recurrent": {"k": 7}})
    p_cfg = load_config(CONFIGS / "demo.yaml", base)
    net = build_network(k_cfg)
    np.testing.assert_array_equal(np.bincount(net.post, minlength=200), np.full(200, 7))
    assert k_cfg.config_hash() != p_cfg.config_hash()
    assert "k" not in p_cfg.resolved()["spiking"]["recurrent"]  # p configs hash as before
    assert "p" not in k_cfg.resolved()["spiking"]["recurrent"]
