"""All engines run the same gradient descent (3.2): identical trajectories to round-off.

The reference engine works with full weights and autograd and recovers ``rho`` from ``W(t) - W(0)``
by least squares; the fast and batched engines run the recursion of Lemma 5.2 in coefficient space.
Their agreement on random problems is the main evidence that the fast engines are right.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note
from hypothesis import strategies as st
from .simtest_support import (assert_trajectories_close, datasets, describe, problems,
                             sim_settings)

import sim

ENGINES = ("reference", "fast", "event", "batched")


def _all_engines(pr: sim.Problem) -> dict[str, sim.Trajectory]:
    return {e: sim.simulate(pr, e) for e in ENGINES}


@sim_settings(max_examples=15)
@given(pr=problems())
def test_engines_agree_full_batch(pr):
    """Reference, fast and batched engines: same rho, pre-activations, margins, loss, stable ranks."""
    runs = _all_engines(pr)
    assert_trajectories_close(runs["fast"], runs["reference"], label=describe(pr))
    assert_trajectories_close(runs["batched"], runs["reference"], label=describe(pr))
    assert_trajectories_close(runs["batched"], runs["fast"], label=describe(pr))
    assert_trajectories_close(runs["event"], runs["reference"], label=describe(pr))


@sim_settings(max_examples=10)
@given(pr=problems(minibatch=True, steps=(20, 200)))
def test_engines_agree_minibatch_sgd(pr):
    """Mini-batch SGD (batch_size < n, batches from a per-epoch permutation): engines agree."""
    runs = _all_engines(pr)
    assert_trajectories_close(runs["fast"], runs["reference"], label=describe(pr))
    assert_trajectories_close(runs["batched"], runs["fast"], label=describe(pr))


@sim_settings(max_examples=10)
@given(pr=problems(data=datasets(kinds=("standard_basis", "orthogonal")), sigma0_zero=True))
def test_engines_agree_exactly_orthogonal_sigma0_zero(pr):
    """Exactly orthogonal data and ``W(0) = 0``: every pre-activation starts exactly at 0, so the
    convention ``sigma'(0) = 1`` decides the first step. The engines must agree here too."""
    runs = _all_engines(pr)
    for e in ("fast", "event", "batched"):
        assert_trajectories_close(runs[e], runs["reference"], label=describe(pr))


@pytest.mark.parametrize("gamma", [0.0, 0.3])
@pytest.mark.parametrize("engine", ENGINES)
def test_sigma_prime_at_zero_is_one(engine, gamma):
    """``sigma'(0) = 1`` (Section 3): with ``sigma0 = 0`` on the standard basis, after one step every
    neuron, of both signs ``j = +1`` and ``j = -1``, has moved along every ``x_i``, by exactly
    ``rho_{j,r,i}(1) = (eta / (n m)) (1/2) j y_i ||x_i||^2`` (``l'(0) = -1/2``). An implementation with
    ``sigma'(0) = 0`` (torch's ``relu``) would not move at all."""
    n, m, eta = 4, 3, 0.7
    ds = sim.standard_basis(n, 6)
    pr = sim.Problem(ds, m=m, eta=eta, sigma0=0.0, steps=1, gamma=gamma)
    tr = sim.simulate(pr, engine)
    jsign = np.array([1.0, -1.0])[:, None, None]
    expected = (eta / (n * m)) * 0.5 * jsign * ds.y[None, None, :] * np.ones((2, m, n))
    np.testing.assert_allclose(tr.rho[tr.index(1)], expected, rtol=1e-14, atol=0)
    moved = tr.weights(tr.index(1)) - tr.weights(0)  # (2, m, d)
    along = moved @ ds.X.T  # component along each x_i = e_i
    assert np.all(along != 0), f"{engine}: some neuron did not move along some x_i: {along}"
    assert np.all(np.sign(along) == np.sign(jsign * ds.y[None, None, :]))


