"""The last decade's increment on orthogonal ReLU data, and how far from its limit it may be.

Lemmas F.2 and F.3 (and Theorem 4.3 on orthogonal data) give limits: ``rhobar_{y_i,r,i}(t)/log t ->
m/|S_i(0)|`` for ``r in S_i(0)``, ``W_j(t)/log t -> L_j``. The checks read them through the last
decade's increment ``D_i = (|S_i(0)|/m) (rho_{r,i}(T) - rho_{r,i}(T'))/log(T/T')`` (``T'`` the first
checkpoint at or after ``T/10``), which tends to 1. How close to 1 it must be at a finite horizon is
*derived* here, not declared.

**The exact one-dimensional dynamics** (Lemma 5.2 on mutually orthogonal data, gamma = 0). A
neuron's pre-activation at ``x_i`` moves only through its own coefficient: ``<w_{j,r}(t), x_i> =
<w_{j,r}(0), x_i> + rho_{j,r,i}(t)``, and ``rho_{j,r,i}`` changes by ``(eta/(nm)) |l'_i(t)| ||x_i||^2``
(in the direction ``j y_i``) exactly when the neuron is active at ``x_i``. Once the pattern at ``x_i``
is frozen at its limit (own-class active set ``S_i(0)``, every other-class neuron inactive: Lemma
F.2, after its T), the margin is ``u_i(t) = y_i f(W(t), x_i) = a_i + (|S_i(0)|/m) rho_{r,i}(t)`` with a
constant ``a_i``, and with ``|l'(u)| = 1/(1 + e^u)``

    u(t + 1) = u(t) + kappa / (1 + e^{u(t)}),   kappa = eta |S_i(0)| ||x_i||^2 / (n m^2).      (*)

**A rigorous bracket for (*)** (this module's derivation). Let ``G(u) = e^u + u`` and ``Delta_t =
kappa/(1 + e^{u(t)}) in (0, kappa]``. Then ``G(u(t+1)) - G(u(t)) = e^u (e^Delta - 1) + Delta``, and
``Delta <= e^Delta - 1 <= Delta + Delta^2 e^Delta/2`` (Taylor, Lagrange remainder): the increment is at
least ``Delta (1 + e^u) = kappa`` and at most ``kappa + Delta^2 e^u e^kappa/2 <= kappa + (kappa
e^kappa/2) Delta_t`` (``Delta^2 e^u = kappa Delta e^u/(1 + e^u) <= kappa Delta``). Summing over the ``N =
T - T'`` steps (``sum Delta_t = u(T) - u(T')``), with ``c = kappa e^kappa / 2``:

    G(u(T')) + kappa N  <=  G(u(T))  <=  G(u(T')) + kappa N + c (u(T) - u(T')).

``G`` is increasing, so ``u(T) >= u_lo = G^{-1}(G(u(T')) + kappa N)``; and ``G(u) - c u`` is
increasing when ``c < 1``, so ``u(T) <= u_hi``, its root at ``G(u(T')) + kappa N - c u(T')``. Hence
``D_i in [D_lo, D_hi] = [(u_lo - u(T'))/log(T/T'), (u_hi - u(T'))/log(T/T')]`` (the bracket is about
``1/(T log 10)`` wide), and the distance to the limit that the dynamics allow at this horizon is

    eps_i = max(|D_lo - 1|, |D_hi - 1|)                                                     (**)

(it decays like ``log(kappa T)/(kappa T)``). Checks hold iff ``D_i`` lies in ``[D_lo, D_hi]`` (up to
round-off), which implies ``|D_i - 1| <= eps_i``: the paper's limit, as sharp as the horizon allows,
with nothing declared. Both ends matter: the bracket is computed from the run's own margin at
``T'``, and a one-sided test ``|D_i - 1| <= eps_i`` lets through a faulty run whose increment is
*closer* to the limit than its own state allows (a step m times too large: ``D = 1.0003`` where the
bracket from its state is ``[0.014, 0.014]`` and ``eps = 0.986``).

**Stable ranks.** On the frozen window the increment of ``W_j`` is the limit ``L_j = A_j Xt`` with
column ``i`` of ``A_j`` scaled by ``D_i`` (the other class's coefficients do not move), and every
``D_i`` is known to the width of its bracket (about ``1e-6``), so ``SR(increment)`` is pinned to
``SR(A_j diag(D_hi) Xt)`` within a factor ``rho^4``, ``rho = max_i D_hi/D_lo`` (:func:`sr_bracket`); the
check asks ``SR(increment)`` to lie in that range, and reports its distance from ``SR(L_j)``.
Entry-wise, ``increment = A_j diag(D)``, judged by the bracket of each ``D_i``.

A point whose pattern is not frozen at its limit on ``[T', T]`` (read at every step from the engine's
``last_switch`` record) is outside the derivation: if ``T'`` is past Lemma F.2's own ``T`` that
contradicts F.2 and fails the check; before it, the point is reported as not judged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from scipy import optimize

from ..constants import ROUNDOFF
from .common import active_at_init, at_fraction, stable_rank


def _G(u: float) -> float:
    return math.exp(u) + u


def margin_bracket(kappa: float, u0: float, steps: int) -> tuple[float, float]:
    """``[u_lo, u_hi]`` containing ``u(steps)`` for the recursion (*) from ``u(0) = u0`` (module
    docstring); needs ``kappa e^kappa / 2 < 1``."""
    if not (kappa > 0 and kappa * math.exp(kappa) / 2 < 1):
        raise ValueError(f"the bracket needs 0 < kappa e^kappa / 2 < 1; kappa = {kappa}")
    if steps == 0:
        return u0, u0
    g0 = _G(u0) + kappa * steps
    # G(u) = g0 has its root in [u0, log(g0) + 1]: G(u0) < g0, and G(log g0 + 1) > g0 when log g0 + 1 > -e
    hi_end = max(math.log(max(g0, 1.0)), u0) + 1.0
    u_lo = optimize.brentq(lambda u: _G(u) - g0, u0, hi_end, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    c = kappa * math.exp(kappa) / 2
    g1 = g0 - c * u0
    f = lambda u: _G(u) - c * u - g1
    b = hi_end
    while f(b) < 0:
        b += 1.0
    u_hi = optimize.brentq(f, u_lo, b, xtol=1e-15, rtol=4 * np.finfo(float).eps)
    return u_lo, u_hi


@dataclass(frozen=True)
class DecadeBracket:
    """Per point ``i``: the measured decade increment ``D`` (normalised, limit 1; the worst neuron of
    ``S_i(0)``), its derived bracket ``[D_lo, D_hi]`` and tolerance ``eps`` (**), whether the point
    was ``judged`` (pattern frozen at its limit on the window), and ``why`` for those that were not."""

    D: np.ndarray
    D_lo: np.ndarray
    D_hi: np.ndarray
    eps: np.ndarray
    judged: np.ndarray
    contradicts_F2: np.ndarray
    window: tuple
    why: tuple

    def errors(self) -> np.ndarray:
        """``|D_i - 1|`` (``nan`` where not judged)."""
        return np.where(self.judged, np.abs(self.D - 1.0), np.nan)

    def positions(self) -> np.ndarray:
        """``|D_i - mid_i| / (half_i + roundoff)`` with ``[D_lo, D_hi] = mid -+ half``: ``<= 1`` iff ``D_i``
        lies in its bracket (``nan`` where not judged)."""
        mid, half = (self.D_lo + self.D_hi) / 2, (self.D_hi - self.D_lo) / 2
        with np.errstate(invalid="ignore"):
            return np.where(self.judged, np.abs(self.D - mid) / (half + ROUNDOFF.value), np.nan)


def frozen_at_limit(tr, k0: int) -> np.ndarray:
    """Per point ``i``: no entry ``(j, r, i)`` switches after the checkpoint ``k0`` (the engine's exact
    per-step ``last_switch``) and the pattern there is the limit's (own class: ``S_i(0)``; other
    class: none active)."""
    y = tr.problem.data.y
    last = tr.running["last_switch"].max(axis=(0, 1))  # (n,)
    pat = tr.preactivation[k0] >= 0  # (2, m, n)
    own_j = np.where(y > 0, 0, 1)
    idx = np.arange(tr.problem.n)
    own_now, other_now = pat[own_j, :, idx], pat[1 - own_j, :, idx]  # (n, m)
    own0 = active_at_init(tr).T  # (n, m)
    return (last <= tr.steps[k0]) & (own_now == own0).all(1) & ~other_now.any(1)


def decade_bracket(tr, T_F2: float) -> DecadeBracket:
    """:class:`DecadeBracket` of the last decade ``[T', T]`` of ``tr`` (ReLU, mutually orthogonal
    data, the per-step running records present). ``T_F2``: Lemma F.2's T for this example (a point
    not frozen by ``T' >= T_F2`` contradicts F.2)."""
    p = tr.problem
    k0 = at_fraction(tr.steps, 0.1)
    T0, T = int(tr.steps[k0]), int(tr.steps[-1])
    L = math.log(T / T0)
    A0 = active_at_init(tr)  # (m, n)
    S0 = A0.sum(0)
    ji = np.where(p.data.y > 0, 0, 1)
    rho_own = tr.rho[:, ji, :, np.arange(p.n)]  # (n, K, m)
    frozen = frozen_at_limit(tr, k0)
    n = p.n
    D, D_lo, D_hi, eps = (np.full(n, np.nan) for _ in range(4))
    judged, contra = np.zeros(n, bool), np.zeros(n, bool)
    if p.gamma != 0:  # (*) needs sigma'(z < 0) = 0: inactive neurons must not move
        return DecadeBracket(D, D_lo, D_hi, eps, judged, contra, (T0, T),
                             (f"gamma = {p.gamma:.4g} > 0: the one-dimensional dynamics (*) need ReLU",))
    why = []
    for i in range(n):
        if S0[i] == 0:
            why.append(f"i = {i}: S_i(0) empty")
            continue
        if not frozen[i]:
            contra[i] = T0 >= T_F2
            why.append(f"i = {i}: pattern not frozen at its limit on [{T0}, {T}]"
                       + (f" although T' >= F.2's T = {T_F2:.4g}" if contra[i] else f" (F.2's T = {T_F2:.4g})"))
            continue
        kappa = p.eta * S0[i] * p.data.norms[i] ** 2 / (n * p.m ** 2)
        if kappa * math.exp(kappa) / 2 >= 1:
            why.append(f"i = {i}: kappa = {kappa:.4g} too large for the bracket")
            continue
        u0 = float(tr.margins[k0, i])
        u_lo, u_hi = margin_bracket(kappa, u0, T - T0)
        inc = (rho_own[i, -1] - rho_own[i, k0])[A0[:, i]] * S0[i] / p.m / L  # equal on exact runs
        D_lo[i], D_hi[i] = (u_lo - u0) / L, (u_hi - u0) / L
        D[i] = inc[np.argmax(np.abs(inc - (D_lo[i] + D_hi[i]) / 2))]  # the neuron farthest from the bracket
        eps[i] = max(abs(D_lo[i] - 1.0), abs(D_hi[i] - 1.0))
        judged[i] = True
    return DecadeBracket(D, D_lo, D_hi, eps, judged, contra, (T0, T), tuple(why))


