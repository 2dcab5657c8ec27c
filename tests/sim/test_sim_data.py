"""Datasets report ``Rmin, Rmax, R, p`` correctly (Section 3), and a trajectory's derived quantities
(stable ranks through the Gram matrix, neuron norms, margins, loss) match direct computations on
``W(t)``."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from .simtest_support import datasets, problems, sim_settings

import sim


def _brute_force_p(X):
    n = len(X)
    return max((abs(float(X[i] @ X[k])) for i, k in itertools.permutations(range(n), 2)), default=0.0)


@sim_settings(max_examples=20)
@given(ds=datasets())
def test_reported_quantities_match_brute_force(ds):
    norms = [math.sqrt(float(x @ x)) for x in ds.X]
    assert ds.Rmin == pytest.approx(min(norms), rel=1e-14)
    assert ds.Rmax == pytest.approx(max(norms), rel=1e-14)
    assert ds.R == pytest.approx(max(norms) / min(norms), rel=1e-14)
    assert ds.p == pytest.approx(_brute_force_p(ds.X), rel=1e-12, abs=1e-15 * ds.Rmax**2)
    s = ds.summary()
    assert (s["n"], s["d"], s["n_pos"]) == (ds.n, ds.d, int((ds.y > 0).sum()))
    assert s["p"] == ds.p and s["Rmin"] == ds.Rmin and s["Rmax"] == ds.Rmax and s["R"] == ds.R


@sim_settings(max_examples=20)
@given(n=st.integers(2, 12), extra=st.integers(0, 20), frac=st.floats(0.0, 0.99),
       norms=st.one_of(st.none(), st.floats(0.1, 10.0)), seed=st.integers(0, 2**20))
def test_nearly_orthogonal_achieves_requested_p(n, extra, frac, norms, seed):
    """``nearly_orthogonal(n, d, p)`` has ``max_{i != k} |<x_i, x_k>| = p`` to 1e-12 (relative to
    ``Rmax^2``), norms as requested, ``d`` columns, balanced labels."""
    d = n + extra
    nrm = None if norms is None else np.linspace(norms, 2 * norms, n)
    rmin = 1.0 if nrm is None else norms
    p = frac * rmin**2 / (n - 1)
    ds = sim.nearly_orthogonal(n, d, p, norms=nrm, seed=seed)
    assert ds.X.shape == (n, d)
    assert abs(ds.p - p) <= 1e-12 * ds.Rmax**2
    assert ds.info["p_requested"] == p
    np.testing.assert_allclose(ds.norms, np.ones(n) if nrm is None else nrm, rtol=1e-12)
    assert int((ds.y > 0).sum()) == n // 2 + n % 2


@sim_settings(max_examples=15)
@given(n=st.integers(1, 12), extra=st.integers(0, 30), seed=st.integers(0, 2**20))
def test_orthogonal_and_standard_basis(n, extra, seed):
    d = n + extra
    ds = sim.orthogonal(n, d, norms=np.arange(1, n + 1), seed=seed)
    assert ds.p <= 1e-13 * ds.Rmax**2
    np.testing.assert_allclose(ds.norms, np.arange(1, n + 1), rtol=1e-13)
    sb = sim.standard_basis(n, d)
    assert sb.p == 0.0 and sb.Rmin == sb.Rmax == 1.0
    np.testing.assert_array_equal(sb.X, np.eye(n, d))


def test_gaussian_mixture_shape_and_labels():
    ds = sim.gaussian_mixture(10, 784, seed=0)
    assert ds.X.shape == (10, 784) and set(np.unique(ds.y)) <= {-1.0, 1.0}
    assert ds.info["sigma_p"] == 1.0 and ds.info["mu_var"] == 1e-4
    # ||x||^2 ~ d sigma_p^2 and |<x_i, x_k>| ~ sqrt(d): nearly orthogonal in the paper's sense
    assert 600 < ds.Rmin**2 and ds.Rmax**2 < 1000 and ds.p < 200


def test_digits_binary_loads():
    train, test = sim.digits_binary()
    assert train.n + test.n == 1797 and test.n == round(0.25 * 1797)
    assert train.d == test.d == 64
    for ds in (train, test):
        assert 0.0 <= ds.X.min() and ds.X.max() <= 1.0
        assert set(np.unique(ds.y)) == {-1.0, 1.0}
    small, _ = sim.digits_binary(n_train=40, seed=1)
    assert small.n == 40 and small.name == "digits-train"
    again, _ = sim.digits_binary(n_train=40, seed=1)
    np.testing.assert_array_equal(small.X, again.X)


# --- derived quantities of a trajectory ---------------------------------------------------------
def _svd_stable_rank(A):
    s = np.linalg.svd(A, compute_uv=False)
    return float((s**2).sum() / s[0] ** 2) if s[0] > 0 else float("nan")


@sim_settings(max_examples=15)
@given(pr=problems(steps=(20, 200)))
def test_derived_quantities_match_weights(pr):
    """Stable ranks (via the 2m x 2m Gram of ``W``), neuron norms, outputs, margins and loss equal
    the same quantities computed directly from ``W(t)`` (SVD, norms, eq. 3.1)."""
    tr = sim.simulate(pr, "fast")
    X, y, g = pr.data.X, pr.data.y, pr.gamma
    for k in range(len(tr.steps)):
        W = tr.weights(k)
        expect = [_svd_stable_rank(W[0]), _svd_stable_rank(W[1]), _svd_stable_rank(W.reshape(2 * pr.m, -1))]
        np.testing.assert_allclose(tr.stable_rank[k], expect, rtol=1e-9, err_msg=f"t={tr.steps[k]}")
        np.testing.assert_allclose(tr.neuron_norms[k], np.linalg.norm(W, axis=-1), rtol=1e-9,
                                   atol=1e-12 * np.abs(W).max())
        act = sim.sigma(W @ X.T, g)
        out = act[0].mean(0) - act[1].mean(0)
        scale = np.abs(W @ X.T).max()
        np.testing.assert_allclose(tr.output[k], out, rtol=0, atol=1e-12 * max(scale, 1e-300))
        np.testing.assert_allclose(tr.margins[k], y * out, rtol=0, atol=1e-12 * max(scale, 1e-300))
        np.testing.assert_allclose(tr.loss[k], np.mean(np.log1p(np.exp(-y * out))), rtol=1e-12)
    assert tr.activation_pattern.dtype == bool
    np.testing.assert_array_equal(tr.activation_pattern, tr.preactivation >= 0)
    for k, t in enumerate(tr.steps):
        assert tr.index(int(t)) == k
    with pytest.raises(KeyError):
        tr.index(pr.steps + 1)


def test_stable_rank_bounds_and_identity():
    """``1 <= SR(A) <= rank(A)``; ``SR = m`` for orthogonal rows of equal norm."""
    ds = sim.standard_basis(6)
    pr = sim.Problem(ds, m=3, eta=0.1, sigma0=1.0, steps=10, gamma=0.1)
    tr = sim.simulate(pr, "fast")
    assert np.all(tr.stable_rank[:, :2] >= 1 - 1e-12) and np.all(tr.stable_rank[:, :2] <= 3 + 1e-12)
    assert np.all(tr.stable_rank[:, 2] <= 6 + 1e-12)
    from sim.trajectory import stable_rank_from_gram

    assert stable_rank_from_gram(np.eye(4)) == pytest.approx(4.0)
    assert math.isnan(stable_rank_from_gram(np.zeros((3, 3))))


def test_log_checkpoints():
    ck = sim.log_checkpoints(10**6, 40)
    assert ck[0] == 0 and ck[-1] == 10**6 and ck[1] == 1 and np.all(np.diff(ck) > 0)
    assert 30 <= len(ck) <= 42
    assert list(sim.log_checkpoints(0, 40)) == [0]
    assert list(sim.log_checkpoints(1, 40)) == [0, 1]
    pr = sim.Problem(sim.standard_basis(2), m=1, eta=1.0, sigma0=0.0, steps=100, n_log=5,
                     extra_checkpoints=(37, 37, 99))
    assert {37, 99, 0, 100} <= set(pr.checkpoints.tolist())
    assert np.all(np.diff(pr.checkpoints) > 0)


def test_scalar_norms_broadcast_to_every_point():
    """``norms`` may be one number: every point gets it (kills a mutant of ``_norms``'s shape check)."""
    ds = sim.data.orthogonal(3, 5, norms=2.0, seed=1)
    np.testing.assert_allclose(ds.norms, [2.0, 2.0, 2.0], rtol=1e-12)
    np.testing.assert_allclose(sim.data.nearly_orthogonal(3, 5, 0.1, norms=1.5, seed=1).norms, 1.5, rtol=1e-12)


def test_nearly_orthogonal_off_diagonal_entries_spread_over_both_signs():
    """The off-diagonal Gram entries are uniform in [-p, p] (one pair at +-p): both signs and a
    spread of magnitudes, not all at one value (kills a mutant drawing them from [p, p])."""
    ds = sim.data.nearly_orthogonal(10, 20, 0.05, seed=3)
    off = ds.gram[np.triu_indices(10, 1)]
    assert (off > 0).sum() >= 5 and (off < 0).sum() >= 5
    assert off.std() > 0.01 and np.abs(off).max() == pytest.approx(0.05, rel=1e-9)
