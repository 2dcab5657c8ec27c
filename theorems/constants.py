"""Every constant the paper leaves unnamed, named once, with its value and a one-line reason.

Each value was declared before the check that uses it first ran, with a reason from the proofs
(the step cited), not from measured data. (c3_E went from 2 to 3.5 while E.1 was being written,
before its first run, from the derivation now in its reason; later edits changed wording only.)
The report shows the constants beside each statement's witness.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Constant:
    name: str
    value: float
    reason: str

    def describe(self) -> dict:
        return {"name": self.name, "value": self.value, "reason": self.reason}


C = Constant("C", 20.0,
             "the 'sufficiently large constant' of conditions (B.2)-(B.4)/(E.2)-(E.4); 20 makes "
             "beta <= 1.9 gamma / C <= 0.1 gamma (Lemma A.1), so the pattern flips within T1 "
             "(proof of Lemma B.5, (B.43)) for R <= R_MAX")
DELTA = Constant("delta", 0.1, "failure probability over the initialisation used in every condition")
R_MAX = Constant("R_max", 1.5,
                 "the proofs treat R = Rmax/Rmin as O(1) (their constants carry R^2 factors, e.g. "
                 "(B.43)); the strategies draw R in [1, R_max]")
E1_CPRIME = Constant("c'_E", 2.5,
                     "Lemma E.1's c' (line 6605, 'as long as c' = 2.5'): m <= c' |S_i(0)| for every i, which "
                     "A.2's event 0.4 m <= |S_i(0)| <= 0.6 m gives; every ReLU check runs on inits inside "
                     "the A.1 and A.2 events (strategies.relu_problems conditions the init on them)")
E1_C1 = Constant("c1_E", 0.049,
                 "Lemma E.1 (i), derived per example (DERIVED-CONSTANTS row h, checked against lines "
                 "6540-6605): c1 = max over C_E of min{ctE(C_E) R^-2, (c2/c3) log(1 + C_E e^-beta/(5R^2)) "
                 "/ log(1 + 1.2 C_E e^(2 beta))} with ctE(u) = 1/(1 + e^(beta + u(1+q))) the early-phase "
                 "|l'| floor ((E.12), t <= T1 = C_E tau) and the second term H.4 applied at T1 to (E.22)/"
                 "(E.23) (0.4m <= |S_i(0)| <= 0.6m); c2, c3 as in c2_E, c3_E, whose aE = pn/(c1 Rmin^2) "
                 "makes c1 a fixed point (solved by iteration). 0.049 is its value at p = 0, beta = 0, "
                 "R = 1 (C_E = 2.96); the check uses the per-example value (smaller for R > 1, p > 0)")
E1_C2 = Constant("c2_E", 0.4,
                 "Lemma E.1 (ii): the proof's c2 = 1/(c'(1 + Rmin^-2 pn/c1)) (line 6549, (E.21); H.2 "
                 "applied to (E.15)/(E.16)), 1/c' = 0.4 at p = 0; the check uses the per-example value "
                 "with aE = pn/(c1 Rmin^2)")
E1_C3 = Constant("c3_E", 2.5,
                 "Lemma E.1 (iii): the proof's c3 = c'/(1 - 2c' Rmin^-2 pn/c1) (line 6549, (E.21); H.1 "
                 "with C_H <= log 2, i.e. C >= e^(2 beta)/log 2, line 6525), c' = 2.5 at p = 0; the "
                 "check uses the per-example value in p, n, Rmin, R (through c1). Was 3.5, raised from "
                 "2 to absorb draws below A.2's width (|S_i(0)| < 0.4m): fitted, now replaced")
R_MAX_RELU = Constant("R_max_E", 3.0,
                      "the ReLU strategies draw R = Rmax/Rmin in [1, 3]; every R-dependent constant of "
                      "Sections E-G (c1_E through ctE R^-2 and H.4's 1/(5R^2), F.2's T window "
                      "beta < (v*-1)/R^2, F.1's R^4) is evaluated per example at its R")
C_WIDTH_E = Constant("C_width", 100.0,
                     "C's width role (DERIVED-CONSTANTS row m, lines 1299-1415): m >= C log(n/delta) implies "
                     "A.2's m >= 50 log(2n/delta) once C >= 50(1 + log 2/log(n/delta)), at most 100 for "
                     "n >= 2, delta <= 1. The ReLU strategies draw m from C log(n/delta) (C = 20) upward and "
                     "condition each init on the A.1 and A.2 events instead, which is what the width "
                     "role buys (so smaller widths stay inside the proofs' events)")
G1_ALPHA = Constant("alpha_G1", 0.16,
                    "Theorem 4.3's loss rate, Lemma G.1 (lines 8131-8434, DERIVED-CONSTANTS row k): "
                    "L_S(t) <= (e^(2 beta)/n) sum_i (1 + eta |S_i(0)| ||x_i||^2 e^-beta t/(2nm^2))^-alpha "
                    "for all t >= 1 with alpha = (1 - (1+c') aE)/(c'^2 (1 + aE)), aE = pn/(c1_E Rmin^2) and "
                    "c' any constant with m <= c' |S_i(0)| (the check takes c' = max_i m/|S_i(0)| <= 2.5); "
                    "0.16 at p = 0, c' = 2.5. The observed rate 1/t on orthogonal data is conjecture Q.4")
DECADE_EPS = Constant(
    "eps_decade(example)", 0.0,
    "the distance from the limit that the last decade's increment may keep at a finite horizon (Lemmas "
    "F.2/F.3 and Theorem 4.3 on orthogonal data): on the frozen pattern the margin obeys exactly "
    "u(t+1) = u(t) + kappa/(1 + e^u(t)), kappa = eta |S_i(0)| ||x_i||^2/(nm^2) (Lemma 5.2 with p = 0), and "
    "G(u) = e^u + u grows by between kappa and kappa + (kappa e^kappa/2)(u(t+1) - u(t)) a step, which brackets "
    "the decade increment D_i in [D_lo, D_hi] (about 1/(T log 10) wide; the checks ask D_i to lie in it, "
    "which puts it within eps_i = max |D_lo/hi - 1| of the limit, ~ log(kappa T)/(kappa T)) "
    "(theorems/statements/decade.py). Stable ranks: the increment is the limit with column i scaled by "
    "D_i, so its SR lies within a factor (max D_hi/D_lo)^4 of SR(A diag(D_hi) Xt). "
    "Per example, from the state at T/10 and the example's eta, m, n, ||x_i||; 0 is its limit T -> infinity. "
    "Replaces the declared 5% (F.2, F.3) and 3% (Theorem 4.3's SR) tolerances, which the runs met by 7x-20x")
H3_C = Constant("C_H3", 1.0,
                "for Gaussian entries ||A|| <= sqrt m + sqrt n + t w.p. >= 1 - exp(-t^2/2) "
                "(Davidson-Szarek) and K = ||N(0,1)||_psi2 = sqrt(8/3) > 1, so C = 1 is valid there; "
                "the property asks whether it also serves Rademacher and uniform entries")
ROUNDOFF = Constant("roundoff", 1e-9,
                    "relative tolerance for exact identities in float64 after up to 1e5 steps")
ALPHA_TEST = Constant("alpha", 0.01,
                      "significance level of the one-sided binomial tests for 'with probability "
                      ">= 1 - delta' statements (A.1, A.2, H.3)")
C_SR_RELU = Constant("C_SR", 2.5,
                     "Theorem 4.3 first bullet on orthogonal data: by Lemmas F.2/F.3 W_j(t)/log t tends to "
                     "L_j = A_j diag(1/||x_i||) with A_j[r,i] = 1(r in S_i(0)) m/|S_i(0)|; ||L_j||_F^2 = "
                     "sum_i m^2/(|S_i(0)| ||x_i||^2) <= c' m n_j/Rmin^2 and ||L_j||_2^2 >= ||L_j D 1||^2/||D 1||^2 "
                     ">= m n_j/Rmax^2, so SR(L_j) <= c' R^2 (c' = 2.5 on A.2's event): the constant, "
                     "independent of m, n, d, is C_SR R^2. On p > 0 data the bound is F.1's "
                     "50(1+q)(1+epsF)(c3/c2)^2 R^4 n/n_j (DERIVED-CONSTANTS row l)")

# =============================================================================================
# Leaky ReLU (Sections B-D, Theorem 4.1): the constants the proofs derive, as functions of an
# example's own quantities (beta, gamma, R, q, p, n, Rmin). Each formula cites the lines of
# paper/seed-paper.txt it comes from; ../shared/DERIVED-CONSTANTS.md rows (a), (b), (e)-(g), (m)
# were checked against those lines (differences are said where they occur). Nothing here is
# fitted to a simulation: every value is a closed form, or an optimum of a closed form over the
# proof's own free parameter C' (T1 = C' tau), chosen before the check runs.
# =============================================================================================
C1_DERIVED = Constant(
    "c1(example)", 1.0 / 6.0,
    "Lemma B.1's c1 = c3 = min{c2, c3'} (lines 460 and 512-513): c2 = c~ R^-2 with the early-phase "
    "floor c~ = 1/(1+exp((1+gamma)(beta + C'(1+q)))) (|<w,x_i>| <= beta + u(1+q) for t <= T1, "
    "(B.12)-(B.14), q = (n-1)p/Rmin^2), and c3' = (1/6) min{1, log(1 + R^-2 e^{-(1+gamma)beta} C') / "
    "log(1 + gamma e^{2beta} C')} (line 513, valid when gamma^-3 c3^-1 Rmin^-2 p n <= 1/2). "
    "Evaluated per example on its beta, gamma, R, q and maximised over the proof's free C' in "
    "B.5's window (below); 1/6 is its value as p, beta -> 0 and R -> 1 with C' -> 0")
KAPPA_C_DERIVED = Constant(
    "c_kappa", 1.0 / 6.0,
    "Theorem 4.1's kappa = c gamma^-2 Rmin^-2 p n: (D.5)-(D.6) (lines 600-612) carry the cross-term "
    "factor (1 + c1^-1 gamma^-2 Rmin^-2 p n), so c = 1/c1 with the example's derived c1 (the value "
    "shown is c1's limit 1/6, i.e. c = 6)")
C1_HALF_RULE = Constant(
    "kappa_B <= 1/2", 0.5,
    "B.5 (lines 3560-3760): the cross terms of <w_{j,r}(t), x_i> are at most kappa_B |rho_{j,r,i}|, "
    "kappa_B = (n-1)p/(gamma^4 c1 Rmin^2) (B.1 + B.4); the derived data condition C >= 2/(c1 R^2) "
    "keeps kappa_B <= 1/2 (DERIVED-CONSTANTS row m)")
B5_WINDOW_PEAK = 0.27846454276107380  # max_u u/(1+e^u): at u = 1.27846..., W(1/e) + 1


def k_d(m: int, n: int, delta: float) -> float:
    """``sqrt(2 log(8mn/delta) / log(mn/delta))``: A.1's bound on beta over (B.2)'s sigma0 unit,
    ``beta <= k_d gamma / C`` on A.1's event (Lemma A.1, second bullet)."""
    return math.sqrt(2 * math.log(8 * m * n / delta) / math.log(m * n / delta))


