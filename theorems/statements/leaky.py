"""Leaky ReLU (Sections B-D, Theorem 4.1): Lemmas B.1, B.5, C.1-2, C.3, D.1 and Theorem 4.1.

Every bound is the proof's own, evaluated on the example (its beta, gamma, R, q, p, eta, n, m):
:func:`theorems.constants.leaky_regime` gives c1 (B.1-B.3), the smallest T1 for which B.5's
argument closes (T1* = u* tau, DERIVED-CONSTANTS row b) and kappa = p n/(gamma^2 c1 Rmin^2)
(c = 1/c1, (D.6)). Each check runs on an init inside Lemma A.1's event (the strategies construct
it); an init outside the regime where those constants exist is evaluated with the formulas' most
generous values and says so (that happens only in controls).
"""

from __future__ import annotations

import math

import numpy as np

from .. import conditions as cond
from .. import strategies as S
from ..constants import (B5_WINDOW_PEAK, C, C1_DERIVED, DELTA, KAPPA_C_DERIVED,
                         ROUNDOFF, LeakyRegime, _c_of, T1_star)
from ..registry import Evidence, statement
from .common import (at_fraction, describe, fmt, jy, last_running, last_true, other, own, run, run_inits,
                     running_minimum, series)

LEAKY_HYPS = ("Theorem 4.1 conditions (B.2)-(B.4) with the derived, R-dependent C of each "
              "(constants.leaky_C; so also with C = 20)", "0 < gamma < 1", "R = Rmax/Rmin <= 3",
              "d >= 23.31 log(8m/delta) (Lemma A.1) and the init inside Lemma A.1's event")
LEAKY_CONSTS = (C, DELTA, C1_DERIVED)
R_MAX_LEAKY = S.R_MAX_LEAKY
N_MAX = 32


# ---------------------------------------------------------------------------------------------
# the proofs' constants on one init
# ---------------------------------------------------------------------------------------------
def regime(problem, seed=None) -> LeakyRegime:
    """:func:`theorems.constants.leaky_regime` on this init, or, outside the regime (ReLU, beta past
    B.5's window), the formulas' most generous values: c1 = max over C' of min{c2, c3}, T1 at the
    peak of B.5's window, kappa from that c1 (``ok`` False; ``why`` says why)."""
    p = problem
    beta = cond.beta_of(p, seed)
    g, R, n, pp, Rmin = p.gamma, p.data.R, p.n, p.data.p, p.data.Rmin
    if g > 0:
        rg = cond.leaky_regime_of(p, seed)
        if rg.ok:
            return rg
        why = rg.why
        # the constants the hypotheses promise: evaluated at the largest beta that (B.2) with the
        # derived C allows on A.1's event (a control that breaks (B.2) is checked against them)
        from ..constants import k_d, leaky_regime

        cap = k_d(p.m, p.n, DELTA.value) * g / S.leaky_C(R, g, p.m, n)["sigma0"]
        rg2 = leaky_regime(min(beta, cap), g, R, n, pp, Rmin)
        if rg2.ok:
            return LeakyRegime(False, why + f"; constants at the hypotheses' largest beta {cap:.3g}",
                               *[getattr(rg2, f) for f in ("beta", "q", "c1", "C_prime_c1", "u_star",
                                                           "c1_at_u_star", "kappa", "kappa_B")])
    else:
        why = "ReLU (gamma = 0): Sections B-D's constants do not exist"
    q = (n - 1) * pp / Rmin ** 2
    u = np.geomspace(1e-9, 50.0, 6000)
    c = _c_of(u, beta, g, R, q)
    u_peak = (B5_WINDOW_PEAK + 1.0) / ((1 + g) * (1 + q))
    c_pk = float(_c_of(u_peak, beta, g, R, q))
    ge = g if g > 0 else 1.0
    kappa = pp * n / (ge ** 2 * c_pk * Rmin ** 2)
    return LeakyRegime(False, why, beta, q, float(c.max()), float(u[int(c.argmax())]), u_peak, c_pk,
                       kappa, (n - 1) * pp / (ge ** 4 * c_pk * Rmin ** 2))


def regime_facts(rg: LeakyRegime, tau: float, problem=None) -> dict:
    """The proofs' constants on this init, for the report (with the derived conditions' factors)."""
    extra = {}
    if problem is not None and problem.gamma > 0:
        c = cond.conditions_leaky_derived(problem)
        extra = {"conditions_derived": {x["name"]: x["factor"] for x in c.describe()},
                 "conditions_derived_hold": c.holds, "A1_event": cond.a1_event(problem).holds}
    return extra | {"in_regime": rg.ok, "regime_note": rg.why, "beta": rg.beta, "c1_derived": rg.c1,
            "u_star": rg.u_star, "T1_star": T1_star(rg, tau), "kappa": rg.kappa, "kappa_B": rg.kappa_B}


def _regime_note(rg) -> str:
    return "" if rg.ok else f" [outside the proofs' regime: {rg.why}; most generous constants used]"