def sr_bracket(br: DecadeBracket, A: np.ndarray, Xt: np.ndarray) -> tuple[float, float] | None:
    """``(SR_mid, log rho^4)`` (module docstring, "Stable ranks"): the increment is ``A diag(D) Xt`` with
    ``D_i in [D_lo_i, D_hi_i]`` (``A``: (rows, n) limit coefficients, ``Xt``: (n, d) rows
    ``x_i/||x_i||^2``). Any two scalings in that box change both norms by factors within
    ``[rho^-2, rho^2]``, ``rho = max_i D_hi_i/D_lo_i``, so ``SR(increment)`` lies within ``[rho^-4, rho^4]``
    of ``SR_mid = SR(A diag(D_hi) Xt)``. ``None`` when a point with a non-zero column was not judged
    (nothing is derived then; :func:`sr_position` is ``inf``)."""
    cols = np.flatnonzero(np.abs(A).sum(0) > 0)
    if len(cols) == 0:
        return math.nan, 0.0
    if not br.judged[cols].all():
        return None
    s = np.ones(A.shape[1])
    s[cols] = br.D_hi[cols]
    return stable_rank((A * s[None, :]) @ Xt), 4 * float(np.max(np.log(br.D_hi[cols] / br.D_lo[cols])))


def sr_position(sr_increment: float, bracket: tuple[float, float] | None) -> float:
    """``|log(SR(increment)/SR_mid)| / (log rho^4 + roundoff)``: ``<= 1`` iff the increment's stable rank
    lies in the range :func:`sr_bracket` derives; ``inf`` when none was derived (a part that cannot be
    judged never passes); 0 for an empty class."""
    if bracket is None:
        return math.inf
    mid, width = bracket
    if not math.isfinite(mid):
        return 0.0
    return abs(math.log(sr_increment / mid)) / (width + ROUNDOFF.value)