def early_floor(u, beta: float, gamma: float, q: float):
    """``c~(u) = 1/(1 + exp((1+gamma)(beta + u(1+q))))``: the floor of ``|l'_i(t)|`` for
    ``t <= u tau`` (lines 1790-1802: ``|rho| <= u``, so ``|<w,x_i>| <= beta + u(1+q)`` and
    ``|y_i f| <= (1+gamma)(beta + u(1+q))``)."""
    return 1.0 / (1.0 + np.exp((1 + gamma) * (beta + np.asarray(u, dtype=float) * (1 + q))))


@dataclass(frozen=True)
class LeakyRegime:
    """The proofs' constants for one example (one init). ``ok`` is False when the example lies
    outside the regime where the proofs' constants exist (then ``why`` says which step breaks)."""
    ok: bool
    why: str
    beta: float
    q: float
    c1: float              # B.1's constant, maximised over the feasible C'
    C_prime_c1: float      # the C' at which c1 is attained
    u_star: float          # the smallest feasible C' (B.5's T1* = u_star tau)
    c1_at_u_star: float    # c1 with C' = u_star (used by B.5, D.2, C.3)
    kappa: float           # p n / (gamma^2 c1 Rmin^2) with the best c1 (Theorem 4.1, (D.6))
    kappa_B: float         # (n-1) p / (gamma^4 c1 Rmin^2) at C' = u_star (B.5)

    def describe(self) -> dict:
        return {k: (v if not isinstance(v, float) or math.isfinite(v) else str(v))
                for k, v in self.__dict__.items()}


