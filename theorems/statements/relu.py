"""ReLU (Sections E-G, Theorem 4.3): Lemma E.1 (four parts), Lemma F.2 (pattern, exact zeros,
the limit) and Theorem 4.3."""

from __future__ import annotations

import math

import numpy as np

from .. import strategies as S
from ..constants import (ALPHA_TEST, C, C_KAPPA, C_SR_RELU, DELTA, E1_C1, E1_C2, E1_C3,
                         F2_LIMIT_TOL, LOSS_RATE_K, R_MAX, ROUNDOFF)
from ..registry import Evidence, statement
from .common import (active_at_init, at_fraction, beta, check_over_inits, describe, fmt, last_true, other,
                     own, run, series, tail_view, tau_min)
from .leaky import _loss_series, loss_exponent, loss_rate_witness

RELU_HYPS = ("Theorem 4.3 conditions (E.2)-(E.4) with C and delta", "ReLU (gamma = 0)",
             "R = Rmax/Rmin <= R_max")
RELU_CONSTS = (C, DELTA, R_MAX)


# ---------------------------------------------------------------------------------------------
# Lemma E.1
# ---------------------------------------------------------------------------------------------
def _e1_strategy():
    return S.relu_problems(horizon_tau=100.0, dense_tau=3.0, limit=True)


def _e1_setup(problem):
    """Run the problem; return ``(tr, A0, k, rb, lo, hi)``: the trajectory, ``r in S_i(0)`` (m, n),
    the mask ``t > 0``, ``rhobar_{y_i,r,i}(t)`` there, and E.1's two logarithms:
    ``lo = log(1 + eta |S_i(0)| ||x_i||^2 e^-beta t / (2nm^2))`` (ii) and
    ``hi = log(1 + 2 eta |S_i(0)| ||x_i||^2 e^(2 beta) t / (nm^2))`` (iii), each (K', n)."""
    tr = run(problem)
    A0 = active_at_init(tr)
    k = tr.steps > 0
    rb = np.maximum(own(tr, tr.rho), 0.0)[k]  # rhobar_{y_i,r,i}(t), (K', m, n)
    b = beta(tr)
    return tr, A0, k, rb, _e1_log(tr, A0, k, 0.5, math.exp(-b)), _e1_log(tr, A0, k, 2.0, math.exp(2 * b))


def _e1_log(tr, A0, k, factor: float, exp_beta: float):
    p = tr.problem
    S0 = A0.sum(0)  # |S_i(0)|
    t = tr.steps[k].astype(float)[:, None]
    a = factor * p.eta * S0 * p.data.norms ** 2 * exp_beta / (p.n * p.m ** 2)
    return np.log1p(a[None, :] * t)  # (K', n)


def _e1_series(tr, A0, k, rb, lo, hi):
    t = tr.steps[k]
    i = int(np.argmax(A0.any(0)))
    r = int(np.argmax(A0[:, i]))
    return series(f"rhobar_(y_i, r, i)(t) for i = {i}, r = {r} against its bounds", "t (steps)", "rho",
                  [("rhobar", t, rb[:, r, i]), ("c2 log(1 + ...)", t, E1_C2.value * lo[:, i]),
                   ("c3 log(1 + ...)", t, E1_C3.value * hi[:, i])], logx=True)


E1_CORRELATED = S.with_correlated_data(S.relu_problems(horizon_tau=100.0, sigma0_frac=(0.1, 1.0), limit=True),
                                       rho_corr=(0.8, 0.99))


@statement(
    "E.1(i)", kind="lemma", title="ReLU: initially active neurons dominate",
    text="For r in S_i(0): rhobar_{y_i,r,i}(t) >= c1 |rho_{j,r',i'}(t)| for all j, r', i' and t > 0.",
    strategy=_e1_strategy(), hypotheses=RELU_HYPS, constants=RELU_CONSTS + (E1_C1,),
    markers=("relu", "statement"), controls={"correlated": E1_CORRELATED},
    source="Lemma E.1 (Appendix E)")
