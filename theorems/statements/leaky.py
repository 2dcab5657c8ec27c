"""Leaky ReLU (Sections B-D, Theorem 4.1): Lemma B.1, Lemma B.5, Lemma C.3 and Theorem 4.1."""

from __future__ import annotations

import math

import numpy as np

from .. import strategies as S
from ..constants import (ALPHA_TEST, C, C1_BALANCE, C_KAPPA, C_PRIME, DELTA, LOSS_RATE_K, NORM_BAND,
                         R_MAX, ROUNDOFF, SR_HORIZON_TOL, SR_RATE_K)
from ..registry import Evidence, statement
from .common import (at_fraction, check_over_inits, describe, fmt, jy, last_true, other, own, run,
                     series)

LEAKY_HYPS = ("Theorem 4.1 conditions (B.2)-(B.4) with C and delta", "0 < gamma < 1",
              "R = Rmax/Rmin <= R_max")
LEAKY_CONSTS = (C, DELTA, R_MAX)


# ---------------------------------------------------------------------------------------------
# Lemma B.1: automatic balance
# ---------------------------------------------------------------------------------------------
def balance_ratio(tr) -> np.ndarray:
    """``min_{j,i} sum_r |rho_{j,r,i}(t)| / (gamma^2 max_{j',i'} sum_r |rho_{j',r,i'}(t)|)`` per checkpoint."""
    Ssum = np.abs(tr.rho).sum(axis=2).reshape(len(tr.steps), -1)  # (K, 2n)
    with np.errstate(invalid="ignore", divide="ignore"):
        return Ssum.min(1) / (tr.problem.gamma ** 2 * Ssum.max(1))


@statement(
    "B.1", kind="lemma", title="Automatic balance of the coefficients",
    text="For all t >= 0, j, j' in {+-1}, i, i' in [n]: sum_r |rho_{j,r,i}(t)| >= c1 gamma^2 "
         "sum_r |rho_{j',r,i'}(t)|.",
    strategy=S.leaky_problems(horizon_tau=100.0),
    hypotheses=LEAKY_HYPS, constants=LEAKY_CONSTS + (C1_BALANCE,), markers=("leaky", "statement"),
    # few neurons, so a large init gives the points very different |l'| at the start
    controls={"large_sigma0": S.with_large_sigma0(S.leaky_problems(horizon_tau=100.0, m_range=(1, 3)),
                                                  factor=(500.0, 5000.0))},
    source="Lemma B.1 (Appendix B)")
def check_B1(problem) -> Evidence:
    """Witness: ``min_{t > 0}`` of :func:`balance_ratio`; holds iff ``>= c1``."""
    tr = run(problem)
    k = tr.steps > 0
    r = balance_ratio(tr)[k]
    w = float(np.nanmin(r)) if r.size else math.inf
    t_at = int(tr.steps[k][np.nanargmin(r)]) if r.size else 0
    return Evidence(
        holds=w >= C1_BALANCE.value, witness=w, bound=C1_BALANCE.value, relation=">=",
        summary=f"min_t min sum_r|rho| / (gamma^2 max sum_r|rho|) = {fmt(w)} at t = {t_at} "
                f"(c1 = {C1_BALANCE.value})",
        details=describe(problem) | {"t_of_min": t_at},
        series=[series("Balance ratio over time", "t (steps)", "ratio / gamma^2",
                       [("balance ratio", tr.steps[k], r),
                        ("c1", tr.steps[k], np.full(k.sum(), C1_BALANCE.value))], logx=True)])


# ---------------------------------------------------------------------------------------------
# Lemma B.5: the activation pattern after T1
# ---------------------------------------------------------------------------------------------
def wrong_sign(tr) -> np.ndarray:
    """``sign(<w_{j,r}(t), x_i>) != j y_i`` as booleans (K, 2, m, n); a zero pre-activation has
    sign 0 and counts as wrong."""
    target = jy(tr.problem)
    Z = tr.preactivation
    return ~(((Z > 0) & (target > 0)) | ((Z < 0) & (target < 0)))


def _b5_strategy(**kw):
    return S.leaky_problems(horizon_tau=60.0, dense_tau=3 * C_PRIME.value, m_range=(1, 10), **kw)