def _c_of(u, beta, gamma, R, q):
    """``min{c2(C'), c3(C')}`` of Lemmas B.2/B.3 at ``C' = u`` (lines 460, 513)."""
    u = np.asarray(u, dtype=float)
    c2 = early_floor(u, beta, gamma, q) / R ** 2
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.log1p(R ** -2 * math.exp(-(1 + gamma) * beta) * u) / np.log1p(gamma * math.exp(2 * beta) * u)
    c3 = np.minimum(1.0, np.where(u > 0, ratio, 1.0)) / 6.0
    return np.minimum(c2, c3)


def leaky_regime(beta: float, gamma: float, R: float, n: int, p: float, Rmin: float) -> LeakyRegime:
    """The proofs' constants on an example: for each candidate ``C'`` (T1 = C' tau), ``c1(C') =
    min{c2, c3}`` (:func:`_c_of`), ``kappa_B = (n-1)p/(gamma^4 c1 Rmin^2)``, and ``C'`` is
    *feasible* when B.3's simplification holds (``gamma^-3 c1^-1 Rmin^-2 p n <= 1/2``, line 513),
    ``kappa_B < 1`` and B.5's sign condition holds at T1: ``(1 - kappa_B) gamma R^-2 C' c~(C') >
    beta`` (proof of B.5, lines 3560-3760, with (B.13): ``|rho_{j,r,i}(T1)| >= c~ gamma Rmin^2 C'
    / Rmax^2``). Returns the largest c1 over feasible ``C'`` and the smallest feasible ``C'``
    (``u_star``, B.5's sharpest T1). A log grid of 6000 points in ``[1e-9, 50]`` refined by bisection."""
    q = (n - 1) * p / Rmin ** 2 if n > 1 else 0.0
    u = np.geomspace(1e-9, 50.0, 6000)

    def feas(uu):
        c = _c_of(uu, beta, gamma, R, q)
        kB = (n - 1) * p / (gamma ** 4 * c * Rmin ** 2)
        b3 = gamma ** -3 * p * n / (c * Rmin ** 2) <= 0.5
        sign = (1 - kB) * gamma * R ** -2 * uu * early_floor(uu, beta, gamma, q) > beta
        return (b3 & (kB < 1) & sign), c, kB

    ok, c, kB = feas(u)
    nan = float("nan")
    if not ok.any():
        why = ("no C' satisfies B.5's sign condition (1 - kappa_B) gamma R^-2 C' c~(C') > beta: "
               f"beta = {beta:.3g} exceeds its window")
        return LeakyRegime(False, why, beta, q, nan, nan, nan, nan, nan, nan)
    k = int(np.argmax(np.where(ok, c, -np.inf)))
    i0 = int(np.argmax(ok))
    lo, hi = (u[i0 - 1] if i0 > 0 else 0.0), u[i0]
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if feas(np.array([mid]))[0][0]:
            hi = mid
        else:
            lo = mid
    okh, ch, kBh = feas(np.array([hi]))
    c_u = float(ch[0])
    # kappa uses B.1's best c1: once B.1 is proven (with its own feasible C'), D.2's argument
    # needs only its conclusion, whichever C' fixes T1
    return LeakyRegime(True, "", beta, q, float(c[k]), float(u[k]), float(hi), c_u,
                       p * n / (gamma ** 2 * float(c[k]) * Rmin ** 2), float(kBh[0]))


