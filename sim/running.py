"""Running quantities: what the checks need at *every* step, not only at checkpoints.

A transient between two log-spaced checkpoints (a neuron of ``S_i(0)`` dipping below 0 for a few
steps, a sign flipping back, the balance ratio touching its minimum) is invisible to a check that
reads checkpoints. Every engine therefore updates these quantities after every step it takes
(states ``t = 0, 1, ..., steps``), and the trajectory carries them as ``tr.running``:

``min_preact_S0`` (n,)
    ``min_t min_{r in S_i(0)} <w_{y_i,r}(t), x_i>`` with ``S_i(0) = {r : <w_{y_i,r}(0), x_i> >= 0}``
    (Lemma E.1(iv) holds iff it is ``>= 0``); ``+inf`` when ``S_i(0)`` is empty.
``min_preact_S0_attained`` (n,)
    the same minimum over the states the engine evaluated one by one. On the per-step engines
    (reference, fast, batched) this is every state and equals ``min_preact_S0``. On the event
    engine ``min_preact_S0`` is a *rigorous lower bound* (see below) and the true minimum lies in
    ``[min_preact_S0, min_preact_S0_attained]``.
``balance`` (2, 2)
    ``balance[j, j'] = min_t min_i S_{j,i}(t) / max_{i'} S_{j',i'}(t)`` with
    ``S_{j,i}(t) = sum_r |rho_{j,r,i}(t)|`` (Lemma B.1's ratio, before its ``gamma^2``), over the
    states where ``max_{i'} S_{j',i'}(t) > 0`` (``+inf`` if none). B.1's witness is
    ``balance.min() / gamma^2``. Event engine: a rigorous lower bound, as ``min_preact_S0``.
``balance_attained`` (2, 2)
    the same over the evaluated states (an upper bound of the true minimum; equal on per-step engines).
``last_wrong_sign`` (2, m, n) int64
    the last state ``t`` at which ``sign(<w_{j,r}(t), x_i>) != j y_i`` (sign taken as the activation
    pattern does: ``z >= 0`` counts as positive, since ``sigma'(0) = 1``), ``-1`` if never (Lemma B.5).
``switches`` (2, m, n) int64
    how many ``t in [1, steps]`` have ``1(Z(t) >= 0) != 1(Z(t-1) >= 0)``: activation pattern switches.
``last_switch`` (2, m, n) int64
    the last such ``t``, ``-1`` if none (Lemma F.2: the pattern is fixed after ``T``).

Exactness on the event engine (:mod:`sim.engines.event`). A reduced window from ``T0`` takes
``J`` steps; its safe horizon guarantees that the states ``T0, ..., T0 + J - 1`` all have the
activation pattern of ``T0``, and ``Z(T0 + J)`` is rebuilt exactly and evaluated like any other
state. Hence:

- ``switches``, ``last_switch``: no entry changes side at ``T0 + 1 .. T0 + J - 1``; the comparison
  of ``T0 + J`` with ``T0 + J - 1`` is the comparison with the pattern of ``T0``. **Exact.**
- ``last_wrong_sign``: derived from the switches and the final pattern (:func:`to_trajectory_layout`;
  the pattern is binary, so the state before an entry's last switch is its last wrong one when it
  ends right). Exact because the switches are. (The plain tracker computes it directly, state by
  state, and the tests compare the two.)
- ``min_preact_S0``: inside the window ``Z_{k,a}(t) = Z_{k,a}(T0) + sum_i G_{k,i} D_{i,a} A_i(t)``,
  where ``A_i(t)`` (the summed step coefficients) is monotone with the sign of ``y_i`` and lies
  between ``0`` and ``A_i(T0 + J)``. Each term lies between ``0`` and its end value, so
  ``Z_{k,a}(t) >= Z_{k,a}(T0) + sum_i min(0, G_{k,i} D_{i,a} A_i(T0 + J))`` for every state of the
  window. The engine takes the minimum of this bound over ``a in S_k(0)``: a **rigorous lower
  bound** (not exact: the terms need not reach their extremes at the same step).
- ``balance``: ``rho_{i,a}(t) = rho_{i,a}(T0) + D_{i,a} ||x_i||^2 A_i(t)`` is affine in the
  monotone ``A_i(t)``, so ``|rho_{i,a}(t)|`` is at least ``0`` if it changes sign in the window and
  ``min(|start|, |end|)`` otherwise, and ``S_{j,i}(t)`` (a sum of ``|affine|``, convex in ``A_i``)
  is at most ``max(S_{j,i}(T0), S_{j,i}(T0 + J))``. The ratio over the window is bounded below by
  ``min_i`` (lower bound of ``S_{j,i}``) / ``max_{i'}`` (upper bound of ``S_{j',i'}``): a **rigorous
  lower bound**.

The ``*_attained`` values are exact values at evaluated states, so on every engine the true
minimum is bracketed: ``value <= true <= attained``. A check that needs ``true >= bound`` may pass
on ``value >= bound`` (rigorous) and, when only ``attained`` clears the bound, report the bracket.
Mini-batch SGD runs on the per-step kernel, where everything is exact.

Internally the compiled engines keep the arrays in their ``(n, 2m)`` layout (row ``i``, column
``a < m`` for ``(+1, a)``, ``a >= m`` for ``(-1, a - m)``); :func:`to_trajectory_layout` converts.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

KEYS = ("min_preact_S0", "min_preact_S0_attained", "balance", "balance_attained",
        "last_wrong_sign", "switches", "last_switch")
INT_KEYS = ("last_wrong_sign", "switches", "last_switch")


# --- the compiled tracker (fast, event and faulty engines) ----------------------------------------

def new_state(Z0t: np.ndarray, y: np.ndarray) -> dict:
    """The tracker's arrays for pre-activations ``Z0t`` ``(n, 2m)`` at ``t = 0`` (nothing observed yet)."""
    n, m2 = Z0t.shape
    m = m2 // 2
    sgn = np.where(np.arange(m2) < m, 1.0, -1.0)[None, :] * np.asarray(y, dtype=np.float64)[:, None]
    return {
        # a in S_i(0) (class y_i, active at init) as 0.0, others +inf: min(z + S0) is the minimum over S_i(0)
        "S0": np.where((sgn > 0) & (Z0t >= 0), 0.0, np.inf),
        "want": (sgn > 0).astype(np.uint8),  # the right sign j y_i as "z >= 0"
        "pat": np.zeros((n, m2)),  # the pattern of the last state observed, +1.0 (z >= 0) or -1.0
        "minpre": np.full(n, np.inf), "minpre_att": np.full(n, np.inf),
        "bal": np.full((2, 2), np.inf), "bal_att": np.full((2, 2), np.inf),
        "lastwrong": np.full((n, m2), -1, dtype=np.int64),
        "nsw": np.zeros((n, m2), dtype=np.int64), "lastsw": np.full((n, m2), -1, dtype=np.int64),
        "S": np.zeros((2, n)), "S2": np.zeros((2, n)),
    }


