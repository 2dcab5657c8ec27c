"""Fast engine: gradient descent in coefficient space, compiled with numba.

Because ``w_{j,r}(t) - w_{j,r}(0)`` stays in the span of the data (Def. 5.1), one step of (3.2) is
the recursion of Lemma 5.2 on ``rho`` together with the pre-activation update
``Z_{j,r,k}(t+1) = Z_{j,r,k}(t) + sum_i dC_{j,r,i}(t) <x_i, x_k>``, where
``dC_{j,r,i} = -(eta / (n m)) l'_i sigma'(Z_{j,r,i}) j y_i`` and ``rho = C ||x_i||^2``.
A step costs O(m n^2) instead of O(m n d); ``W(t)`` is rebuilt only when asked for.

Layout: inside the kernel ``Z`` and ``rho`` are ``(n, 2m)`` (row ``i`` holds every neuron's value for
``x_i``; columns ``0..m-1`` are ``j = +1``, ``m..2m-1`` are ``j = -1``), so every inner loop runs over
the ``2m`` neurons contiguously and vectorises; they are transposed back to ``(2, m, n)`` only at
checkpoints. The whole step's ``dC`` is computed from ``Z(t)`` before ``Z`` is updated, and the update
``dZ_q = sum_{k in batch} G_{q, i_k} dC_k`` is summed over the batch before it is added to ``Z``.
Plain loops rather than BLAS, so the result does not depend on the BLAS build or its threads; no
``fastmath`` (the engines must agree to round-off).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .. import running
from ..problem import Problem
from ..trajectory import Trajectory


@njit(cache=True, fastmath=False, inline="always")
def output(z, m, gamma):  # pragma: no cover - compiled
    """``f(W(t), x_i) = (1/m) sum_r [sigma(Z_{+1,r,i}) - sigma(Z_{-1,r,i})]`` (eq. 3.1) from one row
    ``z`` of the ``(n, 2m)`` pre-activations, in four interleaved partial sums: a fixed order, so
    the result is deterministic, and the one order every engine that shares it agrees on bit for bit."""
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    a3 = 0.0
    r = 0
    while r + 4 <= m:
        zp = z[r]
        zn = z[m + r]
        a0 += (zp if zp >= 0.0 else gamma * zp) - (zn if zn >= 0.0 else gamma * zn)
        zp = z[r + 1]
        zn = z[m + r + 1]
        a1 += (zp if zp >= 0.0 else gamma * zp) - (zn if zn >= 0.0 else gamma * zn)
        zp = z[r + 2]
        zn = z[m + r + 2]
        a2 += (zp if zp >= 0.0 else gamma * zp) - (zn if zn >= 0.0 else gamma * zn)
        zp = z[r + 3]
        zn = z[m + r + 3]
        a3 += (zp if zp >= 0.0 else gamma * zp) - (zn if zn >= 0.0 else gamma * zn)
        r += 4
    while r < m:
        zp = z[r]
        zn = z[m + r]
        a0 += (zp if zp >= 0.0 else gamma * zp) - (zn if zn >= 0.0 else gamma * zn)
        r += 1
    return ((a0 + a1) + (a2 + a3)) / m


@njit(cache=True, fastmath=False)
def _advance(Zt, rhot, G, y, sqnorm, gamma, eta, perm, bs, t0, t1, S0, want, pat, minpre, minpre_att,
             bal, bal_att, lastwrong, nsw, lastsw, S):  # pragma: no cover - compiled
    """Run steps ``t0 .. t1-1`` in place on ``Zt`` and ``rhot`` (C-contiguous ``(n, 2m)``), folding
    every new state ``t0 + 1 .. t1`` into the running quantities (:func:`sim.running.observe`).

    Step ``t`` uses the batch ``perm[(t // nb) % len(perm), b*bs : b*bs + bs]`` with ``b = t % nb``,
    ``nb = ceil(n / bs)`` (full batch: ``perm = [arange(n)]``, ``bs = n``); its loss is the batch mean.
    """
    n, m2 = Zt.shape
    m = m2 // 2
    bs = min(bs, n)
    nb = (n + bs - 1) // bs
    DCt = np.empty((bs, m2))
    dz = np.empty(m2)
    idx = np.empty(bs, dtype=np.int64)
    for t in range(t0, t1):
        e = (t // nb) % perm.shape[0]
        lo = (t % nb) * bs
        B = min(bs, n - lo)
        for k in range(B):
            idx[k] = perm[e, lo + k]
        scale = eta / (B * m)
        for k in range(B):
            i = idx[k]
            z = Zt[i]
            f = output(z, m, gamma)
            yi = y[i]
            lprime = -1.0 / (1.0 + math.exp(yi * f))  # l'(z) = -1 / (1 + e^z) at z = y_i f
            c = -scale * lprime * yi
            # dC_{j,r,i} = j c sigma'(Z_{j,r,i}(t)) with sigma'(0) = 1; rho += dC ||x_i||^2 (Lemma 5.2)
            s = sqnorm[i]
            d_row = DCt[k]
            r_row = rhot[i]
            for a in range(m):
                d = c * (1.0 if z[a] >= 0.0 else gamma)
                d_row[a] = d
                r_row[a] += d * s
            nc = -c
            for a in range(m, m2):
                d = nc * (1.0 if z[a] >= 0.0 else gamma)
                d_row[a] = d
                r_row[a] += d * s
        # Z(t+1) = Z(t) + dC G: row q gains sum_k G[q, i_k] dC_k
        for q in range(n):
            g = G[q, idx[0]]
            d_row = DCt[0]
            for a in range(m2):
                dz[a] = g * d_row[a]
            for k in range(1, B):
                g = G[q, idx[k]]
                d_row = DCt[k]
                for a in range(m2):
                    dz[a] += g * d_row[a]
            z = Zt[q]
            for a in range(m2):
                z[a] += dz[a]
        running.observe(t + 1, Zt, rhot, S0, want, pat, minpre, minpre_att, bal, bal_att, lastwrong, nsw,
                        lastsw, S)


def run(problem: Problem, seed: int | None = None, progress=None) -> Trajectory:
    seed = problem.seed if seed is None else seed
    data = problem.data
    m, n = problem.m, problem.n
    W0 = problem.init_weights(seed)
    Zt = np.ascontiguousarray((W0 @ data.X.T).reshape(2 * m, n).T)  # (n, 2m)
    rhot = np.zeros_like(Zt)
    G = np.ascontiguousarray(data.gram)
    sq = np.ascontiguousarray(data.norms ** 2)
    perm, bs = problem.batch_schedule()
    perm = np.ascontiguousarray(perm, dtype=np.int64)
    ck = problem.checkpoints
    rhos, Zs = np.empty((len(ck), 2, m, n)), np.empty((len(ck), 2, m, n))
    rs = running.new_state(Zt, data.y)
    running.observe(0, Zt, rhot, *running.args(rs))
    t = 0
    for k, c in enumerate(ck):
        _advance(Zt, rhot, G, data.y, sq, float(problem.gamma), float(problem.eta), perm, int(bs), t, int(c),
                 *running.args(rs))
        t = int(c)
        rhos[k] = rhot.T.reshape(2, m, n)
        Zs[k] = Zt.T.reshape(2, m, n)
        if progress is not None:
            progress(t, problem.steps)
    return Trajectory(problem, seed, "fast", ck.copy(), rhos, Zs, W0,
                      running=running.to_trajectory_layout(rs, m, problem.steps))
