"""Event-driven engine: exact gradient descent that runs in O(n^2) per step while the activation
pattern provably cannot change, and falls back to the per-step kernel of :mod:`sim.engines.fast`
around every switch.

Notation (layout ``(n, 2m)`` as in the fast engine: column ``a < m`` is neuron ``(+1, a)``, column
``a >= m`` is ``(-1, a - m)``; ``s_a = +-1`` its sign ``j``). With the pattern fixed,
``D_{i,a} = s_a sigma'(Z_{i,a})`` (``sigma'(0) = 1``, :mod:`sim.activation`) is constant and one step
of (3.2) adds ``c_i(t) D_{i,a}`` to the coefficient ``C_{a,i}``, with
``c_i(t) = (eta / (n m)) |l'(y_i f_i(t))| y_i`` (the fast engine's ``dC = -(eta/(nm)) l'_i sigma' j y_i``).
With ``A_i(t) = sum of c_i`` over the steps since the window start ``T0``:

- ``Z_{k,a}(t) = Z_{k,a}(T0) + sum_i G_{k,i} D_{i,a} A_i(t)``, ``rho_{i,a}(t) = rho_{i,a}(T0) + D_{i,a} ||x_i||^2 A_i(t)``;
- ``f_k(t) = (1/m) sum_a D_{k,a} Z_{k,a}(t)`` (``sigma(z) = sigma'(z) z``) ``= f_k(T0) + sum_i M_{k,i} A_i(t)``,
  ``M_{k,i} = (1/m) G_{k,i} sum_a D_{k,a} D_{i,a}``.

A reduced step is ``c = c(f)``, ``A += c``, ``f = f(T0) + M A``: O(n^2), independent of m.

**Safe horizon** (why the reduced form is exact GD, not an approximation). ``A_i`` is monotone with
sign ``y_i`` and ``|A_i(T0 + j)| <= j (eta/(nm)) L_i`` as long as ``|l'_i| <= L_i`` on the window's
steps. So in ``Z_{k,a}(t)`` the only terms that can move the entry towards (or across) 0 are those
with ``sign(G_{k,i} D_{i,a} y_i)`` opposite to the entry's side (``Z >= 0`` is active, ``sigma'(0) = 1``),
and after ``j`` steps they total at most ``j v_{k,a}``, ``v_{k,a} = (eta/(nm)) sum_{i pushing} |G_{k,i} D_{i,a}| L_i``.
Steps ``T0 .. T0 + tau - 1`` all see the pattern of ``T0`` if ``|Z_{k,a}(T0)| - (tau - 1) v_{k,a} >= tol_{k,a}``
for every entry; entries with ``v = 0`` never move towards 0 and never bound ``tau``. ``L_i`` is not
assumed: it is ``min(1, KAPPA |l'_i(T0)|)`` and every reduced step *verifies* ``|l'_i| <= L_i`` before
it is taken, ending the window early otherwise (``|l'| <= 1`` always holds, so ``L_i = 1`` is never
violated). At the window's end ``Z`` and ``rho`` are rebuilt exactly from ``A`` and a new window starts.
``tol_{k,a} = TOL_REL * (|Z_{k,a}| + |Z_{k,a}(0)| + sum_i |G_{k,i}| |rho_{i,a}| / ||x_i||^2)`` is a round-off
guard: an entry that would come within ``1e-12`` of the size of the terms it is made of is left to the
per-step kernel, where (as in every engine) such a near-tie is decided by round-off.
When the smallest horizon is shorter than ``H_MIN`` steps (e.g. the ReLU chattering regime, where
other-class entries switch every few steps), the engine runs the fast engine's per-step kernel for a
chunk (doubling up to ``MAX_CHUNK`` while horizons stay short), so that regime costs what ``fast``
costs plus one horizon evaluation per chunk.

**Running quantities** (:mod:`sim.running`). Every state is folded in: the per-step kernel observes
each state it produces; a reduced window observes its end state exactly after the rebuild and folds
in its interior states through :func:`sim.running.window`: pattern switches and wrong signs exactly
(the pattern is that of ``T0`` throughout), the minimum pre-activation over ``S_i(0)`` and the
balance ratio as rigorous lower bounds (each ``G_{k,i} D_{i,a} A_i(t)`` term, and each ``rho_{i,a}(t)``,
moves monotonically between its start and end values; see :mod:`sim.running` for the argument).

``A`` is accumulated with compensated (Kahan) summation, so long reduced windows lose less to
round-off than per-step accumulation does. Mini-batch SGD runs on the per-step kernel throughout
(same trajectory as ``fast``).
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .. import running
from ..problem import Problem
from ..trajectory import Trajectory
from .fast import _advance, output

KAPPA = 1.0 + 1.0 / 16  # running bound L_i = min(1, KAPPA |l'_i(T0)|), verified at every reduced step
TOL_REL = 1e-12  # round-off guard relative to the size of the terms a pre-activation is made of
H_MIN = 16  # below this safe horizon the per-step kernel is cheaper than a reduced window
MIN_CHUNK = 16
MAX_CHUNK = 1024


@njit(cache=True, fastmath=False)
def _output(Zt, gamma, f):  # pragma: no cover - compiled
    """``f_k = (1/m) sum_r [sigma(Z_{+1,r,k}) - sigma(Z_{-1,r,k})]`` in the fast engine's summation order."""
    n, m2 = Zt.shape
    m = m2 // 2
    for i in range(n):
        f[i] = output(Zt[i], m, gamma)