def args(state: dict) -> tuple:
    """The tracker's arrays in the order the compiled functions take them."""
    return (state["S0"], state["want"], state["pat"], state["minpre"], state["minpre_att"],
            state["bal"], state["bal_att"], state["lastwrong"], state["nsw"], state["lastsw"], state["S"])


@njit(cache=True, fastmath=False, inline="always")
def _min_plus(z, add, k):  # pragma: no cover - compiled
    """``min_a (z[a] + add[a])`` over ``a < k``, in four independent chains (so it pipelines)."""
    l0 = math.inf
    l1 = math.inf
    l2 = math.inf
    l3 = math.inf
    a = 0
    while a + 4 <= k:
        l0 = min(l0, z[a] + add[a])
        l1 = min(l1, z[a + 1] + add[a + 1])
        l2 = min(l2, z[a + 2] + add[a + 2])
        l3 = min(l3, z[a + 3] + add[a + 3])
        a += 4
    while a < k:
        l0 = min(l0, z[a] + add[a])
        a += 1
    return min(min(l0, l1), min(l2, l3))


@njit(cache=True, fastmath=False, inline="always")
def _abs_sum(r, lo, hi):  # pragma: no cover - compiled
    """``sum_{lo <= a < hi} |r[a]|`` in four interleaved partial sums (a fixed order: deterministic)."""
    s0 = 0.0
    s1 = 0.0
    s2 = 0.0
    s3 = 0.0
    a = lo
    while a + 4 <= hi:
        s0 += abs(r[a])
        s1 += abs(r[a + 1])
        s2 += abs(r[a + 2])
        s3 += abs(r[a + 3])
        a += 4
    while a < hi:
        s0 += abs(r[a])
        a += 1
    return (s0 + s1) + (s2 + s3)


@njit(cache=True, fastmath=False, inline="always")
def _fold_balance(lowS, upS, bal, bal_att, attained):  # pragma: no cover - compiled
    """Fold ``min_i lowS[j, i] / max_i' upS[j', i']`` into ``bal[j, j']`` (and ``bal_att`` when the
    ratio was ``attained``, i.e. ``lowS`` and ``upS`` are one state's exact sums ``S``); a class
    whose sums are all 0 leaves the entry as it was."""
    n = lowS.shape[1]
    for j in range(2):
        smin = math.inf
        for i in range(n):
            if lowS[j, i] < smin:
                smin = lowS[j, i]
        for jj in range(2):
            smax = 0.0
            for i in range(n):
                if upS[jj, i] > smax:
                    smax = upS[jj, i]
            if smax > 0.0:
                q = smin / smax
                if q < bal[j, jj]:
                    bal[j, jj] = q
                if attained and q < bal_att[j, jj]:
                    bal_att[j, jj] = q