def T1_star(regime: LeakyRegime, tau: float) -> int:
    """B.5's sharpest T1 in steps: the smallest integer t with ``t > u_star tau`` (row b)."""
    return int(math.floor(regime.u_star * tau)) + 1


def leaky_C_sigma0(R: float, gamma: float, q: float, m: int, n: int, delta: float,
                   kappa_B: float = 0.5) -> float:
    """The derived C of (B.2) (DERIVED-CONSTANTS row m, checked): on A.1's event beta <= k_d
    gamma / C; B.5's window needs beta < 0.2785 (1-kappa_B) gamma R^-2 e^{-(1+gamma)beta} /
    ((1+gamma)(1+q)) (u c~(u) peaks at 0.2785/((1+gamma)(1+q))). Both hold when C >= k_d R^2
    (1+gamma)(1+q) e^{(1+gamma) beta} / (0.2785 (1 - kappa_B)); beta <= 0.1 gamma there, so
    e^{(1+gamma)beta} <= e^{0.2}."""
    return k_d(m, n, delta) * R ** 2 * (1 + gamma) * (1 + q) * math.exp(0.2) / (B5_WINDOW_PEAK * (1 - kappa_B))


def leaky_C_data(R: float, c1_floor: float) -> float:
    """The derived C of (B.4) (row m, checked): kappa_B <= (gamma^4 / (C R^2)) / (gamma^4 c1) <= 1/2
    iff C >= 2/(c1 R^2); ``c1_floor`` a lower bound of c1 over the regime."""
    return 2.0 / (c1_floor * R ** 2)


def d2_loss_bound(t, regime: LeakyRegime, gamma: float, eta: float, norms, n: int, m: int,
                  C_prime: float | None = None):
    """Lemma D.2's explicit bound (lines 600-612, (D.6); DERIVED-CONSTANTS row f, checked), for
    ``t >= T1 = u_star tau``: ``L_S(t) <= (1/n) sum_i e^{(1+gamma)beta} (1 + (1+gamma^2)(1+kappa)
    eta ||x_i||^2 e^{-C_i} (t - T1)/(2nm))^{-(1-kappa)/(1+kappa)}`` with ``C_i = (1+gamma)((1+kappa)
    C' + beta)``, ``kappa = p n/(gamma^2 c1 Rmin^2)`` (the paper's (D.6) form, n not n-1)."""
    k, b = regime.kappa, regime.beta
    C1 = regime.u_star if C_prime is None else C_prime
    T1 = 0.0  # t is measured from T1 by the caller
    Ci = (1 + gamma) * ((1 + k) * C1 + b)
    a = (1 + gamma ** 2) * (1 + k) * eta * np.asarray(norms) ** 2 * math.exp(-Ci) / (2 * n * m)
    tt = np.maximum(np.asarray(t, dtype=float) - T1, 0.0)
    alpha = (1 - k) / (1 + k)
    return math.exp((1 + gamma) * b) * np.mean((1 + a[None, :] * tt[:, None]) ** (-alpha), axis=1)


Q_BOUND = 0.05  # q = (n-1) p / Rmin^2 <= gamma^4 / (C R^2) <= 1/20 under (B.4) with C >= 20


def leaky_C(R: float, gamma: float, m: int, n: int, delta: float = DELTA.value) -> dict:
    """The derived, R-dependent C of each leaky condition (DERIVED-CONSTANTS row m, checked against
    lines 1636-1668 and the proof of B.5): ``sigma0``: :func:`constants.leaky_C_sigma0` with
    ``kappa_B = 1/2`` and ``q <= Q_BOUND``; ``data``: ``2 / (c R^2)`` with ``c`` the proofs'
    ``min{c2, c3}`` at the peak of B.5's window (which that sigma0 bound keeps feasible), so
    ``kappa_B <= 1/2``; ``step``: the paper's C (its derived need, ``C >= 1/C'``, is weaker).
    Each is at least the paper's C, so the paper's conditions hold as well."""
    Cs = max(C.value, leaky_C_sigma0(R, gamma, Q_BOUND, m, n, delta))
    beta_max = k_d(m, n, delta) * gamma / Cs
    u_peak = 1.2784645427610738 / ((1 + gamma) * (1 + Q_BOUND))
    c_floor = float(_c_of(u_peak, beta_max, gamma, R, Q_BOUND))
    return {"sigma0": Cs, "data": max(C.value, 2.0 / (c_floor * R ** 2)), "step": C.value,
            "beta_max": beta_max, "c_floor": c_floor}