def check_E1_i(problem) -> Evidence:
    """Witness: ``min_{t > 0, i, r in S_i(0)} rhobar_{y_i,r,i}(t) / max_{j,r',i'} |rho_{j,r',i'}(t)|``."""
    tr, A0, k, rb, _, _ = _e1_setup(problem)
    big = np.abs(tr.rho[k]).reshape(k.sum(), -1).max(1)[:, None, None]
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(A0[None], rb / big, np.inf)
    w = float(ratio.min()) if A0.any() else math.inf
    return Evidence(holds=w >= E1_C1.value, witness=w, bound=E1_C1.value, relation=">=",
                    summary=f"min rhobar_(y_i,r,i) / max |rho| over r in S_i(0), t > 0: {fmt(w)} "
                            f"(c1 = {E1_C1.value}); |S_i(0)|/m in [{fmt(A0.mean(0).min())}, "
                            f"{fmt(A0.mean(0).max())}]",
                    details=describe(problem))


@statement(
    "E.1(ii)", kind="lemma", title="ReLU: logarithmic lower rate of rhobar",
    text="For r in S_i(0): rhobar_{y_i,r,i}(t) >= c2 log(1 + eta |S_i(0)| ||x_i||^2 e^{-beta} t / (2 n m^2)).",
    strategy=_e1_strategy(), hypotheses=RELU_HYPS, constants=RELU_CONSTS + (E1_C2,),
    markers=("relu", "statement"), controls={"correlated": E1_CORRELATED},
    source="Lemma E.1 (Appendix E)")
def check_E1_ii(problem) -> Evidence:
    """Witness: ``min_{t > 0, i, r in S_i(0)} rhobar / log(1 + eta |S_i(0)| ||x_i||^2 e^-beta t/(2nm^2))``."""
    tr, A0, k, rb, lo, hi = _e1_setup(problem)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(A0[None], rb / lo[:, None, :], np.inf)
    w = float(ratio.min()) if A0.any() else math.inf
    return Evidence(holds=w >= E1_C2.value, witness=w, bound=E1_C2.value, relation=">=",
                    summary=f"min rhobar / log(1 + eta|S_i(0)|||x_i||^2 e^-beta t/(2nm^2)) = {fmt(w)} "
                            f"(c2 = {E1_C2.value})",
                    details=describe(problem) | {"beta": beta(tr)},
                    series=[_e1_series(tr, A0, k, rb, lo, hi)])


@statement(
    "E.1(iii)", kind="lemma", title="ReLU: logarithmic upper rate of rhobar",
    text="For r in S_i(0): rhobar_{y_i,r,i}(t) <= c3 log(1 + 2 eta |S_i(0)| ||x_i||^2 e^{2 beta} t / (n m^2)).",
    strategy=_e1_strategy(), hypotheses=RELU_HYPS, constants=RELU_CONSTS + (E1_C3,),
    markers=("relu", "statement"),
    controls={"large_eta": S.with_large_eta(_e1_strategy(), factor=(500.0, 5000.0))},
    source="Lemma E.1 (Appendix E)")
def check_E1_iii(problem) -> Evidence:
    """Witness: ``max_{t > 0, i, r in S_i(0)} rhobar / log(1 + 2 eta |S_i(0)| ||x_i||^2 e^{2 beta} t/(nm^2))``."""
    tr, A0, k, rb, lo, hi = _e1_setup(problem)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(A0[None], rb / hi[:, None, :], -np.inf)
    w = float(ratio.max()) if A0.any() else 0.0
    return Evidence(holds=w <= E1_C3.value, witness=w, bound=E1_C3.value, relation="<=",
                    summary=f"max rhobar / log(1 + 2 eta|S_i(0)|||x_i||^2 e^(2 beta) t/(nm^2)) = {fmt(w)} "
                            f"(c3 = {E1_C3.value}); max m/|S_i(0)| = {fmt(1 / max(A0.mean(0).min(), 1e-300))}",
                    details=describe(problem) | {"beta": beta(tr)},
                    series=[_e1_series(tr, A0, k, rb, lo, hi)])