@njit(cache=True, fastmath=False)
def _safe_horizon(Zt, Z0t, rhot, D, G, y, sqnorm, L, scale, cap):  # pragma: no cover - compiled
    """The largest ``tau <= cap`` such that no entry of ``Z`` can change side during steps
    ``T0 .. T0 + tau - 1`` (see the module docstring); at least 1 (one step is plain GD)."""
    n, m2 = Zt.shape
    v = np.zeros(m2)
    mag = np.zeros(m2)
    tau = cap
    for k in range(n):
        for a in range(m2):
            v[a] = 0.0
            mag[a] = 0.0
        for i in range(n):
            g = G[k, i]
            if g == 0.0:
                continue
            gl = g * y[i] * L[i]
            ga = abs(g) / sqnorm[i]
            d_row = D[i]
            r_row = rhot[i]
            z_row = Zt[k]
            for a in range(m2):
                p = gl * d_row[a]  # sign: the direction term i moves Z_{k,a}; size: per-step bound / scale
                if z_row[a] >= 0.0:
                    if p < 0.0:
                        v[a] -= p
                else:
                    if p > 0.0:
                        v[a] += p
                mag[a] += ga * abs(r_row[a])
        for a in range(m2):
            if not math.isfinite(Zt[k, a]):  # a diverged run: leave it to the per-step kernel
                return 1
            if v[a] == 0.0:
                continue
            z = abs(Zt[k, a])
            tol = TOL_REL * (z + abs(Z0t[k, a]) + mag[a])
            if z <= tol:
                return 1
            h = (z - tol) / (v[a] * scale)
            if h + 1.0 < tau:
                tau = int(h) + 1
                if tau <= 1:
                    return 1
    return tau


@njit(cache=True, fastmath=False)
def _event_advance(Zt, Z0t, rhot, G, y, sqnorm, gamma, eta, t0, t1, stats, wlog, S0, want, pat, minpre,
                   minpre_att, bal, bal_att, lastwrong, nsw, lastsw, S):  # pragma: no cover
    """Full-batch GD from step ``t0`` to ``t1`` in place on ``Zt``, ``rhot`` (``(n, 2m)``), with the
    running quantities of :mod:`sim.running` (exact per step; a reduced window folds in its interior
    states through :func:`sim.running.window`, then its end state exactly).
    ``stats``: [reduced steps, per-step steps, windows, early window ends by the |l'| bound].
    ``wlog`` (``(K, 2)``): the first ``K`` reduced windows as ``(T0, length)``."""
    n, m2 = Zt.shape
    m = m2 // 2
    scale = eta / (n * m)
    perm = np.arange(n).reshape(1, n)
    D = np.empty((n, m2))
    M = np.empty((n, n))
    f0 = np.empty(n)
    f = np.empty(n)
    L = np.empty(n)
    A = np.empty(n)
    comp = np.empty(n)
    c = np.empty(n)
    t = t0
    chunk = MIN_CHUNK
    while t < t1:
        left = t1 - t
        if left < H_MIN:
            _advance(Zt, rhot, G, y, sqnorm, gamma, eta, perm, n, t, t1, S0, want, pat, minpre, minpre_att,
                     bal, bal_att, lastwrong, nsw, lastsw, S)
            stats[1] += left
            break
        # the pattern at T0 = t and the verified running bound on |l'|
        for i in range(n):
            for a in range(m2):
                sp = 1.0 if Zt[i, a] >= 0.0 else gamma
                D[i, a] = sp if a < m else -sp
        _output(Zt, gamma, f0)
        for i in range(n):
            lp = 1.0 / (1.0 + math.exp(y[i] * f0[i]))
            L[i] = min(1.0, KAPPA * lp)
        tau = _safe_horizon(Zt, Z0t, rhot, D, G, y, sqnorm, L, scale, left)
        if tau < H_MIN:
            k = min(chunk, left)
            _advance(Zt, rhot, G, y, sqnorm, gamma, eta, perm, n, t, t + k, S0, want, pat, minpre, minpre_att,
                     bal, bal_att, lastwrong, nsw, lastsw, S)
            stats[1] += k
            t += k
            chunk = min(2 * chunk, MAX_CHUNK)
            continue
        chunk = MIN_CHUNK
        # M_{k,i} = (1/m) G_{k,i} sum_a D_{k,a} D_{i,a}
        for k in range(n):
            for i in range(k, n):
                s = 0.0
                for a in range(m2):
                    s += D[k, a] * D[i, a]
                M[k, i] = G[k, i] * s / m
                M[i, k] = G[i, k] * s / m
        for i in range(n):
            A[i] = 0.0
            comp[i] = 0.0
            f[i] = f0[i]
        j = 0
        while j < tau:
            ok = True
            for i in range(n):
                lp = 1.0 / (1.0 + math.exp(y[i] * f[i]))
                if lp > L[i]:
                    ok = False
                    break
                c[i] = scale * lp * y[i]
            if not ok:  # the bound the horizon assumed would fail at this step: end the window here
                stats[3] += 1
                break
            for i in range(n):  # A += c, compensated
                yv = c[i] - comp[i]
                tv = A[i] + yv
                comp[i] = (tv - A[i]) - yv
                A[i] = tv
            for k in range(n):
                s = f0[k]
                for i in range(n):
                    s += M[k, i] * A[i]
                f[k] = s
            j += 1
        # the window's interior states T0 + 1 .. T0 + j - 1 (all on the pattern of T0), from Z(T0), rho(T0)
        running.window(t, j, Zt, rhot, D, G, A, sqnorm, S0, want, pat, minpre, minpre_att, bal, bal_att,
                       lastwrong, nsw, lastsw, S)
        # rebuild Z and rho exactly: Z_{k,a} += sum_i G_{k,i} D_{i,a} A_i, rho_{i,a} += D_{i,a} ||x_i||^2 A_i
        for k in range(n):
            z = Zt[k]
            for i in range(n):
                g = G[k, i] * A[i]
                if g == 0.0:
                    continue
                d_row = D[i]
                for a in range(m2):
                    z[a] += g * d_row[a]
        for i in range(n):
            w = sqnorm[i] * A[i]
            r_row = rhot[i]
            d_row = D[i]
            for a in range(m2):
                r_row[a] += d_row[a] * w
        if stats[2] < wlog.shape[0]:
            wlog[stats[2], 0] = t
            wlog[stats[2], 1] = j
        stats[0] += j
        stats[2] += 1
        t += j
        if j > 0:  # the window's end state, rebuilt exactly
            running.observe(t, Zt, rhot, S0, want, pat, minpre, minpre_att, bal, bal_att, lastwrong, nsw,
                            lastsw, S)


