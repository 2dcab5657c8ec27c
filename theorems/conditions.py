"""The theorems' hypotheses as code, evaluated on a dataset and hyperparameters.

Each condition is written ``lhs >= rhs`` and reported with the factor ``lhs / rhs`` by which it holds
(``>= 1``) or fails (``< 1``). ``C`` and ``delta`` come from :mod:`theorems.constants`.

- :func:`conditions_leaky`: Theorem 4.1, (B.2)-(B.4).
- :func:`conditions_relu`: Theorem 4.3, (E.2)-(E.4).
- :func:`conditions_A1`, :func:`conditions_A2`: Lemmas A.1 and A.2.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

import numpy as np

from sim import Dataset

from .constants import C as C_CONST, DELTA


@dataclass(frozen=True)
class Condition:
    name: str
    text: str
    lhs: float
    rhs: float

    @property
    def factor(self) -> float:
        """``lhs / rhs``: >= 1 holds, < 1 fails (inf when rhs is 0 and lhs > 0)."""
        if self.rhs == 0:
            return math.inf if self.lhs > 0 else (1.0 if self.lhs == 0 else 0.0)
        return self.lhs / self.rhs

    @property
    def holds(self) -> bool:
        return self.lhs >= self.rhs

    def describe(self) -> dict:
        f = self.factor
        return {"name": self.name, "text": self.text, "lhs": self.lhs, "rhs": self.rhs,
                "holds": self.holds, "factor": f if math.isfinite(f) else "inf",
                "detail": f"{self.lhs:.4g} >= {self.rhs:.4g}"}


@dataclass(frozen=True)
class Conditions:
    theorem: str
    items: tuple

    @property
    def holds(self) -> bool:
        return all(c.holds for c in self.items)

    def failing(self) -> list:
        return [c.name for c in self.items if not c.holds]

    def __getitem__(self, name: str) -> Condition:
        for c in self.items:
            if c.name == name:
                return c
        raise KeyError(name)

    def describe(self) -> list:
        return [c.describe() for c in self.items]


def _log_mn_delta(m: int, n: int, delta: float) -> float:
    return math.log(m * n / delta)


def eta_max(data: Dataset, m: int, C: float = C_CONST.value) -> float:
    """The largest step (B.3)/(E.3) allow: ``n m / (C Rmax^2)``."""
    return data.n * m / (C * data.Rmax ** 2)


def sigma0_max(data: Dataset, m: int, gamma: float = 0.0, delta: float = DELTA.value,
               C: float = C_CONST.value) -> float:
    """The largest init scale (B.2) (leaky, ``gamma > 0``) or (E.2) (ReLU, ``gamma = 0``) allows:
    ``g / (C Rmax sqrt(log(mn/delta)))`` with ``g = gamma`` for leaky ReLU and ``g = 1`` for ReLU."""
    g = gamma if gamma > 0 else 1.0
    return g / (C * data.Rmax * math.sqrt(_log_mn_delta(m, data.n, delta)))


def _step(data: Dataset, m: int, eta: float, C: float) -> Condition:
    # eta <= n m / (C Rmax^2)  written as  n m / (C Rmax^2) >= eta
    return Condition("step", "eta <= n m / (C Rmax^2)", eta_max(data, m, C), eta)


def conditions_leaky(data: Dataset, m: int, eta: float, sigma0: float, gamma: float,
                     delta: float = DELTA.value, C: float = C_CONST.value) -> Conditions:
    """Theorem 4.1: (B.2) ``sigma0 <= gamma / (C Rmax sqrt(log(mn/delta)))``; (B.3)
    ``eta <= nm/(C Rmax^2)``; (B.4) ``Rmin^2 >= C gamma^-4 R^2 n p``; and ``0 < gamma < 1``."""
    items = [
        Condition("leaky", "0 < gamma < 1", 1.0 if 0 < gamma < 1 else 0.0, 1.0),
        Condition("data", "Rmin^2 >= C gamma^-4 R^2 n p", data.Rmin ** 2,
                  (C * gamma ** -4 * data.R ** 2 * data.n * data.p) if gamma > 0 else math.inf),
        _step(data, m, eta, C),
        Condition("init", "sigma0 <= gamma / (C Rmax sqrt(log(m n / delta)))",
                  sigma0_max(data, m, gamma, delta, C) if gamma > 0 else 0.0, sigma0),
    ]
    return Conditions("Theorem 4.1", tuple(items))


def conditions_relu(data: Dataset, m: int, eta: float, sigma0: float,
                    delta: float = DELTA.value, C: float = C_CONST.value) -> Conditions:
    """Theorem 4.3: (E.2) ``sigma0 <= 1 / (C Rmax sqrt(log(mn/delta)))``; (E.3)
    ``eta <= nm/(C Rmax^2)``; (E.4) ``Rmin^2 >= C R^2 n p``; width ``m >= C log(n/delta)``."""
    items = [
        Condition("data", "Rmin^2 >= C R^2 n p", data.Rmin ** 2, C * data.R ** 2 * data.n * data.p),
        _step(data, m, eta, C),
        Condition("init", "sigma0 <= 1 / (C Rmax sqrt(log(m n / delta)))",
                  sigma0_max(data, m, 0.0, delta, C), sigma0),
        Condition("width", "m >= C log(n / delta)", float(m), C * math.log(data.n / delta)),
    ]
    return Conditions("Theorem 4.3", tuple(items))


# Lemma A.1's dimension condition d = Omega(log(mn/delta)), made concrete from its proof: the
# norm bullet sigma0^2 d/2 <= ||w||^2 <= 3 sigma0^2 d/2 for all 2m neurons by Laurent-Massart
# chi-square tails (P(chi2_d >= d + 2 sqrt(dx) + 2x) <= e^-x, P(chi2_d <= d - 2 sqrt(dx)) <= e^-x):
# 2s + 2s^2 <= 1/2 with s = sqrt(x/d) gives d >= x / s*^2, s* = (sqrt2 - 1)/2, i.e. d >= 23.31 x,
# and x = log(8m/delta) puts the 4m tail events at total probability <= delta/2 (the inner-product
# bullet takes the other delta/2). DERIVED-CONSTANTS row m says the same.
A1_D_FACTOR = 4.0 / (3.0 - 2.0 * math.sqrt(2.0))  # 1/s*^2 = 23.31


def conditions_A1(d: int, m: int, n: int, delta: float = DELTA.value, C: float | None = None) -> Conditions:
    """Lemma A.1 needs ``d = Omega(log(mn/delta))``; made concrete from its proof as
    ``d >= 23.31 log(8m/delta)`` (see ``A1_D_FACTOR``). ``C``, if given, replaces 23.31."""
    k = A1_D_FACTOR if C is None else C
    return Conditions("Lemma A.1", (Condition("dimension", f"d >= {k:.4g} log(8 m / delta)", float(d),
                                              k * math.log(8 * m / delta)),))


def a1_event(problem, seed: int | None = None, delta: float = DELTA.value) -> Conditions:
    """Lemma A.1's *event* on one init ``W(0)`` (the seed's): (norm) ``sigma0^2 d/2 <= ||w_{j,r}(0)||^2
    <= 3 sigma0^2 d/2`` for every neuron, written as the smallest ratio to its side of the band;
    (inner) ``max |<w_{j,r}(0), x_i>| <= sqrt(2 log(8mn/delta)) sigma0 Rmax``. The proofs of
    Sections B-G hold on this event; a check reports inits outside it separately."""
    p = problem
    return a1_event_of(p.init_weights(p.seed if seed is None else seed), p.data.X, p.sigma0, delta)


def a1_event_of(W: np.ndarray, X: np.ndarray, sigma0: float, delta: float = DELTA.value) -> Conditions:
    """:func:`a1_event` on given weights ``W`` (2, m, d) and data ``X`` (n, d)."""
    m, d, n = W.shape[1], W.shape[2], X.shape[0]
    sq = (W ** 2).sum(-1)
    s2d = sigma0 ** 2 * d
    lo = float(sq.min() / (s2d / 2)) if s2d > 0 else 1.0
    hi = float((1.5 * s2d) / sq.max()) if sq.max() > 0 else 1.0
    ip = float(np.abs(W @ X.T).max())
    bound = math.sqrt(2 * math.log(8 * m * n / delta)) * sigma0 * float(np.linalg.norm(X, axis=1).max())
    return Conditions("Lemma A.1 event", (
        Condition("norm_low", "||w_{j,r}(0)||^2 >= sigma0^2 d / 2", lo, 1.0),
        Condition("norm_high", "||w_{j,r}(0)||^2 <= 3 sigma0^2 d / 2", hi, 1.0),
        Condition("inner", "|<w_{j,r}(0), x_i>| <= sqrt(2 log(8mn/delta)) sigma0 Rmax", bound, ip)))


def beta_of(problem, seed: int | None = None) -> float:
    """``beta = max_{j,r,i} |<w_{j,r}(0), x_i>|`` of one init."""
    p = problem
    return float(np.abs(p.init_weights(p.seed if seed is None else seed) @ p.data.X.T).max())


def leaky_regime_of(problem, seed: int | None = None):
    """:func:`theorems.constants.leaky_regime` on a problem's data and one init's beta."""
    from .constants import leaky_regime

    p = problem
    return leaky_regime(beta_of(p, seed), p.gamma, p.data.R, p.n, p.data.p, p.data.Rmin)


def conditions_leaky_derived(problem) -> Conditions:
    """Theorem 4.1's conditions with the derived, R-dependent C of each condition
    (:func:`theorems.constants.leaky_C`) and Lemma A.1's d condition."""
    from .constants import leaky_C

    p = problem
    Cd = leaky_C(p.data.R, p.gamma, p.m, p.n)
    items = [
        Condition("data", "Rmin^2 >= C_data gamma^-4 R^2 n p", p.data.Rmin ** 2,
                  Cd["data"] * p.gamma ** -4 * p.data.R ** 2 * p.n * p.data.p),
        _step(p.data, p.m, p.eta, Cd["step"]),
        Condition("init", "sigma0 <= gamma / (C_sigma0 Rmax sqrt(log(m n / delta)))",
                  sigma0_max(p.data, p.m, p.gamma, C=Cd["sigma0"]), p.sigma0),
    ] + list(conditions_A1(p.d, p.m, p.n).items)
    return Conditions("Theorem 4.1 (derived C)", tuple(items))