@njit(cache=True, fastmath=False)
def observe(t, Zt, rhot, S0, want, pat, minpre, minpre_att, bal, bal_att, lastwrong, nsw, lastsw,
            S):  # pragma: no cover - compiled
    """Evaluate the state ``t`` (``Zt``, ``rhot`` in the ``(n, 2m)`` layout) exactly and fold it in.
    ``t = 0`` sets the pattern without counting switches.

    Cheap enough to run after every step: each row first counts its entries whose side differs from
    the stored pattern (a branch-free reduction); only a row with a switch is walked entry by entry.
    The last wrong sign is not tracked here: it follows exactly from the switches
    (:func:`to_trajectory_layout`)."""
    n, m2 = Zt.shape
    m = m2 // 2
    for i in range(n):
        z = Zt[i]
        r_row = rhot[i]
        p_row = pat[i]
        if t == 0:
            for a in range(m2):
                p_row[a] = 1.0 if z[a] >= 0.0 else -1.0
        else:
            cnt = 0
            for a in range(m2):
                cnt += (z[a] >= 0.0) != (p_row[a] > 0.0)
            if cnt > 0:
                for a in range(m2):
                    p = 1.0 if z[a] >= 0.0 else -1.0
                    if p != p_row[a]:
                        nsw[i, a] += 1
                        lastsw[i, a] = t
                        p_row[a] = p
        lo = _min_plus(z, S0[i], m2)
        s0 = _abs_sum(r_row, 0, m)
        s1 = _abs_sum(r_row, m, m2)
        if lo < minpre[i]:
            minpre[i] = lo
        if lo < minpre_att[i]:
            minpre_att[i] = lo
        S[0, i] = s0
        S[1, i] = s1
    _fold_balance(S, S, bal, bal_att, True)


@njit(cache=True, fastmath=False)
def window(T0, J, Z_T0, rho_T0, D, G, A, sqnorm, S0, want, pat, minpre, minpre_att, bal, bal_att,
           lastwrong, nsw, lastsw, S):  # pragma: no cover - compiled
    """Fold in the interior states ``T0 + 1 .. T0 + J - 1`` of a reduced window whose states
    ``T0 .. T0 + J - 1`` all have the pattern of ``T0`` (already observed); ``Z_T0``, ``rho_T0``:
    the window's start; ``A``: the summed coefficients at ``T0 + J``. Wrong signs are exact; the
    minimum pre-activation and the balance ratio get rigorous lower bounds (module docstring).
    ``S`` must hold ``S_{j,i}(T0)`` (left there by :func:`observe` at ``T0``)."""
    if J < 2:
        return
    n, m2 = Z_T0.shape
    m = m2 // 2
    # no switch inside the window: nothing to record for switches (and so for wrong signs)
    # min pre-activation over S_k(0): Z(T0) + sum_i min(0, G_ki D_ia A_i)
    for k in range(n):
        lo = math.inf
        for a in range(m2):
            if S0[k, a] != 0.0:
                continue
            v = Z_T0[k, a]
            for i in range(n):
                term = G[k, i] * D[i, a] * A[i]
                if term < 0.0:
                    v += term
            if v < lo:
                lo = v
        if lo < minpre[k]:
            minpre[k] = lo
    # balance: lower bounds of S_{j,i} over the window, upper bounds max(S(T0), S(T0 + J))
    lowS = np.zeros((2, n))
    upS = np.zeros((2, n))
    for i in range(n):
        w = sqnorm[i] * A[i]
        l0 = 0.0
        l1 = 0.0
        e0 = 0.0
        e1 = 0.0
        for a in range(m2):
            r0 = rho_T0[i, a]
            r1 = r0 + D[i, a] * w
            if (r0 > 0.0 and r1 < 0.0) or (r0 < 0.0 and r1 > 0.0):
                lo = 0.0
            else:
                lo = min(abs(r0), abs(r1))
            if a < m:
                l0 += lo
                e0 += abs(r1)
            else:
                l1 += lo
                e1 += abs(r1)
        lowS[0, i] = l0
        lowS[1, i] = l1
        upS[0, i] = max(S[0, i], e0)
        upS[1, i] = max(S[1, i], e1)
    _fold_balance(lowS, upS, bal, bal, False)