@statement(
    "E.1(iv)", kind="lemma", title="ReLU: initially active neurons stay active (S_i(0) in S_i(t))",
    text="For all t >= 0: S_i(0) is a subset of S_i(t), i.e. <w_{y_i,r}(t), x_i> >= 0 whenever "
         "<w_{y_i,r}(0), x_i> >= 0 (Lemma 5.8).",
    strategy=_e1_strategy(), hypotheses=RELU_HYPS, constants=RELU_CONSTS,
    markers=("relu", "statement"), controls={"correlated": E1_CORRELATED},
    source="Lemma E.1 (Appendix E); Lemma 5.8")
def check_E1_iv(problem) -> Evidence:
    """Exact. Witness: ``min_{t >= 1, i, r in S_i(0)} <w_{y_i,r}(t), x_i>`` (checkpoints every step
    up to 3 tau, log-spaced after; t = 0 is left out, where it holds by definition and its value,
    ~0 for tiny sigma0, would hide the margin); holds iff ``>= 0``."""
    tr = run(problem)
    A0 = active_at_init(tr)
    Zo = own(tr, tr.preactivation)
    vals = np.where(A0[None] & (tr.steps >= 1)[:, None, None], Zo, np.inf)
    w = float(vals.min()) if A0.any() else math.inf
    lost = (A0[None] & (Zo < 0)).reshape(len(tr.steps), -1).sum(1)
    return Evidence(holds=w >= 0, witness=w, bound=0.0, relation=">=",
                    summary=f"min over t, r in S_i(0) of <w_(y_i,r)(t), x_i> = {fmt(w)}; "
                            f"neurons that left S_i(t) at some checkpoint: {int(lost.max())}",
                    details=describe(problem),
                    series=[series("Initially active neurons that are inactive at t", "t (steps)",
                                   "count", [("left S_i(t)", np.maximum(tr.steps, 1), lost)], logx=True)])


# ---------------------------------------------------------------------------------------------
# Lemma F.2 (mutually orthogonal data)
# ---------------------------------------------------------------------------------------------
def _f2_strategy():
    return S.relu_problems(orthogonal=True, horizon_tau=2000.0, n_log=60, limit=True)


def _f2_T(problem) -> float:
    """``T = C n m / (eta Rmin^2)`` (the paper prints ``C eta^-1 Rmin^-2 / nm``, a typo; the proof
    uses ``eta T / (nm) = C Rmin^-2``)."""
    return C.value * tau_min(problem)


@statement(
    "F.2(pattern)", kind="lemma", title="ReLU, orthogonal data: the pattern is fixed by the init after T",
    text="For t >= T = C nm/(eta Rmin^2): <w_{y_i,r}(t), x_i> >= 0 iff <w_{y_i,r}(0), x_i> >= 0, and "
         "<w_{-y_i,r}(t), x_i> < 0 for all r.",
    strategy=_f2_strategy(), hypotheses=RELU_HYPS + ("mutually orthogonal data (p = 0)",),
    constants=RELU_CONSTS, markers=("relu", "statement"),
    controls={"large_sigma0": S.with_large_sigma0(_f2_strategy())},
    source="Lemma F.2 (Appendix F)")
def check_F2_pattern(problem) -> Evidence:
    """Witness: the last checkpoint at which the pattern differs from the predicted one, in units of
    ``nm/(eta Rmin^2)``; holds iff ``<= C``."""
    tr = run(problem)
    Zo, Zx = own(tr, tr.preactivation), other(tr, tr.preactivation)
    bad = ((Zo >= 0) != (Zo[0] >= 0)[None]) | (Zx >= 0)
    frac = bad.reshape(len(tr.steps), -1).mean(1)
    unit = tau_min(problem)
    last = last_true(tr.steps, frac > 0)
    w = max(last, 0.0) / unit
    return Evidence(holds=w <= C.value, witness=w, bound=C.value, relation="<=",
                    summary=f"pattern last differs from the init-determined one at t = {int(last)} "
                            f"= {fmt(w)} nm/(eta Rmin^2) (T = C of those, C = {C.value})",
                    details=describe(problem) | {"last_violation_step": last},
                    series=[series("Fraction of (r, i) off the predicted pattern", "t eta Rmin^2 / (nm)",
                                   "fraction", [("off pattern", np.maximum(tr.steps, 1) / unit, frac)],
                                   logx=True)])