# =============================================================================================
# Leaky ReLU, the phases of Lemma B.1's proof (theorems/statements/leaky_phases.py): Lemmas B.2,
# B.3 (and B.3 as printed), B.4 and D.2's explicit bound. Every value below was declared, with its
# derivation, before the checks that use it first ran (DERIVED-CONSTANTS rows a-d, f, checked
# against paper/seed-paper.txt at the lines cited). Per-example values come from the functions
# after the constants; the ``value`` shown is the limit p, beta -> 0, R -> 1, C' -> 0.
# =============================================================================================
C2_B2 = Constant(
    "c2(example)", 0.5,
    "Lemma B.2's c2 = c~(C') R^-2 (line 460, DERIVED-CONSTANTS row b): for t <= T1 = C' tau every "
    "|rho| <= eta Rmax^2 t/(nm) (B.14), so |<w,x_i>| <= beta + C'(1+q) and |l'_i| >= c~(C') = "
    "1/(1 + exp((1+gamma)(beta + C'(1+q)))) (line 1802); (B.13) gives |rho_{j,r,i}(t)| >= c~ gamma eta "
    "Rmin^2 t/(nm). Dividing: |rho_{j,r,i}| >= c~ gamma R^-2 |rho_{j',r',i'}|. The check takes the "
    "proof's T1 = T1* = floor(u* tau) + 1 steps (B.5's sharpest T1, row b) and C' = T1*/tau, so c2 is "
    "per example; 1/2 is its limit (c~ -> 1/2)")
C3_B3 = Constant(
    "c3(example)", 1.0 / 6.0,
    "Lemma B.3's c3 = c1 (line 1984 and row a): (B.15) holds for t <= T1 by B.2 (c2 gamma >= c2 "
    "gamma^2 >= c3 gamma^2) and by induction after, for every feasible C'; for t >= T1* the best of "
    "them applies, i.e. the example's c1 maximised over feasible C' (constants.leaky_regime; as "
    "Lemma B.1's check). 1/6 is its limit")
B3_RATE_CONSTANTS = Constant(
    "c4, c5, c6", 1.0,
    "Lemma B.3's rate constants (lines 2932-3164, (B.31)-(B.34); DERIVED-CONSTANTS row c): "
    "c4 = 1 - a, c5 = 1 - a/gamma, c6 = 1 + a with a = (n-1)p/(gamma^2 c3 Rmin^2) (the cross terms "
    "sum over the n-1 other points, each |<x_i, x_i'>| <= p, against (B.15); the paper writes pn, "
    "which only loosens). Upper rates keep H.1's factor e^{C_H} that (B.31)/(B.32) drop in the wrong "
    "direction: U+ = c4^-1 log(1 + c4 X e^{2beta} e^{eps}), eps = c4 eta ||x_i||^2 e^{2beta}/(nm); "
    "U- = (gamma c5)^-1 log(1 + gamma c5 X e^{2beta} e^{eps'}), eps' = gamma c5 eta ||x_i||^2 "
    "e^{2beta}/(nm). Lower rates with the (2 c6)^-1 the proof gives ((B.33), (B.34); H.2 applied to "
    "x = 2 c6 (1/m) sum rhobar, the 2 from y_i f <= (1 + gamma^2 <= 2)(1+a) (1/m) sum rhobar + 2beta): "
    "L+ = (2c6)^-1 log(1 + gamma c6 X e^{-(1+gamma)beta}), L- = (2c6)^-1 gamma log(1 + c6 X "
    "e^{-(1+gamma)beta}); X = eta ||x_i||^2 t/(nm). (B.30)'s gamma^-4 in c6 is a typo for gamma^-2: "
    "U <= (1/m) sum rhobar / gamma step by step, which the sharper 1 + a uses. Value: their limit at p = 0")
B3_PRINTED = Constant(
    "c6^-1 (printed)", 1.0,
    "Lemma B.3's statement (lines 467-468) prints the lower rates with c6^-1 where its proof "
    "((B.33)-(B.34)) gives (2 c6)^-1: L+ = c6^-1 log(1 + gamma c6 X e^{-(1+gamma)beta}), L- = c6^-1 "
    "gamma log(1 + c6 X e^{-(1+gamma)beta}). Asymptotically (1/m) sum rhobar ~ log t/((1+gamma^2)(1+-a)) "
    "(D.6), below c6^-1 log t = log t/(1+a) once gamma^2 > 2a: the printed form is a candidate erratum")