def to_trajectory_layout(state: dict, m: int, steps: int) -> dict:
    """The tracker's ``(n, 2m)`` arrays as ``tr.running`` (``(2, m, n)`` per-entry arrays), after the
    last state ``steps`` was observed.

    ``last_wrong_sign`` follows exactly from the switches: an entry on the wrong side at ``steps`` was
    last wrong at ``steps``; one on the right side that last switched at ``s`` was wrong at ``s - 1``
    (the pattern is binary) and right from ``s`` on; one that never switched and is right was never
    wrong."""
    def ent(a):
        return np.ascontiguousarray(a.T.reshape(2, m, -1))

    wrong_now = (state["pat"] > 0) != (state["want"] != 0)
    state["lastwrong"][:] = np.where(wrong_now, steps, np.where(state["lastsw"] >= 0, state["lastsw"] - 1, -1))

    return {"min_preact_S0": state["minpre"].copy(), "min_preact_S0_attained": state["minpre_att"].copy(),
            "balance": state["bal"].copy(), "balance_attained": state["bal_att"].copy(),
            "last_wrong_sign": ent(state["lastwrong"]), "switches": ent(state["nsw"]),
            "last_switch": ent(state["lastsw"])}


# --- the plain tracker (reference and batched engines): obviously right, numpy / torch ------------

class PlainTracker:
    """Brute force on ``(..., 2, m, n)`` arrays (numpy or torch, with a leading batch axis or not):
    :meth:`observe` folds in one state exactly. Written independently of the compiled tracker,
    straight from the definitions in the module docstring; the tests compare the two."""

    def __init__(self, Z0, y):
        xp = _xp(Z0)
        jy = _jy(Z0, y)
        self.want = jy > 0
        self.S0 = self.want & (Z0 >= 0)
        self.pat = None
        lead = tuple(Z0.shape[:-3])
        n = Z0.shape[-1]
        self.minpre = _full(Z0, lead + (n,), math.inf)
        self.bal = _full(Z0, lead + (2, 2), math.inf)
        self.lastwrong = _full(Z0, tuple(Z0.shape), -1, integer=True)
        self.nsw = _full(Z0, tuple(Z0.shape), 0, integer=True)
        self.lastsw = _full(Z0, tuple(Z0.shape), -1, integer=True)
        self.xp = xp

    def observe(self, t: int, Z, rho):
        xp = self.xp
        pat = Z >= 0
        if self.pat is not None:
            sw = pat != self.pat
            self.nsw = self.nsw + sw
            self.lastsw = xp.where(sw, t, self.lastsw)
        self.pat = pat
        self.lastwrong = xp.where(pat != self.want, t, self.lastwrong)
        own = xp.where(self.S0, Z, math.inf)  # only r in S_i(0) (class y_i) count
        lo = own.amin(dim=(-3, -2)) if xp is not np else own.min(axis=(-3, -2))
        self.minpre = xp.minimum(self.minpre, lo)
        S = abs(rho).sum(-2)  # (..., 2, n): S_{j,i}
        smin = S.amin(-1) if xp is not np else S.min(-1)  # (..., 2)
        smax = S.amax(-1) if xp is not np else S.max(-1)
        num = smin[..., :, None]
        den = smax[..., None, :]
        safe = xp.where(den > 0, den, xp.ones_like(den))
        q = xp.where(den > 0, num / safe, xp.full_like(den, math.inf))
        self.bal = xp.minimum(self.bal, q)

    def result(self, b: int | None = None) -> dict:
        def get(a):
            a = a if b is None else a[b]
            return a.cpu().numpy().copy() if hasattr(a, "cpu") else np.array(a, copy=True)

        mp, bal = get(self.minpre).astype(np.float64), get(self.bal).astype(np.float64)
        return {"min_preact_S0": mp, "min_preact_S0_attained": mp.copy(), "balance": bal,
                "balance_attained": bal.copy(), "last_wrong_sign": get(self.lastwrong).astype(np.int64),
                "switches": get(self.nsw).astype(np.int64), "last_switch": get(self.lastsw).astype(np.int64)}


def _xp(a):
    if isinstance(a, np.ndarray):
        return np
    import torch

    return torch


def _jy(Z0, y):
    """``j y_i`` broadcast to ``Z0``'s shape ``(..., 2, m, n)``."""
    if isinstance(Z0, np.ndarray):
        return np.array([1.0, -1.0])[:, None, None] * np.asarray(y)[None, None, :] * np.ones(Z0.shape)
    import torch

    js = torch.tensor([1.0, -1.0], dtype=Z0.dtype, device=Z0.device).view(2, 1, 1)
    return js * y.view(1, 1, -1) * torch.ones_like(Z0)


def _full(like, shape, value, integer=False):
    if isinstance(like, np.ndarray):
        return np.full(shape, value, dtype=np.int64 if integer else np.float64)
    import torch

    return torch.full(shape, value, dtype=torch.int64 if integer else like.dtype, device=like.device)