def conditions_A2(m: int, n: int, delta: float = DELTA.value) -> Conditions:
    """Lemma A.2: ``m >= 50 log(2n/delta)`` (the paper's own constant)."""
    return Conditions("Lemma A.2", (Condition("width", "m >= 50 log(2n / delta)", float(m),
                                              50 * math.log(2 * n / delta)),))


def max_p_leaky(Rmin: float, R: float, n: int, gamma: float, C: float = C_CONST.value) -> float:
    """The largest ``p`` that (B.4) allows: ``Rmin^2 gamma^4 / (C R^2 n)``."""
    return Rmin ** 2 * gamma ** 4 / (C * R ** 2 * n)


def max_p_relu(Rmin: float, R: float, n: int, C: float = C_CONST.value) -> float:
    """The largest ``p`` that (E.4) allows: ``Rmin^2 / (C R^2 n)``."""
    return Rmin ** 2 / (C * R ** 2 * n)


# ---------------------------------------------------------------------------------------------
# ReLU (Sections E-G): the A.1 and A.2 events on one initialisation
# ---------------------------------------------------------------------------------------------
def relu_width_A2(n: int, delta: float = DELTA.value) -> int:
    """Lemma A.2's sufficient width ``ceil(50 log(2n/delta))``."""
    return int(math.ceil(50 * math.log(2 * n / delta)))