@statement(
    "F.2(zeros)", kind="lemma", title="ReLU, orthogonal data: exact zeros and frozen rhounder",
    text="rho_{j,r,i}(t) = 0 for all t whenever <w_{j,r}(0), x_i> < 0; rhounder_{-y_i,r,i}(t) is "
         "constant for t >= T when the neuron was active at init.",
    strategy=_f2_strategy(), hypotheses=RELU_HYPS + ("mutually orthogonal data (p = 0)",),
    constants=RELU_CONSTS + (ROUNDOFF,), markers=("relu", "statement"),
    controls={"correlated": S.with_correlated_data(_f2_strategy())},
    source="Lemma F.2 (Appendix F)")
def check_F2_zeros(problem) -> Evidence:
    """Exact. Witness: the larger of ``max |rho_{j,r,i}(t)|`` over entries inactive at init (must
    be exactly 0) and ``max_{t >= T} |rhounder_{-y_i,r,i}(t) - rhounder_{-y_i,r,i}(T)|`` relative
    to ``1 + max |rho|``; holds iff ``<= roundoff``."""
    tr = run(problem)
    inactive0 = tr.preactivation[0] < 0  # (2, m, n)
    zero_part = float(np.abs(tr.rho[:, inactive0]).max()) if inactive0.any() else 0.0
    kT = int(np.searchsorted(tr.steps, _f2_T(problem)))
    ru = np.minimum(other(tr, tr.rho), 0.0)
    act = (other(tr, tr.preactivation)[0] >= 0)
    scale = 1.0 + float(np.abs(tr.rho).max())
    const_part = float(np.abs(ru[kT:] - ru[kT][None])[:, act].max()) / scale \
        if (act.any() and kT < len(tr.steps)) else 0.0
    w = max(zero_part, const_part)
    return Evidence(holds=w <= ROUNDOFF.value, witness=w, bound=ROUNDOFF.value, relation="<=",
                    summary=f"max |rho| where inactive at init = {zero_part:.3g}; drift of rhounder "
                            f"after T = {const_part:.3g} (round-off bound {ROUNDOFF.value})",
                    details=describe(problem) | {"zero_part": zero_part, "const_part": const_part})


def decade_increments(tr):
    """``(rhobar_{y_i,r,i}(T) - rhobar_{y_i,r,i}(T'))/log(T/T')`` with ``T'`` the first checkpoint
    at or after ``T/10``: the finite-horizon form of ``lim rhobar / log t``."""
    k0 = at_fraction(tr.steps, 0.1)
    rb = np.maximum(own(tr, tr.rho), 0.0)
    return (rb[-1] - rb[k0]) / math.log(tr.steps[-1] / tr.steps[k0])


@statement(
    "F.2(limit)", kind="lemma", title="ReLU, orthogonal data: rhobar grows like (m/|S_i(0)|) log t",
    text="lim_t rhobar_{y_i,r,i}(t) / log t = m / |S_i(0)| for r in S_i(0).",
    strategy=_f2_strategy(), hypotheses=RELU_HYPS + ("mutually orthogonal data (p = 0)",),
    constants=RELU_CONSTS + (F2_LIMIT_TOL,), markers=("relu", "statement"),
    controls={"leaky": S.with_leaky(_f2_strategy())},
    source="Lemma F.2 (Appendix F)")