# ---------------------------------------------------------------------------------------------
# Lemma B.1: automatic balance
# ---------------------------------------------------------------------------------------------
def balance_ratio_of(rho: np.ndarray, gamma: float) -> np.ndarray:
    """``min_{j,i} sum_r |rho_{j,r,i}| / (gamma^2 max_{j',i'} sum_r |rho_{j',r,i'}|)`` per checkpoint,
    from rho of shape (K, 2, m, n)."""
    Ssum = np.abs(rho).sum(axis=2).reshape(rho.shape[0], -1)  # (K, 2n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return Ssum.min(1) / (gamma ** 2 * Ssum.max(1))


def balance_ratio(tr) -> np.ndarray:
    """:func:`balance_ratio_of` on a trajectory."""
    return balance_ratio_of(tr.rho, tr.problem.gamma)


def _b1_strategy(**kw):
    kw.setdefault("n_range", (2, N_MAX))
    return S.leaky_problems(horizon_tau=100.0, **kw)


@statement(
    "B.1", kind="lemma", title="Automatic balance of the coefficients",
    text="For all t >= 0, j, j' in {+-1}, i, i' in [n]: sum_r |rho_{j,r,i}(t)| >= c1 gamma^2 "
         "sum_r |rho_{j',r,i'}(t)|.",
    strategy=_b1_strategy(),
    hypotheses=LEAKY_HYPS, constants=LEAKY_CONSTS, markers=("leaky", "statement"),
    # few neurons, so a large init gives the points very different |l'| at the start
    controls={"large_sigma0": S.with_large_sigma0(S.leaky_problems(horizon_tau=100.0, m_range=(1, 3)),
                                                  factor=(500.0, 5000.0))},
    source="Lemma B.1 (Appendix B)")
def check_B1(problem) -> Evidence:
    """Witness: ``min_{t > 0}`` of :func:`balance_ratio` over every step (the engine's running
    balance, :func:`~theorems.statements.common.running_minimum`, and the checkpoints); holds iff
    ``>= c1``, the proof's c1 (lines 460, 513) on this example (:func:`regime`)."""
    tr = run(problem)
    rg = regime(problem)
    c1 = rg.c1
    k = tr.steps > 0
    r = balance_ratio(tr)[k]
    w_ck = float(np.nanmin(r)) if r.size else math.inf
    t_at = int(tr.steps[k][np.nanargmin(r)]) if r.size else 0
    # every step, not only the checkpoints (sim.running's balance, before its gamma^2)
    g2 = problem.gamma ** 2
    w_all, kind = running_minimum(problem, tr, "balance", c1 * g2)
    w = min(w_ck, w_all / g2)
    return Evidence(
        holds=w >= c1, witness=w, bound=c1, relation=">=",
        summary=f"min over every step of min sum_r|rho| / (gamma^2 max sum_r|rho|) = {fmt(w)} ({kind}; "
                f"at checkpoints {fmt(w_ck)}, smallest at t = {t_at}) "
                f"(c1 = {fmt(c1)} from the proof at beta = {fmt(rg.beta)}, C' = {fmt(rg.C_prime_c1)})"
                + _regime_note(rg),
        details=describe(problem) | {"t_of_min": t_at, "witness_checkpoints": w_ck,
                                     "witness_every_step": w_all / g2, "every_step_kind": kind}
                | regime_facts(rg, problem.tau, problem),
        series=[series("Balance ratio over time", "t (steps)", "ratio / gamma^2",
                       [("balance ratio", tr.steps[k], r),
                        ("c1", tr.steps[k], np.full(k.sum(), c1))], logx=True)])


# ---------------------------------------------------------------------------------------------
# Lemma B.5: the activation pattern after T1
# ---------------------------------------------------------------------------------------------
def wrong_sign_of(Z: np.ndarray, target: np.ndarray) -> np.ndarray:
    """``sign(Z) != target`` as booleans; a zero pre-activation has sign 0 and counts as wrong."""
    return ~(((Z > 0) & (target > 0)) | ((Z < 0) & (target < 0)))


def wrong_sign(tr) -> np.ndarray:
    """``sign(<w_{j,r}(t), x_i>) != j y_i`` as booleans (K, 2, m, n)."""
    return wrong_sign_of(tr.preactivation, jy(tr.problem))


def b5_witness(steps: np.ndarray, bad: np.ndarray, T1: int) -> tuple[float, float]:
    """``((last + 1) / T1, last)``: ``last`` is the last step with any wrong sign (-1 if none);
    the lemma holds iff ``last < T1``, i.e. the witness is ``<= 1``."""
    last = last_true(steps, bad.reshape(len(steps), -1).any(1))
    return (last + 1.0) / T1, last


def _b5_strategy(**kw):
    kw.setdefault("n_range", (2, N_MAX))
    return S.leaky_problems(horizon_tau=60.0, dense_tau=0.5, dense_T1=3.0, m_range=(1, 10), **kw)