def relu_dim_A1(m: int, n: int, delta: float = DELTA.value) -> int:
    """The smallest ``d`` that :func:`conditions_A1` accepts (Lemma A.1's dimension condition)."""
    return int(math.ceil(conditions_A1(0, m, n, delta).items[0].rhs))


def events_A1_A2(data: Dataset, sigma0: float, W0, delta: float = DELTA.value) -> Conditions:
    """The events of Lemmas A.1 and A.2 on one initialisation ``W0`` (``(2, m, d)``, index 0 the
    class ``j = +1``), which Sections E-G assume together (probability >= 1 - 2 delta):
    A.1 ``sigma0^2 d/2 <= ||w_{j,r}(0)||^2 <= 3 sigma0^2 d/2`` and ``|<w_{j,r}(0), x_i>| <=
    sqrt(2 log(8mn/delta)) sigma0 Rmax``; A.2 ``0.4 m <= |S_i(0)| <= 0.6 m`` with ``S_i(0) = {r :
    <w_{y_i,r}(0), x_i> >= 0}``. Each is a :class:`Condition` (``lhs >= rhs``) at its worst (j, r, i)."""
    import numpy as np

    W0 = np.asarray(W0, dtype=float)
    m, d, n = W0.shape[1], W0.shape[2], data.n
    sq = (W0 ** 2).sum(-1)
    Z = W0 @ data.X.T  # (2, m, n)
    ji = np.where(data.y > 0, 0, 1)
    S0 = (Z[ji, :, np.arange(n)] >= 0).sum(-1)  # (n,)
    bmax = math.sqrt(2 * math.log(8 * m * n / delta)) * sigma0 * data.Rmax
    items = (
        Condition("A.1 norm lower", "||w_{j,r}(0)||^2 >= sigma0^2 d / 2", float(sq.min()), sigma0 ** 2 * d / 2),
        Condition("A.1 norm upper", "||w_{j,r}(0)||^2 <= 3 sigma0^2 d / 2", 1.5 * sigma0 ** 2 * d, float(sq.max())),
        Condition("A.1 inner products", "|<w_{j,r}(0), x_i>| <= sqrt(2 log(8mn/delta)) sigma0 Rmax",
                  bmax, float(np.abs(Z).max())),
        Condition("A.2 lower", "|S_i(0)| >= 0.4 m", float(S0.min()), 0.4 * m),
        Condition("A.2 upper", "|S_i(0)| <= 0.6 m", 0.6 * m, float(S0.max())),
    )
    return Conditions("Lemmas A.1 + A.2 (event)", items)


