"""``rho`` (Def. 5.1) from the recursion of Lemma 5.2 against ``rho`` recovered from the weights,
and the structural facts of Lemma 5.2 / (B.10)."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from .simtest_support import assert_close, describe, problems, rho_index_of_label, sim_settings

import sim
from sim.engines.reference import rho_from_weights


@sim_settings(max_examples=15)
@given(pr=problems(steps=(20, 300)))
def test_rho_recursion_equals_least_squares_from_weights(pr):
    """Lemma 5.2's recursion (fast engine) gives the same ``rho`` as solving ``W(t) - W(0) = C X`` by
    least squares on the rebuilt ``W(t)``; and the pre-activations, which the fast engine updates
    separately through ``G = X X^T``, equal ``<w_{j,r}(t), x_i>`` from that ``W(t)``."""
    tr = sim.simulate(pr, "fast")
    X = pr.data.X
    for k in range(len(tr.steps)):
        W = tr.weights(k)
        assert_close(rho_from_weights(W, tr.W0, X), tr.rho[k], f"{describe(pr)}: rho at t={tr.steps[k]}",
                     scale=max(np.abs(tr.rho).max(), 1e-300))
        assert_close(W @ X.T, tr.preactivation[k], f"{describe(pr)}: Z at t={tr.steps[k]}",
                     scale=np.abs(tr.preactivation).max())


def _check_structure(tr: sim.Trajectory, tol: float = 0.0):
    y = tr.problem.data.y
    own = rho_index_of_label(y)  # j = y_i
    other = 1 - own  # j = -y_i
    i = np.arange(len(y))
    # (5.3): rho(0) = 0
    assert tr.steps[0] == 0 and np.all(tr.rho[0] == 0)
    # (B.10): rhounder_{y_i,r,i} = 0 and rhobar_{-y_i,r,i} = 0 at every t
    under_own = tr.rhounder[:, own, :, i]  # fancy indexing -> (n, K, m)
    bar_other = tr.rhobar[:, other, :, i]
    assert np.all(np.abs(under_own) <= tol), f"{tr.engine}: rhounder_(y_i) != 0: {under_own.min()}"
    assert np.all(np.abs(bar_other) <= tol), f"{tr.engine}: rhobar_(-y_i) != 0: {bar_other.max()}"
    # so rho_{y_i} is rhobar (>= 0, non-decreasing) and rho_{-y_i} is rhounder (<= 0, non-increasing)
    assert np.all(np.diff(tr.rho[:, own, :, i], axis=1) >= -tol)
    assert np.all(np.diff(tr.rho[:, other, :, i], axis=1) <= tol)
    # and rho = rhobar + rhounder
    assert np.array_equal(tr.rhobar + tr.rhounder, tr.rho)


@sim_settings(max_examples=15)
@given(pr=problems(steps=(20, 300)))
def test_rho_structure_lemma_5_2(pr):
    """Exactly on the coefficient-space engines (their updates have the sign ``j y_i`` by
    construction); up to least-squares round-off on the reference engine."""
    for engine in ("fast", "batched"):
        _check_structure(sim.simulate(pr, engine))
    ref = sim.simulate(pr, "reference")
    _check_structure(ref, tol=1e-10 * max(np.abs(ref.rho).max(), 1e-300))


@sim_settings(max_examples=8)
@given(pr=problems(steps=(20, 200), minibatch=True))
def test_rho_structure_minibatch(pr):
    """The same sign structure holds for mini-batch SGD (each step is (3.2) on a batch)."""
    _check_structure(sim.simulate(pr, "fast"))
