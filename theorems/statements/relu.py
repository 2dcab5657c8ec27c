"""ReLU (Sections E-G, Theorem 4.3): Lemma E.1 (four parts), Lemma F.2 (pattern, exact zeros,
the limit) and Theorem 4.3."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import strategies as st

from .. import conditions as cond
from .. import strategies as S
from ..constants import (C, C_SR_RELU, C_WIDTH_E, DECADE_EPS, DELTA, E1_C1, E1_C2, E1_C3, E1_CPRIME,
                         G1_ALPHA, R_MAX_RELU, ROUNDOFF)
from ..registry import Evidence, statement
from .common import (active_at_init, at_fraction, beta, describe, fmt, inits_per_example, jy, last_running,
                     last_true, other, own, run, run_seeds, running_minimum, series, stable_rank, tail_view, tau_min)
from .decade import decade_bracket, decade_details, decade_witness, eps_range, sr_bracket, sr_position

RELU_HYPS = ("Theorem 4.3 conditions (E.2)-(E.4) with C and delta", "ReLU (gamma = 0)",
             "R = Rmax/Rmin <= R_max_E",
             "the init lies in the A.1 and A.2 events (Sections E-G; the strategies condition on them)")
RELU_CONSTS = (C, DELTA, R_MAX_RELU, C_WIDTH_E)


# ---------------------------------------------------------------------------------------------
# Constants derived from the proofs, per example (DERIVED-CONSTANTS rows h, i, k, l)
# ---------------------------------------------------------------------------------------------
e1_constants = cond.relu_e1_constants


def e1_constants_of(tr) -> dict:
    p = tr.problem
    return e1_constants(p.n, p.data.p, p.data.Rmin, p.data.R, beta(tr))


def e1_constants_judged(tr) -> dict:
    """:func:`e1_constants_of`, or, outside the proof's regime where c1 does not exist (only controls
    get there: the strategies draw p inside it), the constants at p = 0, the most favourable data,
    with ``outside_regime`` set (the details report it)."""
    c = e1_constants_of(tr)
    if math.isfinite(c["c1"]):
        return c
    d = tr.problem.data
    return e1_constants(d.n, 0.0, d.Rmin, d.R, beta(tr)) | {"outside_regime": True}


def f2_u(beta_: float, R: float) -> float:
    """Lemma F.2's time in units of ``nm/(eta Rmin^2)`` (lines 7340-7360, DERIVED-CONSTANTS row i): the
    smallest ``u`` with ``u > beta (1 + e^(beta + u R^2))`` (for ``t <= T`` every ``|l'| >= 1/(1 +
    e^(beta + u R^2))``, and a neuron of class ``-y_i`` still active at T would have ``|rho| >= c u >
    beta``, a contradiction). ``inf`` when no u does (beta outside the window
    :func:`theorems.conditions.f2_beta_window`); 0 when beta = 0."""
    from scipy.optimize import brentq

    if beta_ <= 0:
        return 0.0
    g = lambda u: u - beta_ * (1 + math.exp(beta_ + u * R * R))
    b = beta_ * R * R
    if b >= 1:
        return math.inf
    u_star = (math.log(1 / b) - beta_) / (R * R)  # where g peaks
    if u_star <= 0 or g(u_star) <= 0:
        return math.inf
    return float(brentq(g, 0.0, u_star, xtol=1e-15, rtol=1e-14))


def f2_T(problem, beta_: float) -> float:
    """``T = u_F n m / (eta Rmin^2)`` steps (the paper prints ``C eta^-1 Rmin^-2 / nm``, a typo: the
    proof uses ``eta T/(nm) = C Rmin^-2``), with ``u_F = f2_u(beta, R)``."""
    return f2_u(beta_, problem.data.R) * tau_min(problem)


def g1_alpha(aE: float, cprime: float) -> float:
    """Lemma G.1's exponent ``(1 - (1 + c') aE)/(c'^2 (1 + aE))`` (lines 8131-8140, row k)."""
    return (1 - (1 + cprime) * aE) / (cprime ** 2 * (1 + aE))


def g1_bound(tr, alpha: float, beta_: float) -> np.ndarray:
    """Lemma G.1's loss bound at each checkpoint: ``(e^(2 beta)/n) sum_i (1 + eta |S_i(0)| ||x_i||^2
    e^-beta t/(2nm^2))^-alpha`` (the H.2 form, with the ``1 +`` the printed formula loses)."""
    p = tr.problem
    S0 = active_at_init(tr).sum(0)
    a = p.eta * S0 * p.data.norms ** 2 * math.exp(-beta_) / (2 * p.n * p.m ** 2)
    t = tr.steps.astype(float)[:, None]
    return math.exp(2 * beta_) * ((1 + a[None, :] * t) ** -alpha).mean(1)


def f1_sr_bound(problem, c: dict) -> np.ndarray:
    """Lemma F.1's proof bound on ``limsup SR(W_j)`` per class (DERIVED-CONSTANTS row l):
    ``50 (1+q)(1+epsF)(c3/c2)^2 R^4 n/n_j``, ``epsF = (n_-j/n_j)(c_E3 pn/Rmin^2)^2``, ``c_E3 = 2/c1``."""
    d = problem.data
    q = (d.n - 1) * d.p / d.Rmin ** 2
    out = []
    for yj in (1.0, -1.0):
        nj, nmj = int((d.y == yj).sum()), int((d.y != yj).sum())
        eps = (nmj / max(nj, 1)) * (2 / c["c1"] * d.p * d.n / d.Rmin ** 2) ** 2
        out.append(50 * (1 + q) * (1 + eps) * (c["c3"] / c["c2"]) ** 2 * d.R ** 4 * d.n / max(nj, 1))
    return np.asarray(out)


# ---------------------------------------------------------------------------------------------
# Witnesses: pure functions of arrays (tests/test_witness_relu.py gives each hand-made inputs)
# ---------------------------------------------------------------------------------------------
def e1_ratio_witness(rb: np.ndarray, big: np.ndarray, A0: np.ndarray) -> float:
    """E.1(i): ``min_{k, i, r in S_i(0)} rb[k, r, i] / big[k]`` (``rb`` (K, m, n) the rhobar_{y_i,r,i},
    ``big`` (K,) the max |rho_{j,r',i'}| at each t); ``inf`` when no r is in any S_i(0)."""
    if not A0.any():
        return math.inf
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(A0[None], rb / np.asarray(big, dtype=float)[:, None, None], np.inf)
    return float(np.nan_to_num(ratio, nan=np.inf).min())


def e1_rate_witness(rb: np.ndarray, logs: np.ndarray, A0: np.ndarray, lower: bool) -> float:
    """E.1(ii)/(iii): over t, i and r in S_i(0), ``min`` (``lower``) or ``max`` of ``rb[k, r, i] /
    logs[k, i]`` (``logs`` (K, n) the logarithm of the part)."""
    if not A0.any():
        return math.inf if lower else 0.0
    fill = np.inf if lower else -np.inf
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(A0[None], rb / logs[:, None, :], fill)
    return float(ratio.min() if lower else ratio.max())


def e1_iv_witness(Zo: np.ndarray, A0: np.ndarray, steps: np.ndarray) -> tuple:
    """E.1(iv): ``(min_{t >= 1, i, r in S_i(0)} <w_{y_i,r}(t), x_i>, number of (r, i) that left S_i(t)
    at some checkpoint)``; holds iff the minimum is ``>= 0``."""
    if not A0.any():
        return math.inf, 0
    sel = A0[None] & (np.asarray(steps) >= 1)[:, None, None]
    vals = np.where(sel, Zo, np.inf)
    return float(vals.min()), int((sel & (Zo < 0)).any(0).sum())


def f2_pattern_parts(steps: np.ndarray, Zo: np.ndarray, Zx: np.ndarray) -> tuple:
    """Lemma F.2's pattern, its two parts separately: ``(own_last, other_last)``. ``own_last``: the last
    step at which ``<w_{y_i,r}(t), x_i> >= 0`` differs from ``<w_{y_i,r}(0), x_i> >= 0`` for some (r, i)
    (exact for all t, so -1 when it holds); ``other_last``: the last step at which some
    ``<w_{-y_i,r}(t), x_i> >= 0`` (must be before T). ``Zo``/``Zx`` (K, m, n): own/other class."""
    own_bad = ((Zo >= 0) != (Zo[0] >= 0)[None]).reshape(len(steps), -1).any(1)
    oth_bad = (Zx >= 0).reshape(len(steps), -1).any(1)
    return last_true(steps, own_bad), last_true(steps, oth_bad)


def f2_pattern_witness(own_last: float, other_last: float, T: float) -> tuple:
    """``(witness, holds)``: witness ``other_last / T`` (``inf`` if the own-class part fails, or
    ``T`` does not exist); holds iff the own-class part never failed and ``other_last < T``."""
    if own_last >= 0 or not math.isfinite(T):
        return math.inf, False
    if other_last < 0:
        return 0.0, True
    if T <= 0:
        return math.inf, False
    return other_last / T, other_last < T


def thm43_verdict(witnesses, in_event) -> dict:
    """Theorem 4.3's conclusions are deterministic on the A.1/A.2 event: ``{failures, inside,
    outside, holds, worst}`` where ``failures`` counts inits inside the event with a witness above 1
    (holds iff none, and at least one init was judged: a check that judged no init vouches for
    nothing), ``outside`` the inits outside it (reported, not judged), ``worst`` the largest
    witness among inits inside."""
    w = np.asarray(witnesses, dtype=float)
    e = np.asarray(in_event, dtype=bool)
    inside = w[e]
    fails = int((~(inside <= 1.0)).sum())
    return {"failures": fails, "inside": int(e.sum()), "outside": int((~e).sum()),
            "holds": fails == 0 and inside.size > 0,
            "worst": float(inside.max()) if inside.size else math.nan}


# ---------------------------------------------------------------------------------------------
# Lemma E.1
# ---------------------------------------------------------------------------------------------
E1_MAX_EXAMPLES = 15  # n up to 32 on 10^3 time units: shrink examples, not sharpness


def _e1_strategy():
    # E.1 holds for all t >= 0: orthogonal data (cheap on the event engine) on 10^3 time units, p > 0
    # data (n = 32 switches patterns: O(m n^2) a step) on 100, at most 10^5 steps
    return st.one_of(S.relu_problems(orthogonal=True, horizon_tau=100.0, dense_tau=3.0, limit=True),
                     S.relu_problems(orthogonal=False, horizon_tau=10.0, dense_tau=3.0, limit=True,
                                     max_steps=100_000))


def _e1_setup(problem):
    """Run the problem; return ``(tr, A0, k, rb, lo, hi, c)``: the trajectory, ``r in S_i(0)`` (m, n),
    the mask ``t > 0``, ``rhobar_{y_i,r,i}(t)`` there, E.1's two logarithms
    ``lo = log(1 + eta |S_i(0)| ||x_i||^2 e^-beta t / (2nm^2))`` (ii) and
    ``hi = log(1 + 2 eta |S_i(0)| ||x_i||^2 e^(2 beta) t / (nm^2))`` (iii), each (K', n), and the
    constants :func:`e1_constants` derives for the example."""
    tr = run(problem)
    A0 = active_at_init(tr)
    k = tr.steps > 0
    rb = np.maximum(own(tr, tr.rho), 0.0)[k]  # rhobar_{y_i,r,i}(t), (K', m, n)
    b = beta(tr)
    c = e1_constants_judged(tr)
    return (tr, A0, k, rb, _e1_log(tr, A0, k, 0.5, math.exp(-b)), _e1_log(tr, A0, k, 2.0, math.exp(2 * b)), c)


def _e1_log(tr, A0, k, factor: float, exp_beta: float):
    p = tr.problem
    S0 = A0.sum(0)  # |S_i(0)|
    t = tr.steps[k].astype(float)[:, None]
    a = factor * p.eta * S0 * p.data.norms ** 2 * exp_beta / (p.n * p.m ** 2)
    return np.log1p(a[None, :] * t)  # (K', n)


def _e1_series(tr, A0, k, rb, lo, hi, c):
    t = tr.steps[k]
    i = int(np.argmax(A0.any(0)))
    r = int(np.argmax(A0[:, i]))
    return series(f"rhobar_(y_i, r, i)(t) for i = {i}, r = {r} against its bounds", "t (steps)", "rho",
                  [("rhobar", t, rb[:, r, i]), ("c2 log(1 + ...)", t, c["c2"] * lo[:, i]),
                   ("c3 log(1 + ...)", t, c["c3"] * hi[:, i])], logx=True)


def _e1_details(problem, tr, A0, c):
    return describe(problem) | {"beta": beta(tr), "derived": c, "in_event": S.init_in_event(problem).holds,
                                "S_over_m": [float(A0.mean(0).min()), float(A0.mean(0).max())]}


E1_CORRELATED = S.with_correlated_data(S.relu_problems(n_range=(2, 8), horizon_tau=100.0, sigma0_frac=(0.1, 1.0),
                                                       limit=True), rho_corr=(0.8, 0.99))


@statement(
    "E.1(i)", kind="lemma", title="ReLU: initially active neurons dominate",
    text="For r in S_i(0): rhobar_{y_i,r,i}(t) >= c1 |rho_{j,r',i'}(t)| for all j, r', i' and t > 0.",
    strategy=_e1_strategy(), hypotheses=RELU_HYPS, constants=RELU_CONSTS + (E1_CPRIME, E1_C1),
    markers=("relu", "statement"), controls={"correlated": E1_CORRELATED},
    source="Lemma E.1 (Appendix E)", max_examples=E1_MAX_EXAMPLES)
def check_E1_i(problem) -> Evidence:
    """Witness: ``min_{t > 0, i, r in S_i(0)} rhobar_{y_i,r,i}(t) / max_{j,r',i'} |rho_{j,r',i'}(t)|``
    (:func:`e1_ratio_witness`) against the c1 the proof gives for this example's beta, p, n, R."""
    tr, A0, k, rb, _, _, c = _e1_setup(problem)
    big = np.abs(tr.rho[k]).reshape(k.sum(), -1).max(1)
    w = e1_ratio_witness(rb, big, A0)
    return Evidence(holds=w >= c["c1"], witness=w, bound=c["c1"], relation=">=",
                    summary=f"min rhobar_(y_i,r,i) / max |rho| over r in S_i(0), t > 0: {fmt(w)} against the "
                            f"derived c1 = {fmt(c['c1'])} (C_E = {fmt(c['C_E'])}, aE = {fmt(c['aE'])}); "
                            f"|S_i(0)|/m in [{fmt(A0.mean(0).min())}, {fmt(A0.mean(0).max())}]",
                    details=_e1_details(problem, tr, A0, c))


@statement(
    "E.1(ii)", kind="lemma", title="ReLU: logarithmic lower rate of rhobar",
    text="For r in S_i(0): rhobar_{y_i,r,i}(t) >= c2 log(1 + eta |S_i(0)| ||x_i||^2 e^{-beta} t / (2 n m^2)).",
    strategy=_e1_strategy(), hypotheses=RELU_HYPS, constants=RELU_CONSTS + (E1_CPRIME, E1_C2),
    markers=("relu", "statement"), controls={"correlated": E1_CORRELATED},
    source="Lemma E.1 (Appendix E)", max_examples=E1_MAX_EXAMPLES)
def check_E1_ii(problem) -> Evidence:
    """Witness: ``min_{t > 0, i, r in S_i(0)} rhobar / log(1 + eta |S_i(0)| ||x_i||^2 e^-beta t/(2nm^2))``
    against the proof's ``c2 = 1/(c'(1 + aE))``."""
    tr, A0, k, rb, lo, hi, c = _e1_setup(problem)
    w = e1_rate_witness(rb, lo, A0, lower=True)
    return Evidence(holds=w >= c["c2"], witness=w, bound=c["c2"], relation=">=",
                    summary=f"min rhobar / log(1 + eta|S_i(0)|||x_i||^2 e^-beta t/(2nm^2)) = {fmt(w)} "
                            f"(derived c2 = 1/(c'(1 + aE)) = {fmt(c['c2'])})",
                    details=_e1_details(problem, tr, A0, c), series=[_e1_series(tr, A0, k, rb, lo, hi, c)])


@statement(
    "E.1(iii)", kind="lemma", title="ReLU: logarithmic upper rate of rhobar",
    text="For r in S_i(0): rhobar_{y_i,r,i}(t) <= c3 log(1 + 2 eta |S_i(0)| ||x_i||^2 e^{2 beta} t / (n m^2)).",
    strategy=_e1_strategy(), hypotheses=RELU_HYPS, constants=RELU_CONSTS + (E1_CPRIME, E1_C3),
    markers=("relu", "statement"),
    controls={"large_eta": S.with_large_eta(S.relu_problems(n_range=(2, 8), horizon_tau=100.0, dense_tau=3.0,
                                                            limit=True), factor=(500.0, 5000.0))},
    source="Lemma E.1 (Appendix E)", max_examples=E1_MAX_EXAMPLES)
def check_E1_iii(problem) -> Evidence:
    """Witness: ``max_{t > 0, i, r in S_i(0)} rhobar / log(1 + 2 eta |S_i(0)| ||x_i||^2 e^{2 beta} t/(nm^2))``
    against the proof's ``c3 = c'/(1 - 2c' aE)`` (``c' = 2.5``, ``aE = pn/(c1 Rmin^2)``)."""
    tr, A0, k, rb, lo, hi, c = _e1_setup(problem)
    w = e1_rate_witness(rb, hi, A0, lower=False)
    return Evidence(holds=w <= c["c3"], witness=w, bound=c["c3"], relation="<=",
                    summary=f"max rhobar / log(1 + 2 eta|S_i(0)|||x_i||^2 e^(2 beta) t/(nm^2)) = {fmt(w)} "
                            f"(derived c3 = c'/(1 - 2c'aE) = {fmt(c['c3'])}); max m/|S_i(0)| = "
                            f"{fmt(1 / max(A0.mean(0).min(), 1e-300))}",
                    details=_e1_details(problem, tr, A0, c), series=[_e1_series(tr, A0, k, rb, lo, hi, c)])


@statement(
    "E.1(iv)", kind="lemma", title="ReLU: initially active neurons stay active (S_i(0) in S_i(t))",
    text="For all t >= 0: S_i(0) is a subset of S_i(t), i.e. <w_{y_i,r}(t), x_i> >= 0 whenever "
         "<w_{y_i,r}(0), x_i> >= 0 (Lemma 5.8).",
    strategy=_e1_strategy(), hypotheses=RELU_HYPS, constants=RELU_CONSTS,
    markers=("relu", "statement"), controls={"correlated": E1_CORRELATED},
    source="Lemma E.1 (Appendix E); Lemma 5.8", max_examples=E1_MAX_EXAMPLES)
def check_E1_iv(problem) -> Evidence:
    """Exact. Witness: ``min_{t >= 1, i, r in S_i(0)} <w_{y_i,r}(t), x_i>`` (:func:`e1_iv_witness`;
    checkpoints every step up to 3 tau, log-spaced after; t = 0 is left out, where it holds by
    definition and its value, ~0 for tiny sigma0, would hide the margin); holds iff ``>= 0`` there
    and at every step (the engine's running minimum over S_i(0), t = 0 included:
    :func:`~theorems.statements.common.running_minimum`; a negative one is the witness)."""
    tr = run(problem)
    A0 = active_at_init(tr)
    Zo = own(tr, tr.preactivation)
    w_ck, left = e1_iv_witness(Zo, A0, tr.steps)
    # every step (sim.running's minimum over S_i(0), t = 0 included, where it is >= 0 by definition)
    w_all, kind = running_minimum(problem, tr, "min_preact_S0", 0.0)
    w = w_ck if w_all >= 0 else w_all
    lost = (A0[None] & (Zo < 0)).reshape(len(tr.steps), -1).sum(1)
    return Evidence(holds=w >= 0, witness=w, bound=0.0, relation=">=",
                    summary=f"min over checkpoints t >= 1, r in S_i(0) of <w_(y_i,r)(t), x_i> = {fmt(w_ck)}; "
                            f"over every step t >= 0: {fmt(w_all)} ({kind}); "
                            f"(r, i) that left S_i(t) at some checkpoint: {left}",
                    details=describe(problem) | {"in_event": S.init_in_event(problem).holds,
                                                 "witness_every_step": w_all, "every_step_kind": kind},
                    series=[series("Initially active neurons that are inactive at t", "t (steps)",
                                   "count", [("left S_i(t)", np.maximum(tr.steps, 1), lost)], logx=True)])


# ---------------------------------------------------------------------------------------------
# Lemma F.2 (mutually orthogonal data)
# ---------------------------------------------------------------------------------------------
F2_MAX_EXAMPLES = 20


def _f2_strategy():
    # sigma0 capped so that A.1's bound on beta lies in the window where the proof's T exists
    return S.relu_problems(orthogonal=True, horizon_tau=2000.0, n_log=60, limit=True, dense_tau=3.0,
                           f2_window=True)


def _f2_T(problem, tr=None) -> float:
    """The proof's T for this example (:func:`f2_T` at its beta)."""
    tr = run(problem) if tr is None else tr
    return f2_T(problem, beta(tr))


@statement(
    "F.2(pattern)", kind="lemma", title="ReLU, orthogonal data: the pattern is fixed by the init after T",
    text="For t >= T = C nm/(eta Rmin^2): <w_{y_i,r}(t), x_i> >= 0 iff <w_{y_i,r}(0), x_i> >= 0, and "
         "<w_{-y_i,r}(t), x_i> < 0 for all r.",
    strategy=_f2_strategy(), hypotheses=RELU_HYPS + ("mutually orthogonal data (p = 0)",
                                                     "beta in the window where the proof's T exists"),
    constants=RELU_CONSTS, markers=("relu", "statement"),
    # large sigma0 puts beta outside the window where the proof's T exists (T = inf: never passes
    # silently); leaky ReLU breaks the own-class part alone (sigma'(z < 0) = gamma pushes the neurons
    # inactive at init across 0) while the other class's neurons still switch off
    controls={"large_sigma0": S.with_large_sigma0(S.relu_problems(orthogonal=True, horizon_tau=2000.0,
                                                                  n_range=(2, 8), n_log=60, dense_tau=3.0)),
              "leaky_own_part": S.with_leaky(S.relu_problems(orthogonal=True, horizon_tau=200.0, n_range=(2, 8),
                                                             n_log=60, dense_tau=3.0, f2_window=True))},
    source="Lemma F.2 (Appendix F)", max_examples=F2_MAX_EXAMPLES)
def check_F2_pattern(problem) -> Evidence:
    """Two parts (:func:`f2_pattern_parts`): the own-class pattern equals the init's at every t (exact),
    and no ``<w_{-y_i,r}(t), x_i> >= 0`` at or after the proof's ``T = u_F nm/(eta Rmin^2)``, ``u_F`` the
    smallest ``u > beta(1 + e^(beta + u R^2))`` (:func:`f2_T`, row i). Witness: the last step with an
    other-class neuron active, in units of that T; holds iff ``< 1`` and the own part holds. Both
    parts read every step: the engine's running switch and wrong-sign records close the gaps
    between checkpoints."""
    tr = run(problem)
    Zo, Zx = own(tr, tr.preactivation), other(tr, tr.preactivation)
    own_last, other_last = f2_pattern_parts(tr.steps, Zo, Zx)
    # every step (sim.running, exact on every engine): an own-class entry that switched at all, and
    # the last step an other-class entry was >= 0 (its sign j y_i = -1 wrong)
    own_mask = np.broadcast_to(jy(problem), tr.running["last_switch"].shape) > 0
    own_last = max(own_last, last_running(tr, "last_switch", own_mask))
    other_last = max(other_last, last_running(tr, "last_wrong_sign", ~own_mask))
    T = _f2_T(problem, tr)
    w, ok = f2_pattern_witness(own_last, other_last, T)
    bad = ((Zo >= 0) != (Zo[0] >= 0)[None]) | (Zx >= 0)
    frac = bad.reshape(len(tr.steps), -1).mean(1)
    unit = tau_min(problem)
    return Evidence(holds=ok, witness=w, bound=1.0, relation="<=",
                    summary=f"own-class pattern off the init's at step {int(own_last)} (-1: never); other class "
                            f"last active at step {int(other_last)} = {fmt(max(other_last, 0) / T if T > 0 else math.inf)} T "
                            f"with the proof's T = {fmt(T)} steps = {fmt(T / unit)} nm/(eta Rmin^2) "
                            f"(beta = {fmt(beta(tr))}); witness {fmt(w)}",
                    details=describe(problem) | {"own_last": own_last, "other_last": other_last, "T": T,
                                                 "beta": beta(tr), "in_event": S.init_in_event(problem).holds},
                    series=[series("Fraction of (r, i) off the predicted pattern", "t eta Rmin^2 / (nm)",
                                   "fraction", [("off pattern", np.maximum(tr.steps, 1) / unit, frac)],
                                   logx=True)])


@statement(
    "F.2(zeros)", kind="lemma", title="ReLU, orthogonal data: exact zeros and frozen rhounder",
    text="rho_{j,r,i}(t) = 0 for all t whenever <w_{j,r}(0), x_i> < 0; rhounder_{-y_i,r,i}(t) is "
         "constant for t >= T when the neuron was active at init.",
    strategy=_f2_strategy(), hypotheses=RELU_HYPS + ("mutually orthogonal data (p = 0)",
                                                     "beta in the window where the proof's T exists"),
    constants=RELU_CONSTS + (ROUNDOFF,), markers=("relu", "statement"),
    controls={"correlated": S.with_correlated_data(S.relu_problems(orthogonal=True, horizon_tau=2000.0,
                                                                   n_range=(2, 8), n_log=60))},
    source="Lemma F.2 (Appendix F)", max_examples=F2_MAX_EXAMPLES)
def check_F2_zeros(problem) -> Evidence:
    """Exact. Witness: the larger of ``max |rho_{j,r,i}(t)|`` over entries inactive at init (must
    be exactly 0) and ``max_{t >= T} |rhounder_{-y_i,r,i}(t) - rhounder_{-y_i,r,i}(T)|`` relative
    to ``1 + max |rho|`` (T the proof's, :func:`f2_T`; read from the first checkpoint at or after it);
    holds iff ``<= roundoff``."""
    tr = run(problem)
    inactive0 = tr.preactivation[0] < 0  # (2, m, n)
    zero_part = float(np.abs(tr.rho[:, inactive0]).max()) if inactive0.any() else 0.0
    T = _f2_T(problem, tr)
    kT = int(np.searchsorted(tr.steps, T)) if math.isfinite(T) else len(tr.steps)
    ru = np.minimum(other(tr, tr.rho), 0.0)
    act = (other(tr, tr.preactivation)[0] >= 0)
    scale = 1.0 + float(np.abs(tr.rho).max())
    const_part = float(np.abs(ru[kT:] - ru[kT][None])[:, act].max()) / scale \
        if (act.any() and kT < len(tr.steps)) else 0.0
    w = max(zero_part, const_part) if math.isfinite(T) else math.inf
    return Evidence(holds=w <= ROUNDOFF.value, witness=w, bound=ROUNDOFF.value, relation="<=",
                    summary=f"max |rho| where inactive at init = {zero_part:.3g}; drift of rhounder "
                            f"after T = {fmt(T)} steps: {const_part:.3g} (round-off bound {ROUNDOFF.value})",
                    details=describe(problem) | {"zero_part": zero_part, "const_part": const_part, "T": T})


@statement(
    "F.2(limit)", kind="lemma", title="ReLU, orthogonal data: rhobar grows like (m/|S_i(0)|) log t",
    text="lim_t rhobar_{y_i,r,i}(t) / log t = m / |S_i(0)| for r in S_i(0).",
    strategy=_f2_strategy(), hypotheses=RELU_HYPS + ("mutually orthogonal data (p = 0)",),
    constants=RELU_CONSTS + (DECADE_EPS, ROUNDOFF), markers=("relu", "statement"),
    controls={"leaky": S.with_leaky(_f2_strategy())},
    source="Lemma F.2 (Appendix F)", max_examples=F2_MAX_EXAMPLES)
def check_F2_limit(problem) -> Evidence:
    """The limit through its sharpest finite-horizon consequence (:mod:`.decade`): the last decade's
    increment per unit ``log t``, times ``|S_i(0)|/m``, is ``D_i -> 1``, and at this horizon the exact
    one-dimensional dynamics of the margin put it in ``[D_lo, D_hi]``, within ``eps_i`` of 1 (derived
    per point from the state at ``T/10``; nothing declared). Witness: the largest position of a
    ``D_i`` in its bracket (``|D_i - mid|/half``) over the points whose pattern is frozen on the last
    decade; holds iff ``<= 1``, no point contradicts F.2's pattern, and at least one point is judged.
    The summary reports the measured ``|D_i - 1|`` beside ``eps_i``."""
    tr = run(problem)
    br = decade_bracket(tr, _f2_T(problem, tr))
    w, ok = decade_witness(br)
    A0 = active_at_init(tr)
    S0 = A0.sum(0)
    rb = np.maximum(own(tr, tr.rho), 0.0)
    kk = tr.steps >= 10
    t = tr.steps[kk]
    i = int(np.nanargmax(np.where(br.judged, br.positions(), -np.inf))) if br.judged.any() else int(np.argmax(A0.any(0)))
    r = int(np.argmax(A0[:, i]))
    return Evidence(holds=ok, witness=w, bound=1.0, relation="<=",
                    summary=f"last decade [{br.window[0]}, {br.window[1]}]: D_i's largest position in its derived "
                            f"bracket {fmt(w)} ({'inside' if ok else 'OUTSIDE'}: <= 1 is inside); max |D_i - 1| = "
                            f"{fmt(np.nanmax(br.errors()) if br.judged.any() else math.nan)} against eps_i in {eps_range(br)}; "
                            f"{int(br.judged.sum())} of {problem.n} points judged"
                            + (f"; not judged: {'; '.join(br.why)}" if br.why else ""),
                    details=describe(problem) | decade_details(br)
                    | {"m_over_S": (problem.m / np.maximum(S0, 1)).tolist()},
                    series=[series(f"rhobar(t) / log t and the limit m/|S_i(0)| (i = {i}, r = {r})",
                                   "t (steps)", "rho / log t",
                                   [("rhobar / log t", t, rb[kk, r, i] / np.log(t)),
                                    ("m / |S_i(0)|", t, np.full(len(t), problem.m / S0[i]))], logx=True)])


# ---------------------------------------------------------------------------------------------
# Theorem 4.3
# ---------------------------------------------------------------------------------------------
THM43_MAX_EXAMPLES = 5  # 8 inits each (32 in thorough), n up to 32: shrink examples, not sharpness
THM43_SEED_TRIES = 2000


def _thm43_strategy():
    # the sharp stable-rank part needs orthogonal data (10^3 time units, cheap on the event engine);
    # on p > 0 data G.1's bound holds for every t and F.1's bound is loose: 100 units, <= 10^5 steps
    return st.one_of(S.relu_problems(orthogonal=True, horizon_tau=100.0, limit=True),
                     S.relu_problems(orthogonal=False, horizon_tau=10.0, limit=True, max_steps=30_000))


def limit_coefficients(tr):
    """Lemmas F.2/F.3's limit of ``W_j(t)/log t`` on orthogonal data, as ``L_j = A_j Xt``: returns
    ``([A_{+1}, A_{-1}], Xt)`` with ``A_j[r, i] = 1(<w_{j,r}(0), x_i> >= 0) m/|S_i(0)|`` for the points of
    class j (0 elsewhere), each (m, n), and ``Xt`` the rows ``x_i/||x_i||^2``, (n, d)
    (``rhobar/log t -> m/|S_i(0)|``; the other class's coefficients freeze). On ``x_i = e_i`` this is
    Lemma F.3's ``[A, 0]``."""
    p = tr.problem
    Xt = p.data.X / (p.data.norms ** 2)[:, None]
    As = []
    for j, yj in ((0, 1.0), (1, -1.0)):
        act = tr.preactivation[0, j] >= 0  # (m, n)
        As.append(np.where(act & (p.data.y == yj)[None, :], p.m / np.maximum(act.sum(0), 1)[None, :], 0.0))
    return As, Xt


def limit_directions(tr):
    """``[L_{+1}, L_{-1}]``, each (m, d): :func:`limit_coefficients` multiplied out."""
    As, Xt = limit_coefficients(tr)
    return [A @ Xt for A in As]


def thm43_parts(tr, c: dict, sr_bound_F1: np.ndarray, alpha: float) -> dict:
    """One init's parts of Theorem 4.3, each a ratio that holds iff ``<= 1``: ``loss`` =
    ``max_{t >= 1} L_S(t) / G.1's bound(t)``; ``sr_F1`` = ``max_j max_{t in [T/10, T]} SR(W_j(t)) / F.1's
    bound``; on orthogonal data also ``sr_limit`` = the largest position of ``SR(increment_j)`` (the last
    decade's increment of ``W_j``) in the range the margin dynamics derive around the exact limit
    (:func:`.decade.sr_bracket`, :func:`.decade.sr_position`; ``SR_limit_distance`` reports
    ``|SR(increment_j)/SR(L_j) - 1|``) and ``sr_C`` = ``max_j SR(L_j) / (C_SR R^2)`` (the constant
    independent of m, n, d)."""
    p = tr.problem
    k = tr.steps >= 1
    b = beta(tr)
    parts = {"loss": float((tr.loss[k] / g1_bound(tr, alpha, b)[k]).max())}
    tv = tail_view(tr)
    parts["sr_F1"] = float((tv.stable_rank[:, :2] / sr_bound_F1[None, :]).max())
    if p.data.p == 0:
        k0 = at_fraction(tr.steps, 0.1)
        inc = (tr.weights(len(tr.steps) - 1) - tr.weights(k0)) / math.log(tr.steps[-1] / tr.steps[k0])
        br = decade_bracket(tr, _f2_T(p, tr))
        As, Xt = limit_coefficients(tr)
        lim, inc_sr, pos = [], [], []
        for j, A in enumerate(As):
            if A.any():
                lim.append(stable_rank(A @ Xt))
                inc_sr.append(stable_rank(inc[j]))
                pos.append(sr_position(inc_sr[-1], sr_bracket(br, A, Xt)))
        parts["SR_limit"] = lim
        parts["SR_increment"] = inc_sr
        parts["SR_limit_distance"] = [abs(a / b_ - 1) for a, b_ in zip(inc_sr, lim)]
        parts["sr_limit"] = max(pos) if pos else 0.0
        parts["sr_C"] = max(lim) / (C_SR_RELU.value * p.data.R ** 2) if lim else 0.0
    return parts


_PART_KEYS = ("loss", "sr_F1", "sr_limit", "sr_C")


def event_seeds(problem, k: int, tries: int = THM43_SEED_TRIES) -> tuple:
    """The first ``k`` seeds from ``problem.seed`` on whose init the A.1 and A.2 events hold, and the
    number of seeds passed over because they lie outside (reported, never judged)."""
    inside, outside = [], 0
    for s in range(problem.seed, problem.seed + tries):
        if S.init_in_event(problem, s % 2**31).holds:
            inside.append(s % 2**31)
            if len(inside) == k:
                break
        else:
            outside += 1
    return inside, outside


@statement(
    "4.3", kind="theorem", title="Theorem 4.3 (ReLU): bounded stable rank and loss rate",
    text="Under (E.2)-(E.4), w.p. >= 1 - delta: (1) limsup_t SR(W_j(t)) <= C, a constant independent "
         "of m, n, d; (2) L_S(W(t)) = O(t^-alpha) for a positive alpha.",
    strategy=_thm43_strategy(), hypotheses=RELU_HYPS,
    constants=RELU_CONSTS + (E1_CPRIME, C_SR_RELU, DECADE_EPS, G1_ALPHA), markers=("relu", "statement"),
    # leaky ReLU on orthogonal data: every neuron stays active, W_j/log t tends to rank one, far from
    # the ReLU limit SR(L_j) (about 2 n_j/(n_j + 1)) once each class has two points
    controls={"leaky": S.with_leaky(S.relu_problems(n_range=(4, 8), orthogonal=True, horizon_tau=30.0,
                                                    min_per_class=2, limit=True))},
    source="Theorem 4.3 (Section 4); proofs in Appendices E-G", max_examples=THM43_MAX_EXAMPLES)
def check_thm43(problem) -> Evidence:
    """Deterministic on the A.1/A.2 event (:func:`thm43_verdict`): every init inside it must have all
    parts of :func:`thm43_parts` ``<= 1``: (2) the loss under Lemma G.1's explicit bound with its
    alpha = (1 - (1+c')aE)/(c'^2(1+aE)) (c' = max_i m/|S_i(0)|, aE from the derived c1_E); (1) the tail
    stable ranks under F.1's proof bound, and on orthogonal data the last-decade increment's stable
    rank in the range the margin dynamics derive around the exact limit SR(L_j) (eps_decade), which is
    at most C_SR R^2. Inits outside the
    event are counted and reported, not judged. Witness: the number of failing inits inside."""
    seeds, skipped = event_seeds(problem, inits_per_example())
    trs = run_seeds(problem, seeds)
    ws, parts, ins = [], [], []
    for tr in trs:
        c = e1_constants_of(tr)
        A0 = active_at_init(tr)
        cp = float(problem.m / max(A0.sum(0).min(), 1))
        alpha = g1_alpha(c["aE"], cp) if math.isfinite(c["c1"]) else math.nan
        inside = S.init_in_event(problem, tr.seed).holds and math.isfinite(alpha) and alpha > 0
        pt = thm43_parts(tr, c, f1_sr_bound(problem, c), alpha) if inside else {}
        pt |= {"alpha": alpha, "c_prime": cp, "in_event": inside, "seed": int(tr.seed)}
        ws.append(max((pt[k] for k in _PART_KEYS if k in pt), default=math.nan))
        parts.append(pt)
        ins.append(inside)
    v = thm43_verdict(ws, ins)
    v["outside"] += skipped
    cand = [i for i in range(len(trs)) if ins[i]]
    k = max(cand, key=lambda i: ws[i]) if cand else 0
    pw = parts[k]
    return Evidence(holds=v["holds"], witness=v["failures"], bound=0.0, relation="<=", score=v["worst"],
                    summary=f"{v['failures']}/{v['inside']} inits inside the A.1/A.2 event fail ({v['outside']} "
                            f"outside, not judged); worst init's parts: "
                            + ", ".join(f"{k_} {fmt(pw[k_])}" for k_ in _PART_KEYS if k_ in pw)
                            + (f"; SR(increment) {[round(x, 4) for x in pw['SR_increment']]} vs SR(L_j) "
                               f"{[round(x, 4) for x in pw['SR_limit']]} (relative distance {[fmt(x) for x in pw['SR_limit_distance']]})"
                               if "SR_limit" in pw else "")
                            + f"; G.1's alpha {fmt(pw['alpha'])}",
                    details=describe(problem) | {"inits": len(trs), "inside_event": v["inside"],
                                                 "outside_event": v["outside"], "failures": v["failures"],
                                                 "per_init_witness": ws, "worst_init": pw},
                    series=_thm43_series(trs[k], pw))


def _thm43_series(tr, pw):
    k = tr.steps >= 1
    t = tr.steps[k]
    out = [series("Stable ranks", "t (steps)", "SR",
                  [("SR(W_+1)", t, tr.stable_rank[k, 0]), ("SR(W_-1)", t, tr.stable_rank[k, 1]),
                   ("SR(W)", t, tr.stable_rank[k, 2])], logx=True)]
    if math.isfinite(pw.get("alpha", math.nan)):
        out.append(series("Training loss (log-log) and Lemma G.1's bound", "t (steps)", "L_S(W(t))",
                          [("loss", t, tr.loss[k]), (f"G.1 bound, alpha = {pw['alpha']:.3g}", t,
                                                     g1_bound(tr, pw["alpha"], beta(tr))[k])],
                          logx=True, logy=True))
    return out


# ---------------------------------------------------------------------------------------------
# Lemma F.3: the limit direction on x_i = e_i, and its exact finite-size stable rank
# ---------------------------------------------------------------------------------------------
def _f3_strategy():
    return S.standard_basis_relu_problems(limit=True)


@statement(
    "F.3", kind="lemma", title="ReLU on x_i = e_i: the limit direction [A, 0] and SR(W_j) -> SR(A_j)",
    text="On x_i = e_i with the first half labelled +1: lim_t W_{+1}(t)/log t = [A, 0] with "
         "A_{r,i} = 1(<w_{+1,r}(0), x_i> >= 0) m/|S_i(0)| (likewise W_{-1}), so lim SR(W_j(t)) = SR(A_j).",
    strategy=_f3_strategy(), hypotheses=RELU_HYPS + ("x_i = e_i, first half labelled +1",),
    constants=RELU_CONSTS + (DECADE_EPS, ROUNDOFF), markers=("relu", "statement"),
    controls={"leaky": S.with_leaky(_f3_strategy())},
    source="Lemma F.3 (Appendix F)", max_examples=15)  # n up to 32 on 2 10^4 time units: fewer examples
def check_F3(problem) -> Evidence:
    """The limit through the last decade's increment ``(W_j(T) - W_j(T')) / log(T/T')`` (``T'`` the
    first checkpoint at or after ``T/10``), which is ``A_j`` with column ``i`` scaled by ``D_i``
    (:mod:`.decade`). Three parts, each a ratio that holds iff ``<= 1``: ``entries`` = the largest
    position of a ``D_i`` in its derived bracket (:func:`.decade.decade_witness`; within ``eps_i`` of the
    limit); ``zeros`` = the largest increment where ``A_j = 0`` relative to ``max A_j``, over roundoff
    (frozen coefficients do not move); ``sr`` = the position of ``SR(increment_j)`` in the range derived
    around ``SR(A_j)`` (:func:`.decade.sr_position`). Witness: the largest part."""
    tr = run(problem)
    br = decade_bracket(tr, _f2_T(problem, tr))
    w_entries, ok_entries = decade_witness(br)
    k0 = at_fraction(tr.steps, 0.1)
    inc = (tr.weights(len(tr.steps) - 1) - tr.weights(k0)) / math.log(tr.steps[-1] / tr.steps[k0])
    zeros, srs, sr_parts = 0.0, [], []
    As, Xt = limit_coefficients(tr)
    for j, A in enumerate(As):
        if not A.any():
            continue
        L = A @ Xt  # [A_j, 0] on x_i = e_i
        zeros = max(zeros, float(np.abs(inc[j][L == 0]).max(initial=0.0) / L.max()) / ROUNDOFF.value)
        sr_inc, sr_A = stable_rank(inc[j]), stable_rank(L)
        srs.append((sr_inc, sr_A, abs(sr_inc / sr_A - 1)))
        sr_parts.append(sr_position(sr_inc, sr_bracket(br, A, Xt)))
    parts = {"entries": w_entries, "zeros": zeros, "sr": max(sr_parts, default=0.0)}
    w = max(parts.values())
    ok = ok_entries and zeros <= 1.0 and parts["sr"] <= 1.0
    return Evidence(holds=ok, witness=w, bound=1.0, relation="<=",
                    summary=f"last-decade increment of W_j against [A_j, 0] on [{br.window[0]}, {br.window[1]}]: "
                            f"positions in the derived brackets: entries {fmt(parts['entries'])}, stable rank "
                            f"{fmt(parts['sr'])}; zeros {fmt(parts['zeros'])} (each <= 1); "
                            + "; ".join(f"SR(increment) = {fmt(a)}, SR(A) = {fmt(b)} (relative distance {fmt(t)})"
                                        for a, b, t in srs)
                            + (f"; not judged: {'; '.join(br.why)}" if br.why else ""),
                    details=describe(problem) | decade_details(br)
                    | {"parts": parts, "SR_increment_vs_SR_A": [list(x[:2]) for x in srs],
                       "SR_limit_distance": [x[2] for x in srs], "SR_W_at_T": tr.stable_rank[-1, :2].tolist()})