def f2_beta_window(R: float) -> float:
    """The largest ``beta`` for which Lemma F.2's T exists (DERIVED-CONSTANTS row i): some ``u > 0``
    has ``u > beta (1 + e^(beta + u R^2))``. The left minus right side peaks where ``beta R^2
    e^(beta + u R^2) = 1``, at the value ``(log(1/(beta R^2)) - 1 - beta - beta R^2)/R^2``; the window is
    where that is positive (about 0.232 at R = 1; row i's 0.278/R^2 drops the beta terms)."""
    from scipy.optimize import brentq

    h = lambda b: math.log(1 / (b * R * R)) - 1 - b - b * R * R
    return float(brentq(h, 1e-12, 1 / (R * R)))


def max_sigma0_F2(data: Dataset, m: int, delta: float = DELTA.value) -> float:
    """The largest ``sigma0`` whose A.1 bound on ``beta`` lies (with a 10% margin) inside Lemma F.2's
    window :func:`f2_beta_window`: only there does the proof's T exist (C's init role for F.2,
    ``C >= 3.6 k_d R^2``, DERIVED-CONSTANTS row m)."""
    return 0.9 * f2_beta_window(data.R) / (math.sqrt(2 * math.log(8 * m * data.n / delta)) * data.Rmax)


# ---------------------------------------------------------------------------------------------
# ReLU: the constants of Lemma E.1's proof, and the data regime where they exist
# ---------------------------------------------------------------------------------------------
E1_C_E_GRID = np.linspace(0.02, 20.0, 1000)