@statement(
    "B.5", kind="lemma", title="Activation pattern after T1",
    text="For all t >= T1 = C' n m / (eta Rmax^2): sign(<w_{j,r}(t), x_i>) = j y_i for all j, r, i "
         "(so the pattern never changes after T1).",
    strategy=_b5_strategy(),
    hypotheses=LEAKY_HYPS, constants=LEAKY_CONSTS + (C_PRIME,), markers=("leaky", "statement"),
    controls={"relu": S.with_relu(_b5_strategy(sigma0_frac=(0.1, 1.0))),
              "large_sigma0": S.with_large_sigma0(_b5_strategy())},
    source="Lemma B.5 (Appendix B)")
def check_B5(problem) -> Evidence:
    """Witness: the last step at which any sign differs from ``j y_i``, in units of
    ``tau = nm/(eta Rmax^2)``; holds iff ``<= C'``. Checkpoints are every step up to ``3 C' tau``
    (so the witness is exact there) and log-spaced after."""
    tr = run(problem)
    bad = wrong_sign(tr)
    frac = bad.reshape(len(tr.steps), -1).mean(1)
    last = last_true(tr.steps, frac > 0)
    t_unit = problem.tau
    w = max(last, 0.0) / t_unit
    return Evidence(
        holds=w <= C_PRIME.value, witness=w, bound=C_PRIME.value, relation="<=",
        summary=f"last sign(<w_jr, x_i>) != j y_i at t = {int(last)} = {fmt(w)} tau "
                f"(T1 = C' tau, C' = {C_PRIME.value}; tau = {fmt(t_unit)} steps)",
        details=describe(problem) | {"last_violation_step": last},
        series=[series("Fraction of (j, r, i) with sign != j y_i", "t / tau", "fraction",
                       [("wrong signs", np.maximum(tr.steps, 1) / t_unit, frac)], logx=True)])


# ---------------------------------------------------------------------------------------------
# Lemma C.3 (Theorem 4.1, second bullet): stable rank -> 1 at rate 1/log t
# ---------------------------------------------------------------------------------------------
def stable_rank_witness(tr):
    """``(w, parts)``: ``w = max(max_{t >= T1} (SR(W_j(t)) - 1) log t / K, (SR(W_j(T)) - 1) / sr_tol)``
    over ``j = +-1``; the statement holds iff ``w <= 1``."""
    T1 = C_PRIME.value * tr.problem.tau
    k = tr.steps >= max(T1, 2)
    sr = tr.stable_rank[:, :2]
    rate = ((sr[k] - 1) * np.log(tr.steps[k])[:, None]).max() / SR_RATE_K.value if k.any() else 0.0
    end = (sr[-1] - 1).max() / SR_HORIZON_TOL.value
    return max(rate, end), {"rate_part": float(rate), "horizon_part": float(end),
                            "SR_end": sr[-1].tolist(), "T1": T1}


def _sr_series(tr):
    k = tr.steps >= 2
    t = tr.steps[k]
    return series("Stable rank of W_{+1}, W_{-1} against t", "t (steps)", "SR - 1",
                  [("SR(W_+1) - 1", t, tr.stable_rank[k, 0] - 1),
                   ("SR(W_-1) - 1", t, tr.stable_rank[k, 1] - 1),
                   ("K / log t", t, SR_RATE_K.value / np.log(t))], logx=True, logy=True)


def _c3_strategy():
    # m >= 2: with one neuron per sign W_j has rank one and SR(W_j) = 1 trivially
    return S.leaky_problems(horizon_tau=400.0, n_range=(2, 8), m_range=(2, 16), limit=True)


@statement(
    "C.3", kind="lemma", title="Stable rank of W_j tends to 1 at rate O(1/log t)",
    text="lim_t SR(W_j(t)) = 1 for j = +-1, with SR(W_j(t)) - 1 = O(1/log t).",
    strategy=_c3_strategy(),
    hypotheses=LEAKY_HYPS, constants=LEAKY_CONSTS + (C_PRIME, SR_RATE_K, SR_HORIZON_TOL),
    markers=("leaky", "statement"),
    controls={"relu": S.with_relu(S.leaky_problems(horizon_tau=400.0, n_range=(6, 8), m_range=(4, 16),
                                                   min_per_class=3, sigma0_frac=(0.1, 1.0), limit=True))},
    source="Lemma C.3 (Appendix C); Theorem 4.1 second bullet")