C_B4 = Constant(
    "c1 gamma^4", 1.0 / 6.0,
    "Lemma B.4 (lines 3487-3551, DERIVED-CONSTANTS row d): every step moves rho_{j,r,i} by "
    "eta ||x_i||^2 |l'_i| sigma'/(nm) with sigma' in [gamma, 1], so |rho_{j,r,i}(t)| lies in "
    "[gamma A_i(t), A_i(t)], A_i = eta ||x_i||^2 sum_s |l'_i(s)|/(nm), for every (j, r). Hence "
    "|rho_{j,r,i}| >= gamma avg_r |rho_{j,r,i}| >= gamma (c gamma^2) avg_r |rho_{j',r,i'}| >= c gamma^4 "
    "|rho_{j',r',i'}| whenever (B.8) holds with c. The proof uses nothing about c, so the sharpest "
    "consequence is c = the (B.8) ratio at t itself: per-neuron ratio / gamma^4 >= sum-ratio / gamma^2 "
    "at every t. The value shown is the lemma's c = c1 (1/6 in the limit), checked on the steps "
    "where (B.8) holds with the example's c1")
D2_KAPPA = Constant(
    "a1 (D.2)", 0.0,
    "Lemma D.2's explicit bound (lines 4941-5750, DERIVED-CONSTANTS row f): for t >= T1, L_S(W(t)) "
    "<= (1/n) sum_i e^{(1+g)beta} (1 + (1+g^2)(1+a1) eta ||x_i||^2 e^{-C_i} (t - T1)/(2nm))^{-(1-a1)/"
    "(1+a1)}, C_i = (1+g)((1+a1) C' + beta), a1 = (n-1)p/(g^2 c1 Rmin^2) (the cross term sums over "
    "the n-1 other points; (D.6) prints pn), c1 the example's (B.1), T1 = T1* and C' = T1*/tau "
    "(B.5's sharpest T1, row b). Value shown: a1 at p = 0")


def b2_c2(beta: float, gamma: float, R: float, q: float, C_prime: float) -> float:
    """Lemma B.2's ``c2 = c~(C') R^-2`` (:data:`C2_B2`; line 460, DERIVED-CONSTANTS row b)."""
    return float(early_floor(C_prime, beta, gamma, q)) / R ** 2


def b3_cross(gamma: float, c3: float, n: int, p: float, Rmin: float) -> float:
    """``a = (n-1) p / (gamma^2 c3 Rmin^2)``: the cross-term ratio of Lemma B.3's proof (row c)."""
    return (n - 1) * p / (gamma ** 2 * c3 * Rmin ** 2) if n > 1 else 0.0


def b3_rates(t, x2, gamma: float, beta: float, eta: float, n: int, m: int, a: float,
             printed: bool = False) -> dict:
    """Lemma B.3's four rate bounds (:data:`B3_RATE_CONSTANTS`; lines 2932-3164, (B.31)-(B.34),
    DERIVED-CONSTANTS row c) at steps ``t`` (K,) for points with ``||x_i||^2 = x2`` (n,): arrays
    (K, n) ``U+``, ``U-`` (upper bounds of ``(1/m) sum_r rhobar_{y_i,r,i}`` and ``(1/m) sum_r
    |rhounder_{-y_i,r,i}|``), ``L+``, ``L-`` (lower bounds), with ``c4 = 1-a``, ``c5 = 1-a/gamma``,
    ``c6 = 1+a``. ``printed``: the lower bounds with the statement's ``c6^-1`` instead of the
    proof's ``(2 c6)^-1`` (:data:`B3_PRINTED`). An upper bound whose constant is not positive
    (``c4 <= 0`` or ``c5 <= 0``: outside the regime) is ``+inf``."""
    t = np.asarray(t, dtype=float)[:, None]
    X = eta * np.asarray(x2, dtype=float)[None, :] * t / (n * m)
    u = eta * np.asarray(x2, dtype=float)[None, :] / (n * m)
    c4, c5, c6 = 1 - a, 1 - a / gamma, 1 + a
    e2 = math.exp(2 * beta)
    em = math.exp(-(1 + gamma) * beta)
    with np.errstate(over="ignore", invalid="ignore"):
        Up = np.log1p(c4 * X * e2 * np.exp(c4 * u * e2)) / c4 if c4 > 0 else np.full_like(X, np.inf)
        Um = (np.log1p(gamma * c5 * X * e2 * np.exp(gamma * c5 * u * e2)) / (gamma * c5) if c5 > 0
              else np.full_like(X, np.inf))
    k = 1.0 if printed else 2.0
    Lp = np.log1p(gamma * c6 * X * em) / (k * c6)
    Lm = gamma * np.log1p(c6 * X * em) / (k * c6)
    return {"U+": Up, "U-": Um, "L+": Lp, "L-": Lm}


def d2_bound(t, T1: int, tau: float, beta: float, gamma: float, a1: float, eta: float, x2,
             n: int, m: int):
    """Lemma D.2's explicit bound (:data:`D2_KAPPA`; DERIVED-CONSTANTS row f) at steps ``t >= T1``
    (K,), with ``C' = T1/tau`` and ``||x_i||^2 = x2`` (n,): (K,)."""
    Cp = T1 / tau
    Ci = (1 + gamma) * ((1 + a1) * Cp + beta)
    x2 = np.asarray(x2, dtype=float)
    c = (1 + gamma ** 2) * (1 + a1) * eta * x2 * math.exp(-Ci) / (2 * n * m)
    dt = np.maximum(np.asarray(t, dtype=float) - T1, 0.0)
    alpha = (1 - a1) / (1 + a1)
    return math.exp((1 + gamma) * beta) * np.mean((1 + c[None, :] * dt[:, None]) ** (-alpha), axis=1)