def relu_e1_constants(n: int, p: float, Rmin: float, R: float, beta_: float, cprime: float = 2.5) -> dict:
    """Lemma E.1's constants from its proof (lines 6540-6605, DERIVED-CONSTANTS row h):
    ``c2 = 1/(c'(1 + aE))``, ``c3 = c'/(1 - 2c' aE)`` ((E.21)), ``aE = pn/(c1 Rmin^2)``, and
    ``c1 = min{ctE(C_E) R^-2, (c2/c3) log(1 + C_E e^-beta/(5R^2)) / log(1 + 1.2 C_E e^(2 beta))}``
    ((E.12) for t <= T1 = C_E tau; H.4 on (E.22)/(E.23) at T1), with ``ctE(u) = 1/(1 + e^(beta +
    u(1+q)))``, ``q = (n-1)p/Rmin^2``. ``c1`` is the largest fixed point (``aE`` depends on it; the map is
    increasing, so iterating down from 1 finds it), maximised over ``C_E``. Returns
    ``{c1, c2, c3, aE, C_E}``; all NaN when no fixed point has ``2 c' aE < 1`` (outside the proof's regime)."""
    k = p * n / Rmin ** 2
    q = (n - 1) * p / Rmin ** 2
    CE = E1_C_E_GRID
    t1 = 1.0 / (1.0 + np.exp(beta_ + CE * (1 + q))) / R ** 2
    h4 = np.log1p(CE * math.exp(-beta_) / (5 * R ** 2)) / np.log1p(1.2 * CE * math.exp(2 * beta_))
    c1 = np.ones_like(CE)
    for _ in range(500):
        with np.errstate(divide="ignore"):
            aE = k / c1
        ok = 2 * cprime * aE < 1
        c2 = 1 / (cprime * (1 + aE))
        c3 = np.where(ok, cprime / np.where(ok, 1 - 2 * cprime * aE, 1.0), np.inf)
        new = np.where(ok, np.minimum(t1, c2 / c3 * h4), 0.0)
        if np.allclose(new, c1, rtol=1e-13, atol=0):
            c1 = new
            break
        c1 = new
    b = int(np.argmax(c1))
    if not c1[b] > 0:
        return {"c1": math.nan, "c2": math.nan, "c3": math.nan, "aE": math.nan, "C_E": math.nan}
    aE = k / c1[b]
    return {"c1": float(c1[b]), "c2": 1 / (cprime * (1 + aE)), "c3": cprime / (1 - 2 * cprime * aE),
            "aE": float(aE), "C_E": float(CE[b])}




def relu_beta_max(m: int, n: int, delta: float = DELTA.value, C: float = C_CONST.value) -> float:
    """A.1's bound on beta with sigma0 at (E.2)'s bound: ``sqrt(2 log(8mn/delta)/log(mn/delta))/C``."""
    return math.sqrt(2 * math.log(8 * m * n / delta) / _log_mn_delta(m, n, delta)) / C


def relu_k_max(n: int, R: float, beta_: float) -> float:
    """The largest ``k = pn/Rmin^2`` for which :func:`relu_e1_constants` exist (Lemma E.1's proof has
    a c1 with ``2c' aE < 1``; bisection to 1%). About 0.002 at R = 1, far below (E.4)'s ``1/(C R^2)``
    = 0.05 with C = 20: the proof's data role needs C of about 500, not 20 (a finding)."""
    lo, hi = 0.0, 1.0 / (C_CONST.value * R * R)
    if math.isfinite(relu_e1_constants(n, hi / n, 1.0, R, beta_)["c1"]):
        return hi
    for _ in range(30):
        mid = 0.5 * (lo + hi)
        if math.isfinite(relu_e1_constants(n, mid / n, 1.0, R, beta_)["c1"]):
            lo = mid
        else:
            hi = mid
        if hi - lo <= 0.01 * hi:
            break
    return lo


@functools.lru_cache(maxsize=4096)
def _relu_k_max_grid(n: int, R100: int, beta1000: int) -> float:
    return relu_k_max(n, R100 / 100, beta1000 / 1000)


def max_p_relu_proof(Rmin: float, R: float, n: int, m: int, delta: float = DELTA.value) -> float:
    """The largest ``p`` inside both (E.4) and Lemma E.1's proof regime (:func:`relu_k_max` at A.1's
    largest beta), so that every derived constant of Sections E-G exists. ``k_max`` falls with R and
    beta, so it is taken at R rounded up to 0.01 and beta up to 0.001 (cached)."""
    k = _relu_k_max_grid(n, math.ceil(R * 100 - 1e-9), math.ceil(relu_beta_max(m, n, delta) * 1000))
    return min(max_p_relu(Rmin, R, n), k * Rmin ** 2 / n)