def check_F2_limit(problem) -> Evidence:
    """The limit through its sharpest finite-horizon consequence: ``rho(t) - (m/|S_i(0)|) log t``
    settles to a constant, so the last-decade increment per unit ``log t``
    (:func:`decade_increments`) must be within ``f2_tol`` (relative) of ``m/|S_i(0)|``.
    Witness: the largest relative error over i and r in S_i(0)."""
    tr = run(problem)
    A0 = active_at_init(tr)
    S0 = A0.sum(0)
    inc = decade_increments(tr)
    with np.errstate(invalid="ignore", divide="ignore"):
        err = np.where(A0, np.abs(inc * S0[None, :] / problem.m - 1.0), -np.inf)
    w = float(err.max()) if A0.any() else 0.0
    rb = np.maximum(own(tr, tr.rho), 0.0)
    t = tr.steps[tr.steps >= 10]
    i = int(np.argmax(A0.any(0)))
    r = int(np.argmax(A0[:, i]))
    kk = tr.steps >= 10
    return Evidence(holds=w <= F2_LIMIT_TOL.value, witness=w, bound=F2_LIMIT_TOL.value, relation="<=",
                    summary=f"max |decade increment / (m/|S_i(0)|) - 1| = {fmt(w)} over the last decade "
                            f"[{int(tr.steps[at_fraction(tr.steps, 0.1)])}, {int(tr.steps[-1])}] (tol {F2_LIMIT_TOL.value})",
                    details=describe(problem) | {"m_over_S": (problem.m / np.maximum(S0, 1)).tolist()},
                    series=[series(f"rhobar(t) / log t and the limit m/|S_i(0)| (i = {i}, r = {r})",
                                   "t (steps)", "rho / log t",
                                   [("rhobar / log t", t, rb[kk, r, i] / np.log(t)),
                                    ("m / |S_i(0)|", t, np.full(len(t), problem.m / S0[i]))], logx=True)])


# ---------------------------------------------------------------------------------------------
# Theorem 4.3
# ---------------------------------------------------------------------------------------------
def _thm43_strategy():
    return S.relu_problems(horizon_tau=300.0, limit=True)


@statement(
    "4.3", kind="theorem", title="Theorem 4.3 (ReLU): bounded stable rank and loss rate",
    text="Under (E.2)-(E.4), w.p. >= 1 - delta: (1) limsup_t SR(W_j(t)) <= C, a constant independent "
         "of m, n, d; (2) L_S(W(t)) = O(t^-alpha) for a positive alpha.",
    strategy=_thm43_strategy(), hypotheses=RELU_HYPS,
    constants=RELU_CONSTS + (C_SR_RELU, C_KAPPA, LOSS_RATE_K, ALPHA_TEST), markers=("relu", "statement"),
    # a large init dominates W for the whole horizon; SR of an m x d Gaussian matrix is about
    # m d / (sqrt m + sqrt d)^2, above C_SR once d >= 20
    controls={"large_sigma0": S.with_large_sigma0(S.relu_problems(horizon_tau=300.0, extra_d=(20, 40), limit=True),
                                                  factor=(2e3, 2e4))},
    source="Theorem 4.3 (Section 4); proofs in Appendices E-G")
def check_thm43(problem) -> Evidence:
    """Per initialisation: (1) ``max_{t in [T/10, T]} SR(W_j(t)) / C_SR``; (2) the growth of
    ``t^alpha L`` over the last decade over ``1 + K_loss``, with ``alpha = (1 - kappa)/(1 + kappa)``,
    ``kappa = c Rmin^-2 p n`` (Theorem 4.3 names no alpha: we take Theorem 4.1's form at gamma = 1,
    which is 1 on orthogonal data, matching Lemma F.3); the init's witness is the larger. "W.p.
    >= 1 - delta over the init": :func:`check_over_inits`."""
    alpha = loss_exponent(problem)

    def per_init(tr):
        tv = tail_view(tr)
        sr_tail = float(tv.stable_rank[:, :2].max())
        growth = loss_rate_witness(tr, alpha)
        ws = (sr_tail / C_SR_RELU.value, growth / (1 + LOSS_RATE_K.value))
        return max(ws), {"sr_tail_max": sr_tail, "loss_growth": growth, "sr_part": ws[0], "loss_part": ws[1],
                         "SR_end": tv.stable_rank[-1].tolist(), "loss_exponent": alpha}

    def plots(tr):
        k = tr.steps >= 1
        t = tr.steps[k]
        return [series("Stable ranks", "t (steps)", "SR",
                       [("SR(W_+1)", t, tr.stable_rank[k, 0]), ("SR(W_-1)", t, tr.stable_rank[k, 1]),
                        ("SR(W)", t, tr.stable_rank[k, 2])], logx=True),
                _loss_series(tr, alpha)]

    return check_over_inits(
        problem, per_init,
        lambda pw: f"(1) max SR(W_j) on the last decade = {fmt(pw['sr_tail_max'])} (C_SR = {C_SR_RELU.value}); "
                   f"(2) t^alpha L grows x{fmt(pw['loss_growth'])} (alpha = {fmt(alpha)})",
        plots)