@statement(
    "B.5", kind="lemma", title="Activation pattern after T1",
    text="For all t >= T1 = C' n m / (eta Rmax^2): sign(<w_{j,r}(t), x_i>) = j y_i for all j, r, i "
         "(so the pattern never changes after T1).",
    strategy=_b5_strategy(),
    hypotheses=LEAKY_HYPS, constants=LEAKY_CONSTS, markers=("leaky", "statement"),
    controls={"relu": S.with_relu(_b5_strategy(sigma0_frac=(0.1, 1.0), n_range=(2, 8))),
              "large_sigma0": S.with_large_sigma0(_b5_strategy(n_range=(2, 8)))},
    source="Lemma B.5 (Appendix B)")
def check_B5(problem) -> Evidence:
    """The proof's own T1 on this example: ``T1* = floor(u* tau) + 1`` steps, ``u*`` the smallest
    C' with ``(1 - kappa_B) gamma R^-2 C' c~(C') > beta`` (DERIVED-CONSTANTS row b;
    :func:`theorems.constants.leaky_regime`). Witness: ``(last wrong step + 1) / T1*``
    (:func:`b5_witness`); holds iff ``<= 1``. Checkpoints are every step up to ``3 T1*`` and
    ``tau/2``, log-spaced after; between checkpoints the engine's per-step record of the last wrong
    sign (:mod:`sim.running`, exact on every engine) closes the gaps, so the witness sees every step."""
    tr = run(problem)
    rg = regime(problem)
    T1 = T1_star(rg, problem.tau)
    bad = wrong_sign(tr)
    w, last = b5_witness(tr.steps, bad, T1)
    every = last_running(tr, "last_wrong_sign")
    if every > last:
        last, w = every, (every + 1.0) / T1
    frac = bad.reshape(len(tr.steps), -1).mean(1)
    return Evidence(
        holds=w <= 1.0, witness=w, bound=1.0, relation="<=",
        summary=f"last sign(<w_jr, x_i>) != j y_i at t = {int(last)}; the proof's T1* = {T1} steps "
                f"(u* = {fmt(rg.u_star)} tau, tau = {fmt(problem.tau)}, beta = {fmt(rg.beta)})"
                + _regime_note(rg),
        details=describe(problem) | {"last_violation_step": last} | regime_facts(rg, problem.tau, problem),
        series=[series("Fraction of (j, r, i) with sign != j y_i", "t / T1*", "fraction",
                       [("wrong signs", np.maximum(tr.steps, 1) / T1, frac)], logx=True)])


# ---------------------------------------------------------------------------------------------
# Lemma C.3 (Theorem 4.1, second bullet): stable rank -> 1 at rate 1/log t
# ---------------------------------------------------------------------------------------------
SR_FLOOR = 1e-9  # SR - 1 below this is round-off (eigvalsh on the Gram matrix)


def sr_decade_witness(steps: np.ndarray, sr1: np.ndarray, T1: float, decades: float = 3.0) -> float:
    """``max (SR(t2) - 1) log t2 / ((SR(t1) - 1) log t1)`` over checkpoints ``t2 >= 10 t1``,
    ``t1 >= max(T1, 2, T / 10^decades)``, with ``sr1 = SR - 1`` (K,) clipped below at
    ``SR_FLOOR`` (round-off; a pair both at the floor gives 1): ``SR - 1`` decays at least as fast as ``1/log t`` across the last decades iff
    ``<= 1``."""
    T = steps[-1]
    lg = np.log(np.maximum(steps, 2.0))
    e = np.maximum(sr1, SR_FLOOR) * lg
    k = steps >= max(T1, 2.0, T / 10 ** decades)
    t, e, lg = steps[k].astype(float), e[k], lg[k]
    best = 0.0
    for a in range(len(t)):
        later = t >= 10 * t[a]
        if later.any():
            # SR - 1 at round-off level on both ends is no growth: the floor enters at the later log t
            best = max(best, float((e[later] / np.maximum(e[a], SR_FLOOR * lg[later])).max()))
    return best