def test_torch_relu_would_not_move():
    """Control for the test above: torch's own ReLU has derivative 0 at 0, so a naive autograd loop
    leaves ``W = 0`` where it is. This is why every engine uses :mod:`sim.activation`."""
    import torch

    W = torch.zeros(2, 3, 4, dtype=torch.float64, requires_grad=True)
    X = torch.eye(4, dtype=torch.float64)
    y = torch.tensor([1.0, 1.0, -1.0, -1.0], dtype=torch.float64)
    f = torch.relu(W[0] @ X.T).mean(0) - torch.relu(W[1] @ X.T).mean(0)
    loss = torch.logaddexp(torch.zeros_like(f), -y * f).mean()
    (g,) = torch.autograd.grad(loss, W)
    assert torch.all(g == 0)
    # ... and sim.activation's sigma gives the paper's sigma'(0) = 1 under autograd
    f = sim.sigma(W[0] @ X.T, 0.0).mean(0) - sim.sigma(W[1] @ X.T, 0.0).mean(0)
    loss = torch.logaddexp(torch.zeros_like(f), -y * f).mean()
    (g,) = torch.autograd.grad(loss, W)
    assert torch.all(g != 0)


def test_zero_steps_and_single_point():
    """Edge cases: a horizon of 0 steps (only ``t = 0`` recorded) and ``n = 1``."""
    ds = sim.orthogonal(1, 3, seed=1)
    for steps in (0, 5):
        pr = sim.Problem(ds, m=2, eta=0.5, sigma0=0.1, steps=steps, gamma=0.2, seed=3)
        runs = _all_engines(pr)
        for e in ("fast", "event", "batched"):
            assert_trajectories_close(runs[e], runs["reference"])
        assert runs["fast"].steps[-1] == steps


# --- (c) batched over seeds = one run per seed ---------------------------------------------------
@sim_settings(max_examples=10)
@given(pr=problems(steps=(20, 300), minibatch=False),
       seeds=st.lists(st.integers(0, 2**20), min_size=1, max_size=5, unique=True),
       minibatch=st.booleans())
def test_batched_over_seeds_equals_per_seed_fast_runs(pr, seeds, minibatch):
    """``simulate(problem, "batched", seeds=...)`` returns, for each seed, the run that the fast
    engine gives for that seed alone (and ``W(0)`` is ``problem.init_weights(seed)``)."""
    if minibatch and pr.n > 1:
        pr = pr.replace(batch_size=max(1, pr.n // 2))
    note(describe(pr))
    batched = sim.simulate(pr, "batched", seeds=seeds)
    fast_list = sim.simulate(pr, "fast", seeds=seeds)
    assert len(batched) == len(seeds) == len(fast_list)
    for s, tb, tf in zip(seeds, batched, fast_list):
        assert tb.seed == s and tf.seed == s
        assert np.array_equal(tb.W0, pr.init_weights(s))
        single = sim.simulate(pr.replace(seed=s), "fast")
        assert np.array_equal(single.rho, tf.rho) and np.array_equal(single.preactivation, tf.preactivation)
        assert_trajectories_close(tb, tf, label=f"seed {s}")


def test_seeds_on_reference_engine_run_one_at_a_time():
    ds = sim.nearly_orthogonal(3, 5, p=0.1, seed=2)
    pr = sim.Problem(ds, m=2, eta=0.3, sigma0=0.2, steps=30, gamma=0.1)
    refs = sim.simulate(pr, "reference", seeds=[4, 9])
    for s, tr in zip((4, 9), refs):
        assert tr.seed == s
        assert_trajectories_close(sim.simulate(pr.replace(seed=s), "fast"), tr)


def test_numpy_integer_seeds_are_accepted():
    """``seeds=np.arange(k)`` works like a list of ints (numpy integers were once refused)."""
    ds = sim.orthogonal(3, 4, seed=0)
    pr = sim.Problem(ds, m=2, eta=0.3, sigma0=0.1, steps=15)
    for engine in ENGINES:
        runs = sim.simulate(pr, engine, seeds=np.arange(2, 4))
        assert [t.seed for t in runs] == [2, 3] and all(type(t.seed) is int for t in runs)


def test_progress_called_at_every_checkpoint():
    pr = sim.Problem(sim.standard_basis(3), m=2, eta=0.3, sigma0=0.1, steps=50, n_log=6)
    for engine in ENGINES:
        seen = []
        sim.simulate(pr, engine, progress=lambda t, steps: seen.append((t, steps)))
        assert seen == [(int(c), 50) for c in pr.checkpoints]