def check_C3(problem) -> Evidence:
    """Finite-horizon form: ``SR(W_j(t)) - 1 <= K / log t`` at every checkpoint ``t >= T1`` and
    ``SR(W_j(T)) - 1 <= sr_tol`` at the horizon T. Witness: the larger of the two normalised
    excesses (:func:`stable_rank_witness`); holds iff ``<= 1``."""
    tr = run(problem)
    w, parts = stable_rank_witness(tr)
    return Evidence(
        holds=w <= 1.0, witness=w, bound=1.0, relation="<=",
        summary=f"max (SR-1) log t / K = {fmt(parts['rate_part'])}, (SR(T)-1)/sr_tol = "
                f"{fmt(parts['horizon_part'])}; SR(W_+-1)(T) = {fmt(parts['SR_end'][0])}, "
                f"{fmt(parts['SR_end'][1])}",
        details=describe(problem) | parts, series=[_sr_series(tr)])


# ---------------------------------------------------------------------------------------------
# Lemmas C.1 / C.2: neurons of a class stay within C' of each other
# ---------------------------------------------------------------------------------------------
def _c12_strategy(**kw):
    return S.leaky_problems(horizon_tau=200.0, m_range=(2, 12), **kw)


@statement(
    "C.1-2", kind="lemma", title="Coefficients of one class stay within C' of each other",
    text="For all t and r, r': |rhobar_{y_i,r,i}(t) - rhobar_{y_i,r',i}(t)| <= C' and "
         "|rhounder_{-y_i,r,i}(t) - rhounder_{-y_i,r',i}(t)| <= C' (C.1 for t <= T1, C.2 for t >= T1).",
    strategy=_c12_strategy(), hypotheses=LEAKY_HYPS, constants=LEAKY_CONSTS + (C_PRIME,),
    markers=("leaky", "statement"),
    controls={"relu": S.with_relu(_c12_strategy(sigma0_frac=(0.1, 1.0), n_range=(2, 3)))},
    source="Lemmas C.1 and C.2 (Appendix C)")
def check_C12(problem) -> Evidence:
    """Before T1 each step changes a coefficient by at most ``eta ||x_i||^2 / (nm) <= 1/tau``, so
    neurons drift apart by at most ``T1 / tau = C'``; after T1 their increments are equal (D.1).
    Witness: ``max_t max_{i, r, r'}`` of both differences; holds iff ``<= C'``."""
    tr = run(problem)
    own_rb = np.maximum(own(tr, tr.rho), 0.0)
    oth_ru = np.minimum(other(tr, tr.rho), 0.0)
    spread = np.maximum(np.ptp(own_rb, axis=1).max(1), np.ptp(oth_ru, axis=1).max(1))  # (K,)
    w = float(spread.max())
    k = int(spread.argmax())
    return Evidence(holds=w <= C_PRIME.value, witness=w, bound=C_PRIME.value, relation="<=",
                    summary=f"largest spread of rhobar_(y_i,.,i) or rhounder_(-y_i,.,i) over neurons: {fmt(w)} "
                            f"at t = {int(tr.steps[k])} (C' = {C_PRIME.value})",
                    details=describe(problem),
                    series=[series("Spread of the coefficients over neurons", "t (steps)", "max_r - min_r",
                                   [("spread", tr.steps[tr.steps >= 1], spread[tr.steps >= 1]),
                                    ("C'", tr.steps[tr.steps >= 1], np.full((tr.steps >= 1).sum(), C_PRIME.value))],
                                   logx=True)])


# ---------------------------------------------------------------------------------------------
# Lemma D.1 (= Lemma 5.7): exact identities once the pattern is fixed
# ---------------------------------------------------------------------------------------------
def _d1_strategy(**kw):
    return S.leaky_problems(horizon_tau=200.0, m_range=(2, 12), **kw)


@statement(
    "D.1", kind="lemma", title="Equal increments after T1 (Lemma 5.7)",
    text="For t >= T1: rhobar_{y_i,r,i}(t) - rhobar_{y_i,r,i}(T1) is the same for every r; so is "
         "rhounder_{-y_i,r,i}(t) - rhounder_{-y_i,r,i}(T1); and the first equals "
         "(|rhounder_{-y_i,r',i}(t)| - |rhounder_{-y_i,r',i}(T1)|) / gamma.",
    strategy=_d1_strategy(), hypotheses=LEAKY_HYPS, constants=LEAKY_CONSTS + (C_PRIME, ROUNDOFF),
    markers=("leaky", "statement"), controls={"relu": S.with_relu(_d1_strategy(sigma0_frac=(0.1, 1.0)))},
    source="Lemma D.1 (Appendix D) = Lemma 5.7")