def c3_bound(problem, rg: LeakyRegime, t: np.ndarray, j: int, w0_norm_max: float) -> np.ndarray:
    """The proof of C.3's bound ``SR(W_j(t)) - 1 <= 4 b V / (V - b)^2`` for ``t >= T1``
    (DERIVED-CONSTANTS row e, checked; lines 4006-4790, with the paper's missing factor 2 in the
    cross term restored): ``b = max_r ||w_{j,r}(0)|| + sqrt((1+q) n) (1-gamma) C' / Rmin`` (C.1-2:
    own-class coefficients differ by at most ``(1-gamma) C'``, constant after T1 by D.1) and ``V``
    the lower bound ``sqrt((1-q)(n_j + gamma^2 n_-j)) G(t) / Rmax`` of ``||w_{j,r} - w_{j,r}(0)||``,
    ``G(t) = log(1 + (1+g^2)(1+kappa) eta Rmin^2 e^{-C_i} (t - T1)/(2nm)) / ((1+g^2)(1+kappa))``
    ((D.6), ``C_i = (1+g)((1+kappa) C' + beta)``). ``(1-q)`` replaces row e's ``(1 - R^2 q)``:
    ``||sum_i c_i x_i||^2 >= (1-q) sum_i c_i^2 ||x_i||^2`` directly. Infinite where ``V <= b``."""
    p = problem
    g, q, k = p.gamma, rg.q, rg.kappa
    T1 = T1_star(rg, p.tau)
    Cp = T1 / p.tau
    nj = int((p.data.y == (1.0 if j == 0 else -1.0)).sum())
    b = w0_norm_max + math.sqrt((1 + q) * p.n) * (1 - g) * Cp / p.data.Rmin
    Ci = (1 + g) * ((1 + k) * Cp + rg.beta)
    A = (1 + g ** 2) * (1 + k)
    G = np.log1p(A * p.eta * p.data.Rmin ** 2 * math.exp(-Ci) * np.maximum(t - T1, 0.0) / (2 * p.n * p.m)) / A
    V = math.sqrt(max(1 - q, 0.0) * (nj + g ** 2 * (p.n - nj))) * G / p.data.Rmax
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(V > b, 4 * b * V / (V - b) ** 2, np.inf)


def stable_rank_witness(tr, rg: LeakyRegime):
    """``(w, parts)``: ``w = max(rate, bound)`` over ``j = +-1``, where ``rate`` is
    :func:`sr_decade_witness` on the checkpoints after T1* and ``bound`` is
    ``max_t (SR(W_j(t)) - 1) / c3_bound(t)``; the statement holds iff ``w <= 1``."""
    p = tr.problem
    T1 = T1_star(rg, p.tau)
    sr = tr.stable_rank[:, :2]
    k = tr.steps >= T1
    t = tr.steps[k].astype(float)
    rate = max(sr_decade_witness(tr.steps, sr[:, j] - 1, T1) for j in (0, 1))
    w0n = np.linalg.norm(tr.W0, axis=-1).max(axis=1)  # (2,)
    bound_part, bound_min = 0.0, math.inf
    for j in (0, 1):
        bd = c3_bound(p, rg, t, j, float(w0n[j]))
        fin = np.isfinite(bd)
        if fin.any():
            bound_part = max(bound_part, float(((sr[k, j] - 1)[fin] / bd[fin]).max()))
            bound_min = min(bound_min, float(bd[fin].min()))
    return max(rate, bound_part), {"rate_part": float(rate), "bound_part": float(bound_part),
                                   "c3_bound_at_T": bound_min if math.isfinite(bound_min) else None,
                                   "SR_end": sr[-1].tolist(), "T1": T1}


def _sr_series(tr):
    k = tr.steps >= 2
    t = tr.steps[k]
    return series("Stable rank of W_{+1}, W_{-1} against t", "t (steps)", "SR - 1",
                  [("SR(W_+1) - 1", t, tr.stable_rank[k, 0] - 1),
                   ("SR(W_-1) - 1", t, tr.stable_rank[k, 1] - 1)], logx=True, logy=True)


def _c3_strategy(**kw):
    # m >= 2: with one neuron per sign W_j has rank one and SR(W_j) = 1 trivially
    kw.setdefault("n_range", (2, N_MAX))
    return S.leaky_problems(horizon_tau=400.0, m_range=(2, 16), limit=True, **kw)


@statement(
    "C.3", kind="lemma", title="Stable rank of W_j tends to 1 at rate O(1/log t)",
    text="lim_t SR(W_j(t)) = 1 for j = +-1, with SR(W_j(t)) - 1 = O(1/log t).",
    strategy=_c3_strategy(),
    hypotheses=LEAKY_HYPS, constants=LEAKY_CONSTS, markers=("leaky", "statement"),
    controls={"relu": S.with_relu(S.leaky_problems(horizon_tau=400.0, n_range=(6, 8), m_range=(4, 16),
                                                   min_per_class=3, sigma0_frac=(0.1, 1.0), limit=True))},
    source="Lemma C.3 (Appendix C); Theorem 4.1 second bullet")
def check_C3(problem) -> Evidence:
    """Two finite-horizon forms (:func:`stable_rank_witness`): the proof's explicit bound
    ``4bV/(V-b)^2`` at every checkpoint after T1* where it is finite, and the rate: ``(SR-1) log t``
    does not grow from any checkpoint to one a decade or more later over the last three decades.
    Witness: the larger normalised part; holds iff ``<= 1``."""
    tr = run(problem)
    rg = regime(problem)
    w, parts = stable_rank_witness(tr, rg)
    return Evidence(
        holds=w <= 1.0, witness=w, bound=1.0, relation="<=",
        summary=f"(SR-1) log t across decades: worst ratio {fmt(parts['rate_part'])}; (SR-1) / proof's "
                f"4bV/(V-b)^2: {fmt(parts['bound_part'])}; SR(W_+-1)(T) = {fmt(parts['SR_end'][0])}, "
                f"{fmt(parts['SR_end'][1])}" + _regime_note(rg),
        details=describe(problem) | parts | regime_facts(rg, problem.tau, problem), series=[_sr_series(tr)])


