"""Running quantities (:mod:`sim.running`): every engine folds in every state ``0..steps``, not only
the checkpoints, and agrees with the reference engine, which computes them by brute force at
every step from its own weights (``Z = W X^T``, ``rho`` by least squares).

Contract: ``last_wrong_sign``, ``switches`` and ``last_switch`` are identical on every engine;
``min_preact_S0`` and ``balance`` are exact on the per-step engines (fast, batched) and rigorous
lower bounds on the event engine, whose ``*_attained`` values are upper bounds, so the reference's
exact value lies in ``[value, attained]``.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

import sim
from sim import running

from .simtest_support import describe, problems, sim_settings

EXACT = ("last_wrong_sign", "switches", "last_switch")
BOUNDED = ("min_preact_S0", "balance")


def _tol(x):
    return 1e-9 * np.abs(np.where(np.isfinite(x), x, 0.0)) + 1e-13


def assert_running_matches(tr: sim.Trajectory, ref: sim.Trajectory, exact_values: bool, label=""):
    a, r = tr.running, ref.running
    assert sorted(a) == sorted(running.KEYS)
    for q in (a, r):  # the contract's dtypes (a saved trajectory is refused otherwise)
        for k in running.KEYS:
            assert q[k].dtype == (np.int64 if k in running.INT_KEYS else np.float64), (k, q[k].dtype)
    for k in EXACT:
        assert np.array_equal(a[k], r[k]), (f"{tr.engine} {k} differs from the reference at "
                                            f"{np.argwhere(a[k] != r[k])[:5].tolist()}; {label}")
    for k in BOUNDED:
        lo, att, true = a[k], a[k + "_attained"], r[k]
        same_inf = np.isinf(true) & np.isinf(lo) & np.isinf(att)
        fin = ~same_inf
        assert not (np.isinf(true) ^ np.isinf(att)).any(), f"{tr.engine} {k}: {att} vs {true}; {label}"
        assert np.all(lo[fin] <= true[fin] + _tol(true[fin])), f"{tr.engine} {k} {lo} > exact {true}; {label}"
        assert np.all(true[fin] <= att[fin] + _tol(true[fin])), f"{tr.engine} {k} attained {att} < exact {true}; {label}"
        if exact_values:
            np.testing.assert_allclose(lo[fin], true[fin], rtol=1e-9, atol=1e-13, err_msg=f"{tr.engine} {k}")
            np.testing.assert_array_equal(lo, att)


@sim_settings(max_examples=12)
@given(pr=problems(sigma0_zero=False, steps=(20, 600)))
def test_running_quantities_match_reference(pr):
    """Random problems (ReLU and leaky, full batch): every engine against the brute-force reference."""
    ref = sim.simulate(pr, "reference")
    for e in ("fast", "event", "batched"):
        assert_running_matches(sim.simulate(pr, e), ref, exact_values=e != "event", label=describe(pr))


@sim_settings(max_examples=5)
@given(pr=problems(sigma0_zero=False, minibatch=True, steps=(20, 200)))
def test_running_quantities_match_reference_minibatch(pr):
    ref = sim.simulate(pr, "reference")
    for e in ("fast", "event", "batched"):
        assert_running_matches(sim.simulate(pr, e), ref, exact_values=True, label=describe(pr))


@pytest.mark.parametrize("gamma", [0.0, 0.2])
def test_running_quantities_long_run_event_windows(gamma):
    """3000 steps on nearly-orthogonal data: most of the event engine's steps run in reduced windows,
    where switches and wrong signs must still be exact and the bounds must bracket the truth."""
    # ReLU chatters on nearly-orthogonal data (per-step kernel); on orthogonal data its pattern freezes
    ds = sim.orthogonal(6, 40, seed=1) if gamma == 0 else sim.nearly_orthogonal(6, 40, p=0.05, seed=1)
    pr = sim.Problem(ds, m=5, eta=0.5, sigma0=0.05, steps=3000, gamma=gamma, seed=1)
    ref = sim.simulate(pr, "reference")
    ev = sim.simulate(pr, "event")
    assert ev.info["reduced_steps"] > 2000, ev.info
    assert_running_matches(ev, ref, exact_values=False)
    assert_running_matches(sim.simulate(pr, "fast"), ref, exact_values=True)
    assert ref.running["switches"].sum() > 0  # the run does switch, so the counts are tested
    assert (ref.running["last_wrong_sign"] > 0).any()


def test_running_quantities_brute_force_by_hand():
    """The definitions themselves, recomputed from the reference's checkpoints on a run where every
    step is a checkpoint."""
    ds = sim.nearly_orthogonal(4, 10, p=0.1, seed=0)
    steps = 60
    pr = sim.Problem(ds, m=3, eta=0.8, sigma0=0.3, steps=steps, gamma=0.0, seed=5,
                     extra_checkpoints=tuple(range(steps + 1)))
    tr = sim.simulate(pr, "fast")
    Z, rho, y = tr.preactivation, tr.rho, ds.y
    jy = np.array([1.0, -1.0])[:, None, None] * y[None, None, :]
    pat = Z >= 0
    wrong = pat != (jy > 0)
    last_wrong = np.where(wrong.any(0), steps - np.argmax(wrong[::-1], axis=0), -1)
    sw = pat[1:] != pat[:-1]
    S0 = (jy > 0) & (Z[0] >= 0)
    minpre = np.where(S0[None], Z, np.inf).min(axis=(0, 1, 2))
    S = np.abs(rho).sum(2)  # (K, 2, n)
    bal = np.full((2, 2), np.inf)
    for k in range(len(S)):
        for j in range(2):
            for jj in range(2):
                if S[k, jj].max() > 0:
                    bal[j, jj] = min(bal[j, jj], S[k, j].min() / S[k, jj].max())
    r = tr.running
    np.testing.assert_array_equal(r["last_wrong_sign"], last_wrong)
    np.testing.assert_array_equal(r["switches"], sw.sum(0))
    np.testing.assert_array_equal(r["last_switch"], np.where(sw.any(0), steps - np.argmax(sw[::-1], axis=0), -1))
    np.testing.assert_allclose(r["min_preact_S0"], minpre, rtol=1e-12)
    np.testing.assert_allclose(r["balance"], bal, rtol=1e-12)


def test_running_quantities_saved_and_loaded(tmp_path):
    ds = sim.nearly_orthogonal(4, 10, p=0.1, seed=0)
    tr = sim.simulate(sim.Problem(ds, m=3, eta=0.8, sigma0=0.3, steps=300, gamma=0.1, seed=5))
    tr.save(tmp_path / "t.npz")
    back = sim.Trajectory.load(tmp_path / "t.npz")
    assert sorted(back.running) == sorted(running.KEYS)
    for k in running.KEYS:
        np.testing.assert_array_equal(back.running[k], tr.running[k])
        assert back.running[k].dtype == tr.running[k].dtype


def test_running_quantities_bad_file(tmp_path):
    ds = sim.nearly_orthogonal(4, 10, p=0.1, seed=0)
    tr = sim.simulate(sim.Problem(ds, m=3, eta=0.8, sigma0=0.3, steps=30, gamma=0.1, seed=5))
    tr.running["switches"] = tr.running["switches"][:, :1]
    tr.save(tmp_path / "t.npz")
    with pytest.raises(sim.TrajectoryFileError, match="running_switches"):
        sim.Trajectory.load(tmp_path / "t.npz")


def test_batched_many_seeds_track_each_init():
    """The batched engine tracks every initialisation separately (per-init minima, switches)."""
    ds = sim.nearly_orthogonal(5, 12, p=0.05, seed=4)
    pr = sim.Problem(ds, m=4, eta=0.6, sigma0=0.3, steps=500, gamma=0.0, seed=0)
    seeds = [3, 1, 4]
    for tb, s in zip(sim.simulate(pr, "batched", seeds=seeds), seeds):
        assert_running_matches(tb, sim.simulate(pr, "fast", seeds=[s])[0], exact_values=True)


@pytest.mark.parametrize("seed", range(4))
def test_window_bounds_are_their_formulas(seed):
    """The event engine's bounds over a reduced window (:func:`sim.running.window`), recomputed
    with numpy from the module docstring's formulas on random inputs: the minimum pre-activation
    over S_k(0) is ``min_a Z_ka(T0) + sum_i min(0, G_ki D_ia A_i)``, and the balance folds
    ``min_i`` of the lower bounds of ``S_{j,i}`` (0 where a coefficient changes sign, else the
    smaller end) over ``max_i'`` of ``max(S_{j',i'}(T0), S_{j',i'}(T0 + J))``. (The brute-force
    comparisons above only see these bounds when a window's bound is the binding minimum.)"""
    rng = np.random.default_rng(seed)
    n, m = 4, 3
    m2 = 2 * m
    y = np.array([1.0, -1.0, 1.0, -1.0])
    Z = rng.standard_normal((n, m2))
    rho = rng.standard_normal((n, m2)) * 0.5
    D = rng.choice([-1.0, -0.3, 0.3, 1.0], size=(n, m2))
    Xr = rng.standard_normal((n, 7))
    G = Xr @ Xr.T
    A = y * rng.uniform(0.1, 2.0, n)
    sq = np.diag(G).copy()
    st = running.new_state(Z, y)
    S_T0 = np.stack([np.abs(rho[:, :m]).sum(1), np.abs(rho[:, m:]).sum(1)])
    st["S"][:] = S_T0
    running.window(0, 5, Z, rho, D, G, A, sq, *running.args(st))
    # minimum pre-activation over S_k(0)
    lo = Z.copy()
    for k in range(n):
        for a in range(m2):
            lo[k, a] += sum(min(0.0, G[k, i] * D[i, a] * A[i]) for i in range(n))
    S0 = np.isfinite(st["S0"]) & (st["S0"] == 0.0)
    want = np.where(S0, lo, np.inf).min(1)
    np.testing.assert_allclose(st["minpre"], want, rtol=1e-12)
    assert np.all(np.isinf(st["minpre_att"]))  # a window's bound is never an attained value
    # balance
    r1 = rho + D * (sq * A)[:, None]
    low = np.where(np.sign(rho) * np.sign(r1) < 0, 0.0, np.minimum(np.abs(rho), np.abs(r1)))
    lowS = np.stack([low[:, :m].sum(1), low[:, m:].sum(1)])
    upS = np.maximum(S_T0, np.stack([np.abs(r1[:, :m]).sum(1), np.abs(r1[:, m:]).sum(1)]))
    bal = np.array([[lowS[j].min() / upS[jj].max() for jj in range(2)] for j in range(2)])
    np.testing.assert_allclose(st["bal"], bal, rtol=1e-12)
    assert np.all(np.isinf(st["bal_att"]))
