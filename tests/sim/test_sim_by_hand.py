"""Tiny problems checked against numbers worked out by hand from eq. (3.1)-(3.2).

Setting: ``n = 2``, ``d = 2``, ``m = 1``, ``x_1 = e_1`` (``y_1 = +1``), ``x_2 = e_2`` (``y_2 = -1``),
``W(0) = 0`` (``sigma0 = 0``), ``eta = 1``, leaky slope ``gamma`` (0 is ReLU).

Step 0: every pre-activation is 0, so ``f = 0``, ``l'(0) = -1/2`` and ``sigma'(0) = 1``:
``w_j(1) = w_j(0) - (eta / (n m)) sum_i l'_i sigma'(0) j y_i x_i = (1/4) j (e_1 - e_2)``, i.e.
``w_{+1}(1) = (1/4, -1/4)``, ``w_{-1}(1) = (-1/4, 1/4)``.

Step 1: ``f(x_1) = sigma(1/4) - sigma(-1/4) = (1 + gamma)/4`` and ``f(x_2) = -(1 + gamma)/4``, so both
margins are ``u = (1 + gamma)/4`` and ``l'_i = -1/(1 + e^u)``. With ``a = 1/(2 (1 + e^u))``:
``w_{+1}(2) = (1/4 + a, -1/4 - gamma a)``, ``w_{-1}(2) = (-1/4 - gamma a, 1/4 + a)``, and both margins
at ``t = 2`` are ``1/4 + a + gamma (1/4 + gamma a)``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import sim


def _problem(gamma: float, steps: int = 2) -> sim.Problem:
    ds = sim.Dataset(np.eye(2), np.array([1.0, -1.0]), name="hand")
    return sim.Problem(ds, m=1, eta=1.0, sigma0=0.0, steps=steps, gamma=gamma, extra_checkpoints=(1, 2))


def _by_hand(gamma: float):
    u = (1 + gamma) / 4
    a = 1 / (2 * (1 + math.exp(u)))
    W1 = np.array([[[0.25, -0.25]], [[-0.25, 0.25]]])
    W2 = np.array([[[0.25 + a, -0.25 - gamma * a]], [[-0.25 - gamma * a, 0.25 + a]]])
    margin2 = 0.25 + a + gamma * (0.25 + gamma * a)
    loss = [math.log(2.0), math.log1p(math.exp(-u)), math.log1p(math.exp(-margin2))]
    return W1, W2, u, margin2, loss


@pytest.mark.parametrize("gamma", [0.0, 0.5])
@pytest.mark.parametrize("engine", ["reference", "fast", "batched"])
def test_two_steps_by_hand(engine, gamma):
    tr = sim.simulate(_problem(gamma), engine)
    W1, W2, u, margin2, loss = _by_hand(gamma)
    assert list(tr.steps) == [0, 1, 2]
    np.testing.assert_array_equal(tr.weights(0), np.zeros((2, 1, 2)))
    np.testing.assert_allclose(tr.weights(1), W1, rtol=0, atol=1e-15)
    np.testing.assert_allclose(tr.weights(2), W2, rtol=0, atol=1e-15)
    # ||x_i|| = 1, so rho = C = the coordinates of W(t) - W(0) on e_1, e_2 (Def. 5.1)
    np.testing.assert_allclose(tr.rho[2], W2, rtol=0, atol=1e-15)
    np.testing.assert_allclose(tr.margins, [[0, 0], [u, u], [margin2, margin2]], rtol=0, atol=1e-15)
    np.testing.assert_allclose(tr.loss, loss, rtol=1e-14)
    # stable ranks: W_{+1}, W_{-1} are single rows (SR = 1); W = [w_+; w_-] at t = 1 is rank one
    np.testing.assert_allclose(tr.stable_rank[1:, :2], 1.0, rtol=1e-14)
    np.testing.assert_allclose(tr.stable_rank[1, 2], 1.0, rtol=1e-14)
    assert np.all(np.isnan(tr.stable_rank[0]))  # W(0) = 0: SR undefined, reported as NaN


def test_one_gd_step_by_hand_random_init():
    """One step of (3.2) written out in numpy for a generic init (``W(0)`` from the seed) and
    non-orthogonal data, against every engine."""
    X = np.array([[1.0, 0.5, -0.25], [0.2, -1.0, 0.75]])
    y = np.array([-1.0, 1.0])
    gamma, eta, m, n = 0.2, 0.3, 3, 2
    pr = sim.Problem(sim.Dataset(X, y), m=m, eta=eta, sigma0=0.5, steps=1, gamma=gamma, seed=11)
    W0 = pr.init_weights()
    np.testing.assert_array_equal(W0, np.random.default_rng(11).standard_normal((2, m, 3)) * 0.5)
    Z = W0 @ X.T  # (2, m, n)
    act = np.where(Z >= 0, Z, gamma * Z)
    f = act[0].mean(0) - act[1].mean(0)
    lprime = -1 / (1 + np.exp(y * f))
    sp = np.where(Z >= 0, 1.0, gamma)
    W1 = W0.copy()
    for j, js in enumerate((1.0, -1.0)):
        for r in range(m):
            W1[j, r] -= eta / (n * m) * sum(lprime[i] * sp[j, r, i] * js * y[i] * X[i] for i in range(n))
    for engine in ("reference", "fast", "batched"):
        tr = sim.simulate(pr, engine)
        np.testing.assert_allclose(tr.weights(1), W1, rtol=0, atol=1e-14)
        np.testing.assert_allclose(tr.preactivation[1], W1 @ X.T, rtol=0, atol=1e-14)


def test_linear_separable_loss_decreases_relu_and_leaky():
    """Sanity: on the standard basis, GD drives the training loss down monotonically."""
    for gamma in (0.0, 0.1):
        pr = sim.Problem(sim.standard_basis(4), m=2, eta=1.0, sigma0=0.01, steps=1000, gamma=gamma)
        tr = sim.simulate(pr, "fast")
        assert np.all(np.diff(tr.loss) <= 0) and tr.loss[-1] < 0.3 * tr.loss[0]