# ---------------------------------------------------------------------------------------------
# Lemmas C.1 / C.2: neurons of a class stay within C' of each other
# ---------------------------------------------------------------------------------------------
def spread_of(rho_own: np.ndarray, rho_other: np.ndarray) -> np.ndarray:
    """``max(spread_r rhobar_{y_i,r,i}, spread_r rhounder_{-y_i,r,i})`` per checkpoint and point,
    from own/other slices of shape (K, m, n): (K, n)."""
    a = np.ptp(np.maximum(rho_own, 0.0), axis=1)
    b = np.ptp(np.minimum(rho_other, 0.0), axis=1)
    return np.maximum(a, b)


def _c12_strategy(**kw):
    kw.setdefault("n_range", (2, N_MAX))
    return S.leaky_problems(horizon_tau=200.0, m_range=(2, 12), **kw)


@statement(
    "C.1-2", kind="lemma", title="Coefficients of one class stay within C' of each other",
    text="For all t and r, r': |rhobar_{y_i,r,i}(t) - rhobar_{y_i,r',i}(t)| <= C' and "
         "|rhounder_{-y_i,r,i}(t) - rhounder_{-y_i,r',i}(t)| <= C' (C.1 for t <= T1, C.2 for t >= T1).",
    strategy=_c12_strategy(), hypotheses=LEAKY_HYPS, constants=LEAKY_CONSTS,
    markers=("leaky", "statement"),
    controls={"relu": S.with_relu(_c12_strategy(sigma0_frac=(0.1, 1.0), n_range=(2, 3)))},
    source="Lemmas C.1 and C.2 (Appendix C)")
def check_C12(problem) -> Evidence:
    """The proof's bound with its own C' = T1*/tau, per point: before T1* a step moves
    ``rho_{j,r,i}`` by ``(eta/(nm)) |l'_i| sigma' ||x_i||^2`` with ``sigma' in [gamma, 1]``, so two
    neurons drift apart by at most ``(1 - gamma) T1* ||x_i||^2 / (tau Rmax^2)``; after T1* their
    increments are equal (D.1). Witness: ``max_{t, i}`` spread / that bound; holds iff ``<= 1``."""
    tr = run(problem)
    rg = regime(problem)
    T1 = T1_star(rg, problem.tau)
    bound_i = (1 - problem.gamma) * T1 / problem.tau * problem.data.norms ** 2 / problem.data.Rmax ** 2
    sp = spread_of(own(tr, tr.rho), other(tr, tr.rho))  # (K, n)
    rel = sp / bound_i[None, :]
    w = float(rel.max())
    k, i = np.unravel_index(int(rel.argmax()), rel.shape)
    ts = tr.steps >= 1
    return Evidence(holds=w <= 1.0, witness=w, bound=1.0, relation="<=",
                    summary=f"largest spread of rhobar_(y_i,.,i) or rhounder_(-y_i,.,i) over neurons: "
                            f"{fmt(float(sp[k, i]))} at t = {int(tr.steps[k])}, i = {i}, against the proof's "
                            f"(1-gamma) C' ||x_i||^2/Rmax^2 = {fmt(float(bound_i[i]))} (C' = T1*/tau = "
                            f"{fmt(T1 / problem.tau)})" + _regime_note(rg),
                    details=describe(problem) | regime_facts(rg, problem.tau, problem),
                    series=[series("Spread of the coefficients over neurons / bound", "t (steps)",
                                   "max_i spread_i / bound_i",
                                   [("spread / bound", tr.steps[ts], rel.max(1)[ts])], logx=True)])


# ---------------------------------------------------------------------------------------------
# Lemma D.1 (= Lemma 5.7): exact identities once the pattern is fixed
# ---------------------------------------------------------------------------------------------
def d1_parts(inc_own: np.ndarray, inc_oth: np.ndarray, gamma: float) -> tuple[float, float, float]:
    """D.1's three exact identities on increments since T1 (shape (K', m, n)), each relative to the
    largest own-class increment: (a) spread over r of own increments, (b) of other-class ones,
    (c) ``max |own + other/gamma|`` (other <= 0, so ``|other| / gamma = own``)."""
    scale = max(float(np.abs(inc_own).max()), 1e-300)
    a = float((inc_own.max(1) - inc_own.min(1)).max()) / scale
    b = float((inc_oth.max(1) - inc_oth.min(1)).max()) / scale
    c = float(np.abs(inc_own + inc_oth / gamma).max()) / scale if gamma > 0 else 0.0
    return a, b, c


def _d1_strategy(**kw):
    kw.setdefault("n_range", (2, N_MAX))
    return S.leaky_problems(horizon_tau=200.0, m_range=(2, 12), **kw)