C2_B2_SHARP = Constant(
    "c2 sharp(example)", 1.0,
    "Lemma B.2 with both of the proof's early-phase bounds on |l'| (lines 1790-1856): |y_i f| <= "
    "(1+gamma)(beta + C'(1+q)) bounds |l'_i| from below by c~(C') (the proof's use) and, the same way, "
    "from above by 1 - c~(C') (the proof's (B.14) uses |l'| <= 1). So |rho_{j,r,i}(t)| >= c~ gamma eta "
    "Rmin^2 t/(nm) and |rho_{j',r',i'}(t)| <= (1 - c~) eta Rmax^2 t/(nm): c2 = c~/(1 - c~) R^-2 (1 in the "
    "limit). Declared after B.2's first run showed the proof's c2 = c~ R^-2 leaves a factor of about 2 "
    "(|l'| ~ 1/2 early), so that check could catch no simulator fault; derived from the same lines, "
    "not fitted to data")


def b2_c2_sharp(beta: float, gamma: float, R: float, q: float, C_prime: float) -> float:
    """Lemma B.2's ``c2 = c~(C') / (1 - c~(C')) R^-2`` (:data:`C2_B2_SHARP`)."""
    c = float(early_floor(C_prime, beta, gamma, q))
    return c / (1 - c) / R ** 2


# =============================================================================================
# ReLU limits (theorems/statements/relu_limits.py): Corollary E.3, Lemma F.3 (a) and (b), Lemma
# G.1's explicit bound. Declared before any of those checks first ran; each reason derives the
# value (DERIVED-CONSTANTS rows h, j, k; paper lines 6630-6730, 7530-7830, 8131-8434).
# =============================================================================================
E2_C = Constant(
    "c_E3", 2.0 / 0.049,
    "Corollary E.3's c = 2/c1 (lines 6716-6719, DERIVED-CONSTANTS row j): the proof's induction (E.24) "
    "gives |rhounder_{y_i,r,i'}(t)| <= beta + eta Rmax^2/(nm) + Rmin^-2 pn rhobar_{y_i,r',i}(t)/c1 for ALL "
    "t (case 1: the neuron is inactive on x_i' once rhounder < -(beta + cross terms), the cross terms "
    "bounded through E.1(i) by (n-1) p Rmin^-2 rhobar/c1; case 2: one step adds at most eta ||x_i'||^2 "
    "|l'|/(nm) <= eta Rmax^2/(nm), which the paper rounds up to 1). Once rhobar_{y_i,r',i} >= c1 (beta + "
    "eta Rmax^2/(nm)) Rmin^2/(pn) (time T2, from E.1(ii) inverted: T2 = max_i (2nm^2 e^beta/(eta "
    "|S_i(0)| ||x_i||^2)) (exp(thr/c2) - 1), thr that threshold; the printed-constant form is row j's "
    "(5nm e^beta/(eta Rmin^2))(exp(c'(1+beta)(1 + c1 Rmin^2/(pn))) - 1)) the additive part is at most "
    "the rhobar part, hence c = 2/c1. 2/0.049 = 40.8 at c1's p = 0 value; the check uses 2/c1 with the "
    "example's derived c1. With the printed '1' for one step, T2 ~ exp(2.5 c1 Rmin^2/(pn)) >= e^15 tau "
    "inside the proof's regime (2c' aE < 1, so c1 Rmin^2/(pn) > 5), beyond every horizon; with the step "
    "the proof actually needs (eta Rmax^2/(nm) <= 1/C) the exponent is c1 (beta + step)/(k c2), a few "
    "units when p is near its bound, so T2 can fall inside the horizon (wording corrected after the "
    "first run showed it; the value 2/c1 is unchanged). At p = 0 the statement is vacuous (T2 = inf)")
F3A_Z = Constant(
    "z_F3a", 5.0,
    "Lemma F.3(a), SR(A) = 2 +- o(1) with A = B diag(m/|S_i(0)|), B_ri = 1(<w_r(0), e_i> >= 0) i.i.d. "
    "Bernoulli(1/2) (m x n_j). Derivation: every column of A sums to m, so A = 1 1^T + E with 1^T E = 0 "
    "and ||A||_2^2 = max_v m (1^T v)^2 + ||Ev||^2. E||A||_F^2 = sum_i m^2 E[1/|S_i|] = 2 m n_j (1 + 1/m) "
    "(E[m/Bin(m,1/2)] = 2(1 + 1/m + O(m^-2))); E[A^T A]_ik = m for i != k (E|S_i cap S_k| = |S_i||S_k|/m), "
    "so ||A||_2^2 = ||A 1||^2/n_j + O(1) = m n_j + m (1 + 2/m) (row sums s_r: E s_r = n_j, Var s_r = "
    "n_j (1 + 2/m)). Hence E SR(A) = mu(m, n_j) = 2 n_j (m+1)/(m(n_j+1) + 2) + O(1/(m n_j)): SR(A) - 2 "
    "= -2/(n_j+1) + O(1/m) + O_p(1/sqrt(m n_j)), the o(1) is dominated by 1/n_j (m -> inf at fixed n_j "
    "gives 2n_j/(n_j+1), not 2). Fluctuation: ||A||_F^2/(2 m n_j) = 1 + mean_i(-delta_i) with Var "
    "delta_i = 1/m, and ||A 1||^2/(m n_j^2) - 1 - 1/n_j has sd sqrt(2)/(n_j sqrt m) (a chi-square sum "
    "over m rows; uncorrelated with the column part by symmetry), so sd(SR) <= s(m, n_j) = "
    "2 sqrt((1 + 2/n_j)/(m n_j)). The check: |SR(A_j) - mu| <= z s for both classes; z = 5 (a "
    "Gaussian 5-sigma tail is 6e-7 per matrix, negligible over the few hundred matrices a run draws; "
    "conditioning on A.2's event only narrows the law)")