def decade_witness(br: DecadeBracket) -> tuple[float, bool]:
    """``(max_i position_i, holds)`` over the judged points (:meth:`DecadeBracket.positions`); holds iff
    every judged ``D_i`` lies in its bracket (so ``|D_i - 1| <= eps_i``), no point contradicts Lemma
    F.2's pattern and at least one point is judged (otherwise the witness is ``inf``: a check that
    judged nothing never passes)."""
    if br.contradicts_F2.any() or not br.judged.any():
        return math.inf, False
    w = float(np.max(br.positions()[br.judged]))
    return w, w <= 1.0


def _list(a) -> list:
    return [None if not np.isfinite(v) else float(v) for v in a]


def eps_range(br: DecadeBracket) -> str:
    """``[min eps, max eps]`` over the judged points, for summaries (``none judged`` when empty)."""
    if not br.judged.any():
        return "none judged"
    e = br.eps[br.judged]
    return f"[{e.min():.4g}, {e.max():.4g}]"


def decade_details(br: DecadeBracket) -> dict:
    """The bracket's numbers for the report: per point ``D``, ``[D_lo, D_hi]``, ``eps`` (the distance
    from the limit the bracket allows) and ``|D - 1|`` (the measured distance)."""
    return {"decade": list(br.window), "D": _list(br.D), "D_lo": _list(br.D_lo), "D_hi": _list(br.D_hi),
            "eps": _list(br.eps), "limit_distance": _list(br.errors()), "judged": int(br.judged.sum()),
            "not_judged": list(br.why)}