@statement(
    "D.1", kind="lemma", title="Equal increments after T1 (Lemma 5.7)",
    text="For t >= T1: rhobar_{y_i,r,i}(t) - rhobar_{y_i,r,i}(T1) is the same for every r; so is "
         "rhounder_{-y_i,r,i}(t) - rhounder_{-y_i,r,i}(T1); and the first equals "
         "(|rhounder_{-y_i,r',i}(t)| - |rhounder_{-y_i,r',i}(T1)|) / gamma.",
    strategy=_d1_strategy(), hypotheses=LEAKY_HYPS, constants=LEAKY_CONSTS + (ROUNDOFF,),
    markers=("leaky", "statement"),
    controls={"relu": S.with_relu(_d1_strategy(sigma0_frac=(0.1, 1.0), n_range=(2, 8)))},
    source="Lemma D.1 (Appendix D) = Lemma 5.7")
def check_D1(problem) -> Evidence:
    """Exact once the pattern is fixed (Lemma B.5), from the proof's own T1* (not C' tau with a
    declared C'): :func:`d1_parts` over checkpoints ``t >= T1*``; holds iff all ``<= roundoff``."""
    tr = run(problem)
    rg = regime(problem)
    T1 = T1_star(rg, problem.tau)
    kT = int(np.searchsorted(tr.steps, T1))
    if kT >= len(tr.steps) - 1:
        raise ValueError("D.1 needs checkpoints after T1*; the strategy's horizon is too short")
    inc_own = own(tr, tr.rho)[kT:] - own(tr, tr.rho)[kT]
    inc_oth = other(tr, tr.rho)[kT:] - other(tr, tr.rho)[kT]
    a, b, c = d1_parts(inc_own, inc_oth, problem.gamma)
    w = max(a, b, c)
    return Evidence(holds=w <= ROUNDOFF.value, witness=w, bound=ROUNDOFF.value, relation="<=",
                    summary=f"after T1* = {T1} (checkpoint {int(tr.steps[kT])}): spread of own-class increments "
                            f"{a:.3g}, other-class {b:.3g}, own - |other|/gamma {c:.3g} (relative; bound "
                            f"{ROUNDOFF.value})" + _regime_note(rg),
                    details=describe(problem) | {"T1_checkpoint": int(tr.steps[kT]), "own": a, "other": b,
                                                 "ratio": c} | regime_facts(rg, problem.tau, problem))


# ---------------------------------------------------------------------------------------------
# Theorem 4.1: all three bullets on one trajectory
# ---------------------------------------------------------------------------------------------
def _class_signs(problem) -> np.ndarray:
    """``s_{j,i}``: 1 where ``y_i = j``, gamma where ``y_i = -j`` (D.1: |rhounder| grows gamma times as
    fast as rhobar), shape (2, n) with index 0 for ``j = +1``."""
    y = problem.data.y
    return np.stack([np.where(y > 0, 1.0, problem.gamma), np.where(y < 0, 1.0, problem.gamma)])


def norm_bounds(problem, rg: LeakyRegime, t: np.ndarray, w0_norms: np.ndarray):
    """Finite-horizon two-sided bounds on ``||w_{j,r}(t)||`` for ``t >= T1*`` from the proofs
    (Theorem 4.1's first bullet; DERIVED-CONSTANTS row g made finite-time), shapes (K', 2, m):

    - lower: ``sqrt((1-q) sum_i s_{j,i}^2 G_i(t)^2 / ||x_i||^2) - ||w_{j,r}(0)||`` with (D.6)'s
      ``G_i(t) = log(1 + (1+g^2)(1+kappa) eta ||x_i||^2 e^{-C_i} (t - T1)/(2nm)) / ((1+g^2)(1+kappa))``,
      ``C_i = (1+g)((1+kappa) C' + beta)``, ``C' = T1*/tau``;
    - upper: ``||w_{j,r}(0)|| + sqrt((1+q) sum_i (A_i + s_{j,i} H_i(t))^2 / ||x_i||^2)`` with
      ``A_i = C' ||x_i||^2/Rmax^2`` (``|rho(T1)|``, (B.14)) and, from line 612's margin bound
      ``y_i f >= (1+g^2)(1-kappa) Delta rhobar_i - (1+g)beta``, ``|l'| <= e^{-y_i f}`` and H.1:
      ``H_i(t) = log(1 + c e^c (t - T1)) / ((1+g^2)(1-kappa))``,
      ``c = (1+g^2)(1-kappa) eta ||x_i||^2 e^{(1+g) beta}/(nm)``.
    ``||sum_i c_i x_i||^2`` lies in ``[(1-q), (1+q)] sum_i c_i^2 ||x_i||^2`` (``q = (n-1)p/Rmin^2``)."""
    p = problem
    g, q, k = p.gamma, rg.q, rg.kappa
    T1 = T1_star(rg, p.tau)
    Cp = T1 / p.tau
    x2 = p.data.norms ** 2
    dt = np.maximum(np.asarray(t, dtype=float) - T1, 0.0)[:, None]  # (K', 1)
    A = (1 + g ** 2) * (1 + k)
    Ci = (1 + g) * ((1 + k) * Cp + rg.beta)
    G = np.log1p(A * p.eta * x2 * math.exp(-Ci) * dt / (2 * p.n * p.m)) / A  # (K', n)
    s = _class_signs(p)  # (2, n)
    lo_v = np.sqrt(max(1 - q, 0.0) * ((s[None] * G[:, None, :]) ** 2 / x2).sum(-1))  # (K', 2)
    lo = lo_v[:, :, None] - w0_norms[None]
    B = (1 + g ** 2) * (1 - k)
    if B <= 0:
        hi = np.full_like(lo, np.inf)
    else:
        c = B * p.eta * x2 * math.exp((1 + g) * rg.beta) / (p.n * p.m)
        H = np.log1p(c * np.exp(c) * dt) / B  # (K', n)
        coef = Cp * x2 / p.data.Rmax ** 2 + s[None] * H[:, None, :]
        hi = np.sqrt((1 + q) * (coef ** 2 / x2).sum(-1))[:, :, None] + w0_norms[None]
    return lo, hi


