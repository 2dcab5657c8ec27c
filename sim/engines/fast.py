"""Fast engine: gradient descent in coefficient space, compiled with numba.

Because ``w_{j,r}(t) - w_{j,r}(0)`` stays in the span of the data (Def. 5.1), one step of (3.2) is
the recursion of Lemma 5.2 on ``rho`` together with the pre-activation update
``Z_{j,r,k}(t+1) = Z_{j,r,k}(t) + sum_i dC_{j,r,i}(t) <x_i, x_k>``, where
``dC_{j,r,i} = -(eta / (n m)) l'_i sigma'(Z_{j,r,i}) j y_i`` and ``rho = C ||x_i||^2``.
A step costs O(m n^2) instead of O(m n d); ``W(t)`` is rebuilt only when asked for.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ..problem import Problem
from ..trajectory import Trajectory


@njit(cache=True, fastmath=False)
def _advance(Z, rho, G, y, sqnorm, gamma, eta, perm, bs, t0, t1):  # pragma: no cover - compiled
    """Run steps ``t0 .. t1-1`` in place on ``Z`` and ``rho`` (both ``(2, m, n)``)."""
    _, m, n = Z.shape
    nb = (n + bs - 1) // bs
    coef = np.empty(bs)
    dc = np.empty(bs)
    idx = np.empty(bs, dtype=np.int64)
    for t in range(t0, t1):
        e = (t // nb) % perm.shape[0]
        lo = (t % nb) * bs
        hi = min(lo + bs, n)
        B = hi - lo
        # l'_i and the step's scalar factor for every i in the batch (before any update)
        for k in range(B):
            i = perm[e, lo + k]
            idx[k] = i
            f = 0.0
            for r in range(m):
                zp = Z[0, r, i]
                zn = Z[1, r, i]
                f += (zp if zp >= 0.0 else gamma * zp) - (zn if zn >= 0.0 else gamma * zn)
            f /= m
            lprime = -1.0 / (1.0 + math.exp(y[i] * f))
            coef[k] = -(eta / (B * m)) * lprime * y[i]
        for j in range(2):
            sgn = 1.0 if j == 0 else -1.0
            for r in range(m):
                for k in range(B):
                    i = idx[k]
                    sp = 1.0 if Z[j, r, i] >= 0.0 else gamma
                    dc[k] = sgn * coef[k] * sp
                for k in range(B):
                    rho[j, r, idx[k]] += dc[k] * sqnorm[idx[k]]
                for q in range(n):
                    acc = 0.0
                    for k in range(B):
                        acc += dc[k] * G[idx[k], q]
                    Z[j, r, q] += acc


def run(problem: Problem, seed: int | None = None, progress=None) -> Trajectory:
    seed = problem.seed if seed is None else seed
    data = problem.data
    W0 = problem.init_weights(seed)
    Z = np.ascontiguousarray(W0 @ data.X.T)
    rho = np.zeros_like(Z)
    G = np.ascontiguousarray(data.gram)
    sq = data.norms ** 2
    perm, bs = problem.batch_schedule()
    ck = problem.checkpoints
    rhos, Zs = np.empty((len(ck),) + Z.shape), np.empty((len(ck),) + Z.shape)
    t = 0
    for k, c in enumerate(ck):
        _advance(Z, rho, G, data.y, sq, float(problem.gamma), float(problem.eta), perm, bs, t, int(c))
        t = int(c)
        rhos[k], Zs[k] = rho, Z
        if progress is not None:
            progress(t, problem.steps)
    return Trajectory(problem, seed, "fast", ck.copy(), rhos, Zs, W0)