# ---------------------------------------------------------------------------------------------
# Lemma F.3: the limit direction on x_i = e_i, and its exact finite-size stable rank
# ---------------------------------------------------------------------------------------------
def limit_matrices(tr):
    """Lemma F.3's limit of ``W_j(t) / log t`` on ``x_i = e_i``: ``A_j[r, i] = 1(<w_{j,r}(0), x_i> >= 0)
    m / |S_i(0)|`` for the points of class ``j`` (columns of the other class and coordinates past n
    are 0). Returns ``[A_{+1}, A_{-1}]``, each ``(m, d)``."""
    p = tr.problem
    out = []
    for j, yj in ((0, 1.0), (1, -1.0)):
        act = tr.preactivation[0, j] >= 0  # (m, n)
        A = np.zeros((p.m, p.d))
        cls = p.data.y == yj
        S0 = act.sum(0)
        A[:, :p.n][:, cls] = (act * (p.m / np.maximum(S0, 1)))[:, cls]
        out.append(A)
    return out


def _sr(A) -> float:
    s = np.linalg.svd(A, compute_uv=False)
    return float((s ** 2).sum() / s[0] ** 2) if s[0] > 0 else math.nan


def _f3_strategy():
    return S.standard_basis_relu_problems(limit=True)


@statement(
    "F.3", kind="lemma", title="ReLU on x_i = e_i: the limit direction [A, 0] and SR(W_j) -> SR(A_j)",
    text="On x_i = e_i with the first half labelled +1: lim_t W_{+1}(t)/log t = [A, 0] with "
         "A_{r,i} = 1(<w_{+1,r}(0), x_i> >= 0) m/|S_i(0)| (likewise W_{-1}), so lim SR(W_j(t)) = SR(A_j).",
    strategy=_f3_strategy(), hypotheses=RELU_HYPS + ("x_i = e_i, first half labelled +1",),
    constants=RELU_CONSTS + (F2_LIMIT_TOL,), markers=("relu", "statement"),
    controls={"leaky": S.with_leaky(_f3_strategy())},
    source="Lemma F.3 (Appendix F)")
def check_F3(problem) -> Evidence:
    """The limit through the last decade's increment ``(W_j(T) - W_j(T')) / log(T/T')`` (``T'`` the
    first checkpoint at or after ``T/10``), which tends to ``A_j`` fast (as in F.2(limit)). Witness:
    the larger of the relative entry error ``max |increment - A_j| / max A_j`` and the relative error
    of its stable rank against ``SR(A_j)``, over ``j = +-1``; holds iff ``<= f2_tol``."""
    tr = run(problem)
    k0 = at_fraction(tr.steps, 0.1)
    inc = (tr.weights(len(tr.steps) - 1) - tr.weights(k0)) / math.log(tr.steps[-1] / tr.steps[k0])
    errs, srs = [], []
    for j, A in enumerate(limit_matrices(tr)):
        if not A.any():
            continue
        entry = float(np.abs(inc[j] - A).max() / A.max())
        sr_inc, sr_A = _sr(inc[j]), _sr(A)
        errs.append(max(entry, abs(sr_inc / sr_A - 1)))
        srs.append((sr_inc, sr_A))
    w = max(errs) if errs else 0.0
    return Evidence(holds=w <= F2_LIMIT_TOL.value, witness=w, bound=F2_LIMIT_TOL.value, relation="<=",
                    summary=f"last-decade increment of W_j against [A_j, 0]: relative error {fmt(w)}; "
                            + "; ".join(f"SR(increment) = {fmt(a)}, SR(A) = {fmt(b)}" for a, b in srs),
                    details=describe(problem) | {"SR_increment_vs_SR_A": srs,
                                                 "SR_W_at_T": tr.stable_rank[-1, :2].tolist()})