def norm_witness(norms: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> float:
    """``max(max lo / ||w||, max ||w|| / hi)`` over checkpoints and neurons (where ``lo > 0``):
    ``||w_{j,r}(t)||`` lies in ``[lo, hi]`` everywhere iff ``<= 1``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        a = np.where(lo > 0, lo / norms, 0.0)
        b = np.where(np.isfinite(hi), norms / hi, 0.0)
    return float(max(a.max(initial=0.0), b.max(initial=0.0)))


def norm_slope_band(problem, rg: LeakyRegime) -> np.ndarray:
    """DERIVED-CONSTANTS row g's sharp limit band for ``||w_{j,r}(t)|| / log t`` per class,
    ``[sqrt((1-q) S_j) / ((1+g^2)(1+kappa)), sqrt((1+q) S_j) / ((1+g^2)(1-kappa))]`` with
    ``S_j = sum_i s_{j,i}^2 / ||x_i||^2``: (2, 2). Reported beside the last decade's slope."""
    g, q, k = problem.gamma, rg.q, rg.kappa
    S_j = (_class_signs(problem) ** 2 / problem.data.norms ** 2).sum(-1)
    lo = np.sqrt(max(1 - q, 0.0) * S_j) / ((1 + g ** 2) * (1 + k))
    hi = np.sqrt((1 + q) * S_j) / ((1 + g ** 2) * (1 - k)) if k < 1 else np.full(2, np.inf)
    return np.stack([lo, hi], axis=1)


def loss_bound(problem, rg: LeakyRegime, t: np.ndarray) -> np.ndarray:
    """Lemma D.2's explicit bound (:func:`theorems.constants.d2_loss_bound`) with ``C' = T1*/tau``,
    for ``t >= T1*``."""
    from ..constants import d2_loss_bound

    T1 = T1_star(rg, problem.tau)
    return d2_loss_bound(np.asarray(t, dtype=float) - T1, rg, problem.gamma, problem.eta,
                         problem.data.norms, problem.n, problem.m, C_prime=T1 / problem.tau)


def loss_witness(loss: np.ndarray, bound: np.ndarray) -> float:
    """``max_t L_S(t) / bound(t)``: holds iff ``<= 1``."""
    return float((loss / bound).max(initial=0.0))


def thm41_witness(tr, rg: LeakyRegime):
    """One init's witness for Theorem 4.1: the largest of :func:`norm_witness` (bullet 1, with
    :func:`norm_bounds`), :func:`stable_rank_witness` (bullet 2) and :func:`loss_witness` against
    :func:`loss_bound` (bullet 3), each over the checkpoints ``t >= T1*``."""
    p = tr.problem
    T1 = T1_star(rg, p.tau)
    k = tr.steps >= T1
    t = tr.steps[k].astype(float)
    w0n = np.linalg.norm(tr.W0, axis=-1)  # (2, m)
    lo, hi = norm_bounds(p, rg, t, w0n)
    nw = norm_witness(tr.neuron_norms[k], lo, hi)
    sw, sr_parts = stable_rank_witness(tr, rg)
    lw = loss_witness(tr.loss[k], loss_bound(p, rg, t))
    k0 = at_fraction(tr.steps, 0.1)
    slope = (tr.neuron_norms[-1] - tr.neuron_norms[k0]) / math.log(tr.steps[-1] / max(tr.steps[k0], 1))
    band = norm_slope_band(p, rg)
    return max(nw, sw, lw), {"norm_part": nw, "sr_part": sw, "loss_part": lw,
                             "slope_over_band_low": float((slope / band[:, :1]).min()),
                             "slope_over_band_high": float((slope / band[:, 1:]).max()),
                             "alpha": (1 - rg.kappa) / (1 + rg.kappa)} | sr_parts


def in_event_failures(ws, inside):
    """``(in-event indices, failing in-event indices, worst index)`` for per-init witnesses ``ws``
    (an init fails iff its witness exceeds 1) and A.1-event flags ``inside``: the theorem is
    deterministic on the event, so any in-event failure refutes it; out-of-event inits never count.
    The worst index is the worst in-event init (the worst overall when none is inside)."""
    idx = [i for i, ok in enumerate(inside) if ok]
    fails = [i for i in idx if ws[i] > 1.0]
    worst = max(idx, key=lambda i: ws[i]) if idx else int(np.argmax(ws))
    return idx, fails, worst


def _thm41_strategy(**kw):
    kw.setdefault("n_range", (2, N_MAX))
    return S.leaky_problems(horizon_tau=400.0, m_range=(2, 10), limit=True, **kw)


@statement(
    "4.1", kind="theorem", title="Theorem 4.1 (leaky ReLU): norms, stable rank, loss rate",
    text="Under (B.2)-(B.4), w.p. >= 1 - delta: (1) ||w_{j,r}(t)|| = Theta(log t); "
         "(2) SR(W_j(t)) -> 1 at rate O(1/log t); (3) L_S(W(t)) = O(t^-alpha), "
         "alpha = (1 - kappa)/(1 + kappa), kappa = c gamma^-2 Rmin^-2 p n.",
    strategy=_thm41_strategy(),
    hypotheses=LEAKY_HYPS,
    constants=LEAKY_CONSTS + (KAPPA_C_DERIVED,),
    markers=("leaky", "statement"),
    # ReLU with one point per class: a neuron inactive on its class's point at init never moves,
    # so its norm stops growing (each of the 2m neurons is dead with probability 1/2)
    controls={"relu": S.with_relu(S.leaky_problems(horizon_tau=400.0, n_range=(2, 2), m_range=(4, 10),
                                                   sigma0_frac=(0.1, 1.0), limit=True)),
              "large_sigma0": S.with_large_sigma0(_thm41_strategy(n_range=(2, 6)), factor=(500.0, 5000.0))},
    source="Theorem 4.1 (Section 4); proofs in Appendices B-D")
def check_thm41(problem) -> Evidence:
    """Deterministic on Lemma A.1's event: over several inits (8 in ci, 32 in thorough), every
    init inside the event must have :func:`thm41_witness` ``<= 1`` (zero failures); inits outside
    the event are counted and reported, not checked, and at least one init must be inside. Witness:
    the worst in-event init's (infinite when none is inside)."""
    from .common import inits_per_example

    trs = run_inits(problem, inits_per_example())
    ws, parts, inside = [], [], []
    for tr in trs:
        ev = cond.a1_event(problem, tr.seed)
        rg = regime(problem, tr.seed)
        w, pw = thm41_witness(tr, rg)
        ws.append(w)
        parts.append(pw | regime_facts(rg, problem.tau, problem) | {"seed": tr.seed})
        inside.append(ev.holds)
    idx, fails, worst = in_event_failures(ws, inside)
    w = ws[worst] if idx else math.inf  # no init judged: the check vouches for nothing
    pw = parts[worst]
    out = len(trs) - len(idx)
    return Evidence(
        holds=bool(idx) and not fails, witness=w, bound=1.0, relation="<=",
        summary=f"{len(fails)}/{len(idx)} inits inside A.1's event fail ({out} outside it, not checked); "
                f"worst in-event init: (1) norms/bounds {fmt(pw['norm_part'])}, (2) SR {fmt(pw['sr_part'])}, "
                f"(3) L / D.2 bound {fmt(pw['loss_part'])} (alpha = {fmt(pw['alpha'])}, kappa = "
                f"{fmt(pw['kappa'])}); last-decade norm slope / row-g band: "
                f"[{fmt(pw['slope_over_band_low'])}, {fmt(pw['slope_over_band_high'])}]"
                + ("" if pw["in_regime"] else f" [outside the proofs' regime: {pw['regime_note']}]"),
        details=describe(problem) | {"inits": len(trs), "inits_in_event": len(idx), "inits_outside_event": out,
                                     "failures": len(fails), "per_init_witness": ws,
                                     "outside_event_witness": [ws[i] for i in range(len(ws)) if not inside[i]]}
        | pw,
        series=_thm41_series(trs[worst], regime(problem, trs[worst].seed)))


def _thm41_series(tr, rg):
    p = tr.problem
    T1 = T1_star(rg, p.tau)
    k = tr.steps >= max(T1, 2)
    t = tr.steps[k].astype(float)
    lo, hi = norm_bounds(p, rg, t, np.linalg.norm(tr.W0, axis=-1))
    lines = [("||w_{+1,0}||", t, tr.neuron_norms[k, 0, 0]), ("lower bound", t, lo[:, 0, 0]),
             ("upper bound", t, hi[:, 0, 0])]
    return [series("Neuron norm with the proofs' bounds", "t (steps)", "||w_{+1,0}(t)||", lines, logx=True),
            series("Training loss with Lemma D.2's bound", "t (steps)", "L_S(W(t))",
                   [("loss", t, tr.loss[k]), ("D.2 bound", t, loss_bound(p, rg, t))], logx=True, logy=True),
            _sr_series(tr)]