F3B_LOW = Constant(
    "SR_W_low", 16.0 / 9.0,
    "Lemma F.3's lower end for SR(W) of the whole matrix (line 824): (2 - o(1)) (||a||^2 + ||b||^2)/"
    "max(||a||, ||b||)^2 with (5/3) sqrt(n) <= ||a||, ||b|| <= (5/2) sqrt(n) from 0.4m <= |S_i(0)| <= "
    "0.6m, so 2 * 2 (5/3)^2/(5/2)^2 = 16/9. As printed (no o(1) slack). The sharp limit is "
    "(||A_+||_F^2 + ||A_-||_F^2)/max_j ||A_j||_2^2 ~ 2 n/(max_j n_j + 1) (F3a's mu), about 4 for "
    "balanced classes and large n, 2 at n = 2, 3; at n = 2 it equals 1 + min_i|S_i(0)|/max_i|S_i(0)| "
    "(one column per class), which A.2's event allows down to 1 + 0.4/0.6 = 5/3 < 16/9")
F3B_HIGH = Constant(
    "SR_W_high", 9.0,
    "Lemma F.3's upper end for SR(W) (line 826): (2 + o(1)) * 2 (5/2)^2/(5/3)^2 = 9, as printed. Loose: "
    "the limit is at most (||A_+||_F^2 + ||A_-||_F^2)/max_j ||A_j||_2^2 <= c' (sum_j m n_j)/(m max_j n_j) "
    "<= 2 c' = 5 on A.2's event (||A_j||_2^2 >= m n_j since columns sum to m), and about 4 in law")
G1_ALPHA_PRINTED = Constant(
    "alpha_G1(c')", 0.16,
    "Lemma G.1's printed exponent alpha = (1 - (1+c') aE)/(c'^2 (1 + aE)) (lines 8131-8140, row k), "
    "aE = pn/(c1_E Rmin^2); c' is any constant with m <= c' |S_i(0)| for all i, so the check takes the "
    "example's sharpest c' = max_i m/|S_i(0)| (<= 2.5 on A.2's event; 0.16 is alpha at c' = 2.5, p = 0). "
    "Loose: the argument (lines 8184-8362, margin >= (1-(1+c')aE)(1/m) sum_{S_i(0)} rhobar - 2 beta, then "
    "H.2 directly) gives c'^-1, not c'^-2: alpha_i = (1-(1+c'_i)aE)/(c'_i (1+aE)), about 1/2; the check "
    "reports that sharper form beside the printed one")


# =============================================================================================
# Erratum candidates (theorems/statements/errata.py): constants of the printed forms. Declared
# before the checks first ran, each from the printed text or the proof's own chain, never fitted.
# =============================================================================================
C3_PRINTED_K = Constant(
    "K_C3(printed)", 6.0,
    "the constant Lemma C.3's printed chain carries to its last line (lines 4680-4700): SR - 1 <~ "
    "(C1 + C3)/||v_{j,1}|| <= 6 (C' sqrt n/Rmin + sigma0 sqrt d)/||v_{j,1}|| (C1 + C3 = 4.5 sigma0 sqrt d "
    "+ 6 C' sqrt n/Rmin with the printed C1, C3), then written Theta((1 + sigma0 sqrt(d/n) Rmax)/log t) "
    "with ||v_{j,1}|| = Theta(sqrt n Rmax^-1 log t); the executable printed rate keeps this 6 as the "
    "Theta's constant. The corrected form (DERIVED-CONSTANTS row e) is 4bV/(V-b)^2")
F1_PRINTED_C = Constant(
    "C_F1(printed)", 2.5 ** 4,
    "Theorem 4.3's first bullet prints limsup SR(W_j) <= C, C independent of m, n, d. Lemma F.1's "
    "proof gives 50 (1+q)(1+epsF)(c3/c2)^2 R^4 n/n_j, sharpened to c'^4 R^4 n/n_j (DERIVED-CONSTANTS "
    "row l: |S_i(0)| rhobar_i >= m/(c'(1+aE)) and rhobar_i <= (m/|S_i(0)|)/(1 - 2c'aE)); dropping the "
    "n/n_j that the printed statement does not have leaves c'^4 R^4 = 39.06 R^4 at c' = 2.5 (A.2's "
    "event). The check evaluates it at each example's R")
