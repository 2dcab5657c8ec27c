"""The faulty engine: the fast engine's per-step coefficient-space kernel with the knobs of a
:class:`sim.faults.Fault`. Reached only through :func:`sim.simulate` inside ``sim.faults.inject``;
never used for the paper's model (the exact engines have no fault branch at all).

With every knob at its exact value this kernel is gradient descent (3.2) again (tested), so a
difference a check sees under a fault is the fault's doing.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .. import running
from ..problem import Problem
from ..trajectory import Trajectory


@njit(cache=True, fastmath=False)
def _advance_faulty(Zt, rhot, G, y, sqnorm, gamma, eta, perm, bs, t0, t1, dneg, lscale, out, stepm,
                    drop, S0, want, pat, minpre, minpre_att, bal, bal_att, lastwrong, nsw, lastsw,
                    S):  # pragma: no cover - compiled
    """:func:`sim.engines.fast._advance` with ``sigma'(z<0) = dneg gamma``, ``l' -> lscale l'``, second
    layer ``out / m`` and step ``stepm * eta / (B m)``; ``G`` is whatever Gram matrix the fault uses;
    the gradient term of point ``drop`` is left out (``-1``: none)."""
    n, m2 = Zt.shape
    m = m2 // 2
    bs = min(bs, n)
    nb = (n + bs - 1) // bs
    DCt = np.empty((bs, m2))
    dz = np.empty(m2)
    idx = np.empty(bs, dtype=np.int64)
    gneg = gamma * dneg
    for t in range(t0, t1):
        e = (t // nb) % perm.shape[0]
        lo = (t % nb) * bs
        B = min(bs, n - lo)
        for k in range(B):
            idx[k] = perm[e, lo + k]
        scale = stepm * eta / (B * m)
        for k in range(B):
            i = idx[k]
            z = Zt[i]
            a0 = 0.0
            for r in range(m):
                zp = z[r]
                zn = z[m + r]
                a0 += (zp if zp >= 0.0 else gamma * zp) - (zn if zn >= 0.0 else gamma * zn)
            f = out * a0 / m
            yi = y[i]
            lprime = -lscale / (1.0 + math.exp(yi * f))
            c = -scale * out * lprime * yi
            if i == drop:
                c = 0.0
            s = sqnorm[i]
            for a in range(m2):
                d = (c if a < m else -c) * (1.0 if z[a] >= 0.0 else gneg)
                DCt[k, a] = d
                rhot[i, a] += d * s
        for q in range(n):
            for a in range(m2):
                dz[a] = 0.0
            for k in range(B):
                g = G[q, idx[k]]
                for a in range(m2):
                    dz[a] += g * DCt[k, a]
            for a in range(m2):
                Zt[q, a] += dz[a]
        running.observe(t + 1, Zt, rhot, S0, want, pat, minpre, minpre_att, bal, bal_att, lastwrong, nsw,
                        lastsw, S)


def perturbation(n: int) -> np.ndarray:
    """The fixed symmetric +-1 matrix with zero diagonal of the ``gram_perturbed`` fault."""
    rng = np.random.default_rng(20231029)
    E = np.sign(rng.standard_normal((n, n)))
    E = np.triu(E, 1)
    return E + E.T


def equivalent_problem(problem: Problem, fault):
    """``(problem', c)`` such that the faulty run of ``problem`` is exactly the exact run of ``problem'``
    with weights divided by ``c``, or ``None`` when the fault has no such equivalent.

    With the second layer ``c/m`` the network is ``f(W) = f_exact(c W)`` (sigma is positively
    homogeneous), so faulty GD on ``W`` with step ``eta_f`` is exact GD on ``W' = c W`` with step
    ``eta_f c^2``; ``l'`` scaled by ``s`` and the step ``eta/n`` scale ``eta_f`` by ``s`` and ``m``; the
    init of variance ``sigma0^4`` is the init with ``sigma0 -> sigma0^2``, and ``W'(0) = c W(0)``.
    ``sigma'(z < 0)`` changed in the gradient only, a perturbed Gram matrix and a dropped point have
    no such equivalent (they are not gradient descent on any network of this family), an init with
    identical neurons is not an init of any problem here, nor has a
    sign-flipped ``l'`` (ascent: the equivalent step would be negative, outside every engine's
    contract)."""
    if (fault.dsigma_neg != 1.0 or fault.gram_eps or fault.drop_last or fault.lprime <= 0
            or fault.identical_neurons):
        return None
    c = float(fault.second_layer)
    eta = problem.eta * fault.lprime * (problem.m if fault.step_per_m else 1) * c * c
    sigma0 = (problem.sigma0 ** 2 if fault.init_variance_squared else problem.sigma0) * c
    return problem.replace(eta=eta, sigma0=sigma0), c


def run(problem: Problem, seed: int | None, fault, progress=None) -> Trajectory:
    """One trajectory of ``problem`` under ``fault`` (a :class:`sim.faults.Fault`). Faults with an
    exact equivalent (:func:`equivalent_problem`) run on the event engine (fast: most checks run
    long horizons), the others on this module's per-step kernel. The trajectory is labelled with
    the original ``problem`` (a check reads the parameters it was asked to simulate)."""
    seed = problem.seed if seed is None else seed
    eq = equivalent_problem(problem, fault)
    if eq is not None:
        from . import event

        p2, c = eq
        tr = event.run(p2, seed, progress)
        run_ = dict(tr.running)
        for k in ("min_preact_S0", "min_preact_S0_attained"):
            run_[k] = run_[k] / c
        fault.calls.append(f"{problem.n}x{problem.m} steps={problem.steps} (event, equivalent problem)")
        return Trajectory(problem, seed, f"faulty:{fault.name}", tr.steps, tr.rho / c, tr.preactivation / c,
                          tr.W0 / c, info=tr.info, running=run_)
    data = problem.data
    m, n = problem.m, problem.n
    W0 = problem.init_weights(seed)
    if fault.init_variance_squared:
        W0 = W0 * problem.sigma0  # entries N(0, sigma0^4)
    if fault.identical_neurons:
        W0 = np.repeat(W0[:, :1], m, axis=1)
    Zt = np.ascontiguousarray((W0 @ data.X.T).reshape(2 * m, n).T)
    rhot = np.zeros_like(Zt)
    G = np.array(data.gram, dtype=np.float64)
    if fault.gram_eps:
        G = G + fault.gram_eps * data.Rmin ** 2 * perturbation(n)
    G = np.ascontiguousarray(G)
    sq = np.ascontiguousarray(data.norms ** 2)
    y = np.ascontiguousarray(data.y, dtype=np.float64)
    perm, bs = problem.batch_schedule()
    perm = np.ascontiguousarray(perm, dtype=np.int64)
    ck = problem.checkpoints
    rhos, Zs = np.empty((len(ck), 2, m, n)), np.empty((len(ck), 2, m, n))
    rs = running.new_state(Zt, y)
    running.observe(0, Zt, rhot, *running.args(rs))
    t = 0
    for k, c in enumerate(ck):
        _advance_faulty(Zt, rhot, G, y, sq, float(problem.gamma), float(problem.eta), perm, int(bs), t, int(c),
                        float(fault.dsigma_neg), float(fault.lprime), float(fault.second_layer),
                        float(m if fault.step_per_m else 1), n - 1 if fault.drop_last else -1,
                        *running.args(rs))
        t = int(c)
        rhos[k] = rhot.T.reshape(2, m, n)
        Zs[k] = Zt.T.reshape(2, m, n)
        if progress is not None:
            progress(t, problem.steps)
    fault.calls.append(f"{problem.n}x{problem.m} steps={problem.steps}")
    return Trajectory(problem, seed, f"faulty:{fault.name}", ck.copy(), rhos, Zs, W0,
                      running=running.to_trajectory_layout(rs, m, problem.steps))


def run_reference(problem: Problem, seed: int | None, fault, progress=None) -> Trajectory:
    """The reference engine's weight-space loop under ``fault`` (the gradient written out by hand with
    the fault's knobs instead of autograd). ``gram_perturbed`` moves the weights along
    ``X + eps Rmin^2 E G^+ X`` instead of ``X``, which perturbs the pre-activation update by exactly
    ``eps Rmin^2 E`` as in the coefficient-space kernel. ``rho`` is recovered by least squares from
    ``W(t) - W(0)`` as the exact reference engine does, so Lemma A.3's check sees the fault."""
    from .reference import rho_from_weights

    seed = problem.seed if seed is None else seed
    data = problem.data
    X, y, n, m = data.X, data.y, problem.n, problem.m
    W0 = problem.init_weights(seed)
    if fault.init_variance_squared:
        W0 = W0 * problem.sigma0
    if fault.identical_neurons:
        W0 = np.repeat(W0[:, :1], m, axis=1)
    Xg = X
    if fault.gram_eps:
        Xg = X + fault.gram_eps * data.Rmin ** 2 * perturbation(n) @ np.linalg.pinv(data.gram) @ X
    W = W0.copy()
    perm, bs = problem.batch_schedule()
    nb = -(-n // bs)
    ckpt = set(problem.checkpoints.tolist())
    jsign = np.array([1.0, -1.0])[:, None, None]
    gneg = problem.gamma * fault.dsigma_neg
    stepm = m if fault.step_per_m else 1
    pinvT = np.linalg.pinv(X.T).T
    sq = data.norms ** 2
    tracker = running.PlainTracker(W0 @ X.T, y)
    Ws, Zs = [], []
    for t in range(problem.steps + 1):
        Z = W @ X.T
        tracker.observe(t, Z, ((W - W0) @ pinvT) * sq)
        if t in ckpt:
            Ws.append(W.copy())
            Zs.append(Z.copy())
            if progress is not None:
                progress(t, problem.steps)
        if t == problem.steps:
            break
        idx = perm[(t // nb) % len(perm), (t % nb) * bs:(t % nb) * bs + bs]
        Zb = Z[..., idx]
        s = np.where(Zb >= 0, Zb, problem.gamma * Zb).sum(1)  # (2, B)
        f = fault.second_layer * (s[0] - s[1]) / m
        lp = -fault.lprime / (1.0 + np.exp(y[idx] * f))
        dsig = np.where(Zb >= 0, 1.0, gneg)
        if fault.drop_last:
            lp = np.where(idx == n - 1, 0.0, lp)
        dC = -(stepm * problem.eta / (len(idx) * m)) * fault.second_layer * lp * y[idx] * jsign * dsig
        W = W + dC @ Xg[idx]
    rho, resid = zip(*(rho_from_weights(Wk, W0, X, return_residual=True) for Wk in Ws))
    fault.calls.append(f"reference {problem.n}x{problem.m} steps={problem.steps}")
    return Trajectory(problem, seed, f"faulty-reference:{fault.name}", problem.checkpoints.copy(), np.stack(rho),
                      np.stack(Zs), W0, info={"span_residual": max(resid)}, running=tracker.result())