def check_D1(problem) -> Evidence:
    """Exact once the pattern is fixed (Lemma B.5): after T1 every neuron of class ``y_i`` has
    ``sigma' = 1`` on ``x_i`` and every neuron of class ``-y_i`` has ``sigma' = gamma``, so their
    increments are equal. Witness: the largest of (a) the spread over r of the own-class increments,
    (b) the same for the other class, (c) ``|own increment - |other increment| / gamma|``, each
    relative to the largest own-class increment, over checkpoints ``t >= T1 = C' tau``; holds iff
    ``<= roundoff``."""
    tr = run(problem)
    kT = int(np.searchsorted(tr.steps, C_PRIME.value * problem.tau))
    if kT >= len(tr.steps) - 1:
        raise ValueError("D.1 needs checkpoints after T1; the strategy's horizon is too short")
    inc_own = own(tr, tr.rho)[kT:] - own(tr, tr.rho)[kT]  # (K', m, n)
    inc_oth = other(tr, tr.rho)[kT:] - other(tr, tr.rho)[kT]
    scale = max(float(np.abs(inc_own).max()), 1e-300)
    a = float((inc_own.max(1) - inc_own.min(1)).max()) / scale
    b = float((inc_oth.max(1) - inc_oth.min(1)).max()) / scale
    g = problem.gamma
    c = float(np.abs(inc_own + inc_oth / g).max()) / scale if g > 0 else 0.0  # rhounder <= 0: |.| = -.
    w = max(a, b, c)
    return Evidence(holds=w <= ROUNDOFF.value, witness=w, bound=ROUNDOFF.value, relation="<=",
                    summary=f"after T1 = {int(tr.steps[kT])}: spread of own-class increments {a:.3g}, "
                            f"other-class {b:.3g}, own - |other|/gamma {c:.3g} (relative; bound {ROUNDOFF.value})",
                    details=describe(problem) | {"T1_checkpoint": int(tr.steps[kT]), "own": a, "other": b,
                                                 "ratio": c})


# ---------------------------------------------------------------------------------------------
# Theorem 4.1: all three bullets on one trajectory
# ---------------------------------------------------------------------------------------------
def loss_exponent(p) -> float:
    """``alpha = (1 - kappa)/(1 + kappa)``, ``kappa = c gamma^-2 Rmin^-2 p n`` (Theorem 4.1; for
    ReLU we use gamma = 1 in kappa, see Theorem 4.3's check)."""
    g = p.gamma if p.gamma > 0 else 1.0
    kappa = C_KAPPA.value * g ** -2 * p.data.Rmin ** -2 * p.data.p * p.n
    return (1 - kappa) / (1 + kappa)


def loss_rate_witness(tr, alpha: float):
    """``max_{t in (T/10, T]} t^alpha L(t) / ((T/10)^alpha L(T/10))``: how much ``t^alpha L``
    grows over the last decade (below 1 when it falls); ``O(t^-alpha)`` keeps it <= 1 + K_loss,
    i.e. the effective decay exponent over the decade is at least ``alpha - log10(1 + K_loss)``."""
    k0 = at_fraction(tr.steps, 0.1)
    t = tr.steps[k0:].astype(float)
    v = np.log(tr.loss[k0:]) + alpha * np.log(t)
    return float(np.exp((v[1:] - v[0]).max())) if len(v) > 1 else 1.0


def _loss_series(tr, alpha):
    k = tr.steps >= 1
    t = tr.steps[k].astype(float)
    L = tr.loss[k]
    ref = L[-1] * (t / t[-1]) ** (-alpha)
    return series("Training loss (log-log) with the predicted slope", "t (steps)", "L_S(W(t))",
                  [("loss", t, L), (f"slope -alpha = {-alpha:.3g}", t, ref)], logx=True, logy=True)