def run(problem: Problem, seed: int | None = None, progress=None, log_windows: int = 0) -> Trajectory:
    """One trajectory; ``info`` holds how many steps ran reduced and per step, and with
    ``log_windows = K > 0`` the first ``K`` reduced windows as ``info["windows_log"]`` (rows
    ``(T0, length)``: steps ``T0 .. T0 + length - 1`` all ran on the pattern of ``Z(T0)``)."""
    seed = problem.seed if seed is None else seed
    data = problem.data
    m, n = problem.m, problem.n
    W0 = problem.init_weights(seed)
    Zt = np.ascontiguousarray((W0 @ data.X.T).reshape(2 * m, n).T)  # (n, 2m)
    Z0t = Zt.copy()
    rhot = np.zeros_like(Zt)
    G = np.ascontiguousarray(data.gram)
    sq = np.ascontiguousarray(data.norms ** 2)
    y = np.ascontiguousarray(data.y, dtype=np.float64)
    gamma, eta = float(problem.gamma), float(problem.eta)
    perm, bs = problem.batch_schedule()
    perm = np.ascontiguousarray(perm, dtype=np.int64)
    full = problem.full_batch
    ck = problem.checkpoints
    rhos, Zs = np.empty((len(ck), 2, m, n)), np.empty((len(ck), 2, m, n))
    stats = np.zeros(4, dtype=np.int64)
    wlog = np.zeros((max(int(log_windows), 0), 2), dtype=np.int64)
    rs = running.new_state(Zt, y)
    running.observe(0, Zt, rhot, *running.args(rs))
    t = 0
    for k, c in enumerate(ck):
        c = int(c)
        if c > t:
            if full and c - t >= H_MIN:
                _event_advance(Zt, Z0t, rhot, G, y, sq, gamma, eta, t, c, stats, wlog, *running.args(rs))
            else:  # short gaps (dense checkpoints) and mini-batch SGD: the per-step kernel
                _advance(Zt, rhot, G, y, sq, gamma, eta, perm, int(bs), t, c, *running.args(rs))
                stats[1] += c - t
        t = c
        rhos[k] = rhot.T.reshape(2, m, n)
        Zs[k] = Zt.T.reshape(2, m, n)
        if progress is not None:
            progress(t, problem.steps)
    info = {"reduced_steps": int(stats[0]), "per_step_steps": int(stats[1]), "windows": int(stats[2]),
            "bound_breaks": int(stats[3])}
    if log_windows:
        info["windows_log"] = wlog[:min(int(stats[2]), len(wlog))].copy()
    return Trajectory(problem, seed, "event", ck.copy(), rhos, Zs, W0, info=info,
                      running=running.to_trajectory_layout(rs, m, problem.steps))