def norm_slope_witness(tr):
    """Per neuron, the slope of ``||w_{j,r}(t)||`` against ``log t`` over the last decade, divided
    by the prediction ``sqrt(sum_{i: y_i = j} 1/||x_i||^2 + gamma^2 sum_{y_i != j} 1/||x_i||^2)
    / (1 + gamma^2)`` (margins grow like log t and rho_{-y_i} = gamma rho_{y_i}, Lemma D.1).
    Returns ``max |log(slope / prediction)|``; Theta(log t) with the paper's constants keeps it
    within ``log(norm_band)``."""
    p = tr.problem
    g2 = p.gamma ** 2
    inv = 1.0 / p.data.norms ** 2
    pred = np.array([np.sqrt(inv[p.data.y == j].sum() + g2 * inv[p.data.y != j].sum()) / (1 + g2)
                     for j in (1.0, -1.0)])
    k0 = at_fraction(tr.steps, 0.1)
    dlog = math.log(tr.steps[-1] / tr.steps[k0])
    slope = (tr.neuron_norms[-1] - tr.neuron_norms[k0]) / dlog  # (2, m)
    with np.errstate(divide="ignore", invalid="ignore"):
        q = np.abs(np.log(slope / pred[:, None]))
    q = np.where(np.isfinite(q), q, np.inf)
    return float(q.max()), slope, pred


def _thm41_strategy():
    return S.leaky_problems(horizon_tau=400.0, n_range=(2, 6), m_range=(2, 10), limit=True)


@statement(
    "4.1", kind="theorem", title="Theorem 4.1 (leaky ReLU): norms, stable rank, loss rate",
    text="Under (B.2)-(B.4), w.p. >= 1 - delta: (1) ||w_{j,r}(t)|| = Theta(log t); "
         "(2) SR(W_j(t)) -> 1 at rate O(1/log t); (3) L_S(W(t)) = O(t^-alpha), "
         "alpha = (1 - kappa)/(1 + kappa), kappa = c gamma^-2 Rmin^-2 p n.",
    strategy=_thm41_strategy(),
    hypotheses=LEAKY_HYPS,
    constants=LEAKY_CONSTS + (C_PRIME, NORM_BAND, SR_RATE_K, SR_HORIZON_TOL, C_KAPPA, LOSS_RATE_K,
                                ALPHA_TEST),
    markers=("leaky", "statement"),
    # ReLU with one point per class: a neuron inactive on its class's point at init never moves,
    # so its norm stops growing (each of the 2m neurons is dead with probability 1/2)
    controls={"relu": S.with_relu(S.leaky_problems(horizon_tau=400.0, n_range=(2, 2), m_range=(4, 10),
                                                   sigma0_frac=(0.1, 1.0), limit=True)),
              "large_sigma0": S.with_large_sigma0(_thm41_strategy(), factor=(500.0, 5000.0))},
    source="Theorem 4.1 (Section 4); proofs in Appendices B-D")
def check_thm41(problem) -> Evidence:
    """Per initialisation, three finite-horizon consequences, each normalised so that ``<= 1``
    holds: (1) :func:`norm_slope_witness` / log(norm_band); (2) :func:`stable_rank_witness`;
    (3) :func:`loss_rate_witness` / (1 + K_loss); the init's witness is the largest. "W.p. >= 1 -
    delta over the init": :func:`check_over_inits` (several inits, binomial test against delta)."""
    alpha = loss_exponent(problem)

    def per_init(tr):
        q, _, _ = norm_slope_witness(tr)
        w2, sr_parts = stable_rank_witness(tr)
        growth = loss_rate_witness(tr, alpha)
        ws = (q / math.log(NORM_BAND.value), w2, growth / (1 + LOSS_RATE_K.value))
        return max(ws), {"norm_part": ws[0], "sr_part": ws[1], "loss_part": ws[2], "norm_dev": q,
                         "loss_growth": growth, "loss_exponent": alpha} | sr_parts

    return check_over_inits(
        problem, per_init,
        lambda pw: f"(1) |log(norm slope / prediction)| = {fmt(pw['norm_dev'])} (band log {NORM_BAND.value}); "
                   f"(2) SR part {fmt(pw['sr_part'])}; (3) t^alpha L grows x{fmt(pw['loss_growth'])} over "
                   f"the last decade (alpha = {fmt(alpha)})",
        lambda tr: [_sr_series(tr), _loss_series(tr, alpha), _norm_series(tr)])


def _norm_series(tr):
    k = tr.steps >= 3
    t = tr.steps[k]
    return series("Neuron norms / log t", "t (steps)", "||w_{j,r}(t)|| / log t",
                  [(f"j={'+1' if j == 0 else '-1'}, r={r}", t, tr.neuron_norms[k, j, r] / np.log(t))
                   for j in (0, 1) for r in range(min(tr.problem.m, 3))], logx=True)
